"""``GET /healthz``: is this process able to reach its database right now?"""

from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from chatcore.errors import METHOD_NOT_ALLOWED, error_body


@csrf_exempt
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when a trivial query succeeds, 503 (so a load balancer drains us) when it does not.

    Read-only, so CSRF-exempt: any other method is a JSON 405, never Django's CSRF page."""
    if request.method not in ("GET", "HEAD"):
        response = JsonResponse(error_body(METHOD_NOT_ALLOWED), status=405)
        response["Allow"] = "GET, HEAD"
        return response
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        connection.close_if_unusable_or_obsolete()
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
