"""Shapes of document 002's `POST /api/v1/clustering/train`: the run-start body with 002's
names and defaults, and the trained run it answers."""

from typing import Any

from rest_framework import serializers

from clustering.engine.algorithms import LINKAGES
from config.api.fields import documented_json

from ...models import ClusteringRun
from .run_start import RunStartInputSerializer


class V1TrainInputSerializer(RunStartInputSerializer):
    """Document 002's body: dataset_id (one of the caller's datasets, else 404), linkage,
    n_clusters (2-15), use_pca, pca_components (2+); hierarchical with ward linkage by default
    (linkage only counts for hierarchical runs)."""

    dataset_id = serializers.IntegerField(min_value=1)
    algorithm = serializers.ChoiceField(
        choices=ClusteringRun.Algorithm.choices, default=ClusteringRun.Algorithm.HIERARCHICAL
    )
    linkage = serializers.ChoiceField(choices=LINKAGES, default="ward")
    use_pca = serializers.BooleanField(default=False)
    pca_components = serializers.IntegerField(
        min_value=2,
        max_value=500,
        required=False,
        help_text="Components kept by the PCA (document 002: 2 or more).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["algorithm"] != ClusteringRun.Algorithm.HIERARCHICAL:
            attrs.pop("linkage", None)
        return attrs


class V1TrainMetricsSerializer(serializers.Serializer):
    silhouette_score = serializers.FloatField(allow_null=True)
    cluster_sizes = documented_json(
        "Cluster label -> customers in it.", values={"type": "integer"}, example={"0": 120}
    )
    n_samples = serializers.IntegerField(allow_null=True, help_text="Rows the model was fit on.")
    n_encoded_features = serializers.IntegerField(
        allow_null=True, help_text="Columns after scaling and one-hot encoding."
    )


class V1TrainSerializer(serializers.Serializer):
    """A trained run with document 002's fields and metrics."""

    run_id = serializers.IntegerField()
    dataset_id = serializers.IntegerField()
    algorithm = serializers.ChoiceField(choices=ClusteringRun.Algorithm.choices)
    linkage = serializers.CharField(allow_null=True)
    n_clusters = serializers.IntegerField(allow_null=True)
    use_pca = serializers.BooleanField()
    pca_components = serializers.IntegerField(allow_null=True)
    status = serializers.ChoiceField(choices=ClusteringRun.Status.choices)
    metrics = V1TrainMetricsSerializer()
    created_at = serializers.DateTimeField()
    warnings = serializers.ListField(
        child=serializers.CharField(),
        help_text="What the analyst should know about this run (id columns left out or forced, "
        "one segment holding most customers...); empty when there is nothing to say.",
    )
    links = documented_json(
        "The run in the canonical API: `self`, `clusters`, `assignments`, `publish`, `cancel` "
        "and, for hierarchical runs, `dendrogram`.",
        values={"type": "string", "format": "uri"},
    )
