"""The one way a password changes: validate, store, and revoke every session the old one opened.

Every password change or reset in the API goes through ``user_password_set`` (today the reset
confirmation; a "change password" endpoint would call it too), so whatever must happen when a
password changes — revoking refresh tokens now, dropping a cached revocation stamp — is added
in one place (docs/api-behaviour.md#password-reset).
"""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from chatcore.errors import InvalidInput
from chatcore.models import User


def password_problem(user: User, password: str) -> None:
    """``InvalidInput`` with the validators' sentences when ``password`` is too weak."""
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise InvalidInput(exc.messages[0], fields={"password": list(exc.messages)}) from exc


def refresh_tokens_revoke(*, user: User) -> int:
    """Blacklist every refresh token of ``user`` not yet blacklisted, in two statements; returns
    how many were revoked. (Access tokens die with the password: ``CHECK_REVOKE_TOKEN``.)"""
    live = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    rows = [BlacklistedToken(token_id=pk) for pk in live.values_list("pk", flat=True)]
    BlacklistedToken.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


@transaction.atomic
def user_password_set(*, user: User, password: str) -> int:
    """Validate and store ``password`` for ``user`` and revoke all their refresh tokens (the
    number revoked is returned). The single hook for "the password changed"."""
    password_problem(user, password)
    user.set_password(password)
    user.save(update_fields=["password"])
    return refresh_tokens_revoke(user=user)
