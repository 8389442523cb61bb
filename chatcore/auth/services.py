"""Account and token work: register, log in, rotate a refresh token, log out.

Refresh tokens rotate on every use and the used one is blacklisted in the same transaction,
under a row lock on its outstanding-token record, so two concurrent refreshes with one token
cannot both succeed. A refresh token of a deleted or deactivated user, or one minted before a
password change, answers 401 instead of a 500 (docs/api-behaviour.md#auth).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from chatcore.errors import ApplicationError, Conflict, InvalidInput
from chatcore.models import User

INVALID_CREDENTIALS = "Email or password is incorrect"
EMAIL_TAKEN = "An account with this email already exists"
REFRESH_MISSING = "Refresh token not provided"
REFRESH_INVALID = "Refresh token expired or not found"
LOGOUT_DONE = "Logout successful"


class Unauthorized(ApplicationError):
    status_code = 401


@dataclass(frozen=True)
class TokenPair:
    user: User
    access: str
    refresh: str


def _pair_for(user: User) -> TokenPair:
    refresh = RefreshToken.for_user(user)
    return TokenPair(user=user, access=str(refresh.access_token), refresh=str(refresh))


@transaction.atomic
def user_register(*, email: str, password: str, name: str = "", username: str = "") -> User:
    email = email.strip().lower()
    if get_user_model().objects.filter(email__iexact=email).exists():
        raise Conflict(EMAIL_TAKEN)
    candidate = User(email=email, name=name, username=username)
    try:
        validate_password(password, user=candidate)
    except DjangoValidationError as exc:
        raise InvalidInput(exc.messages[0], fields={"password": list(exc.messages)}) from exc
    try:
        with transaction.atomic():
            return User.objects.create_user(
                email=email, password=password, name=name, username=username
            )
    except IntegrityError as exc:  # a concurrent registration won the unique constraint
        raise Conflict(EMAIL_TAKEN) from exc


def user_login(*, email: str, password: str) -> TokenPair:
    user = authenticate(username=email.strip().lower(), password=password)
    if user is None or not user.is_active:
        raise Unauthorized(INVALID_CREDENTIALS)
    return _pair_for(user)


def token_refresh(*, raw_refresh: str | None) -> TokenPair:
    """Trade a live refresh token for a new pair; the old one is blacklisted."""
    if not raw_refresh:
        raise Unauthorized(REFRESH_MISSING)
    with transaction.atomic():
        try:
            refresh = RefreshToken(raw_refresh)
        except TokenError as exc:
            raise Unauthorized(REFRESH_INVALID) from exc
        outstanding = (
            OutstandingToken.objects.select_for_update()
            .filter(jti=refresh[jwt_settings.JTI_CLAIM])
            .first()
        )
        if outstanding is None or BlacklistedToken.objects.filter(token=outstanding).exists():
            raise Unauthorized(REFRESH_INVALID)
        user = User.objects.filter(
            pk=refresh.get(jwt_settings.USER_ID_CLAIM), is_active=True
        ).first()
        if user is None:
            raise Unauthorized(REFRESH_INVALID)
        claimed = refresh.get(jwt_settings.REVOKE_TOKEN_CLAIM)
        if jwt_settings.CHECK_REVOKE_TOKEN and claimed != get_md5_hash_password(user.password):
            raise Unauthorized(REFRESH_INVALID)
        BlacklistedToken.objects.create(token=outstanding)
        return _pair_for(user)


def token_blacklist(*, raw_refresh: str | None) -> None:
    """Make a refresh token unusable; an absent, expired or unknown one needs nothing."""
    if not raw_refresh:
        return
    try:
        RefreshToken(raw_refresh).blacklist()
    except TokenError:
        return
