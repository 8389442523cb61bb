"""Wire shapes of import (``POST /api/convos/import``) and export (``GET .../export``)."""

from __future__ import annotations

from rest_framework import serializers

from convos_app.services.exports import EXPORT_FORMATS


class ConversationImportInputSerializer(serializers.Serializer):
    """multipart/form-data with one file part named ``file`` (LibreChat's field name)."""

    file = serializers.FileField(allow_empty_file=True, use_url=False)


class ImportSkippedSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="0-based position of the conversation in the file")
    title = serializers.CharField()
    reason = serializers.CharField()


class ConversationImportResultSerializer(serializers.Serializer):
    """The 201 body: ``{message, conversations, messages, skipped}``."""

    message = serializers.CharField()
    conversations = serializers.IntegerField()
    messages = serializers.IntegerField()
    skipped = ImportSkippedSerializer(many=True)


class ConversationExportQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=EXPORT_FORMATS, default="json", required=False)
