"""URL routes of messages_app, exactly as the API documents them
(docs/architecture.md#the-request-path).

Order matters: ``branch`` and ``artifact/...`` are matched before the ``{conversationId}``
patterns that would otherwise swallow them, and ``memories/preferences`` before
``memories/{key}`` (as in LibreChat, a memory keyed ``preferences`` is reached by its id).
"""

from django.urls import path

from messages_app.views import (
    ConversationMessagesView,
    MemoriesView,
    MemoryPreferencesView,
    MessageArtifactView,
    MessageBranchView,
    MessageDetailView,
    MessageFeedbackView,
    MessagesView,
)

app_name = "messages_app"

MEMORY = {"patch": "update", "delete": "destroy"}

urlpatterns = [
    path("memories", MemoriesView.as_view({"get": "list", "post": "create"}), name="memory-list"),
    path(
        "memories/preferences",
        MemoryPreferencesView.as_view({"get": "retrieve", "patch": "update"}),
        name="memory-preferences",
    ),
    path("memories/id/<str:memory_id>", MemoriesView.as_view(MEMORY), name="memory-by-id"),
    path("memories/<str:key>", MemoriesView.as_view(MEMORY), name="memory-detail"),
    path("messages", MessagesView.as_view({"get": "list"}), name="message-list"),
    path("messages/branch", MessageBranchView.as_view({"post": "create"}), name="message-branch"),
    path(
        "messages/artifact/<str:message_id>",
        MessageArtifactView.as_view({"post": "create"}),
        name="message-artifact",
    ),
    path(
        "messages/<str:conversation_id>",
        ConversationMessagesView.as_view(
            {"get": "list", "post": "create", "put": "update", "delete": "destroy"}
        ),
        name="conversation-messages",
    ),
    path(
        "messages/<str:conversation_id>/<str:message_id>",
        MessageDetailView.as_view({"get": "retrieve", "put": "update", "delete": "destroy"}),
        name="message-detail",
    ),
    path(
        "messages/<str:conversation_id>/<str:message_id>/feedback",
        MessageFeedbackView.as_view({"put": "update"}),
        name="message-feedback",
    ),
]
