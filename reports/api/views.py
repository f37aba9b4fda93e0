"""Reports API: document 003's segments, insights and exports (envelope), document 000's
visualizations and export (plain errors), and the canonical /api/v1/ charts and exports."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAnalyst
from accounts.scopes import HasRequiredScope
from accounts.throttles import ExportThrottle, UserRateThrottle
from clustering.models import ClusteringRun
from clustering.selectors import run_get
from config.api.envelope import envelope
from reports import charts, segments
from reports.downloads import export_file_response
from reports.filters import ExportFilter
from reports.models import Export
from reports.selectors import (
    chart_get,
    export_get,
    export_list,
    insight_view,
    report_run_get,
    segment_view,
    workspace_run_get,
)
from reports.services import CONTENT_TYPES, export_create, export_estimated_size_mb

from .serializers import (
    EXPORT_TYPES,
    ExportAcceptedSerializer,
    ExportCreateInputSerializer,
    ExportSerializer,
    InsightReportSerializer,
    SegmentExportInputSerializer,
    SegmentListInputSerializer,
    SegmentPageSerializer,
    VisualizationsSerializer,
    WorkspaceExportSerializer,
    download_path,
)


def _segment_type(raw: str) -> str:
    """The segment type of the path (case-insensitive); 400 naming the valid ones otherwise."""
    segment_type = raw.lower()
    if segment_type not in segments.SEGMENT_TYPES:
        raise exceptions.ValidationError(
            {
                "type": f"Invalid segmentation type '{raw[:40]}'; choose one of "
                f"{', '.join(segments.SEGMENT_TYPES)}."
            }
        )
    return segment_type


def _input_error(exc: ValueError) -> exceptions.ValidationError:
    return exceptions.ValidationError({"detail": str(exc)})


def _service_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
    return exceptions.ValidationError(detail)


def _export_create(request: Request, *, run: ClusteringRun, what: str | None, body: dict) -> Export:
    """`export_create` with a validated body's format, columns, filters and include_charts;
    the service's refusal answers 400."""
    try:
        return export_create(
            user=request.user,
            run=run,
            what=what,
            file_format=body["format"],
            columns=body.get("columns"),
            filters=body.get("filters"),
            include_charts=body["include_charts"],
        )
    except DjangoValidationError as exc:
        raise _service_error(exc) from exc


def _workspace_run_required(request: Request) -> ClusteringRun:
    """Document 000's latest clustering of the caller; 400 while there is none."""
    run = workspace_run_get(user=request.user)
    if run is None:
        raise exceptions.ValidationError(
            "No clustering performed yet: run POST /api/cluster on your data first."
        )
    return run


BAD_TYPE = OpenApiResponse(description="Unknown segmentation type, or one the data lacks.")
NOTHING_CLUSTERED = OpenApiResponse(description="No clustering performed yet.")
FILE_RESPONSES = {
    (200, content_type.split(";")[0]): OpenApiTypes.BINARY
    for content_type in CONTENT_TYPES.values()
}
SEGMENT_TYPE_PARAMETER = OpenApiParameter(
    "type", str, OpenApiParameter.PATH, enum=list(segments.SEGMENT_TYPES)
)


class SegmentListView(APIView):
    """Document 003 `GET /api/segments/{type}`: one page of the published run's segments."""

    error_style = "envelope"
    required_scope = "segments:read"

    @extend_schema(
        parameters=[SEGMENT_TYPE_PARAMETER, SegmentListInputSerializer],
        responses={
            200: inline_serializer(
                "SegmentPageEnvelope",
                {
                    "success": serializers.BooleanField(),
                    "data": SegmentPageSerializer(),
                    "metadata": serializers.DictField(),
                    "links": serializers.DictField(child=serializers.CharField()),
                },
            ),
            409: OpenApiResponse(description="No segmentation is published yet."),
        },
    )
    def get(self, request: Request, segment_type: str) -> Response:
        segment_type = _segment_type(segment_type)
        query = SegmentListInputSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        limit, offset = query.validated_data["limit"], query.validated_data["offset"]
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
            raise _input_error(exc) from exc
        total = len(records)
        page = records[offset : offset + limit]
        has_more = offset + len(page) < total
        summary = {"total_records": total, "limit": limit, "offset": offset, "has_more": has_more}
        data = {
            "segmentation_type": segment_type,
            **{k: summary[k] for k in ("total_records", "limit", "offset")},
            "request_summary": summary,
            "segments": page,
        }
        base = f"/api/segments/{segment_type}"
        links = {
            "self": request.get_full_path(),
            "insights": f"/api/insights/{segment_type}",
            "export": f"/api/export/{segment_type}",
            "cluster_details": "/api/clusters",
        }
        params = request.query_params.copy()
        if has_more:
            params["offset"] = str(offset + limit)
            links["next"] = f"{base}?{params.urlencode()}"
        if offset > 0:
            params["offset"] = str(max(0, offset - limit))
            links["prev"] = f"{base}?{params.urlencode()}"
        return envelope(data, request=request, links=links)


class InsightView(APIView):
    """Document 003 `GET /api/insights/{type}`: findings from the published run's figures."""

    error_style = "envelope"
    required_scope = "insights:read"

    @extend_schema(
        parameters=[SEGMENT_TYPE_PARAMETER],
        responses={
            200: inline_serializer(
                "InsightEnvelope",
                {
                    "success": serializers.BooleanField(),
                    "data": InsightReportSerializer(),
                    "metadata": serializers.DictField(),
                },
            ),
            400: BAD_TYPE,
            409: OpenApiResponse(description="No segmentation is published yet."),
        },
    )
    def get(self, request: Request, segment_type: str) -> Response:
        segment_type = _segment_type(segment_type)
        run = report_run_get(user=request.user)
        try:
            report = insight_view(run=run, segment_type=segment_type)
        except segments.SegmentInputError as exc:
            raise _input_error(exc) from exc
        return envelope({"segmentation_type": segment_type, **report}, request=request)


class SegmentExportCreateView(APIView):
    """Document 003 `POST /api/export/{type}`: export the published run's segments (or its
    customers with `assignments`, or its whole report with `report`); 202 with a download URL."""

    queues_jobs = ("post",)  # may answer 503 while the broker is unreachable

    error_style = "envelope"
    required_scope = "exports:write"
    permission_classes = [IsAuthenticated, HasRequiredScope, IsAnalyst]
    throttle_classes = [UserRateThrottle, ExportThrottle]

    @extend_schema(
        parameters=[OpenApiParameter("type", str, OpenApiParameter.PATH, enum=list(EXPORT_TYPES))],
        request=SegmentExportInputSerializer,
        responses={
            202: inline_serializer(
                "ExportAcceptedEnvelope",
                {
                    "success": serializers.BooleanField(),
                    "data": ExportAcceptedSerializer(),
                    "metadata": serializers.DictField(),
                },
            ),
            409: OpenApiResponse(description="No segmentation is published yet."),
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
        export = _export_create(request, run=run, what=what, body=body.validated_data)
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


class ExportDownloadView(APIView):
    """Document 003 `GET /api/exports/{id}/download`: the owner's file; 410 once expired."""

    error_style = "envelope"
    required_scope = "exports:write"

    @extend_schema(
        operation_id="export_download_by_id",
        responses={
            **FILE_RESPONSES,
            409: OpenApiResponse(description="The export is still being built, or failed."),
            410: OpenApiResponse(description="The export has expired."),
        },
    )
    def get(self, request: Request, export_id: str) -> FileResponse:
        return export_file_response(export_get(user=request.user, pk=export_id))


class VisualizationsView(APIView):
    """Document 000 `GET /api/visualizations`: scatter and distribution figures of the caller's
    latest clustering (their current dataset's newest run, else the published one)."""

    error_style = "plain"
    required_scope = "segments:read"

    @extend_schema(responses={200: VisualizationsSerializer, 400: NOTHING_CLUSTERED})
    def get(self, request: Request) -> Response:
        run = _workspace_run_required(request)
        try:
            figures = {
                "scatter_chart": chart_get(run=run, name="scatter"),
                "distribution_chart": chart_get(run=run, name="distribution"),
            }
        except charts.ChartInputError as exc:
            raise _input_error(exc) from exc
        return Response({"success": True, **figures})


class WorkspaceExportView(APIView):
    """Document 000 `GET /api/export`: CSV (customers with clusters), JSON and HTML reports of
    the caller's latest clustering, answered with download URLs."""

    queues_jobs = ("get",)  # may answer 503 while the broker is unreachable

    error_style = "plain"
    required_scope = "exports:write"
    permission_classes = [IsAuthenticated, HasRequiredScope, IsAnalyst]
    throttle_classes = [UserRateThrottle, ExportThrottle]

    @extend_schema(responses={200: WorkspaceExportSerializer, 400: NOTHING_CLUSTERED})
    def get(self, request: Request) -> Response:
        run = _workspace_run_required(request)
        made: dict[str, Export] = {}
        try:
            for file_format in ("csv", "json", "html"):
                made[file_format] = export_create(
                    user=request.user, run=run, file_format=file_format
                )
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(" ".join(exc.messages)) from exc
        ready = all(e.status == Export.Status.READY for e in made.values())
        return Response(
            {
                "success": True,
                "message": "Results exported successfully"
                if ready
                else "Exports are being built; each download URL answers once its file is ready",
                "files": {fmt: download_path(e) for fmt, e in made.items()},
                "exports": {
                    fmt: {
                        "id": str(e.pk),
                        "status": e.status,
                        "error": e.error,
                        "expires_at": e.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    }
                    for fmt, e in made.items()
                },
            }
        )


class RunChartView(APIView):
    """`GET /api/v1/runs/{id}/charts/{name}/`: one Plotly figure of one of the caller's runs."""

    required_scope = "segments:read"

    @extend_schema(
        parameters=[
            OpenApiParameter("chart", str, OpenApiParameter.PATH, enum=list(charts.CHART_NAMES))
        ],
        responses={
            200: inline_serializer(
                "PlotlyFigure",
                {"data": serializers.ListField(), "layout": serializers.DictField()},
            ),
            400: OpenApiResponse(description="The run has nothing to draw for this chart."),
            409: OpenApiResponse(description="The run has not succeeded."),
        },
    )
    def get(self, request: Request, pk: int, chart: str) -> Response:
        run = run_get(user=request.user, pk=pk)
        try:
            return Response(chart_get(run=run, name=chart))
        except charts.ChartInputError as exc:
            raise _input_error(exc) from exc


class ExportViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's exports; POST builds one from one of the caller's runs (202)."""

    queues_jobs = ("post",)  # may answer 503 while the broker is unreachable
    serializer_class = ExportSerializer
    required_scope = "exports:write"
    permission_classes = [IsAuthenticated, HasRequiredScope, IsAnalyst]
    filterset_class = ExportFilter
    ordering_fields = ("created_at", "expires_at")
    lookup_value_regex = "[0-9a-fA-F-]{32,36}"

    def get_queryset(self) -> QuerySet[Export]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request user
            return Export.objects.none()
        return export_list(user=self.request.user)

    def get_object(self) -> Export:
        return export_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_throttles(self) -> list[Any]:
        if self.action == "create":
            return [UserRateThrottle(), ExportThrottle()]
        return super().get_throttles()

    @extend_schema(
        request=ExportCreateInputSerializer,
        responses={
            202: ExportSerializer,
            404: OpenApiResponse(description="No run with that id among your runs."),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ExportCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = run_get(user=request.user, pk=data.validated_data["run"])
        export = _export_create(
            request, run=run, what=data.validated_data.get("what"), body=data.validated_data
        )
        return Response(ExportSerializer(export).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={
            **FILE_RESPONSES,
            409: OpenApiResponse(description="The export is still being built, or failed."),
            410: OpenApiResponse(description="The export has expired."),
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str) -> FileResponse:
        return export_file_response(self.get_object())
