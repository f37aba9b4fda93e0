"""Document 002 (`/api/v1/clustering/...`): train (hierarchical by default, inline up to
SYNC_CLUSTER_MAX_ROWS rows), runs of a dataset, segments of a run, the dendrogram PNG."""

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAnalyst
from accounts.scopes import HasRequiredScope
from clustering.engine.labels import cluster_count
from config.api.pagination import PageNumberPagination
from config.api.renderers import SafeJSONRenderer
from datasets.selectors import dataset_get

from ...models import ClusteringRun
from ...selectors import assignment_list, cluster_list, run_get, run_list
from ...services import run_execute_inline
from ..serializers import (
    AssignmentSerializer,
    RunSerializer,
    V1TrainInputSerializer,
    V1TrainSerializer,
    run_start_arguments,
)
from .common import PNGRenderer, dendrogram_response

DATASET_NOT_FOUND = OpenApiResponse(description="No dataset with that id among the caller's.")


def train_answer(run: ClusteringRun, request: Request) -> dict[str, Any]:
    """A trained run with document 002's metrics (silhouette, sizes, samples, encoded features);
    its shape is `V1TrainSerializer`."""
    metrics = run.metrics or {}
    body = RunSerializer(run, context={"request": request}).data
    return {
        "run_id": run.pk,
        "dataset_id": run.dataset_id,
        "algorithm": run.algorithm,
        "linkage": run.parameters.get("linkage"),
        "n_clusters": metrics.get("n_clusters"),
        "use_pca": bool(run.parameters.get("use_pca")),
        "pca_components": run.parameters.get("pca_components"),
        "status": run.status,
        "metrics": {
            "silhouette_score": metrics.get("silhouette_score"),
            "cluster_sizes": metrics.get("cluster_sizes", {}),
            "n_samples": run.n_samples,
            "n_encoded_features": run.n_encoded_features,
        },
        "warnings": run.warnings,
        "created_at": body["created_at"],
        "links": {"self": body["url"], **body["links"]},
    }


class V1TrainView(APIView):
    """Train a clustering (hierarchical, ward, by default) on one of the caller's datasets; an
    unknown or another's `dataset_id` is 404."""

    required_scope = "clusters:run"
    permission_classes = [IsAuthenticated, HasRequiredScope, IsAnalyst]

    @extend_schema(
        operation_id="v1_clustering_train",
        request=V1TrainInputSerializer,
        responses={201: V1TrainSerializer, 404: DATASET_NOT_FOUND},
    )
    def post(self, request: Request) -> Response:
        data = V1TrainInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        run = run_execute_inline(
            dataset=dataset_get(user=request.user, pk=values["dataset_id"]),
            user=request.user,
            **run_start_arguments(values),
        )
        return Response(train_answer(run, request), status=status.HTTP_201_CREATED)


class V1DatasetRunsView(APIView):
    """Every run of one of the caller's datasets, newest first."""

    required_scope = "clusters:read"

    @extend_schema(operation_id="v1_clustering_runs", responses=RunSerializer(many=True))
    def get(self, request: Request, dataset_id: int) -> Response:
        dataset = dataset_get(user=request.user, pk=dataset_id)
        runs = run_list(user=request.user).filter(dataset=dataset)
        return Response(
            {
                "dataset_id": dataset.pk,
                "runs": RunSerializer(runs, many=True, context={"request": request}).data,
            }
        )


class V1RunSegmentsView(APIView):
    """The clusters of a run and each customer's cluster (paginated, `?cluster=` filters)."""

    required_scope = "clusters:read"
    pagination_class = PageNumberPagination

    @extend_schema(
        operation_id="v1_clustering_segments",
        responses=inline_serializer(
            "RunSegments",
            {
                "run_id": serializers.IntegerField(),
                "status": serializers.CharField(),
                "n_clusters": serializers.IntegerField(),
                "clusters": serializers.ListField(child=serializers.DictField()),
                "count": serializers.IntegerField(),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "segments": AssignmentSerializer(many=True),
            },
        ),
    )
    def get(self, request: Request, run_id: int) -> Response:
        run = run_get(user=request.user, pk=run_id)
        cluster = request.query_params.get("cluster")
        if cluster is not None and not cluster.lstrip("-").isdigit():
            raise serializers.ValidationError({"cluster": "Give a cluster label (a number)."})
        assignments = assignment_list(run=run, cluster=int(cluster) if cluster else None)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(assignments, request, view=self)
        clusters = [
            {"cluster_id": c.label, "name": c.name, "size": c.size, "percentage": c.percentage}
            for c in cluster_list(run=run)
        ]
        return Response(
            {
                "run_id": run.pk,
                "status": run.status,
                "n_clusters": cluster_count(c["cluster_id"] for c in clusters),
                "clusters": clusters,
                "count": paginator.page.paginator.count,
                "next": paginator.get_next_link(),
                "previous": paginator.get_previous_link(),
                "segments": AssignmentSerializer(page, many=True).data,
            }
        )


class V1RunDendrogramView(APIView):
    """The dendrogram of a hierarchical run as a PNG (truncated for large runs)."""

    required_scope = "clusters:read"
    renderer_classes = [SafeJSONRenderer, PNGRenderer]

    @extend_schema(
        operation_id="v1_clustering_dendrogram", responses={(200, "image/png"): OpenApiTypes.BINARY}
    )
    def get(self, request: Request, run_id: int) -> HttpResponse:
        return dendrogram_response(run=run_get(user=request.user, pk=run_id))
