"""Document 000 (analytics workspace): `/api/optimal-clusters`, `/api/cluster`, `/api/cluster-data`
on the caller's current dataset, errors as `{"error": "..."}`."""

import time
from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAnalyst
from accounts.scopes import HasRequiredScope
from clustering.engine import FEATURE_TRANSFORMS
from clustering.engine.labels import cluster_count
from datasets.selectors import current_dataset_required

from ...models import ClusteringRun
from ...selectors import cluster_list, dataset_k_sweep, workspace_run_required
from ...services import run_execute_inline
from ..serializers import WorkspaceTopFeatureSerializer
from ..serializers.run_start import FEATURE_TRANSFORM_HELP, parameters_from

WORKSPACE_MAX_CLUSTERS = 10  # document 000: n_clusters 2-10


class WorkspaceClusterInputSerializer(serializers.Serializer):
    n_clusters = serializers.IntegerField(min_value=2, max_value=WORKSPACE_MAX_CLUSTERS)
    feature_transform = serializers.ChoiceField(
        choices=FEATURE_TRANSFORMS, required=False, help_text=FEATURE_TRANSFORM_HELP
    )


def workspace_analysis(*, run: ClusteringRun) -> dict[str, Any]:
    """Every key of document 000's clustering answer, from a succeeded run and its clusters."""
    clusters = list(cluster_list(run=run))
    metrics = run.metrics or {}
    keyed = {str(cluster.label): cluster for cluster in clusters}
    return {
        "success": True,
        "run_id": run.pk,
        "metrics": {
            "silhouette_score": metrics.get("silhouette_score"),
            "davies_bouldin_score": metrics.get("davies_bouldin_score"),
            "calinski_harabasz_score": metrics.get("calinski_harabasz_score"),
            "inertia": metrics.get("inertia"),
        },
        "cluster_analysis": {
            label: {
                "name": cluster.name,
                "size": cluster.size,
                "percentage": cluster.percentage,
                "statistics": _statistics(cluster.profile),
                "characteristics": cluster.characteristics,
            }
            for label, cluster in keyed.items()
        },
        "recommendations": {label: cluster.recommendation for label, cluster in keyed.items()},
        "cluster_profiles": {label: cluster.profile for label, cluster in keyed.items()},
        "centroids": {label: cluster.centroid_scaled for label, cluster in keyed.items()},
        "feature_importance": {
            feature: round(float(share) * 100, 2)
            for feature, share in (run.feature_importance or {}).items()
        },
        "top_features": {
            label: WorkspaceTopFeatureSerializer(cluster.top_features, many=True).data
            for label, cluster in keyed.items()
        },
        "cluster_summaries": {label: cluster.summary for label, cluster in keyed.items()},
        "cluster_names": {label: cluster.name for label, cluster in keyed.items()},
        "n_clusters": cluster_count(cluster.label for cluster in clusters),
    }


def _statistics(profile: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per numeric feature: mean, median, std, min, max (from the stored profile)."""
    means = profile.get("mean_values", {})
    return {
        feature: {
            "mean": means.get(feature),
            "median": profile.get("median_values", {}).get(feature),
            "std": profile.get("std_values", {}).get(feature),
            "min": profile.get("min_values", {}).get(feature),
            "max": profile.get("max_values", {}).get(feature),
        }
        for feature in means
    }


ANALYSIS_SCHEMA = inline_serializer(
    "WorkspaceAnalysis",
    {
        "success": serializers.BooleanField(),
        "run_id": serializers.IntegerField(),
        "metrics": serializers.DictField(),
        "cluster_analysis": serializers.DictField(),
        "recommendations": serializers.DictField(child=serializers.CharField()),
        "cluster_profiles": serializers.DictField(),
        "centroids": serializers.DictField(),
        "feature_importance": serializers.DictField(child=serializers.FloatField()),
        "top_features": serializers.DictField(
            child=WorkspaceTopFeatureSerializer(many=True),
            help_text="Per segment label: its top features, most distinctive first.",
        ),
        "cluster_summaries": serializers.DictField(child=serializers.CharField()),
        "n_clusters": serializers.IntegerField(),
        "clustering_time": serializers.FloatField(required=False),
    },
)


class WorkspaceOptimalClustersView(APIView):
    """Silhouette per k (2..10) on the caller's current dataset, and the best k."""

    error_style = "plain"
    required_scope = "clusters:read"

    @extend_schema(
        operation_id="workspace_optimal_clusters",
        responses=inline_serializer(
            "WorkspaceOptimalClusters",
            {
                "success": serializers.BooleanField(),
                "silhouette_scores": serializers.DictField(child=serializers.FloatField()),
                "optimal_k": serializers.IntegerField(),
                "chart_data": serializers.DictField(),
                "analysis_time": serializers.FloatField(),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        clock = time.perf_counter()
        dataset = current_dataset_required(user=request.user)
        sweep = dataset_k_sweep(dataset=dataset)
        scores = dict(zip(sweep["k_range"], sweep["silhouette_scores"], strict=True))
        return Response(
            {
                "success": True,
                "silhouette_scores": {str(k): score for k, score in scores.items()},
                "optimal_k": sweep["optimal_k"],
                "chart_data": {"x": sweep["k_range"], "y": sweep["silhouette_scores"]},
                "inertias": {
                    str(k): v for k, v in zip(sweep["k_range"], sweep["inertias"], strict=True)
                },
                "elbow_k": sweep["elbow_k"],
                "sample_size": sweep["sample_size"],
                "analysis_time": round(time.perf_counter() - clock, 3),
            }
        )


class WorkspaceClusterView(APIView):
    """K-Means on the caller's current dataset, inline (up to SYNC_CLUSTER_MAX_ROWS rows)."""

    error_style = "plain"
    required_scope = "clusters:run"
    permission_classes = [IsAuthenticated, HasRequiredScope, IsAnalyst]

    @extend_schema(
        operation_id="workspace_cluster",
        request=WorkspaceClusterInputSerializer,
        responses=ANALYSIS_SCHEMA,
    )
    def post(self, request: Request) -> Response:
        clock = time.perf_counter()
        data = WorkspaceClusterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = run_execute_inline(
            dataset=current_dataset_required(user=request.user),
            user=request.user,
            algorithm=ClusteringRun.Algorithm.KMEANS,
            parameters=parameters_from(data.validated_data),
        )
        body = workspace_analysis(run=run)
        body["clustering_time"] = round(time.perf_counter() - clock, 3)
        return Response(body)


class WorkspaceClusterDataView(APIView):
    """The latest clustering of the caller's current dataset, with every analysis part."""

    error_style = "plain"
    required_scope = "clusters:read"

    @extend_schema(operation_id="workspace_cluster_data", responses=ANALYSIS_SCHEMA)
    def get(self, request: Request) -> Response:
        return Response(workspace_analysis(run=workspace_run_required(user=request.user)))
