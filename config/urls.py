"""Root URLs: the API's documented paths under /api/, the admin, the schema, health."""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from chatcore.admin_login import admin_login
from chatcore.errors import json_not_found
from chatcore.health import healthz
from chatcore.landing import landing

urlpatterns = [
    path("", landing, name="landing"),
    path("healthz", healthz, name="healthz"),
    path("admin/login/", admin_login, name="admin-login"),  # rate-limited like the API login
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/", include("chatcore.urls")),
    path("api/", include("messages_app.urls")),
    path("api/", include("convos_app.urls")),
    path("api/", include("tags_app.urls")),
    path("api/", include("chatcore.search.urls")),
    # Unknown /api/ routes answer JSON even with DEBUG on (Django's debug 404 page is HTML).
    re_path(r"^api/", json_not_found),
]

handler400 = "chatcore.errors.json_bad_request"
handler403 = "chatcore.errors.json_permission_denied"
handler404 = "chatcore.errors.json_not_found"
handler500 = "chatcore.errors.json_server_error"
