"""URL routes of convos_app, exactly as the API documents them
(docs/architecture.md#the-request-path).

Fixed paths come first so that ``convos/<conversation_id>`` never swallows ``convos/all``,
``convos/update``, ``convos/archive``, ``convos/fork``, ``convos/duplicate``, ``convos/import``
or ``convos/gen_title/...``.
"""

from django.urls import path

from convos_app.views.chats import (
    ChatDetailView,
    ChatMessageStreamView,
    ChatMessagesView,
    ChatsView,
)
from convos_app.views.conversations import ConversationCopyViewSet, ConversationViewSet
from convos_app.views.transfer import ConversationExportView, ConversationImportView
from convos_app.views.usage import BalanceView, UserUsageView

app_name = "convos_app"

urlpatterns = [
    path("balance", BalanceView.as_view({"get": "retrieve"}), name="balance"),
    path("user/usage", UserUsageView.as_view({"get": "retrieve"}), name="user-usage"),
    path("chats", ChatsView.as_view({"get": "list", "post": "create"}), name="chat-list"),
    path(
        "chats/<str:chat_id>",
        ChatDetailView.as_view({"get": "retrieve", "delete": "destroy"}),
        name="chat-detail",
    ),
    path(
        "chats/<str:chat_id>/messages",
        ChatMessagesView.as_view({"get": "list", "post": "create", "delete": "destroy"}),
        name="chat-messages",
    ),
    path(
        "chats/<str:chat_id>/messages/stream",
        ChatMessageStreamView.as_view({"post": "create"}),
        name="chat-messages-stream",
    ),
    path(
        "convos",
        ConversationViewSet.as_view({"get": "list", "delete": "destroy"}),
        name="conversation-list",
    ),
    path(
        "convos/all",
        ConversationViewSet.as_view({"delete": "destroy_all"}),
        name="conversation-delete-all",
    ),
    path(
        "convos/update",
        ConversationViewSet.as_view({"post": "rename"}),
        name="conversation-update",
    ),
    path(
        "convos/archive",
        ConversationViewSet.as_view({"post": "archive"}),
        name="conversation-archive",
    ),
    path(
        "convos/fork",
        ConversationCopyViewSet.as_view({"post": "fork"}),
        name="conversation-fork",
    ),
    path(
        "convos/duplicate",
        ConversationCopyViewSet.as_view({"post": "duplicate"}),
        name="conversation-duplicate",
    ),
    path(
        "convos/import",
        ConversationImportView.as_view({"post": "create"}),
        name="conversation-import",
    ),
    path(
        "convos/<str:conversation_id>/export",
        ConversationExportView.as_view({"get": "retrieve"}),
        name="conversation-export",
    ),
    path(
        "convos/gen_title/<str:conversation_id>",
        ConversationViewSet.as_view({"get": "gen_title"}),
        name="conversation-gen-title",
    ),
    # Keep this last: it matches any single path segment.
    path(
        "convos/<str:conversation_id>",
        ConversationViewSet.as_view({"get": "retrieve"}),
        name="conversation-detail",
    ),
]
