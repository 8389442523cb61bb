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
    """``isArchived`` (exact) and ``tags`` (any-of, by label) for ``GET /api/convos``."""

    isArchived = django_filters.BooleanFilter(field_name="is_archived")
    tags = TagNamesFilter(method="filter_tags")

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
