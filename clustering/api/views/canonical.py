"""The canonical resource API: `/api/v1/runs/` (with `PATCH /api/v1/runs/{id}/clusters/{label}/`,
a segment's rename), `/api/v1/runs/{id}/dendrogram.png` and
`/api/v1/datasets/{id}/optimal-k/`."""

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAnalyst
from accounts.scopes import HasRequiredScope
from accounts.throttles import ClusterRunThrottle
from config.api.renderers import SafeJSONRenderer
from datasets.selectors import dataset_get

from ...filters import AssignmentFilter, RunFilter
from ...models import ClusteringRun
from ...selectors import assignment_list, cluster_list, dataset_k_sweep, run_get, run_list
from ...services import cluster_rename, run_cancel, run_create, run_publish
from ..serializers import (
    AssignmentSerializer,
    ClusterRenameInputSerializer,
    ClusterSerializer,
    KSweepSerializer,
    OptimalKQuerySerializer,
    RunCreateInputSerializer,
    RunSerializer,
    run_start_arguments,
)
from .common import PNGRenderer, dataset_for_input, dendrogram_response

WRITE_ACTIONS = ("create", "publish", "cancel", "cluster_rename")


class RunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Clustering runs of the caller's datasets (all runs for admins); POST queues a new run."""

    queues_jobs = ("post",)  # may answer 503 while the broker is unreachable

    serializer_class = RunSerializer
    filterset_class = RunFilter
    ordering_fields = ["created_at", "finished_at", "id"]
    required_scope = {"GET": "clusters:read", "POST": "clusters:run", "PATCH": "clusters:run"}

    def get_permissions(self) -> list:
        if self.action in WRITE_ACTIONS:
            return [IsAuthenticated(), HasRequiredScope(), IsAnalyst()]
        return [IsAuthenticated(), HasRequiredScope()]

    def get_throttles(self) -> list:
        if self.action == "create":
            return [*super().get_throttles(), ClusterRunThrottle()]
        return super().get_throttles()

    def get_queryset(self) -> QuerySet[ClusteringRun]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return ClusteringRun.objects.none()
        return run_list(user=self.request.user)

    def get_object(self) -> ClusteringRun:
        return run_get(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(request=RunCreateInputSerializer, responses={202: RunSerializer})
    def create(self, request: Request) -> Response:
        data = RunCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        run = run_create(
            dataset=dataset_for_input(user=request.user, pk=values["dataset"]),
            user=request.user,
            **run_start_arguments(values),
        )
        body = RunSerializer(run, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})

    @extend_schema(responses=ClusterSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[])
    def clusters(self, request: Request, pk: str) -> Response:
        """The run's named clusters, paginated."""
        run = self.get_object()
        page = self.paginate_queryset(cluster_list(run=run))
        return self.get_paginated_response(ClusterSerializer(page, many=True).data)

    @extend_schema(
        operation_id="runs_clusters_rename",
        request=ClusterRenameInputSerializer,
        responses=ClusterSerializer,
        parameters=[
            OpenApiParameter(
                "label",
                int,
                OpenApiParameter.PATH,
                description="The segment's label in the run (-1 is DBSCAN's noise group)",
            )
        ],
    )
    @action(
        detail=True,
        methods=["patch"],
        url_path=r"clusters/(?P<label>[^/.]+)",
        url_name="cluster-rename",
        filter_backends=[],
    )
    def cluster_rename(self, request: Request, pk: str, label: str) -> Response:
        """Rename one segment of a succeeded run: predictions, look-ups, exports and reports use
        the new name from now on."""
        run = self.get_object()
        data = ClusterRenameInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cluster = cluster_rename(
            run=run, label=label, name=data.validated_data["name"], by=request.user
        )
        return Response(ClusterSerializer(cluster).data)

    @extend_schema(
        responses=AssignmentSerializer(many=True),
        parameters=[OpenApiParameter("cluster", int, description="Only this cluster label")],
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def assignments(self, request: Request, pk: str) -> Response:
        """Which cluster each customer is in, in row order, paginated; `?cluster=` filters."""
        run = self.get_object()
        assignments = AssignmentFilter(request.query_params, queryset=assignment_list(run=run))
        if not assignments.is_valid():
            raise ValidationError(assignments.errors)
        page = self.paginate_queryset(assignments.qs)
        return self.get_paginated_response(AssignmentSerializer(page, many=True).data)

    @extend_schema(request=None, responses=RunSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str) -> Response:
        """Make this succeeded run the one predictions and segment reads serve."""
        run = run_publish(run=self.get_object(), user=request.user)
        return Response(RunSerializer(run, context={"request": request}).data)

    @extend_schema(request=None, responses={202: RunSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        """Cancel a queued run at once, or ask a running one to stop at its next stage."""
        run = run_cancel(run=self.get_object())
        return Response(
            RunSerializer(run, context={"request": request}).data,
            status=status.HTTP_200_OK if run.status == run.Status.CANCELLED else 202,
        )


class RunDendrogramPngView(APIView):
    """`/api/v1/runs/{id}/dendrogram.png`: the run's dendrogram (hierarchical runs only),
    truncated for large runs."""

    required_scope = "clusters:read"
    renderer_classes = [SafeJSONRenderer, PNGRenderer]

    @extend_schema(
        operation_id="runs_dendrogram_png", responses={(200, "image/png"): OpenApiTypes.BINARY}
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        return dendrogram_response(run=run_get(user=request.user, pk=pk))


class DatasetOptimalKView(APIView):
    """Metrics per k (2..10 by default) on one of the caller's datasets, and the best k."""

    required_scope = "clusters:read"

    @extend_schema(
        operation_id="datasets_optimal_k",
        parameters=[OptimalKQuerySerializer],
        responses=KSweepSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        query = OptimalKQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        dataset = dataset_get(user=request.user, pk=pk)
        sweep = dataset_k_sweep(dataset=dataset, **query.validated_data)
        return Response({"dataset": dataset.pk, **KSweepSerializer(sweep).data})
