"""Document 000 (analytics workspace, plain errors): `GET /api/visualizations` and `GET
/api/export` on the caller's latest clustering."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAnalyst
from accounts.scopes import HasRequiredScope
from accounts.throttles import ExportThrottle, UserRateThrottle
from clustering.selectors import workspace_run_required
from reports import charts
from reports.models import Export
from reports.selectors import chart_get
from reports.services import export_create

from ..serializers import VisualizationsSerializer, WorkspaceExportSerializer, download_path
from .common import input_error

NOTHING_CLUSTERED = OpenApiResponse(
    description="No data loaded (nothing uploaded), or no clustering performed on the caller's "
    "current dataset yet."
)


class WorkspaceVisualizationsView(APIView):
    """Document 000 `GET /api/visualizations`: scatter and distribution figures of the caller's
    latest clustering (their current dataset's newest run; never the published one)."""

    error_style = "plain"
    required_scope = "segments:read"

    @extend_schema(responses={200: VisualizationsSerializer, 400: NOTHING_CLUSTERED})
    def get(self, request: Request) -> Response:
        run = workspace_run_required(user=request.user)
        try:
            figures = {
                "scatter_chart": chart_get(run=run, name="scatter"),
                "distribution_chart": chart_get(run=run, name="distribution"),
            }
        except charts.ChartInputError as exc:
            raise input_error(exc) from exc
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
        run = workspace_run_required(user=request.user)
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
