"""Admin for accounts, and the helpers every app's admin uses to stay fast at a million rows.

* ``EstimatedCountPaginator``: no full ``COUNT(*)`` per page load (PostgreSQL's row estimate
  for an unfiltered list, a count capped at ``COUNT_CAP`` for a filtered one).
* ``InputFilter`` / ``OwnerEmailFilter``: typed filters for columns with too many values to
  list (every chat-data row carries its owner).
* ``change_link``: a link to any object's admin change page.

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
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from chatcore.models import Job, User

COUNT_CAP = 10_000


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
    title = "owner email"
    parameter_name = "owner"

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        value = (self.value() or "").strip().lower()
        return queryset.filter(user__email=value) if value else None


def change_link(obj: models.Model, label: str) -> str:
    """An HTML link to ``obj``'s admin change page (for read-only cross references)."""
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, label)


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
