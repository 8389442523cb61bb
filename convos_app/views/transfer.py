"""Import and export over HTTP: ``POST /api/convos/import``, ``GET /api/convos/:id/export``.

Import limits: the upload is counted byte by byte by ``ImportSizeLimitHandler`` and stopped
with a JSON 413 as soon as it passes ``CONVERSATION_IMPORT_MAX_FILE_SIZE_BYTES`` (a
``Content-Length`` that already says so is refused before reading); big files stream to a
temporary file, never into memory. Per-IP and per-user throttles
(``settings.CONVERSATION_IMPORT_RATES``) answer 429. The format is detected from the content,
not the file name or MIME type.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, load_handler
from django.http import HttpRequest, StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from chatcore.errors import PayloadTooLarge
from chatcore.schema import ERROR
from chatcore.serializers import validated
from chatcore.throttles import ConversationImportIPThrottle, ConversationImportUserThrottle
from chatcore.viewsets import ApiViewSet
from convos_app.serializers.jobs import JobAcceptedSerializer
from convos_app.serializers.transfer import (
    ConversationExportQuerySerializer,
    ConversationImportInputSerializer,
    ConversationImportResultSerializer,
)
from convos_app.services.exports import conversation_export_file
from convos_app.services.imports import TimeBudgetReader, conversations_import
from convos_app.services.transfer_jobs import conversations_import_job_start

FILE_TOO_LARGE = "File exceeds the maximum allowed size"


class ImportSizeLimitHandler(FileUploadHandler):
    """Counts the bytes of each uploaded file and stops the upload past the import limit."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit = settings.CONVERSATION_IMPORT_MAX_FILE_SIZE_BYTES
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # Multipart framing and small form fields ride on top of the file itself.
        if content_length and content_length > self.limit + settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise PayloadTooLarge(FILE_TOO_LARGE)
        return None

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            raise PayloadTooLarge(FILE_TOO_LARGE)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


class ConversationImportView(ApiViewSet):
    """``POST /api/convos/import``: one export file in, new conversations out (201); a file
    larger than ``CHATCORE_IMPORT_SYNC_MAX_BYTES`` becomes a job instead (202 with
    ``Location``: docs/api-behaviour.md#import-jobs)."""

    parser_classes = [MultiPartParser]
    throttle_classes = [ConversationImportIPThrottle, ConversationImportUserThrottle]

    def initialize_request(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Request:
        # Before anything reads the body (CSRF checks read request.POST), so the limit holds.
        request.upload_handlers = [
            ImportSizeLimitHandler(request),
            *(load_handler(path, request) for path in settings.FILE_UPLOAD_HANDLERS),
        ]
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(
        operation_id="convos_import",
        request={"multipart/form-data": ConversationImportInputSerializer},
        responses={
            201: ConversationImportResultSerializer,
            202: JobAcceptedSerializer,
            400: ERROR,
            413: ERROR,
            429: ERROR,
        },
    )
    def create(self, request: Request) -> Response:
        body = validated(ConversationImportInputSerializer, request.data)
        upload = body["file"]
        if upload.size > settings.CHATCORE_IMPORT_SYNC_MAX_BYTES:
            job = conversations_import_job_start(
                user=request.user, upload=upload, filename=upload.name or ""
            )
            location = reverse("convos_app:conversation-import-job", args=[job.id])
            return Response(
                JobAcceptedSerializer(job).data,
                status=status.HTTP_202_ACCEPTED,
                headers={"Location": location},
            )
        # Bounded in time (docs/api-behaviour.md#import-limits): a file too big to finish is
        # refused with 413 and nothing written, rather than holding a worker.
        stream = TimeBudgetReader(upload, seconds=settings.CONVERSATION_IMPORT_SYNC_SECONDS)
        result = conversations_import(user=request.user, stream=stream)
        return Response(
            ConversationImportResultSerializer(result).data, status=status.HTTP_201_CREATED
        )


class ConversationExportView(ApiViewSet):
    """``GET /api/convos/:conversationId/export?format=json|markdown|csv``: a download."""

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # ``format`` names the export format here, not DRF's renderer override; errors are JSON.
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(
        operation_id="convos_export",
        parameters=[ConversationExportQuerySerializer],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "text/markdown"): OpenApiTypes.STR,
            (200, "text/csv"): OpenApiTypes.STR,
            400: ERROR,
            404: ERROR,
        },
    )
    def retrieve(self, request: Request, conversation_id: str) -> StreamingHttpResponse:
        query = validated(ConversationExportQuerySerializer, request.query_params)
        export = conversation_export_file(
            user=request.user, conversation_id=conversation_id, export_format=query["format"]
        )
        response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
        response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
        return response
