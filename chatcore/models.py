"""The user model and the abstract bases every owned table builds on."""

from __future__ import annotations

import os
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone

from chatcore.validators import text_problem

# parentMessageId of a root message (LibreChat's NO_PARENT; docs/api-behaviour.md#public-ids).
NO_PARENT = "00000000-0000-0000-0000-000000000000"
PUBLIC_ID_MAX_LENGTH = 64


def public_id_is_usable(value: str) -> bool:
    """Whether a path/query id could name a stored row. NUL or overlong ids never do, and would
    make PostgreSQL raise instead of simply matching nothing, so lookups answer 404 for them."""
    return 0 < len(value) <= PUBLIC_ID_MAX_LENGTH and text_problem(value) is None


def new_public_id() -> str:
    """Server-minted public id: a UUIDv4 string, as LibreChat clients mint them."""
    return str(uuid.uuid4())


def new_public_ids(count: int) -> list[str]:
    """``count`` ids as ``new_public_id`` mints them (``uuid4`` is a UUID of 16 random bytes),
    with the random bytes read in one call: a bulk writer minting thousands of ids otherwise
    makes as many system calls, each one a chance for another thread to take the interpreter
    lock (convos_app/services/imports/service.py)."""
    random = os.urandom(16 * count)
    return [str(uuid.UUID(bytes=random[i : i + 16], version=4)) for i in range(0, 16 * count, 16)]


class ChatUserManager(UserManager):
    """Email is the login; ``username`` is an optional display handle."""

    use_in_migrations = True

    def _create_user(self, username, email, password, **extra_fields):  # type: ignore[override]
        if not email:
            raise ValueError("Users must have an email address")
        email = self.normalize_email(email).lower()
        user = self.model(username=username or "", email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        username = extra_fields.pop("username", "")
        return self._create_user(username, email, password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        username = extra_fields.pop("username", "")
        return self._create_user(username, email, password, **extra_fields)


class User(AbstractUser):
    """chatcore's user: logs in with email (LibreChat's login body is ``{email, password}``)."""

    username = models.CharField(max_length=150, blank=True, default="")
    email = models.EmailField("email address", max_length=254, unique=True)
    name = models.CharField(max_length=255, blank=True, default="")

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = ChatUserManager()

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        # Logins are case-insensitive: the unique column holds the lower-cased address.
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.email


class OwnedQuerySet(models.QuerySet):
    def for_user(self, user: User) -> OwnedQuerySet:
        return self.filter(user=user)


class TimestampedModel(models.Model):
    """``created_at``/``updated_at`` set by services, not ``auto_now``.

    Import, fork and duplicate write their own timestamps in bulk, which ``auto_now`` would
    overwrite; services stamp ``updated_at`` explicitly instead
    (docs/api-behaviour.md#timestamps).
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=False)
    updated_at = models.DateTimeField(default=timezone.now, db_index=False)

    class Meta:
        abstract = True


class OwnedModel(TimestampedModel):
    """Every row carries its owner so every query can be scoped by it
    (docs/api-behaviour.md#ownership)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    objects = OwnedQuerySet.as_manager()

    class Meta:
        abstract = True


# The staff access log (chatcore.audit) and the search document table (chatcore.search) live
# in their own modules; imported so Django registers them.
from chatcore.audit import StaffAccess  # noqa: E402, F401

# Tables of kernel packages, imported so Django registers them: background jobs
# (chatcore.jobs) and the search document table (chatcore.search).
from chatcore.jobs.models import Job  # noqa: E402, F401
from chatcore.search.models import SearchDocument  # noqa: E402, F401
