"""Fork/duplicate rate limits: one shared budget per user and one per client IP (spec §2.8).

Rates come from ``settings.CONVERSATION_FORK_RATES`` (env ``FORK_USER_MAX``/``FORK_USER_WINDOW``
and ``FORK_IP_MAX``/``FORK_IP_WINDOW``, windows in minutes as in LibreChat; defaults 7 per user
and 30 per IP per minute). Both endpoints use the same cache keys, so a duplicate counts against
the fork budget, as in LibreChat. A maximum of 0 disables that limit. State lives in the shared
Django cache (DatabaseCache), so every worker sees the same counters.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

FORK_RATE_LIMITED = "Too many conversation fork requests. Try again later"


class _ForkThrottle(SimpleRateThrottle):
    kind = ""

    def __init__(self) -> None:  # rates come from settings, not DRF's "n/period" strings
        limit, window_seconds = settings.CONVERSATION_FORK_RATES[self.kind]
        self.num_requests = int(limit)
        self.duration = int(window_seconds)
        self.rate = f"{self.num_requests} per {self.duration}s"

    def allow_request(self, request: Request, view: APIView) -> bool:
        if self.num_requests <= 0:
            return True
        return super().allow_request(request, view)


class ConversationForkUserThrottle(_ForkThrottle):
    kind = "user"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None
        return f"throttle:convo-fork:user:{request.user.pk}"


class ConversationForkIPThrottle(_ForkThrottle):
    kind = "ip"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        return f"throttle:convo-fork:ip:{self.get_ident(request)}"
