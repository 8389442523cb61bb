"""django-filter sets applied inside the selectors (ownership scoping stays in the selector)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, QuerySet

from convos_app.models import Conversation
from tags_app.models import TaggedConversation


class TagNamesField(forms.Field):
    """A list of tag labels (``tags=a&tags=b``); already validated by the input serializer."""

    def to_python(self, value: object) -> list[str]:
        if not value:
            return []
        if isinstance(value, str):
            return [value]
        return [str(item) for item in value]  # type: ignore[union-attr]


class TagNamesFilter(django_filters.Filter):
    field_class = TagNamesField


class ConversationListFilter(django_filters.FilterSet):
    """``isArchived`` and ``pinned`` (exact), ``tags`` (any-of, by label) and ``projectId``
    (a project's public id, or ``unassigned``) for ``GET /api/convos`` and the bulk actions."""

    UNASSIGNED = "unassigned"

    isArchived = django_filters.BooleanFilter(field_name="is_archived")
    pinned = django_filters.BooleanFilter(field_name="pinned")
    tags = TagNamesFilter(method="filter_tags")
    projectId = django_filters.CharFilter(method="filter_project")

    class Meta:
        model = Conversation
        fields: list[str] = []

    def filter_tags(
        self, queryset: QuerySet[Conversation], name: str, value: list[str]
    ) -> QuerySet[Conversation]:
        """``EXISTS`` rather than a join, so a conversation with two matching tags appears once."""
        if not value:
            return queryset
        links = TaggedConversation.objects.filter(conversation=OuterRef("pk"), tag__name__in=value)
        return queryset.filter(Exists(links))

    def filter_project(
        self, queryset: QuerySet[Conversation], name: str, value: str
    ) -> QuerySet[Conversation]:
        """The queryset is already the owner's, and a conversation can only be in its owner's
        project, so another user's project id simply matches nothing."""
        if not value:
            return queryset
        if value == self.UNASSIGNED:
            return queryset.filter(project__isnull=True)
        return queryset.filter(project__project_id=value)
