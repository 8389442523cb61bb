"""Wire shapes of the import and export jobs (docs/api-behaviour.md#import-jobs,
docs/api-behaviour.md#export-jobs)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chatcore.jobs.models import Job, JobStatus
from chatcore.schema_examples import request_example
from chatcore.serializers import (
    BodySerializer,
    StrictBooleanField,
    StrictCharField,
    StrictInputSerializer,
    TimestampField,
    iso,
    messages_for,
)
from convos_app.serializers.transfer import ConversationImportResultSerializer

TAGS_INVALID = "tags must be an array of strings"
DATE_INVALID = "must be an ISO-8601 date-time"


class JobAcceptedSerializer(serializers.Serializer):
    """The 202 body: ``{"jobId": ..., "status": "queued"}``."""

    jobId = serializers.UUIDField(source="id")
    status = serializers.ChoiceField(choices=JobStatus.choices)


class JobErrorSerializer(serializers.Serializer):
    error = serializers.CharField()
    message = serializers.CharField(required=False)


class ImportProgressSerializer(serializers.Serializer):
    conversations = serializers.IntegerField()
    messages = serializers.IntegerField()
    bytesRead = serializers.IntegerField(source="bytes_read")
    bytesTotal = serializers.IntegerField(source="bytes_total", allow_null=True)


class ExportProgressSerializer(serializers.Serializer):
    conversations = serializers.IntegerField()
    messages = serializers.IntegerField()


class ExportResultSerializer(serializers.Serializer):
    conversations = serializers.IntegerField()
    messages = serializers.IntegerField()
    bytes = serializers.IntegerField()
    expiresAt = TimestampField(allow_null=True, help_text="null once expired")
    download = serializers.CharField(
        allow_null=True, help_text="URL of the file; null once expired"
    )


class _JobSerializer(serializers.Serializer):
    jobId = serializers.UUIDField(source="id")
    status = serializers.ChoiceField(choices=JobStatus.choices)
    attempts = serializers.IntegerField()
    createdAt = TimestampField(source="created_at")
    startedAt = TimestampField(source="started_at", allow_null=True)
    finishedAt = TimestampField(source="finished_at", allow_null=True)
    error = serializers.SerializerMethodField()

    @extend_schema_field(JobErrorSerializer(allow_null=True))
    def get_error(self, job: Job) -> dict[str, Any] | None:
        """The final error of a failed job; while a retry waits, the last attempt's error."""
        return job.error or None


class ImportJobSerializer(_JobSerializer):
    """``GET /api/convos/import/{jobId}``."""

    progress = ImportProgressSerializer()
    result = serializers.SerializerMethodField()

    @extend_schema_field(ConversationImportResultSerializer(allow_null=True))
    def get_result(self, job: Job) -> dict[str, Any] | None:
        return job.result if job.status == JobStatus.SUCCEEDED else None


class ExportJobSerializer(_JobSerializer):
    """``GET /api/convos/export/{jobId}``; ``result.download`` is the file while it lasts."""

    progress = ExportProgressSerializer()
    result = serializers.SerializerMethodField()

    @extend_schema_field(ExportResultSerializer(allow_null=True))
    def get_result(self, job: Job) -> dict[str, Any] | None:
        if job.status != JobStatus.SUCCEEDED or job.result is None:
            return None
        available = bool(job.file_path)
        url = reverse("convos_app:conversation-export-job-download", args=[job.id])
        request = self.context.get("request")
        return {
            **job.result,
            "expiresAt": iso(job.expires_at) if available else None,
            "download": (request.build_absolute_uri(url) if request else url)
            if available
            else None,
        }


@request_example(
    {"tags": ["python"], "isArchived": False, "updatedAfter": "2026-01-01T00:00:00.000Z"}
)
class ConversationExportJobInputSerializer(StrictInputSerializer, BodySerializer):
    """``POST /api/convos/export``: every filter optional; all of them must match."""

    tags = serializers.ListField(
        child=StrictCharField(
            max_length=200, error_messages=messages_for("tags", invalid=TAGS_INVALID)
        ),
        required=False,
        max_length=100,
        error_messages={
            "not_a_list": TAGS_INVALID,
            "max_length": "tags must have at most {max_length} items",
        },
    )
    isArchived = StrictBooleanField(
        required=False,
        allow_null=True,
        error_messages=messages_for("isArchived", invalid="isArchived must be true or false"),
    )
    updatedAfter = TimestampField(
        required=False,
        error_messages=messages_for("updatedAfter", invalid=f"updatedAfter {DATE_INVALID}"),
    )
    updatedBefore = TimestampField(
        required=False,
        error_messages=messages_for("updatedBefore", invalid=f"updatedBefore {DATE_INVALID}"),
    )
