"""Forms of the run pages: the new run and a segment's rename. Like serializers, they check shape
and types only; the clustering services check everything again against the data."""

from django import forms

from clustering.models import ClusteringRun
from clustering.services.params import LINKAGES, MAX_CLUSTERS, MIN_CLUSTERS


class RunCreateForm(forms.Form):
    """Algorithm, number of clusters, linkage, features and PCA of a new clustering run. The
    bounds come from the clustering service, which checks everything again against the data."""

    algorithm = forms.ChoiceField(label="Algorithm", choices=ClusteringRun.Algorithm.choices)
    n_clusters = forms.IntegerField(
        label="Number of clusters (k)",
        min_value=MIN_CLUSTERS,
        max_value=MAX_CLUSTERS,
        required=False,
        help_text="Leave empty to let the run pick k by silhouette. DBSCAN finds it itself.",
    )
    linkage = forms.ChoiceField(
        label="Linkage",
        choices=[(name, name.capitalize()) for name in LINKAGES],
        initial="ward",
        help_text="Hierarchical runs only: how the distance between two groups is measured.",
    )
    features = forms.MultipleChoiceField(
        label="Features",
        widget=forms.CheckboxSelectMultiple,
        help_text="The columns the segments are built from.",
    )
    force_features = forms.BooleanField(
        label="Use id columns as features",
        required=False,
        help_text="Ticked id columns are otherwise left out: ids identify customers rather than "
        "describe them.",
    )
    normalize = forms.BooleanField(
        label="Scale features to a common range", initial=True, required=False
    )
    feature_transform = forms.ChoiceField(
        label="Heavy-tailed features",
        choices=[
            ("auto", "Log-scale them first (recommended)"),
            ("none", "Use the values as they are"),
        ],
        initial="auto",
        required=False,
        help_text="Most customers buy once and a few buy a hundred times: log-scaling such "
        "columns keeps a handful of extreme customers from owning a segment. The run says which "
        "columns it scaled.",
    )
    use_pca = forms.BooleanField(label="Reduce dimensions with PCA first", required=False)
    pca_components = forms.IntegerField(
        label="PCA components", min_value=1, max_value=50, required=False, initial=2
    )

    def __init__(self, *args, feature_choices: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["features"].choices = [(name, name) for name in feature_choices]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("use_pca") and len(data.get("features") or []) < 2:
            self.add_error("features", "PCA needs at least two features; tick another one.")
        return data

    def run_arguments(self) -> dict:
        """`run_create`'s keyword arguments (linkage only for hierarchical runs)."""
        data = self.cleaned_data
        parameters = {
            "n_clusters": data["n_clusters"],
            "normalize": data["normalize"],
            "feature_transform": data["feature_transform"] or None,
        }
        if data["algorithm"] == ClusteringRun.Algorithm.HIERARCHICAL:
            parameters["linkage"] = data["linkage"]
        if data["use_pca"]:
            parameters.update(use_pca=True, pca_components=data["pca_components"])
        return {
            "algorithm": data["algorithm"],
            "features": data["features"],
            "force_features": data["force_features"],
            "parameters": {key: value for key, value in parameters.items() if value is not None},
        }


class ClusterRenameForm(forms.Form):
    """A segment's new name on the run page; `services.cluster_rename` checks it is usable
    (not empty, not too long, not another segment's name)."""

    name = forms.CharField(label="New name", required=False, strip=True)
