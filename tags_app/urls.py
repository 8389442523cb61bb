"""URL routes of tags_app, exactly as the API documents them (docs/api-behaviour.md#tag-endpoints),
plus LibreChat's real PUT route.

``tags/<path:tag>`` comes last and accepts slashes, because ``:tag`` is a URL-decoded label.
``tags/list`` also answers PUT/DELETE for a tag literally named "list".
"""

from django.urls import path

from tags_app.views import ConversationTagViewSet, TagViewSet

app_name = "tags_app"

urlpatterns = [
    path("tags", TagViewSet.as_view({"get": "list", "post": "create"}), name="tag-list"),
    path(
        "tags/list",
        TagViewSet.as_view({"get": "page", "put": "update", "delete": "destroy"}),
        {"tag": "list"},
        name="tag-page",
    ),
    path(
        "tags/convo/<str:conversation_id>",
        ConversationTagViewSet.as_view({"put": "replace", "post": "add"}),
        name="conversation-tags",
    ),
    path(
        "tags/<path:tag>",
        TagViewSet.as_view({"put": "update", "delete": "destroy"}),
        name="tag-detail",
    ),
]
