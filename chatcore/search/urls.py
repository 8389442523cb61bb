"""Routes of search: only the switch the client polls; searching itself is
``GET /api/messages?search=`` and ``GET /api/convos?search=``."""

from django.urls import path

from chatcore.search.views import SearchEnableViewSet

app_name = "search"

urlpatterns = [
    path("search/enable", SearchEnableViewSet.as_view({"get": "retrieve"}), name="search-enable"),
]
