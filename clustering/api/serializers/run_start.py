"""The run-start body shared by the run contracts (canonical `POST /api/v1/runs/`, document
002's `POST /api/v1/clustering/train`, 003's `POST /api/clusters/run`, 004's `POST /train`) and
`run_start_arguments`, which turns a validated body into the service's keyword arguments."""

from typing import Any

from rest_framework import serializers

from ...models import ClusteringRun
from ...services.params import FEATURE_TRANSFORMS, LINKAGES, MAX_CLUSTERS, MIN_CLUSTERS

PARAMETER_FIELDS = (
    "n_clusters",
    "random_state",
    "normalize",
    "feature_transform",
    "use_pca",
    "pca_components",
    "linkage",
    "eps",
    "min_samples",
    "allow_sampling",
)

FEATURE_TRANSFORM_HELP = (
    "auto (default): log-scale heavy-tailed numeric features (Yeo-Johnson when they have "
    "negative values) before scaling, as the run's notes say; none: use the values as they are."
)


def parameters_from(data: dict[str, Any]) -> dict[str, Any]:
    """The engine parameters among validated input fields (absent ones left to the engine)."""
    return {key: data[key] for key in PARAMETER_FIELDS if data.get(key) is not None}


class RunStartInputSerializer(serializers.Serializer):
    """The body every run-starting contract accepts: algorithm, features, the engine's
    parameters and `publish`. Each contract adds how it names the dataset and may change a
    default (document 002 trains hierarchical/ward; 003 and 004 publish by default)."""

    algorithm = serializers.ChoiceField(
        choices=ClusteringRun.Algorithm.choices, default=ClusteringRun.Algorithm.KMEANS
    )
    features = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        max_length=500,
        help_text="Columns to cluster on; default: every numeric and categorical column "
        "except ids, names and e-mails. Id columns named here are left out (a list of only id "
        "columns is refused) unless force_features is true.",
    )
    force_features = serializers.BooleanField(
        default=False,
        help_text="Cluster on the id columns named in features too (the run then carries a "
        "warning): ids identify customers rather than describe them.",
    )
    n_clusters = serializers.IntegerField(
        min_value=MIN_CLUSTERS,
        max_value=MAX_CLUSTERS,
        required=False,
        allow_null=True,
        help_text="Leave out to choose k by silhouette (not used by dbscan).",
    )
    random_state = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)
    normalize = serializers.BooleanField(required=False, allow_null=True, default=None)
    feature_transform = serializers.ChoiceField(
        choices=FEATURE_TRANSFORMS, required=False, help_text=FEATURE_TRANSFORM_HELP
    )
    use_pca = serializers.BooleanField(required=False, allow_null=True, default=None)
    pca_components = serializers.IntegerField(min_value=1, max_value=500, required=False)
    linkage = serializers.ChoiceField(choices=LINKAGES, required=False)
    eps = serializers.FloatField(min_value=1e-9, required=False)
    min_samples = serializers.IntegerField(min_value=1, max_value=10_000, required=False)
    allow_sampling = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Hierarchical above its row limit: fit on a sample (default) or refuse.",
    )
    publish = serializers.BooleanField(
        default=False, help_text="Publish the run as soon as it succeeds."
    )


class CurrentDatasetRunStartInputSerializer(RunStartInputSerializer):
    """Documents 003 and 004: `dataset_id` defaults to the caller's current dataset, and the run
    is published as soon as it succeeds unless `publish` is false."""

    dataset_id = serializers.IntegerField(min_value=1, required=False)
    publish = serializers.BooleanField(default=True, help_text="Publish on success (default).")


def run_start_arguments(validated: dict[str, Any]) -> dict[str, Any]:
    """`run_create` / `run_execute_inline` keyword arguments (besides `dataset` and `user`) from
    a validated run-start body: algorithm, engine parameters, features (and whether id columns
    are forced among them) and publish-on-success."""
    return {
        "algorithm": validated["algorithm"],
        "parameters": parameters_from(validated),
        "features": validated.get("features"),
        "publish_on_success": validated["publish"],
        "force_features": validated["force_features"],
    }
