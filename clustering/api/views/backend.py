"""Document 004 (backend): `POST /train` (analysts, inline), `GET /clusters` (the published
segmentation's statistics), `GET /elbow` (inertia and silhouette per k)."""

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import IsAnalyst
from accounts.scopes import HasRequiredScope
from clustering.engine.labels import cluster_count
from config.errors import Conflict
from datasets.models import Dataset
from datasets.selectors import column_for_role, current_dataset_get

from ...features import profile_features
from ...selectors import cluster_list, dataset_k_sweep, published_run_get, published_run_required
from ...services import run_execute_inline
from ..serializers import CurrentDatasetRunStartInputSerializer, run_start_arguments
from .common import (
    NOTHING_PUBLISHED,
    dataset_named_or_current,
)

CLUSTER_AVERAGES = {
    "avg_age": "age",
    "avg_income": "income",
    "avg_spending_score": "spending_score",
    "avg_purchase_frequency": "purchase_frequency",
}


class BackendTrainView(APIView):
    """Train K-Means (k by silhouette unless given) on the caller's current dataset and publish
    it, inline up to SYNC_CLUSTER_MAX_ROWS rows."""

    required_scope = "clusters:run"
    permission_classes = [IsAuthenticated, HasRequiredScope, IsAnalyst]

    @extend_schema(
        operation_id="backend_train",
        request=CurrentDatasetRunStartInputSerializer,
        responses=inline_serializer(
            "BackendTrain",
            {
                "message": serializers.CharField(),
                "n_clusters": serializers.IntegerField(),
                "silhouette_score": serializers.FloatField(allow_null=True),
                "inertia": serializers.FloatField(allow_null=True),
                "run_id": serializers.IntegerField(),
                "published": serializers.BooleanField(),
                "warnings": serializers.ListField(child=serializers.CharField()),
            },
        ),
    )
    def post(self, request: Request) -> Response:
        data = CurrentDatasetRunStartInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        dataset = dataset_named_or_current(user=request.user, dataset_id=values.get("dataset_id"))
        arguments = run_start_arguments(values)
        # Document 004 clusters on the profile columns unless the body names features.
        arguments["features"] = arguments["features"] or profile_features(schema=dataset.schema)
        run = run_execute_inline(dataset=dataset, user=request.user, **arguments)
        return Response(
            {
                "message": "Model trained successfully",
                "n_clusters": run.metrics.get("n_clusters"),
                "silhouette_score": run.metrics.get("silhouette_score"),
                "inertia": run.metrics.get("inertia"),
                "run_id": run.pk,
                "published": run.is_published,
                "warnings": run.warnings,
            }
        )


class BackendClustersView(APIView):
    """Statistics of every cluster of the published segmentation."""

    required_scope = "segments:read"

    @extend_schema(
        operation_id="backend_clusters",
        responses={
            200: inline_serializer(
                "BackendClusters",
                {
                    "total_customers": serializers.IntegerField(),
                    "n_clusters": serializers.IntegerField(),
                    "run_id": serializers.IntegerField(),
                    "clusters": serializers.ListField(child=serializers.DictField()),
                },
            ),
            409: NOTHING_PUBLISHED,
        },
    )
    def get(self, request: Request) -> Response:
        run = published_run_required(user=request.user)
        columns = {
            key: column_for_role(dataset=run.dataset, role=role)
            for key, role in CLUSTER_AVERAGES.items()
        }
        clusters: list[dict[str, Any]] = []
        for cluster in cluster_list(run=run):
            means = cluster.profile.get("mean_values", {})
            clusters.append(
                {
                    "cluster_id": cluster.label,
                    "cluster_name": cluster.name,
                    "size": cluster.size,
                    "percentage": cluster.percentage,
                    **{
                        key: means.get(column) if column else None
                        for key, column in columns.items()
                    },
                }
            )
        return Response(
            {
                "total_customers": sum(cluster["size"] for cluster in clusters),
                "n_clusters": cluster_count(c["cluster_id"] for c in clusters),
                "run_id": run.pk,
                "clusters": clusters,
            }
        )


def elbow_source(*, user: User) -> tuple[Dataset, list[str] | None]:
    """An analyst's current dataset, else the published run's dataset and features."""
    if getattr(user, "is_analyst", False):
        dataset = current_dataset_get(user=user)
        if dataset is not None:
            return dataset, profile_features(schema=dataset.schema)
    run = published_run_get(user=user)
    if run is None:
        raise Conflict(
            "Nothing to analyse yet: load a dataset (analysts) or wait until a segmentation is "
            "published."
        )
    return run.dataset, run.features or None


class BackendElbowView(APIView):
    """Inertia and silhouette for k = 2..10, the elbow, and the k with the best silhouette."""

    required_scope = "clusters:read"

    @extend_schema(
        operation_id="backend_elbow",
        responses={
            200: inline_serializer(
                "BackendElbow",
                {
                    "optimal_k": serializers.IntegerField(),
                    "k_range": serializers.ListField(child=serializers.IntegerField()),
                    "inertias": serializers.ListField(child=serializers.FloatField()),
                    "silhouette_scores": serializers.ListField(child=serializers.FloatField()),
                    "elbow_k": serializers.IntegerField(allow_null=True),
                    "dataset_id": serializers.IntegerField(),
                    "sample_size": serializers.IntegerField(),
                },
            ),
            409: NOTHING_PUBLISHED,
        },
    )
    def get(self, request: Request) -> Response:
        dataset, features = elbow_source(user=request.user)
        sweep = dataset_k_sweep(dataset=dataset, features=features)
        return Response(
            {
                "optimal_k": sweep["optimal_k"],
                "k_range": sweep["k_range"],
                "inertias": sweep["inertias"],
                "silhouette_scores": sweep["silhouette_scores"],
                "elbow_k": sweep["elbow_k"],
                "dataset_id": dataset.pk,
                "sample_size": sweep["sample_size"],
            }
        )
