"""Bearer-token authentication whose hot path needs no database round trip.

simplejwt's ``JWTAuthentication`` reads the user row on every request, to find the user, check
``is_active`` and compare the token's password stamp with the current password
(``CHECK_REVOKE_TOKEN``: a password change revokes every token minted before it). That SELECT
was ~12% of a conversation-list request. Here the row (without the password hash) and the
stamp are kept in Django's cache under the user id; a save or delete of the user drops the
entry (``user_auth_cache_drop``, connected in ``ChatcoreConfig.ready``), so a password change,
a deactivation or a deletion is seen by the next request of every worker.

That is only true of a cache every worker shares, and only worth it for one that is not the
database: ``auth_user_cache`` answers ``None`` (plain simplejwt behaviour) for the database
cache (a cache read would be the same round trip), and for per-process caches (local memory,
files, dummy), which another worker's invalidation would not reach. ``AUTH_USER_CACHE`` forces
it ``on`` or ``off``. See docs/api-behaviour.md#auth.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import get_md5_hash_password

from chatcore.auth.token_errors import JWTAuthentication
from chatcore.models import User

CACHE_KEY = "chatcore:auth-user:{user_id}"
CACHE_SECONDS = 300
# Backends that are the database itself or live in one process.
UNSHARED_OR_DATABASE = (
    "django.core.cache.backends.db.",
    "django.core.cache.backends.locmem.",
    "django.core.cache.backends.filebased.",
    "django.core.cache.backends.dummy.",
)
# The columns kept in the cache: every concrete column but the password hash.
CACHED_FIELDS = tuple(
    field.attname for field in User._meta.concrete_fields if field.attname != "password"
)


def auth_user_cache() -> BaseCache | None:
    """The cache user rows are kept in, or ``None`` when keeping them there gains nothing or
    would not be safe (see the module docstring)."""
    mode = getattr(settings, "AUTH_USER_CACHE", "auto")
    if mode == "off":
        return None
    alias = getattr(settings, "AUTH_USER_CACHE_ALIAS", "default")
    if mode == "auto":
        backend = settings.CACHES[alias]["BACKEND"]
        if backend.startswith(UNSHARED_OR_DATABASE):
            return None
    return caches[alias]


def user_auth_cache_drop(sender: type, instance: User, **kwargs: Any) -> None:
    """``post_save``/``post_delete`` receiver: forget the cached row of this user."""
    cache = auth_user_cache()
    if cache is not None:
        cache.delete(CACHE_KEY.format(user_id=instance.pk))


def _entry_of(user: User) -> dict[str, Any]:
    return {
        "values": [getattr(user, name) for name in CACHED_FIELDS],
        "stamp": get_md5_hash_password(user.password),
    }


def _user_of(entry: dict[str, Any]) -> User:
    # ``from_db`` leaves ``password`` deferred: reading it loads it, and a ``save()`` of this
    # instance writes only the loaded columns, never a placeholder over the real hash.
    return User.from_db(DEFAULT_DB_ALIAS, list(CACHED_FIELDS), entry["values"])


class CachedJWTAuthentication(JWTAuthentication):
    """simplejwt's bearer authentication with the user row and password stamp from the cache
    (the same checks, the same 401 sentences), and the distinct 401 codes of
    ``chatcore.auth.token_errors`` (docs/api-behaviour.md#token-errors)."""

    def get_user(self, validated_token: Token) -> User:
        cache = auth_user_cache()
        if cache is None:
            return super().get_user(validated_token)
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as exc:
            raise InvalidToken(_("Token contained no recognizable user identification")) from exc
        key = CACHE_KEY.format(user_id=user_id)
        entry = cache.get(key)
        if entry is None:
            user = super().get_user(validated_token)  # the database checks every rule
            cache.set(key, _entry_of(user), CACHE_SECONDS)
            return user
        user = _user_of(entry)
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        if (
            api_settings.CHECK_REVOKE_TOKEN
            and validated_token.get(api_settings.REVOKE_TOKEN_CLAIM) != entry["stamp"]
        ):
            raise AuthenticationFailed(
                _("The user's password has been changed."), code="password_changed"
            )
        return user


class CachedJWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme: the same bearer JWT simplejwt's class documents, named so
    Swagger's Authorize dialog lists it first (schemes are listed by name, before the admin's
    ``cookieAuth``)."""

    target_class = "chatcore.auth.authentication.CachedJWTAuthentication"
    name = "bearerAuth"
