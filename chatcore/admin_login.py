"""``/admin/login/`` with the API login's rate limits (docs/api-behaviour.md#auth-rate-limits).

Django's admin login has no limit of its own, so a password could be guessed there at any
speed. Each POST counts against the same per-IP budget as ``POST /api/auth/login`` and the same
per-account budget; past either, the login page answers 429 with ``Retry-After`` and the API's
lockout sentence, and the password is not even checked.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from chatcore.errors import TooManyRequests
from chatcore.throttles import AuthRateThrottle, LoginAccountThrottle, check_rate_limits

_LOGIN = SimpleNamespace(action="login")  # what the throttles read from a DRF view


@never_cache
@csrf_protect
def admin_login(request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
    if request.method == "POST":
        try:
            check_rate_limits([AuthRateThrottle(), LoginAccountThrottle()], request, _LOGIN)
        except TooManyRequests as refusal:
            return _locked_out(request, refusal)
    return admin.site.login(request, extra_context)


def _locked_out(request: HttpRequest, refusal: TooManyRequests) -> HttpResponse:
    context = {
        **admin.site.each_context(request),
        "title": "Log in",
        "app_path": request.get_full_path(),
        "form": AdminAuthenticationForm(request),
        "lockout": f"{refusal.error}. {refusal.message}" if refusal.message else refusal.error,
    }
    response = TemplateResponse(request, "admin/login.html", context, status=429)
    for name, value in refusal.headers.items():
        response[name] = value
    return response
