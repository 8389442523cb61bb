"""Routes of seeds 003/004 (/api/chats/...), copied from the seeds.

``/api/messages/{id}`` (seed 003) shares its path with seed 000's
``/api/messages/{conversationId}``; that route lives in ``messages_app/urls.py`` and hands the
message-id case to ``views.MessageIdRouteMixin`` (decisions.md).
"""

from django.urls import path

from messages_app.chats.views import (
    ChatDetailView,
    ChatMessageStreamView,
    ChatMessagesView,
    ChatsView,
)

app_name = "chats"

urlpatterns = [
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
]
