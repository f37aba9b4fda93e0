"""Shapes of the canonical `/api/v1/runs/` API (and the run, cluster and assignment shapes other
contracts reuse). Serializers check shape and types; rules that need the dataset (feature names,
k below the row count, limits) live in the services."""

from typing import Any

from rest_framework import serializers
from rest_framework.reverse import reverse

from ...models import Assignment, Cluster, ClusteringRun
from ...services.params import MAX_CLUSTERS
from .run_start import RunStartInputSerializer


class RunCreateInputSerializer(RunStartInputSerializer):
    """`POST /api/v1/runs/`: the run-start body with the dataset's id (required) as `dataset`."""

    dataset = serializers.IntegerField(min_value=1, help_text="Id of one of your datasets.")


class RunSerializer(serializers.ModelSerializer):
    """A run as the canonical API shows it (the fitted model itself is left out)."""

    url = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    warnings = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Why the run may say little about the customers: id columns left out or "
        "forced, features that are all ids, dates or free text, one segment holding over 90% "
        "of the customers.",
    )

    class Meta:
        model = ClusteringRun
        fields = [
            "id",
            "url",
            "dataset",
            "created_by",
            "algorithm",
            "parameters",
            "features",
            "status",
            "progress",
            "stage",
            "error",
            "cancel_requested",
            "metrics",
            "n_samples",
            "n_encoded_features",
            "feature_importance",
            "accuracy",
            "warnings",
            "is_published",
            "published_at",
            "publish_on_success",
            "timings",
            "created_at",
            "started_at",
            "heartbeat_at",
            "finished_at",
            "links",
        ]
        read_only_fields = fields

    def _reverse(self, name: str, run: ClusteringRun) -> str:
        return reverse(
            f"clustering-api:run-{name}", args=[run.pk], request=self.context.get("request")
        )

    def get_url(self, run: ClusteringRun) -> str:
        return self._reverse("detail", run)

    def get_links(self, run: ClusteringRun) -> dict[str, str]:
        names = ("clusters", "assignments", "publish", "cancel")
        links = {name: self._reverse(name, run) for name in names}
        if run.algorithm == ClusteringRun.Algorithm.HIERARCHICAL:
            links["dendrogram"] = self._reverse("dendrogram", run)
        return links


class ClusterSerializer(serializers.ModelSerializer):
    class Meta:
        model = Cluster
        fields = [
            "label",
            "name",
            "size",
            "percentage",
            "centroid",
            "centroid_scaled",
            "profile",
            "characteristics",
            "top_features",
            "summary",
            "recommendation",
        ]
        read_only_fields = fields


class ClusterRenameInputSerializer(serializers.Serializer):
    """`{"name": "..."}`: the segment's new name (the service checks it is usable)."""

    name = serializers.CharField(
        allow_blank=True,
        help_text="The segment's new name: not empty, at most 120 characters, and not the name "
        "of another segment of the run (case ignored).",
    )


class AssignmentSerializer(serializers.ModelSerializer):
    row_number = serializers.IntegerField(source="customer.row_number", read_only=True)
    customer_id = serializers.CharField(source="customer.external_id", read_only=True)
    cluster = serializers.IntegerField(source="cluster_label", read_only=True)

    class Meta:
        model = Assignment
        fields = ["row_number", "customer_id", "cluster", "confidence"]
        read_only_fields = fields


class OptimalKQuerySerializer(serializers.Serializer):
    """`?features=a,b&k_min=2&k_max=10`."""

    features = serializers.CharField(required=False, allow_blank=True)
    k_min = serializers.IntegerField(min_value=2, max_value=MAX_CLUSTERS, default=2)
    k_max = serializers.IntegerField(min_value=2, max_value=MAX_CLUSTERS, default=10)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["k_min"] >= attrs["k_max"]:
            raise serializers.ValidationError(
                {"k_max": f"k_max must be larger than k_min ({attrs['k_min']})."}
            )
        raw = attrs.pop("features", "") or ""
        attrs["features"] = [name.strip() for name in raw.split(",") if name.strip()] or None
        return attrs


class KSweepSerializer(serializers.Serializer):
    """One k sweep: metrics per k and the k chosen by silhouette."""

    k_range = serializers.ListField(child=serializers.IntegerField())
    inertias = serializers.ListField(child=serializers.FloatField(allow_null=True))
    silhouette_scores = serializers.ListField(child=serializers.FloatField(allow_null=True))
    davies_bouldin_scores = serializers.ListField(child=serializers.FloatField(allow_null=True))
    calinski_harabasz_scores = serializers.ListField(child=serializers.FloatField(allow_null=True))
    smallest_segment_shares = serializers.ListField(
        child=serializers.FloatField(),
        required=False,
        help_text="Per k, the smallest segment's percent of the customers.",
    )
    optimal_k = serializers.IntegerField(
        help_text="The best silhouette among solutions with no segment under 1% of the customers."
    )
    passed_over = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Why a k with a higher silhouette was not recommended.",
    )
    elbow_k = serializers.IntegerField(allow_null=True)
    sample_size = serializers.IntegerField()
    n_rows = serializers.IntegerField()
