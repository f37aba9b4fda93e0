"""The canonical resource API: `/api/v1/runs/` (with `PATCH /api/v1/runs/{id}/clusters/{label}/`,
a segment's rename), `/api/v1/runs/{id}/dendrogram.png`, `/api/v1/datasets/{id}/optimal-k/`,
`/api/v1/datasets/{id}/drift/` and the lineage of two runs, `/api/v1/runs/{id}/compare/{other_id}/`
with its movers (paginated and as CSV)."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAnalyst
from accounts.scopes import HasRequiredScope
from accounts.throttles import ClusterRunThrottle
from config.api.renderers import SafeJSONRenderer
from config.errors import Conflict
from datasets.selectors import dataset_get
from reports.exports import write_csv

from ...filters import AssignmentFilter, RunFilter
from ...models import ClusteringRun, DriftCheck
from ...selectors import (
    FrameRows,
    assignment_list,
    cluster_list,
    comparison_names,
    comparison_view,
    dataset_k_sweep,
    run_get,
    run_list,
)
from ...services import (
    cluster_rename,
    comparison_movers,
    run_cancel,
    run_comparison_get_or_start,
    run_create,
    run_publish,
)
from ...services.drift import dataset_drift
from ..serializers import (
    AssignmentSerializer,
    ClusterRenameInputSerializer,
    ClusterSerializer,
    DriftCheckSerializer,
    DriftQuerySerializer,
    DriftSerializer,
    KSweepSerializer,
    MoverSerializer,
    OptimalKQuerySerializer,
    RunComparisonSerializer,
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


# --- Lineage: /api/v1/runs/{id}/compare/{other_id}/ ----------------------------------------------


class CSVRenderer(BaseRenderer):
    """Lets `Accept: text/csv` through content negotiation; errors still render as JSON."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context=None):
        if isinstance(data, bytes | str):
            return data
        response = (renderer_context or {}).get("response")
        if response is not None:  # an error body: say it is JSON, not CSV
            response["Content-Type"] = "application/json"
        return SafeJSONRenderer().render(data)


def _comparison(request: Request, pk: int, other_pk: int):
    """The comparison of two of the caller's runs (another user's run: 404)."""
    return run_comparison_get_or_start(
        user=request.user,
        run=run_get(user=request.user, pk=pk),
        other=run_get(user=request.user, pk=other_pk),
    )


def _comparison_body(request: Request, comparison, pk: int, other_pk: int) -> dict:
    body = dict(comparison_view(comparison))
    body["movers_url"] = request.build_absolute_uri(
        reverse("clustering-api:run-compare-movers", args=[pk, other_pk])
    )
    body["movers_csv_url"] = request.build_absolute_uri(
        reverse("clustering-api:run-compare-movers-csv", args=[pk, other_pk])
    )
    return RunComparisonSerializer(body).data


def _label_query(request: Request, name: str) -> int | None:
    value = request.query_params.get(name, "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValidationError(
            {name: [f"{value!r} is not a segment label; give a whole number such as 0 or 2."]}
        ) from None


def _movers(request: Request, pk: int, other_pk: int):
    comparison = _comparison(request, pk, other_pk)
    if comparison.status != comparison.Status.SUCCEEDED:
        raise Conflict(
            f"The comparison of runs {pk} and {other_pk} is still {comparison.status}; ask "
            f"GET /api/v1/runs/{pk}/compare/{other_pk}/ until it has succeeded."
        )
    movers = comparison_movers(
        comparison, from_label=_label_query(request, "from"), to_label=_label_query(request, "to")
    )
    return comparison, movers


MOVER_FILTERS = [
    OpenApiParameter("from", int, description="Only movers from this segment of the old run"),
    OpenApiParameter("to", int, description="Only movers to this segment of the new run"),
]


class RunCompareView(APIView):
    """The lineage between two of the caller's succeeded runs (either order; the older run is
    `old_run`): matched segments with their overlap and centroid shift, the transitions, and
    how many customers moved, entered or left. Runs of at most LINEAGE_INLINE_MAX_ROWS customers
    are compared in the request (200); larger ones on a worker (202: ask again until 200)."""

    required_scope = "clusters:read"
    queues_jobs = ("get",)  # may answer 503 while the broker is unreachable

    @extend_schema(
        operation_id="runs_compare",
        responses={200: RunComparisonSerializer, 202: RunComparisonSerializer},
    )
    def get(self, request: Request, pk: int, other_pk: int) -> Response:
        comparison = _comparison(request, pk, other_pk)
        body = _comparison_body(request, comparison, pk, other_pk)
        if comparison.status == comparison.Status.SUCCEEDED:
            return Response(body)
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": request.path})


class RunCompareMoversView(GenericAPIView):
    """Customers in both runs whose new segment is not the match of their old one, paginated;
    `?from=` and `?to=` keep one old and/or one new segment."""

    required_scope = "clusters:read"
    serializer_class = MoverSerializer

    @extend_schema(operation_id="runs_compare_movers", parameters=MOVER_FILTERS)
    def get(self, request: Request, pk: int, other_pk: int) -> Response:
        comparison, movers = _movers(request, pk, other_pk)
        page = self.paginate_queryset(FrameRows(movers))
        names = comparison_names(comparison)
        return self.get_paginated_response(
            MoverSerializer([names.mover(row) for row in page], many=True).data
        )


class RunCompareMoversCsvView(APIView):
    """The movers (optionally `?from=` / `?to=`) as a CSV file, safe to open in a spreadsheet."""

    required_scope = "clusters:read"
    renderer_classes = [SafeJSONRenderer, CSVRenderer]

    @extend_schema(
        operation_id="runs_compare_movers_csv",
        parameters=MOVER_FILTERS,
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )
    def get(self, request: Request, pk: int, other_pk: int) -> HttpResponse:
        comparison, movers = _movers(request, pk, other_pk)
        frame = comparison_names(comparison).movers_frame(movers)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        name = f"runs-{comparison.old_run_id}-{comparison.new_run_id}-movers.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        write_csv(frame, response)
        return response


DRIFT_DESCRIPTION = """\
How far this dataset's rows are from the training data of the published run (or of your run
`?run=`): per feature the population stability index (PSI; numbers binned by the training
data's deciles, categories by category with unseen ones grouped, missing values in a bin of
their own, an empty bin counted as a share of 0.0001), the predicted segment shares of the rows
against the published shares, a status and advice in words. `status` is `major` when a PSI
exceeds 0.25 or a segment's share moved by more than 10 points, `moderate` when a PSI is 0.1 or
more, else `stable`.

A dataset of more than DRIFT_INLINE_MAX_ROWS rows is measured by a job (started after the
upload): until it is done the answer is 202 with its progress; ask again. 400 names the run's
features the dataset lacks; 404 for a dataset or run that is not yours; 409 when nothing is
published and no run is named, or the named run has not succeeded."""


class DatasetDriftView(APIView):
    """The drift of one of the caller's datasets against the published run or one of theirs."""

    queues_jobs = ("get",)  # a large dataset's job: 503 while the broker is unreachable
    required_scope = "datasets:read"

    @extend_schema(
        operation_id="datasets_drift",
        parameters=[DriftQuerySerializer],
        responses={
            200: DriftSerializer,
            202: OpenApiResponse(
                DriftCheckSerializer,
                description="A large dataset: the job measuring it; ask again until 200.",
            ),
            409: OpenApiResponse(
                description="Nothing is published and no run is named, or the run has not "
                "succeeded."
            ),
            503: OpenApiResponse(
                description="The job of a large dataset could not be queued; ask again later."
            ),
        },
        description=DRIFT_DESCRIPTION,
    )
    def get(self, request: Request, pk: int) -> Response:
        query = DriftQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        dataset = dataset_get(user=request.user, pk=pk)
        drift = dataset_drift(
            user=request.user, dataset=dataset, run_id=query.validated_data.get("run")
        )
        if isinstance(drift, DriftCheck):
            return Response(DriftCheckSerializer(drift).data, status=status.HTTP_202_ACCEPTED)
        return Response(DriftSerializer(drift).data)
