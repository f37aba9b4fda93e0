"""The canonical `/api/v1/` reports resources: a run's charts and the caller's exports."""

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAnalyst
from accounts.scopes import HasRequiredScope
from accounts.throttles import ExportThrottle, UserRateThrottle
from clustering.selectors import run_get
from reports import charts
from reports.downloads import export_file_response
from reports.filters import ExportFilter
from reports.models import Export
from reports.selectors import chart_get, export_get, export_list

from ..serializers import ExportCreateInputSerializer, ExportSerializer
from .common import DOWNLOAD_REFUSALS, FILE_RESPONSES, export_from_body, input_error


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
            raise input_error(exc) from exc


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
        export = export_from_body(
            request, run=run, what=data.validated_data.get("what"), body=data.validated_data
        )
        return Response(ExportSerializer(export).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={**FILE_RESPONSES, **DOWNLOAD_REFUSALS})
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str) -> FileResponse:
        return export_file_response(self.get_object())
