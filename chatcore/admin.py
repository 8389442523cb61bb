"""Admin for accounts, and the helpers every app's admin uses to stay fast at a million rows.

* ``EstimatedCountPaginator``: no full ``COUNT(*)`` per page load (PostgreSQL's row estimate
  for an unfiltered list, a count capped at ``COUNT_CAP`` for a filtered one).
* ``InputFilter`` / ``OwnerEmailFilter``: typed filters for columns with too many values to
  list (every chat-data row carries its owner).
* ``change_link``: a link to any object's admin change page; ``short_id``: a long public id
  shown short, whole in its title attribute, with a copy button (lists fit 1400 px).
* ``search_owners``: the owners an admin full-text search runs for (the search backend only
  searches one owner at a time: docs/api-behaviour.md#admin-search).
* The user admin (with an email autocomplete for the owner filters) and the read-only staff
  access log (``chatcore.audit``).

The chat data admins live in their own apps.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.core.paginator import Paginator
from django.db import connection, models
from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse
from django.urls import path, reverse
from django.utils.html import format_html

from chatcore.audit import StaffAccess
from chatcore.models import Job, User

COUNT_CAP = 10_000
# Admin full-text search runs one owner-scoped search per owner the owner filter matches, for
# at most this many owners (docs/api-behaviour.md#admin-search).
SEARCH_MAX_OWNERS = 20
# At most this many full-text matches are listed (an IN list of bounded length).
SEARCH_MAX_RESULTS = 2_000
EMAIL_SUGGESTIONS = 10


class EstimatedCountPaginator(Paginator):
    """Paginator whose ``count`` never scans a big table.

    Unfiltered: ``pg_class.reltuples`` (kept fresh by autovacuum). Filtered: the real count up
    to ``COUNT_CAP`` rows, read from a ``LIMIT``ed subquery, so a broad filter costs at most
    that many index/heap visits.
    """

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        queryset = self.object_list
        if isinstance(queryset, QuerySet) and not queryset.query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                    [queryset.model._meta.db_table],
                )
                row = cursor.fetchone()
            estimate = int(row[0]) if row else -1
            if estimate >= COUNT_CAP:
                return estimate
        if isinstance(queryset, QuerySet):
            return queryset.order_by()[: COUNT_CAP + 1].count()
        return len(queryset)


class InputFilter(admin.SimpleListFilter):
    """A typed filter (text box) for columns with too many values to list."""

    template = "admin/chatcore_input_filter.html"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("", "")]  # the filter must have a choice to be displayed

    def choices(self, changelist: ChangeList) -> Any:
        query = {
            k: v for k, v in changelist.get_filters_params().items() if k != self.parameter_name
        }
        yield {
            "query_parts": [(k, v[-1] if isinstance(v, list) else v) for k, v in query.items()],
            "value": self.value() or "",
            "parameter_name": self.parameter_name,
        }


class OwnerEmailFilter(InputFilter):
    """Owner by email: any part of the address, case-insensitive, with suggestions as one
    types (from ``UserAdmin.email_suggestions``)."""

    title = "owner email"
    parameter_name = "owner"

    def choices(self, changelist: ChangeList) -> Any:
        for choice in super().choices(changelist):
            yield {**choice, "suggest_url": reverse("admin:chatcore_user_emails")}

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        value = (self.value() or "").strip().lower()
        if not value:
            return None
        return queryset.filter(user__in=owners_matching(value).values("pk"))


def owners_matching(value: str) -> QuerySet[User]:
    """The users an owner filter value names: the one whose email it is exactly (a link from a
    user's page names just that user), otherwise every user whose email contains it."""
    value = value.strip().lower()
    exact = User.objects.filter(email=value)
    return exact if exact.exists() else User.objects.filter(email__contains=value)


def search_owners(request: HttpRequest) -> list[User] | None:
    """The users an admin full-text search runs for: those the owner filter matches (everyone
    when it is empty), or None when more than ``SEARCH_MAX_OWNERS`` match."""
    value = (request.GET.get(OwnerEmailFilter.parameter_name) or "").strip().lower()
    users = owners_matching(value) if value else User.objects.all()
    owners = list(users.order_by("pk")[: SEARCH_MAX_OWNERS + 1])
    return None if len(owners) > SEARCH_MAX_OWNERS else owners


SEARCH_NEEDS_OWNER = (
    "The text of conversations was not searched: full-text search runs per owner, for at most "
    f"{SEARCH_MAX_OWNERS} owners. Narrow the owner filter (part of an email) to search it."
)


def change_link(obj: models.Model, label: str) -> str:
    """An HTML link to ``obj``'s admin change page (for read-only cross references)."""
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, label)


def short_id(value: str, length: int = 8) -> str:
    """A public id cut to its first ``length`` characters, whole in the title attribute, with
    a button copying it (lists stay within 1400 px; UUIDs are 36 characters)."""
    if not value:
        return ""
    shown = value if len(value) <= length + 1 else value[:length] + "…"
    return format_html(
        '<span class="chatcore-id" title="{}"><code>{}</code> <button type="button" '
        'class="chatcore-copy" data-copy="{}" title="Copy {}" aria-label="Copy id" '
        'onclick="navigator.clipboard.writeText(this.dataset.copy)" style="padding: 0 3px; '
        'font-size: 10px; cursor: pointer;">copy</button></span>',
        value,
        shown,
        value,
        value,
    )


# Lists need the width (docs/api-behaviour.md#admin-readability): the conversation list fits a
# 1400 px window beside its filters only without the app sidebar; the breadcrumbs lead home.
admin.site.enable_nav_sidebar = False


class ChatUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email", "name")


class ChatUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = ChatUserChangeForm
    add_form = ChatUserCreationForm
    list_display = ("email", "name", "username", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email", "name", "username")
    ordering = ("email",)
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("name", "username")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "name", "password1", "password2")}),
    )

    def get_urls(self) -> list[Any]:
        emails = path(
            "emails/",
            self.admin_site.admin_view(self.email_suggestions),
            name="chatcore_user_emails",
        )
        return [emails, *super().get_urls()]

    def email_suggestions(self, request: HttpRequest) -> JsonResponse:
        """Up to ``EMAIL_SUGGESTIONS`` emails containing ``?q=`` (staff only: ``admin_view``)."""
        if not self.has_view_permission(request):
            return JsonResponse({"emails": []}, status=403)
        value = (request.GET.get("q") or "").strip().lower()[:254]
        emails = (
            User.objects.filter(email__contains=value)
            .order_by("email")
            .values_list("email", flat=True)
            if value
            else []
        )
        return JsonResponse({"emails": list(emails[:EMAIL_SUGGESTIONS])})


@admin.register(StaffAccess)
class StaffAccessAdmin(admin.ModelAdmin):
    """Read-only for everyone, superusers included: an audit log staff could edit would not be
    one (docs/api-behaviour.md#staff-access-log)."""

    list_display = ("accessed_at", "staff_email", "owner_email", "object_type", "object_ref")
    list_filter = ("object_type", "accessed_at")
    search_fields = ("=staff_email", "=owner_email", "=object_id")
    search_help_text = "Exact staff email, owner email or object id"
    ordering = ("-accessed_at", "-id")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    date_hierarchy = "accessed_at"
    fields = (
        "accessed_at",
        "staff_email",
        "owner_email",
        "object_type",
        "object_id",
        "object_label",
    )
    readonly_fields = fields

    @admin.display(description="object")
    def object_ref(self, obj: StaffAccess) -> str:
        return format_html("{} · {}", obj.object_label or "(untitled)", short_id(obj.object_id))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Read-only jobs page for staff: what ran, for whom, how long, and why it failed
    (docs/api-behaviour.md#jobs). Jobs are created by their doors, never here."""

    list_display = (
        "id", "kind", "status", "owner", "attempts", "created_at", "started_at", "finished_at",
        "duration", "error_sentence",
    )  # fmt: skip
    list_filter = ("kind", "status", OwnerEmailFilter)
    list_select_related = ("user",)
    ordering = ("-created_at",)
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    readonly_fields = (
        "id", "kind", "status", "user", "attempts", "max_attempts", "params", "progress",
        "result", "error", "task_id", "file_path", "created_at", "started_at", "heartbeat_at",
        "finished_at", "expires_at",
    )  # fmt: skip
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="owner", ordering="user__email")
    def owner(self, job: Job) -> str:
        return job.user.email

    @admin.display(description="duration")
    def duration(self, job: Job) -> str:
        if job.started_at is None:
            return "-"
        end = job.finished_at or job.heartbeat_at or job.started_at
        return f"{(end - job.started_at).total_seconds():.1f} s"

    @admin.display(description="error")
    def error_sentence(self, job: Job) -> str:
        if not job.error:
            return ""
        return " — ".join(str(job.error[k]) for k in ("error", "message") if job.error.get(k))
