"""Conversation admin for staff, built to stay fast at a million messages.

* No full ``COUNT(*)`` per page load: ``EstimatedCountPaginator`` uses PostgreSQL's row estimate
  for an unfiltered list and a count capped at ``COUNT_CAP`` for a filtered one;
  ``show_full_result_count`` is off.
* Filters that never list a whole table: owner by email and tag by name are typed (an input
  box), the others are booleans, dates or the few distinct endpoints/models.
* The change page shows the messages as an ordered, paginated tree (depth-first, oldest sibling
  first) with each message's content parts and feedback; nothing loads every message row.
* Every write goes through the API's services: archive/unarchive through
  ``conversation_archive``, delete through ``conversations_delete_by_pks`` (messages, parts,
  feedback and tag counts stay right), import through ``conversations_import``; "export
  selected" streams the LibreChat JSON export.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from chatcore.admin import EstimatedCountPaginator, InputFilter, OwnerEmailFilter
from chatcore.errors import ApplicationError
from chatcore.models import User
from convos_app.models import Conversation
from convos_app.services.conversations import conversation_archive
from convos_app.services.delete import conversations_delete_by_pks
from convos_app.services.exports import export_chunks
from convos_app.services.imports import FORMATS, conversations_import
from messages_app.models import ContentPart, Feedback, Message
from messages_app.trees import TreeNode, depth_first, forest

MESSAGES_PER_PAGE = 50


class TagNameFilter(InputFilter):
    title = "tag"
    parameter_name = "tag"

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        value = (self.value() or "").strip()
        return queryset.filter(tag_links__tag__name=value) if value else None


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
    ordered = [  # (pk, depth, siblings)
        (pk_of[message_id], depth, len(tree.siblings(message_id)))
        for message_id, depth in depth_first(tree)
    ]
    page = Paginator(ordered, MESSAGES_PER_PAGE).get_page(page_number)
    pks = [pk for pk, _, _ in page.object_list]
    rows = {m.pk: m for m in Message.objects.filter(pk__in=pks)}
    parts: dict[int, list[ContentPart]] = defaultdict(list)
    for part in ContentPart.objects.filter(message_id__in=pks).order_by("message_id", "index"):
        parts[part.message_id].append(part)
    feedback = {f.message_id: f for f in Feedback.objects.filter(message_id__in=pks)}
    entries = [
        {
            "message": rows[pk],
            "depth": depth,
            "indent": min(depth, 20) * 16,
            "branched": siblings > 1,
            "parts": parts.get(pk, []),
            "feedback": feedback.get(pk),
            "url": reverse("admin:messages_app_message_change", args=[pk]),
        }
        for pk, depth, siblings in page.object_list
        if pk in rows
    ]
    return {"page": page, "entries": entries, "total": len(ordered)}


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "conversation_id",
        "owner",
        "endpoint",
        "model",
        "is_archived",
        "created_at",
        "updated_at",
    )
    list_display_links = ("title",)
    list_select_related = ("user",)
    list_filter = (
        OwnerEmailFilter,
        TagNameFilter,
        "is_archived",
        "endpoint",
        "model",
        "created_at",
        "updated_at",
    )
    search_fields = ("title", "=conversation_id")
    search_help_text = "Title (contains) or exact conversationId"
    date_hierarchy = "updated_at"
    ordering = ("-id",)
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
        "export_selected",
        "delete_selected_safely",
    )
    change_form_template = "admin/convos_app/conversation/change_form.html"
    change_list_template = "admin/convos_app/conversation/change_list.html"

    @admin.display(description="owner", ordering="user__email")
    def owner(self, obj: Conversation) -> str:
        return obj.user.email

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

    @admin.action(description="Export selected conversations (JSON)", permissions=["view"])
    def export_selected(self, request: HttpRequest, queryset: QuerySet) -> StreamingHttpResponse:
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
        conversation = self.get_object(request, object_id)
        if conversation is not None:
            extra_context["message_tree"] = _message_tree_page(
                conversation, request.GET.get("mpage")
            )
        return super().change_view(request, object_id, form_url, extra_context)

    # --- import page -----------------------------------------------------------------------
    def get_urls(self) -> list[Any]:
        custom = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="convos_app_conversation_import",
            )
        ]
        return custom + super().get_urls()

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request) or not request.user.has_perm(
            "convos_app.add_conversation"
        ):
            return HttpResponseRedirect(reverse("admin:index"))
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
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


# Usage ledger, price versions, balances and the analytics dashboard: their own module.
from convos_app import usage_admin  # noqa: E402, F401
