"""Serializer basics every app uses: one definition each, so every endpoint validates alike."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

UNKNOWN_KEYS = "Unknown field: {keys}"


class StrictInputSerializer(serializers.Serializer):
    """Refuses keys it does not know (a typo must not be silently ignored)."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = (
            sorted(set(self.initial_data) - set(self.fields))
            if isinstance(self.initial_data, dict)
            else []
        )
        if unknown:
            raise serializers.ValidationError(UNKNOWN_KEYS.format(keys=", ".join(unknown)))
        return attrs
