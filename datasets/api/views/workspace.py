"""Document 000's analytics workspace: `/api/upload`, `/api/data-quality`,
`/api/correlation-matrix`, `/api/reset`. "The loaded data" is the caller's current dataset
(`current_dataset_required`: a 400 saying what to do without one). Errors use 000's shape,
`{"error": "..."}`."""

import time

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAnalyst
from accounts.scopes import HasRequiredScope

from ...models import Dataset
from ...selectors import current_dataset_required
from ...services import current_dataset_set, dataset_create_from_upload, workspace_reset
from ..serializers import (
    CorrelationMatrixSerializer,
    DataQualitySerializer,
    ResetSerializer,
    WorkspaceUploadInputSerializer,
    WorkspaceUploadSerializer,
)
from .common import refuse_oversized_body


def _features(dataset: Dataset) -> list[str]:
    return [column["name"] for column in dataset.schema if column["kind"] == "numeric"]


class WorkspaceUploadView(APIView):
    """Upload a CSV and make it the caller's loaded data (analysts and admins)."""

    error_style = "plain"
    parser_classes = [MultiPartParser, FormParser]
    permission_classes = [IsAuthenticated, HasRequiredScope, IsAnalyst]
    required_scope = "datasets:write"

    @extend_schema(
        request={"multipart/form-data": WorkspaceUploadInputSerializer},
        responses={200: WorkspaceUploadSerializer},
    )
    def post(self, request: Request) -> Response:
        started = time.perf_counter()
        refuse_oversized_body(request)
        if "file" not in request.FILES:
            raise ValidationError("No file uploaded: send the CSV as the multipart field 'file'.")
        dataset, _ = dataset_create_from_upload(
            owner=request.user, uploaded_file=request.FILES["file"]
        )
        current_dataset_set(user=request.user, dataset=dataset)
        elapsed = round(time.perf_counter() - started, 2)
        features = _features(dataset)
        return Response(
            {
                "success": True,
                "message": f"File uploaded successfully. {dataset.n_rows} rows processed "
                f"in {elapsed}s.",
                "shape": [dataset.n_rows, dataset.n_columns],
                "statistics": {
                    name: {k: v for k, v in dataset.statistics[name].items() if k != "kind"}
                    for name in features
                },
                "features": features,
                "processing_time": elapsed,
            }
        )


class WorkspaceDataQualityView(APIView):
    """Quality metrics of the caller's loaded data."""

    error_style = "plain"
    required_scope = "datasets:read"

    @extend_schema(responses={200: DataQualitySerializer})
    def get(self, request: Request) -> Response:
        dataset = current_dataset_required(user=request.user)
        return Response({"success": True, "metrics": dataset.quality_report})


class WorkspaceCorrelationMatrixView(APIView):
    """Correlation matrix of the numeric columns of the caller's loaded data."""

    error_style = "plain"
    required_scope = "datasets:read"

    @extend_schema(responses={200: CorrelationMatrixSerializer})
    def get(self, request: Request) -> Response:
        dataset = current_dataset_required(user=request.user)
        correlation = dataset.correlation or {}
        if not correlation.get("features"):
            raise ValidationError("No numeric features available in the loaded data.")
        return Response(
            {"success": True, "features": correlation["features"], "matrix": correlation["matrix"]}
        )


class WorkspaceResetView(APIView):
    """Clear the caller's loaded data and analysis state; nothing is deleted."""

    error_style = "plain"
    required_scope = "datasets:write"

    @extend_schema(request=None, responses={200: ResetSerializer})
    def post(self, request: Request) -> Response:
        workspace_reset(user=request.user)
        return Response({"success": True, "message": "Analysis reset successfully"})
