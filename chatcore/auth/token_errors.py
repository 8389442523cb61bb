"""Bearer-token failures a client can act on: each 401 carries a ``code``
(docs/api-behaviour.md#token-errors).

simplejwt answers every bad token with "Given token not valid for any token type", so a client
cannot tell an expired token (refresh and retry) from a malformed one (sign in again), and a
header without its ``Bearer`` scheme is silently treated as no header at all. The mixin keeps
simplejwt's validation and only names the failure.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import AUTH_HEADER_TYPE_BYTES, AUTH_HEADER_TYPES
from rest_framework_simplejwt.authentication import JWTAuthentication as SimpleJWTAuthentication
from rest_framework_simplejwt.exceptions import ExpiredTokenError, TokenError
from rest_framework_simplejwt.settings import api_settings

TOKEN_EXPIRED = "token_expired"
TOKEN_INVALID = "token_invalid"
TOKEN_SCHEME_MISSING = "token_scheme_missing"
TOKEN_SCHEME_UNSUPPORTED = "token_scheme_unsupported"
EXPIRED_MESSAGE = "The access token has expired; refresh it and retry"
INVALID_MESSAGE = "The access token is not valid"
SCHEME = AUTH_HEADER_TYPES[0]
SCHEME_MISSING_MESSAGE = f'The Authorization header has no scheme: send "{SCHEME} <token>"'
SCHEME_UNSUPPORTED_MESSAGE = f'Unsupported Authorization scheme: send "{SCHEME} <token>"'


class TokenErrorsMixin:
    """For a ``JWTAuthentication`` subclass: distinct 401 codes for the header and the token."""

    def get_raw_token(self, header: bytes) -> bytes | None:
        parts = header.split()
        if len(parts) == 1 and parts[0] not in AUTH_HEADER_TYPE_BYTES:
            raise AuthenticationFailed(SCHEME_MISSING_MESSAGE, code=TOKEN_SCHEME_MISSING)
        if len(parts) == 2 and parts[0] not in AUTH_HEADER_TYPE_BYTES:
            raise AuthenticationFailed(SCHEME_UNSUPPORTED_MESSAGE, code=TOKEN_SCHEME_UNSUPPORTED)
        return super().get_raw_token(header)  # type: ignore[misc]

    def get_validated_token(self, raw_token: bytes) -> Any:
        expired = False
        for token_class in api_settings.AUTH_TOKEN_CLASSES:
            try:
                return token_class(raw_token)
            except ExpiredTokenError:
                expired = True
            except TokenError:
                pass
        if expired:
            raise AuthenticationFailed(EXPIRED_MESSAGE, code=TOKEN_EXPIRED)
        raise AuthenticationFailed(INVALID_MESSAGE, code=TOKEN_INVALID)


class JWTAuthentication(TokenErrorsMixin, SimpleJWTAuthentication):
    """simplejwt's bearer authentication with the named failures above."""
