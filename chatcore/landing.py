"""``GET /``: a small HTML page that tells a visitor where the API, its docs and the admin are.

A bare JSON 404 at the site root (also where the admin's "View site" link points) left a new
user guessing; see docs/api-behaviour.md#landing-page.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe


@require_safe
def landing(request: HttpRequest) -> HttpResponse:
    """Static links only: nothing here reads the database, so it answers even when it is down."""
    return render(request, "chatcore/landing.html")
