"""Document 003 (external REST, response envelope): `GET /api/clusters`, `POST /api/clusters/run`
(202 + job id, 10/hour), `GET /api/clusters/jobs/{job_id}`."""

import re
from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from accounts.permissions import IsAnalyst
from accounts.scopes import HasRequiredScope
from accounts.throttles import ClusterRunThrottle
from clustering.engine.labels import cluster_count
from config.api.envelope import (
    PAGE_MAX_LIMIT,
    PageQueryInputSerializer,
    PageSerializer,
    RecordSerializer,
    envelope,
    envelope_page,
    envelope_serializer,
)
from datasets.selectors import column_for_role

from ...models import Cluster, ClusteringRun
from ...selectors import cluster_list, published_run_required, run_get
from ...services import run_create
from ..serializers import CurrentDatasetRunStartInputSerializer, run_start_arguments
from .common import (
    NOTHING_PUBLISHED,
    dataset_named_or_current,
)

JOB_ID = re.compile(r"^job_clust_\d{8}_(\d{1,18})$")
JOB_STATES = {
    ClusteringRun.Status.QUEUED: "processing",
    ClusteringRun.Status.RUNNING: "processing",
    ClusteringRun.Status.SUCCEEDED: "completed",
    ClusteringRun.Status.FAILED: "failed",
    ClusteringRun.Status.CANCELLED: "cancelled",
}
JOB_STATUSES = ("processing", "completed", "failed", "cancelled")  # what JOB_STATES answers
ROWS_PER_ESTIMATED_SECOND = 20_000  # a rough figure from bench_runs: K-Means plus saving rows


class ClusterItemSerializer(RecordSerializer):
    """One cluster the way document 003 lists it; counts and averages unless `include_stats` is
    false, description, characteristics and recommendation unless `include_metadata` is."""

    cluster_id = serializers.IntegerField()
    cluster_label = serializers.CharField()
    cluster_name = serializers.CharField()
    customer_count = serializers.IntegerField(required=False)
    customer_percentage = serializers.FloatField(required=False)
    avg_income = serializers.FloatField(required=False, allow_null=True)
    avg_purchase_amount = serializers.FloatField(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True)
    characteristics = serializers.ListField(child=serializers.CharField(), required=False)
    recommendation = serializers.CharField(required=False, allow_blank=True)


class ClusterListInputSerializer(PageQueryInputSerializer):
    """`?limit=&offset=` of `GET /api/clusters`: every cluster of a run fits one page by default."""

    limit = serializers.IntegerField(min_value=1, max_value=PAGE_MAX_LIMIT, default=PAGE_MAX_LIMIT)


class ClusterListSerializer(PageSerializer):
    """`data` of `GET /api/clusters`."""

    run_id = serializers.IntegerField()
    total_clusters = serializers.IntegerField()
    clusters = ClusterItemSerializer(many=True)


class JobAcceptedSerializer(serializers.Serializer):
    """`data` of `POST /api/clusters/run` (202)."""

    job_id = serializers.CharField()
    run_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=JOB_STATUSES)
    message = serializers.CharField()
    estimated_time_seconds = serializers.IntegerField()


class JobResultSerializer(serializers.Serializer):
    n_clusters = serializers.IntegerField()
    metrics = serializers.DictField()
    warnings = serializers.ListField(
        child=serializers.CharField(), help_text="What the analyst should know about this run."
    )
    clusters = ClusterItemSerializer(many=True)


class JobSerializer(RecordSerializer):
    """`data` of `GET /api/clusters/jobs/{job_id}`; `result` once the job has completed."""

    job_id = serializers.CharField()
    run_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=JOB_STATUSES)
    run_status = serializers.ChoiceField(choices=ClusteringRun.Status.choices)
    progress = serializers.IntegerField()
    stage = serializers.CharField(allow_blank=True)
    error = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    is_published = serializers.BooleanField()
    result = JobResultSerializer(required=False)


def job_id_for(run: ClusteringRun) -> str:
    """Document 003's job id, e.g. `job_clust_20260112_1` (date of creation, run id)."""
    return f"job_clust_{run.created_at:%Y%m%d}_{run.pk}"


def _truthy(request: Request, name: str) -> bool:
    value = request.query_params.get(name, "true").strip().lower()
    if value not in ("true", "false", "1", "0", "yes", "no"):
        raise serializers.ValidationError({name: "Use true or false."})
    return value in ("true", "1", "yes")


def cluster_item(
    cluster: Cluster, *, roles: dict[str, str | None], stats: bool = True, metadata: bool = True
) -> dict[str, Any]:
    """One cluster the way document 003 lists it."""
    item: dict[str, Any] = {
        "cluster_id": cluster.label,
        "cluster_label": cluster.name,
        "cluster_name": cluster.name,
    }
    if stats:
        means = cluster.profile.get("mean_values", {})
        item["customer_count"] = cluster.size
        item["customer_percentage"] = cluster.percentage
        for key, column in roles.items():
            item[key] = means.get(column) if column else None
    if metadata:
        item["description"] = cluster.summary
        item["characteristics"] = cluster.characteristics
        item["recommendation"] = cluster.recommendation
    return item


def cluster_items(run: ClusteringRun, *, stats: bool = True, metadata: bool = True) -> list[dict]:
    roles = {
        "avg_income": column_for_role(dataset=run.dataset, role="income"),
        "avg_purchase_amount": column_for_role(dataset=run.dataset, role="purchase_amount"),
    }
    return [
        cluster_item(cluster, roles=roles, stats=stats, metadata=metadata)
        for cluster in cluster_list(run=run)
    ]


class ExternalClustersView(APIView):
    """The clusters of the published segmentation."""

    error_style = "envelope"
    required_scope = "segments:read"

    @extend_schema(
        operation_id="external_clusters",
        parameters=[
            ClusterListInputSerializer,
            OpenApiParameter("include_metadata", bool, description="Descriptions (default true)"),
            OpenApiParameter(
                "include_stats", bool, description="Counts and averages (default true)"
            ),
        ],
        responses={
            200: envelope_serializer("ClusterListEnvelope", ClusterListSerializer),
            409: NOTHING_PUBLISHED,
        },
    )
    def get(self, request: Request) -> Response:
        stats, metadata = _truthy(request, "include_stats"), _truthy(request, "include_metadata")
        query = ClusterListInputSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        run = published_run_required(user=request.user)
        clusters = cluster_items(run, stats=stats, metadata=metadata)
        return envelope_page(
            clusters,
            request,
            ClusterItemSerializer,
            key="clusters",
            query=query.validated_data,
            data={"run_id": run.pk, "total_clusters": len(clusters)},
            links={"self": "/api/clusters", "segments": "/api/segments/cluster"},
        )


class ExternalRunView(APIView):
    """Queue a clustering run (expensive: 10 requests/hour); answers 202 with a job id to poll."""

    queues_jobs = ("post",)  # may answer 503 while the broker is unreachable

    error_style = "envelope"
    required_scope = "clusters:run"
    permission_classes = [IsAuthenticated, HasRequiredScope, IsAnalyst]
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, ClusterRunThrottle]

    @extend_schema(
        operation_id="external_clusters_run",
        request=CurrentDatasetRunStartInputSerializer,
        responses={202: envelope_serializer("JobAcceptedEnvelope", JobAcceptedSerializer)},
    )
    def post(self, request: Request) -> Response:
        data = CurrentDatasetRunStartInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        dataset = dataset_named_or_current(user=request.user, dataset_id=values.get("dataset_id"))
        run = run_create(dataset=dataset, user=request.user, **run_start_arguments(values))
        job_id = job_id_for(run)
        poll = f"/api/clusters/jobs/{job_id}"
        accepted = {
            "job_id": job_id,
            "run_id": run.pk,
            "status": JOB_STATES[run.status],
            "message": "Clustering job queued successfully",
            "estimated_time_seconds": 5 + dataset.n_rows // ROWS_PER_ESTIMATED_SECOND,
        }
        return envelope(
            JobAcceptedSerializer(accepted).data,
            request=request,
            status=status.HTTP_202_ACCEPTED,
            links={"self": poll, "run": f"/api/v1/runs/{run.pk}/"},
            headers={"Location": poll},
        )


class ExternalJobView(APIView):
    """A clustering job's status, progress and, once completed, its clusters and metrics."""

    error_style = "envelope"
    required_scope = "clusters:read"

    @extend_schema(
        operation_id="external_clusters_job",
        responses=envelope_serializer("JobEnvelope", JobSerializer),
    )
    def get(self, request: Request, job_id: str) -> Response:
        match = JOB_ID.match(job_id)
        if not match:
            raise Http404(f"Job '{job_id}' was not found; job ids look like job_clust_20260112_1.")
        run = run_get(user=request.user, pk=match.group(1))
        if job_id_for(run) != job_id:
            raise Http404(f"Job '{job_id}' was not found among your jobs.")
        data: dict[str, Any] = {
            "job_id": job_id,
            "run_id": run.pk,
            "status": JOB_STATES[run.status],
            "run_status": run.status,
            "progress": run.progress,
            "stage": run.stage,
            "error": run.error or None,
            "created_at": run.created_at,
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "is_published": run.is_published,
        }
        if run.status == ClusteringRun.Status.SUCCEEDED:
            clusters = cluster_items(run)
            data["result"] = {
                "n_clusters": cluster_count(c["cluster_id"] for c in clusters),
                "metrics": run.metrics,
                "warnings": run.warnings,
                "clusters": clusters,
            }
        return envelope(
            JobSerializer(data).data,
            request=request,
            links={"self": f"/api/clusters/jobs/{job_id}", "run": f"/api/v1/runs/{run.pk}/"},
        )
