"""Every rate limit of the API: one base class, one settings shape, one way to answer 429.

Limits live in settings as ``{kind: (max requests, window in seconds)}`` dicts
(``AUTH_RATES``, ``CONVERSATION_FORK_RATES``, ``CONVERSATION_IMPORT_RATES``,
``SHARE_PUBLISH_RATES``) and are read on
every request, so a changed setting applies at once; a maximum of 0 turns a limit off.
Counters live in the shared Django cache (the database, or Redis with ``CACHE_URL``), so every
worker and web host sees the same ones.

A refusal is a ``chatcore.errors.TooManyRequests``: the throttle with the longest wait names
the sentence, and Retry-After carries that wait in whole seconds (at least 1).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from chatcore.errors import TOO_MANY_REQUESTS, TooManyRequests

FORK_RATE_LIMITED = "Too many conversation fork requests. Try again later"
IMPORT_RATE_LIMITED = "Too many conversation import requests. Try again later"
SHARE_RATE_LIMITED = "Too many shared link requests. Try again later"


class RateThrottle(SimpleRateThrottle):
    """A limit read from ``settings.<rates_setting>[kind]``, counted per user or per client IP.

    The 429 says ``error``; with ``detail`` set it also carries ``message`` in DRF's words
    ("<detail> Expected available in N seconds.").
    """

    rates_setting = ""
    kind = ""
    per = "ip"  # "user": per signed-in user (anonymous requests are not counted); "ip"
    error = TOO_MANY_REQUESTS
    detail: str | None = Throttled.default_detail

    def __init__(self) -> None:
        # DRF reads DEFAULT_THROTTLE_RATES once here; these limits are read per request.
        self.rate = None

    def kind_for(self, view: Any) -> str:
        return self.kind

    def allow_request(self, request: Request, view: Any) -> bool:
        if request.method == "OPTIONS":  # describes the route and does no work: not counted
            return True
        if hasattr(view, "action") and view.action is None:  # a method no action maps: a 405
            return True
        kind = self.kind_for(view)
        limit, window = getattr(settings, self.rates_setting)[kind]
        self.num_requests, self.duration = int(limit), int(window)
        if self.num_requests <= 0:
            return True
        self.rate = f"{self.num_requests} per {self.duration}s"
        self.scope = f"{self.rates_setting.lower()}:{kind}"
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if self.per == "user":
            if not request.user or not request.user.is_authenticated:
                return None
            ident = str(request.user.pk)
        else:
            ident = self.get_ident(request)
        return f"throttle:{self.scope}:{ident}"

    def refusal(self, wait: float | None) -> TooManyRequests:
        seconds = max(1, math.ceil(wait)) if wait is not None else max(1, self.duration)
        message = str(Throttled(seconds, detail=str(self.detail)).detail) if self.detail else None
        return TooManyRequests(self.error, retry_after=seconds, message=message)


def check_rate_limits(throttles: Sequence[BaseThrottle], request: Request, view: Any) -> None:
    """Raise the 429 when any throttle refuses. Every throttle sees the request first (as in
    DRF), so a request one limit refuses still counts against the others."""
    refused = [
        (throttle.wait(), throttle)
        for throttle in throttles
        if not throttle.allow_request(request, view)
    ]
    if not refused:
        return
    wait, throttle = max(refused, key=lambda pair: pair[0] or 0)
    if isinstance(throttle, RateThrottle):
        raise throttle.refusal(wait)
    raise Throttled(wait)


# --- Auth: per client IP, one limit per action ----------------------------------------------------
class AuthRateThrottle(RateThrottle):
    """Login, register and refresh each have their own budget; logout shares login's."""

    rates_setting = "AUTH_RATES"

    def kind_for(self, view: Any) -> str:
        action = getattr(view, "action", None) or ""
        return "login" if action == "logout" else action


class LoginAccountThrottle(RateThrottle):
    """Login attempts per account tried (the email, case-insensitive), from any IP: the API
    login and the admin login share this budget and the per-IP one
    (docs/api-behaviour.md#auth-rate-limits)."""

    rates_setting = "AUTH_RATES"
    kind = "login"
    per = "account"

    def allow_request(self, request: Request, view: Any) -> bool:
        if (getattr(view, "action", None) or "login") != "login":
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        account = login_account(request)
        if not account:
            return None
        digest = hashlib.sha256(account.encode()).hexdigest()  # no address in the cache key
        return f"throttle:{self.scope}:account:{digest}"


def login_account(request: Any) -> str:
    """The account a login request tries: the API's ``email`` or the admin form's
    ``username``, normalised as logins match it."""
    data = getattr(request, "data", None)
    if not isinstance(data, Mapping):
        data = request.POST
    value = data.get("email", data.get("username"))
    return value.strip().lower()[:254] if isinstance(value, str) else ""


# --- Conversations: fork and duplicate share one budget, as in LibreChat --------------------------
class ConversationForkUserThrottle(RateThrottle):
    rates_setting = "CONVERSATION_FORK_RATES"
    kind = per = "user"
    error = FORK_RATE_LIMITED
    detail = None


class ConversationForkIPThrottle(RateThrottle):
    rates_setting = "CONVERSATION_FORK_RATES"
    kind = per = "ip"
    error = FORK_RATE_LIMITED
    detail = None


# --- Conversations: import ------------------------------------------------------------------------
class ConversationImportIPThrottle(RateThrottle):
    rates_setting = "CONVERSATION_IMPORT_RATES"
    kind = per = "ip"
    detail = IMPORT_RATE_LIMITED


class ConversationImportUserThrottle(RateThrottle):
    rates_setting = "CONVERSATION_IMPORT_RATES"
    kind = per = "user"
    detail = IMPORT_RATE_LIMITED


# --- Shared links: publishing and re-publishing copy a conversation -------------------------------
class SharePublishUserThrottle(RateThrottle):
    rates_setting = "SHARE_PUBLISH_RATES"
    kind = per = "user"
    error = SHARE_RATE_LIMITED
    detail = None


class SharePublishIPThrottle(RateThrottle):
    rates_setting = "SHARE_PUBLISH_RATES"
    kind = per = "ip"
    error = SHARE_RATE_LIMITED
    detail = None


# --- Account self-service: per client IP ----------------------------------------------------------
class AccountDeleteThrottle(RateThrottle):
    """Deleting the account checks a password, so it spends the login budget."""

    rates_setting = "AUTH_RATES"
    kind = "login"


class PasswordResetThrottle(RateThrottle):
    """Asking for reset mails and using reset tokens, each with its own budget."""

    rates_setting = "PASSWORD_RESET_RATES"

    def kind_for(self, view: Any) -> str:
        return "request" if getattr(view, "action", None) == "request_reset" else "reset"
