"""URL routes of convos_app, exactly as the API documents them
(docs/architecture.md#the-request-path).

Fixed paths come first so that ``convos/<conversation_id>`` never swallows ``convos/all``,
``convos/update``, ``convos/archive``, ``convos/fork``, ``convos/duplicate``, ``convos/import``
or ``convos/gen_title/...``.
"""

from django.urls import path

from convos_app.views.bulk import ConversationBulkViewSet
from convos_app.views.chats import (
    ChatDetailView,
    ChatMessageStreamView,
    ChatMessagesView,
    ChatsView,
)
from convos_app.views.conversations import ConversationCopyViewSet, ConversationViewSet
from convos_app.views.projects import ProjectViewSet
from convos_app.views.retention import ConversationTemporaryViewSet, RetentionViewSet
from convos_app.views.shares import SharedLinkForkViewSet, SharedLinkViewSet
from convos_app.views.transfer import ConversationExportView, ConversationImportView
from convos_app.views.transfer_jobs import ConversationExportJobsView, ConversationImportJobView
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
        "projects",
        ProjectViewSet.as_view({"get": "list", "post": "create"}),
        name="project-list",
    ),
    path(
        "projects/conversations/<str:conversation_id>",
        ProjectViewSet.as_view({"put": "assign"}),
        name="project-conversation",
    ),
    path(
        "projects/<str:project_id>",
        ProjectViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        name="project-detail",
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
        "convos/archive/all",
        ConversationViewSet.as_view({"post": "archive_all"}),
        name="conversation-archive-all",
    ),
    path(
        "convos/bulk",
        ConversationBulkViewSet.as_view({"post": "create"}),
        name="conversation-bulk",
    ),
    path(
        "convos/temporary",
        ConversationTemporaryViewSet.as_view({"post": "update"}),
        name="conversation-temporary",
    ),
    path(
        "user/settings/retention",
        RetentionViewSet.as_view({"get": "retrieve", "put": "update"}),
        name="retention",
    ),
    path(
        "user/settings/retention/preview",
        RetentionViewSet.as_view({"get": "preview"}),
        name="retention-preview",
    ),
    path(
        "convos/pin",
        ConversationViewSet.as_view({"post": "pin"}),
        name="conversation-pin",
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
        "convos/import/<str:job_id>",
        ConversationImportJobView.as_view({"get": "retrieve"}),
        name="conversation-import-job",
    ),
    path(
        "convos/export",
        ConversationExportJobsView.as_view({"post": "create"}),
        name="conversation-export-all",
    ),
    path(
        "convos/export/<str:job_id>",
        ConversationExportJobsView.as_view({"get": "retrieve"}),
        name="conversation-export-job",
    ),
    path(
        "convos/export/<str:job_id>/download",
        ConversationExportJobsView.as_view({"get": "download"}),
        name="conversation-export-job-download",
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
    # Shared links: ``share/<key>`` is a conversationId for POST and a shareId otherwise, as
    # LibreChat's client calls it (docs/api-behaviour.md#shared-links).
    path("share", SharedLinkViewSet.as_view({"get": "list"}), name="share-list"),
    path(
        "share/link/<str:conversation_id>",
        SharedLinkViewSet.as_view({"get": "link"}),
        name="share-link",
    ),
    path(
        "share/<str:share_id>/fork",
        SharedLinkForkViewSet.as_view({"post": "fork"}),
        name="share-fork",
    ),
    path(
        "share/<str:key>",
        SharedLinkViewSet.as_view(
            {"get": "retrieve", "post": "create", "patch": "update", "delete": "destroy"}
        ),
        name="share-detail",
    ),
    # Keep this last: it matches any single path segment.
    path(
        "convos/<str:conversation_id>",
        ConversationViewSet.as_view({"get": "retrieve"}),
        name="conversation-detail",
    ),
]
