"""Conversation admin for staff, built to stay fast at a million messages.

* No full ``COUNT(*)`` per page load: ``EstimatedCountPaginator`` uses PostgreSQL's row estimate
  for an unfiltered list and a count capped at ``COUNT_CAP`` for a filtered one;
  ``show_full_result_count`` is off.
* Filters that never list a whole table: owner by email and tag by name are typed (an input
  box), the others are booleans, dates or the few distinct endpoints/models.
* The change page shows the messages as an ordered, paginated tree (depth-first, oldest sibling
  first, indented only where the conversation really branches) with the content parts that add
  something to the text, and feedback; nothing loads every message row. It is read-only (no
  Save buttons), and opening it records the staff member in the access log (``chatcore.audit``).
* Search: title (contains) or exact id, plus the full-text search backend over titles and
  messages, run per owner (docs/api-behaviour.md#admin-search); the list is ordered by last
  activity and fits 1400 px (short ids with the whole id in a tooltip and a copy button).
* The user page shows the user's counts with links to their conversations, messages and tags.
* Every write goes through the API's services: archive/unarchive through
  ``conversation_archive``, delete through ``conversations_delete_by_pks`` (messages, parts,
  feedback and tag counts stay right), import through ``conversations_import``; "export
  selected" streams the LibreChat JSON export.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode

from chatcore.admin import (
    SEARCH_MAX_RESULTS,
    SEARCH_NEEDS_OWNER,
    EstimatedCountPaginator,
    InputFilter,
    OwnerEmailFilter,
    UserAdmin,
    change_link,
    search_owners,
    short_id,
)
from chatcore.audit import staff_access_record, staff_access_record_many
from chatcore.errors import ApplicationError
from chatcore.models import User
from convos_app.models import Conversation, Project, RetentionPolicy, SharedLink
from convos_app.search import conversation_search_pks
from convos_app.services.bulk import conversations_bulk
from convos_app.services.conversations import conversation_archive
from convos_app.services.delete import conversations_delete_by_pks
from convos_app.services.exports import export_chunks
from convos_app.services.imports import FORMATS, conversations_import
from convos_app.services.retention import conversations_purge
from convos_app.services.shares import shared_links_revoke_by_pks
from convos_app.services.transfer_jobs import conversations_import_job_start
from messages_app.models import ContentPart, Feedback, Message
from messages_app.trees import TreeNode, branch_levels, forest
from tags_app.models import Tag, TaggedConversation

MESSAGES_PER_PAGE = 50
INDENT_PX = 24
MAX_INDENT_LEVELS = 12
TITLE_CHARS = 60
OWNER_CHARS = 32


class TagNameFilter(InputFilter):
    title = "tag"
    parameter_name = "tag"

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        value = (self.value() or "").strip()
        if not value:
            return None
        # Case-insensitive, and an EXISTS so a conversation is listed once whatever matches.
        links = TaggedConversation.objects.filter(
            conversation=OuterRef("pk"), tag__name__iexact=value
        )
        return queryset.filter(Exists(links))


class ProjectNameFilter(InputFilter):
    title = "project"
    parameter_name = "project"

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        value = (self.value() or "").strip()
        return queryset.filter(project__name__iexact=value) if value else None


class ImportForm(forms.Form):
    user = forms.EmailField(label="Target user (email)")
    file = forms.FileField(label="Export file")
    file_format = forms.ChoiceField(
        label="Format", choices=[("auto", "Detect from content"), *[(f, f) for f in FORMATS]]
    )

    def clean_user(self) -> User:
        email = self.cleaned_data["user"].strip().lower()
        user = User.objects.filter(email=email).first()
        if user is None:
            raise forms.ValidationError(f"No user with email {email}")
        return user


def _message_tree_page(conversation: Conversation, page_number: str | None) -> dict[str, Any]:
    """One page of the conversation's messages in depth-first tree order, with depth.

    Only ids and parents of the whole conversation are read to order the tree (by the root rule
    of ``messages_app.trees``, so a message whose parent was deleted, or one on a parent cycle,
    is still listed); full rows, content parts and feedback are loaded for the page shown.
    """
    skeleton = list(
        Message.objects.filter(conversation=conversation)
        .order_by("created_at", "id")
        .values_list("pk", "message_id", "parent_message_id")
    )
    pk_of = {message_id: pk for pk, message_id, _ in skeleton}
    tree = forest([TreeNode(message_id, parent) for _, message_id, parent in skeleton])
    ordered = [  # (pk, level, siblings)
        (pk_of[message_id], level, len(tree.siblings(message_id)))
        for message_id, level in branch_levels(tree)
    ]
    page = Paginator(ordered, MESSAGES_PER_PAGE).get_page(page_number)
    pks = [pk for pk, _, _ in page.object_list]
    rows = {m.pk: m for m in Message.objects.filter(pk__in=pks)}
    parts: dict[int, list[ContentPart]] = defaultdict(list)
    for part in ContentPart.objects.filter(message_id__in=pks).order_by("message_id", "index"):
        parts[part.message_id].append(part)
    feedback = {f.message_id: f for f in Feedback.objects.filter(message_id__in=pks)}
    entries = []
    for pk, level, siblings in page.object_list:
        if pk not in rows:
            continue
        message = rows[pk]
        shown_parts = _parts_worth_showing(message.text, parts.get(pk, []))
        entries.append(
            {
                "message": message,
                "text": message.text or _joined_text(parts.get(pk, [])),
                "level": level,
                "indent": min(level, MAX_INDENT_LEVELS) * INDENT_PX,
                "branched": siblings > 1,
                "parts": shown_parts,
                "feedback": feedback.get(pk),
                "url": reverse("admin:messages_app_message_change", args=[pk]),
            }
        )
    return {"page": page, "entries": entries, "total": len(ordered)}


def _joined_text(parts: list[ContentPart]) -> str:
    return "\n".join(part.text for part in parts if part.type == "text" and part.text)


def _parts_worth_showing(text: str, parts: list[ContentPart]) -> list[ContentPart]:
    """The parts that add something to the message's text: every non-text part (thinking, tool
    calls, images, ...), and a text part only when the message text does not already say it
    (clients usually send the same words as ``text`` and as text part 0). A message with no
    ``text`` shows its text parts as its text instead."""
    text = (text or "").strip()
    return [
        part
        for part in parts
        if part.type != "text" or (text and (part.text or "").strip() not in text)
    ]


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = (
        "short_title",
        "short_conversation_id",
        "owner",
        "endpoint",
        "model",
        "archived",
        "updated",
    )
    list_display_links = ("short_title",)
    list_select_related = ("user",)
    list_filter = (
        OwnerEmailFilter,
        TagNameFilter,
        ProjectNameFilter,
        "is_archived",
        "pinned",
        "is_temporary",
        ("expired_at", admin.EmptyFieldListFilter),
        "endpoint",
        "model",
        "created_at",
        "updated_at",
    )
    search_fields = ("title", "=conversation_id")
    search_help_text = (
        "Title (contains), exact conversationId, or words said in the conversation (full-text, "
        "per owner: narrow the owner filter when there are many users)"
    )
    date_hierarchy = "updated_at"
    ordering = ("-updated_at", "-id")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50
    raw_id_fields = ("user",)
    readonly_fields = (
        "conversation_id",
        "user",
        "title",
        "endpoint",
        "endpoint_type",
        "model",
        "agent_id",
        "assistant_id",
        "spec",
        "icon_url",
        "is_archived",
        "archived_at",
        "pinned",
        "project",
        "is_temporary",
        "expired_at",
        "files",
        "settings",
        "created_at",
        "updated_at",
    )
    actions = (
        "archive_selected",
        "unarchive_selected",
        "pin_selected",
        "unpin_selected",
        "export_selected",
        "delete_selected_safely",
    )
    change_form_template = "admin/convos_app/conversation/change_form.html"
    change_list_template = "admin/convos_app/conversation/change_list.html"

    @admin.display(description="title", ordering="title")
    def short_title(self, obj: Conversation) -> str:
        title = obj.title or "(untitled)"
        if len(title) <= TITLE_CHARS:
            return title
        return format_html('<span title="{}">{}…</span>', title, title[: TITLE_CHARS - 1])

    @admin.display(description="conversationId", ordering="conversation_id")
    def short_conversation_id(self, obj: Conversation) -> str:
        return short_id(obj.conversation_id)

    @admin.display(description="owner", ordering="user__email")
    def owner(self, obj: Conversation) -> str:
        email = obj.user.email
        if len(email) <= OWNER_CHARS:
            return email
        return format_html('<span title="{}">{}…</span>', email, email[: OWNER_CHARS - 1])

    @admin.display(description="archived", boolean=True, ordering="is_archived")
    def archived(self, obj: Conversation) -> bool:
        return obj.is_archived

    @admin.display(description="last activity", ordering="updated_at")
    def updated(self, obj: Conversation) -> str:
        return timezone.localtime(obj.updated_at).strftime("%Y-%m-%d %H:%M")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        """Title and id matches, or'ed with the full-text backend's matches (titles and message
        text) for each owner the owner filter names (docs/api-behaviour.md#admin-search)."""
        found, duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if not term:
            return found, duplicates
        owners = search_owners(request)
        if owners is None:
            self.message_user(request, SEARCH_NEEDS_OWNER, messages.WARNING)
            return found, duplicates
        pks: set[int] = set()
        for owner in owners:
            try:
                pks.update(conversation_search_pks(user=owner, query=term))
            except ApplicationError:
                break  # a query with nothing searchable ("--"): titles and ids only
            if len(pks) >= SEARCH_MAX_RESULTS:
                pks = set(sorted(pks, reverse=True)[:SEARCH_MAX_RESULTS])
                break
        if pks:
            found = found | queryset.filter(pk__in=pks)
        return found, duplicates

    # --- writes only through services ------------------------------------------------------------
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # conversations are created by clients or the import page

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # Django's version lists every related row
        return actions

    def _archive(self, request: HttpRequest, queryset: QuerySet, archived: bool) -> None:
        done = 0
        for conversation in queryset.select_related("user").only(
            "conversation_id", "user__id", "user__email"
        ):
            conversation_archive(
                user=conversation.user,
                conversation_id=conversation.conversation_id,
                is_archived=archived,
            )
            done += 1
        verb = "Archived" if archived else "Unarchived"
        self.message_user(request, f"{verb} {done} conversation(s).", messages.SUCCESS)

    @admin.action(description="Archive selected conversations", permissions=["change"])
    def archive_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._archive(request, queryset, True)

    @admin.action(description="Unarchive selected conversations", permissions=["change"])
    def unarchive_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._archive(request, queryset, False)

    def _bulk(self, request: HttpRequest, queryset: QuerySet, action: str) -> None:
        """The API's bulk service, once per owner (it acts on one user's conversations)."""
        by_owner: dict[int, list[str]] = defaultdict(list)
        for user_pk, conversation_id in queryset.values_list("user_id", "conversation_id"):
            by_owner[user_pk].append(conversation_id)
        changed = 0
        for user in User.objects.filter(pk__in=list(by_owner)):
            changed += conversations_bulk(
                user=user, action=action, conversation_ids=by_owner[user.pk]
            ).changed
        self.message_user(request, f"{action.title()}ned {changed} conversation(s).")

    @admin.action(description="Pin selected conversations", permissions=["change"])
    def pin_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._bulk(request, queryset, "pin")

    @admin.action(description="Unpin selected conversations", permissions=["change"])
    def unpin_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._bulk(request, queryset, "unpin")

    @admin.action(description="Export selected conversations (JSON)", permissions=["view"])
    def export_selected(self, request: HttpRequest, queryset: QuerySet) -> StreamingHttpResponse:
        # Exporting is reading: one access-log row per conversation of another user.
        staff_access_record_many(
            staff=request.user,
            object_type="conversation export",
            objects=queryset.order_by().values_list(
                "user_id", "user__email", "conversation_id", "title"
            ),
        )
        chunks = export_chunks(conversations=queryset.order_by(), export_format="json")
        response = StreamingHttpResponse(chunks, content_type="application/json")
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="conversations-{stamp}.json"'
        return response

    @admin.action(description="Delete selected conversations…", permissions=["delete"])
    def delete_selected_safely(
        self, request: HttpRequest, queryset: QuerySet
    ) -> TemplateResponse | None:
        pks = list(queryset.values_list("pk", flat=True))
        if request.POST.get("confirmed") == "yes":
            result = conversations_delete_by_pks(conversation_pks=pks)
            self.message_user(
                request,
                f"Deleted {result.conversations} conversation(s) and {result.messages} message(s).",
                messages.SUCCESS,
            )
            return None
        message_count = Message.objects.filter(conversation_id__in=pks).count()
        context = {
            **self.admin_site.each_context(request),
            "title": "Delete conversations?",
            "opts": self.model._meta,
            "conversation_count": len(pks),
            "message_count": message_count,
            "selected": pks,
            "sample": queryset.order_by("-id")[:20],
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
            "query_string": request.GET.urlencode(),
        }
        return TemplateResponse(
            request, "admin/convos_app/conversation/delete_confirmation_action.html", context
        )

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[Any, ...]:
        """The delete page states counts instead of listing every message row."""
        objs = list(objs)
        message_count = Message.objects.filter(conversation__in=objs).count()
        summary = [str(obj) for obj in objs] + [f"{message_count} message(s) with their parts"]
        perms_needed: set[str] = set()
        if not self.has_delete_permission(request):
            perms_needed.add("conversation")
        return summary, {"conversations": len(objs), "messages": message_count}, perms_needed, []

    def delete_model(self, request: HttpRequest, obj: Conversation) -> None:
        conversations_delete_by_pks(conversation_pks=[obj.pk])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        conversations_delete_by_pks(conversation_pks=list(queryset.values_list("pk", flat=True)))

    # --- change page: the message tree ------------------------------------------------------------
    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra_context = dict(extra_context or {})
        # Every field is read-only; changes go through the actions, so no Save buttons.
        extra_context.update(
            show_save=False, show_save_and_continue=False, show_save_and_add_another=False
        )
        conversation = self.get_object(request, object_id)
        if conversation is not None:
            extra_context["message_tree"] = _message_tree_page(
                conversation, request.GET.get("mpage")
            )
            if request.method == "GET":
                staff_access_record(
                    staff=request.user,
                    owner=conversation.user,
                    object_type="conversation",
                    object_id=conversation.conversation_id,
                    label=conversation.title,
                )
        return super().change_view(request, object_id, form_url, extra_context)

    # --- import page -----------------------------------------------------------------------
    def get_urls(self) -> list[Any]:
        custom = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="convos_app_conversation_import",
            ),
            path(
                "purge/",
                self.admin_site.admin_view(self.purge_view),
                name="convos_app_conversation_purge",
            ),
        ]
        return custom + super().get_urls()

    def purge_view(self, request: HttpRequest) -> HttpResponse:
        """The scheduled purge, run now: the dry-run counts first, then a confirmed POST
        (docs/api-behaviour.md#purge)."""
        if not self.has_delete_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        if request.method == "POST" and request.POST.get("confirmed") == "yes":
            counts = conversations_purge()
            self.message_user(
                request,
                f"Purged {counts.conversations} conversation(s) and {counts.messages} message(s).",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:convos_app_conversation_changelist"))
        counts = conversations_purge(dry_run=True)
        context = {
            **self.admin_site.each_context(request),
            "title": "Purge expired conversations?",
            "opts": self.model._meta,
            "counts": counts,
        }
        return TemplateResponse(request, "admin/convos_app/conversation/purge.html", context)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request) or not request.user.has_perm(
            "convos_app.add_conversation"
        ):
            return HttpResponseRedirect(reverse("admin:index"))
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > settings.CHATCORE_IMPORT_SYNC_MAX_BYTES:
                # Large files take the same job as the API (docs/api-behaviour.md#import-jobs).
                job = conversations_import_job_start(
                    user=form.cleaned_data["user"],
                    upload=upload,
                    filename=upload.name or "",
                    file_format=form.cleaned_data["file_format"],
                )
                self.message_user(
                    request,
                    f"The file is large: it is being imported by job {job.id} for "
                    f"{form.cleaned_data['user'].email}. This page shows its progress.",
                    messages.INFO,
                )
                return HttpResponseRedirect(reverse("admin:chatcore_job_change", args=[job.pk]))
            try:
                result = conversations_import(
                    user=form.cleaned_data["user"],
                    stream=upload,
                    file_format=form.cleaned_data["file_format"],
                )
            except ApplicationError as exc:
                detail = f" ({exc.message})" if exc.message else ""
                form.add_error("file", f"{exc.error}{detail}. Nothing was imported.")
            else:
                self.message_user(
                    request,
                    f"Imported {result.conversations} conversation(s) and {result.messages} "
                    f"message(s) ({result.format}) for {form.cleaned_data['user'].email}; "
                    f"skipped {len(result.skipped)}.",
                    messages.SUCCESS,
                )
                for skipped in result.skipped:
                    self.message_user(
                        request,
                        f"Skipped #{skipped.index} {skipped.title!r}: {skipped.reason}",
                        messages.WARNING,
                    )
                changelist = reverse("admin:convos_app_conversation_changelist")
                email = form.cleaned_data["user"].email
                return HttpResponseRedirect(f"{changelist}?owner={email}")
        context = {
            **self.admin_site.each_context(request),
            "title": "Import conversations",
            "opts": self.model._meta,
            "form": form,
        }
        return TemplateResponse(request, "admin/convos_app/conversation/import.html", context)


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    """Read-only: projects belong to their owners; the counts are the trigger-kept columns."""

    list_display = (
        "name",
        "owner",
        "conversation_count",
        "last_conversation_at",
        "created_at",
    )
    list_select_related = ("user",)
    list_filter = (OwnerEmailFilter,)
    search_fields = ("name",)
    ordering = ("-id",)
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    readonly_fields = (
        "project_id",
        "user",
        "name",
        "description",
        "conversation_count",
        "last_conversation_at",
        "last_conversation_id",
        "created_at",
        "updated_at",
    )

    @admin.display(description="owner", ordering="user__email")
    def owner(self, obj: Project) -> str:
        return obj.user.email

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- Retention policies (docs/api-behaviour.md#retention-policies) ------------------------------
@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    """Read-only: a policy is its owner's choice (``PUT /api/user/settings/retention``)."""

    list_display = ("owner", "delete_after_days", "keep_pinned", "keep_archived", "updated_at")
    list_select_related = ("user",)
    list_filter = (OwnerEmailFilter, "keep_pinned", "keep_archived")
    ordering = ("-updated_at",)
    readonly_fields = ("user", "delete_after_days", "keep_pinned", "keep_archived", "updated_at")

    @admin.display(description="owner", ordering="user__email")
    def owner(self, obj: RetentionPolicy) -> str:
        return obj.user.email

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- Shared links (docs/api-behaviour.md#shared-links) -------------------------------------------
@admin.register(SharedLink)
class SharedLinkAdmin(admin.ModelAdmin):
    """Links listed per owner (ordered by owner, filter by owner email); revoking goes through
    the service, which deletes the link and its snapshot."""

    list_display = ("title", "owner", "conversation_link", "target_message_id", "updated_at")
    list_select_related = ("user", "conversation")
    list_filter = (OwnerEmailFilter, "created_at", "updated_at")
    search_fields = ("title", "=share_id", "=conversation__conversation_id")
    search_help_text = "Title (contains), exact shareId or exact conversationId"
    ordering = ("user__email", "-updated_at")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50
    readonly_fields = (
        "share_id",
        "user",
        "conversation",
        "target_message_id",
        "title",
        "public_conversation_id",
        "hide_model",
        "expires_at",
        "created_at",
        "updated_at",
    )
    actions = ("revoke_selected",)

    @admin.display(description="owner", ordering="user__email")
    def owner(self, obj: SharedLink) -> str:
        return obj.user.email

    @admin.display(description="conversation")
    def conversation_link(self, obj: SharedLink) -> str:
        return change_link(obj.conversation, obj.conversation.conversation_id)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # owners publish through the API

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # revoking is the one way a link goes
        return actions

    @admin.action(description="Revoke selected shared links", permissions=["delete"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        revoked = shared_links_revoke_by_pks(link_pks=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"Revoked {revoked} shared link(s).", messages.SUCCESS)

    def delete_model(self, request: HttpRequest, obj: SharedLink) -> None:
        shared_links_revoke_by_pks(link_pks=[obj.pk])


# --- the user page: activity counts (here because they count this app's and lower apps' rows;
# chatcore, where the user admin lives, imports no app) -------------------------------------------
class UserActivityAdmin(UserAdmin):
    readonly_fields = ("activity",)
    fieldsets = (*UserAdmin.fieldsets, ("Activity", {"fields": ("activity",)}))

    @admin.display(description="activity")
    def activity(self, obj: User) -> str:
        """Counts by the owner's indexes (one index range each) and links to the lists."""
        if obj.pk is None:
            return "—"
        # What the user can see: expired conversations are gone for them already.
        conversations = Conversation.objects.for_user(obj)
        last = conversations.order_by("-updated_at").values_list("updated_at", flat=True).first()
        query = "?" + urlencode({"owner": obj.email})
        return format_html(
            '<a href="{}">{} conversation(s)</a> · <a href="{}">{} message(s)</a> · '
            '<a href="{}">{} tag(s)</a> · last activity: {} · <a href="{}">staff access log</a>',
            reverse("admin:convos_app_conversation_changelist") + query,
            conversations.count(),
            reverse("admin:messages_app_message_changelist") + query,
            Message.objects.for_user(obj).count(),
            reverse("admin:tags_app_tag_changelist") + query,
            Tag.objects.filter(user=obj).count(),
            timezone.localtime(last).strftime("%Y-%m-%d %H:%M") if last else "never",
            reverse("admin:chatcore_staffaccess_changelist") + "?" + urlencode({"q": obj.email}),
        )


admin.site.unregister(User)
admin.site.register(User, UserActivityAdmin)
# Usage ledger, price versions, balances and the analytics dashboard: their own module.
from convos_app import usage_admin  # noqa: E402, F401
