"""Document 003 (external REST, response envelope): `GET /api/segments/{type}`, `GET
/api/insights/{type}`, `POST /api/export/{type}` and `GET /api/exports/{id}/download`."""

from django.http import FileResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAnalyst
from accounts.scopes import HasRequiredScope
from accounts.throttles import ExportThrottle, UserRateThrottle
from config.api.envelope import envelope, envelope_page, envelope_serializer
from reports import segments
from reports.downloads import export_file_response
from reports.models import Export
from reports.selectors import (
    export_estimated_size_mb,
    export_get,
    insight_view,
    report_run_get,
    segment_view,
)

from ..serializers import (
    EXPORT_TYPES,
    ClusterSegmentSerializer,
    ExportAcceptedSerializer,
    InsightReportSerializer,
    SegmentExportInputSerializer,
    SegmentListInputSerializer,
    SegmentPageSerializer,
    TableSegmentSerializer,
    download_path,
)
from .common import (
    DOWNLOAD_REFUSALS,
    FILE_RESPONSES,
    NOTHING_PUBLISHED,
    SEGMENT_TYPE_PARAMETER,
    export_from_body,
    input_error,
    segment_type_or_400,
)

BAD_TYPE = OpenApiResponse(description="Unknown segmentation type, or one the data lacks.")
INSIGHT_ENVELOPE = envelope_serializer("InsightEnvelope", InsightReportSerializer)


class ExternalSegmentListView(APIView):
    """Document 003 `GET /api/segments/{type}`: one page of the published run's segments."""

    error_style = "envelope"
    required_scope = "segments:read"

    @extend_schema(
        parameters=[SEGMENT_TYPE_PARAMETER, SegmentListInputSerializer],
        responses={
            200: envelope_serializer("SegmentPageEnvelope", SegmentPageSerializer),
            409: NOTHING_PUBLISHED,
        },
    )
    def get(self, request: Request, segment_type: str) -> Response:
        segment_type = segment_type_or_400(segment_type)
        query = SegmentListInputSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        sort_by = query.validated_data.get("sort_by")
        if sort_by is not None and sort_by not in segments.sortable_fields(segment_type):
            allowed = ", ".join(segments.sortable_fields(segment_type))
            raise exceptions.ValidationError(
                {"sort_by": f"Cannot sort by '{sort_by}'; choose one of {allowed}."}
            )
        run = report_run_get(user=request.user)
        try:
            records = segment_view(run=run, segment_type=segment_type)
            if sort_by:
                records = segments.sort_records(
                    records,
                    segment_type=segment_type,
                    sort_by=sort_by,
                    descending=query.validated_data["sort_order"] == "DESC",
                )
        except segments.SegmentInputError as exc:
            raise input_error(exc) from exc
        return envelope_page(
            records,
            request,
            ClusterSegmentSerializer if segment_type == "cluster" else TableSegmentSerializer,
            key="segments",
            query=query.validated_data,
            data={"segmentation_type": segment_type},
            links={
                "self": request.get_full_path(),
                "insights": f"/api/insights/{segment_type}",
                "export": f"/api/export/{segment_type}",
                "cluster_details": "/api/clusters",
            },
        )


class ExternalInsightView(APIView):
    """Document 003 `GET /api/insights/{type}`: findings from the published run's figures."""

    error_style = "envelope"
    required_scope = "insights:read"

    @extend_schema(
        parameters=[SEGMENT_TYPE_PARAMETER],
        responses={200: INSIGHT_ENVELOPE, 400: BAD_TYPE, 409: NOTHING_PUBLISHED},
    )
    def get(self, request: Request, segment_type: str) -> Response:
        segment_type = segment_type_or_400(segment_type)
        run = report_run_get(user=request.user)
        try:
            report = insight_view(run=run, segment_type=segment_type)
        except segments.SegmentInputError as exc:
            raise input_error(exc) from exc
        data = InsightReportSerializer({"segmentation_type": segment_type, **report}).data
        return envelope(data, request=request)


class ExternalSegmentExportCreateView(APIView):
    """Document 003 `POST /api/export/{type}`: export the published run's segments (or its
    customers with `assignments`, or its whole report with `report`); 202 with a download URL."""

    queues_jobs = ("post",)  # may answer 503 while the broker is unreachable

    error_style = "envelope"
    required_scope = "exports:write"
    permission_classes = [IsAuthenticated, HasRequiredScope, IsAnalyst]
    throttle_classes = [UserRateThrottle, ExportThrottle]

    @extend_schema(
        parameters=[
            OpenApiParameter("segment_type", str, OpenApiParameter.PATH, enum=list(EXPORT_TYPES))
        ],
        request=SegmentExportInputSerializer,
        responses={
            202: envelope_serializer("ExportAcceptedEnvelope", ExportAcceptedSerializer),
            409: NOTHING_PUBLISHED,
        },
    )
    def post(self, request: Request, segment_type: str) -> Response:
        kind = segment_type.lower()
        if kind not in EXPORT_TYPES:
            raise exceptions.ValidationError(
                {
                    "type": f"Invalid export type '{segment_type[:40]}'; choose one of "
                    f"{', '.join(EXPORT_TYPES)}."
                }
            )
        body = SegmentExportInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        run = report_run_get(user=request.user)
        what = kind if kind in ("assignments", "report") else f"segments:{kind}"
        export = export_from_body(request, run=run, what=what, body=body.validated_data)
        data = {
            "export_id": str(export.pk),
            "status": export.status,
            "format": export.format,
            "estimated_size_mb": export_estimated_size_mb(export=export),
            "download_url": download_path(export),
            "expires_at": export.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if export.status == Export.Status.FAILED:
            data["error"] = export.error
        return envelope(data, request=request, status=status.HTTP_202_ACCEPTED)


class ExternalExportDownloadView(APIView):
    """Document 003 `GET /api/exports/{id}/download`: the owner's file; 410 once expired."""

    error_style = "envelope"
    required_scope = "exports:write"

    @extend_schema(
        operation_id="export_download_by_id",
        responses={**FILE_RESPONSES, **DOWNLOAD_REFUSALS},
    )
    def get(self, request: Request, export_id: str) -> FileResponse:
        return export_file_response(export_get(user=request.user, pk=export_id))
