"""Import and export jobs over HTTP (docs/api-behaviour.md#import-jobs,
docs/api-behaviour.md#export-jobs).

``GET /api/convos/import/{jobId}``, ``POST /api/convos/export``, ``GET
/api/convos/export/{jobId}`` and ``GET /api/convos/export/{jobId}/download``. Every job is the
caller's own: another user's job id answers the same 404 as a missing one.
"""

from __future__ import annotations

import os

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from chatcore.errors import ApplicationError, Conflict
from chatcore.jobs.models import JobStatus
from chatcore.jobs.services import job_for_user
from chatcore.schema import ERROR
from chatcore.serializers import validated
from chatcore.viewsets import ApiViewSet
from convos_app.serializers.jobs import (
    ConversationExportJobInputSerializer,
    ExportJobSerializer,
    ImportJobSerializer,
    JobAcceptedSerializer,
)
from convos_app.services.transfer_jobs import (
    EXPORT_JOB,
    IMPORT_JOB,
    conversations_export_job_start,
    export_filename,
)

EXPORT_NOT_READY = "The export is not ready"
EXPORT_EXPIRED = "The export has expired"


class ConversationImportJobView(ApiViewSet):
    @extend_schema(
        operation_id="convos_import_job",
        responses={200: ImportJobSerializer, 404: ERROR},
    )
    def retrieve(self, request: Request, job_id: str) -> Response:
        job = job_for_user(user=request.user, job_id=job_id, kind=IMPORT_JOB)
        return Response(ImportJobSerializer(job).data)


class ConversationExportJobsView(ApiViewSet):
    # Named so DRF's OPTIONS metadata can describe the POST body.
    serializer_class = ConversationExportJobInputSerializer

    @extend_schema(
        operation_id="convos_export_all",
        request=ConversationExportJobInputSerializer,
        responses={202: JobAcceptedSerializer, 400: ERROR},
    )
    def create(self, request: Request) -> Response:
        body = validated(ConversationExportJobInputSerializer, request.data)
        job = conversations_export_job_start(
            user=request.user,
            tags=body.get("tags", ()),
            is_archived=body.get("isArchived"),
            updated_after=body.get("updatedAfter"),
            updated_before=body.get("updatedBefore"),
        )
        location = reverse("convos_app:conversation-export-job", args=[job.id])
        return Response(
            JobAcceptedSerializer(job).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": location},
        )

    @extend_schema(
        operation_id="convos_export_job",
        responses={200: ExportJobSerializer, 404: ERROR},
    )
    def retrieve(self, request: Request, job_id: str) -> Response:
        job = job_for_user(user=request.user, job_id=job_id, kind=EXPORT_JOB)
        return Response(ExportJobSerializer(job, context={"request": request}).data)

    @extend_schema(
        operation_id="convos_export_job_download",
        responses={
            (200, "application/json"): OpenApiTypes.BINARY,
            404: ERROR,
            409: ERROR,
            410: ERROR,
        },
    )
    def download(self, request: Request, job_id: str) -> FileResponse:
        job = job_for_user(user=request.user, job_id=job_id, kind=EXPORT_JOB)
        if job.status != JobStatus.SUCCEEDED:
            raise Conflict(EXPORT_NOT_READY, message=f"The export job is {job.status}")
        if not job.file_path or not os.path.exists(job.file_path):
            raise ApplicationError(EXPORT_EXPIRED, status_code=status.HTTP_410_GONE)
        return FileResponse(
            open(job.file_path, "rb"),
            as_attachment=True,
            filename=export_filename(job),
            content_type="application/json",
        )
