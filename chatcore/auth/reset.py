"""Password reset by email: ask for a link, then set a new password with the link's token.

``POST /api/auth/requestPasswordReset {email}`` always answers the same 200, whether or not an
account has that email, so the endpoint cannot be used to find out who has an account. The
token is Django's ``default_token_generator``: it is bound to the password hash and the last
login, so it works once, and it expires after ``PASSWORD_RESET_TIMEOUT``. The mail goes through
Django's email backend (console by default, SMTP from settings). The new password is set by
``chatcore.auth.passwords.user_password_set``, which revokes every refresh token
(docs/api-behaviour.md#password-reset).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail

from chatcore.auth.passwords import user_password_set
from chatcore.errors import InvalidInput
from chatcore.models import User

logger = logging.getLogger(__name__)

RESET_REQUESTED = (
    "If an account with that email exists, a link to reset its password has been sent to it."
)
RESET_DONE = "Password reset was successful"
RESET_TOKEN_INVALID = "Invalid or expired password reset token"
RESET_SUBJECT = "Reset your chatcore password"
RESET_BODY = (
    "Someone asked to reset the password of the chatcore account {email}.\n\n"
    "To choose a new password, open this link (it works once, for {minutes} minutes):\n\n"
    "{link}\n\n"
    "If it was not you, ignore this mail: your password has not changed.\n"
)


def reset_link(*, user: User, token: str, base_url: str) -> str:
    """The link the mail carries: ``PASSWORD_RESET_LINK`` filled in, made absolute against
    ``base_url`` (the request's scheme and host) when it is relative."""
    link = settings.PASSWORD_RESET_LINK.format(userId=user.pk, token=token)
    return link if "://" in link else base_url.rstrip("/") + "/" + link.lstrip("/")


def password_reset_request(*, email: str, base_url: str) -> None:
    """Mail a reset link to the active account with this email, if there is one; a mail that
    cannot be sent is logged, never reported (the answer must not depend on the account)."""
    user = User.objects.filter(email=email.strip().lower(), is_active=True).first()
    if user is None or not user.has_usable_password():
        return
    token = default_token_generator.make_token(user)
    body = RESET_BODY.format(
        email=user.email,
        minutes=settings.PASSWORD_RESET_TIMEOUT // 60,
        link=reset_link(user=user, token=token, base_url=base_url),
    )
    try:
        send_mail(RESET_SUBJECT, body, None, [user.email])
    except Exception:  # SMTP down or misconfigured: the operator sees it, the client does not
        logger.exception("password reset mail to user %s could not be sent", user.pk)


def password_reset_confirm(*, user_id: str, token: str, password: str) -> None:
    """Set ``password`` for the user the token was made for; ``InvalidInput`` when the user or
    the token is wrong, used or expired (one sentence for all, so nothing is revealed), or the
    password is too weak."""
    user = None
    if user_id.isdigit() and len(user_id) <= 18:
        user = User.objects.filter(pk=int(user_id), is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        raise InvalidInput(RESET_TOKEN_INVALID)
    user_password_set(user=user, password=password)
