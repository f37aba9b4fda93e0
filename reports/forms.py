"""Forms of the analyst pages. Like serializers, they check shape and types only; every rule that
needs the database lives in the services the pages call."""

from django import forms

from clustering.models import ClusteringRun
from clustering.services.params import LINKAGES, MAX_CLUSTERS, MIN_CLUSTERS
from datasets.ingest.roles import ROLES
from profiles.models import CustomerProfile
from reports.models import Export


class DatasetUploadForm(forms.Form):
    """A CSV file and an optional name."""

    file = forms.FileField(
        label="CSV file",
        help_text="A comma-separated file with a header row, one customer a row.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    name = forms.CharField(
        label="Name", max_length=200, required=False, help_text="Defaults to the file name."
    )


class ColumnRolesForm(forms.Form):
    """One role select per column of the dataset's schema."""

    def __init__(self, *args, schema: list[dict], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "— none —"), *((role, role.replace("_", " ")) for role in ROLES)]
        self.columns = [column["name"] for column in schema]
        for index, column in enumerate(schema):
            self.fields[f"role_{index}"] = forms.ChoiceField(
                label=column["name"],
                choices=choices,
                required=False,
                initial=column.get("role") or "",
            )

    def roles(self) -> dict[str, str | None]:
        """{column name: role or None}, in schema order."""
        return {
            name: self.cleaned_data[f"role_{index}"] or None
            for index, name in enumerate(self.columns)
        }


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
    normalize = forms.BooleanField(
        label="Scale features to a common range", initial=True, required=False
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
        parameters = {"n_clusters": data["n_clusters"], "normalize": data["normalize"]}
        if data["algorithm"] == ClusteringRun.Algorithm.HIERARCHICAL:
            parameters["linkage"] = data["linkage"]
        if data["use_pca"]:
            parameters.update(use_pca=True, pca_components=data["pca_components"])
        return {
            "algorithm": data["algorithm"],
            "features": data["features"],
            "parameters": {key: value for key, value in parameters.items() if value is not None},
        }


class CustomerLookupForm(forms.Form):
    customer_id = forms.CharField(
        label="Customer id", max_length=128, help_text="The id from the dataset's id column."
    )


class ProfileForm(forms.ModelForm):
    """A saved customer profile (document 004's fields)."""

    class Meta:
        model = CustomerProfile
        fields = [
            "name",
            "sex",
            "age",
            "annual_income",
            "spending_score",
            "purchase_frequency",
            "notes",
        ]
        labels = {
            "annual_income": "Annual income (k$)",
            "spending_score": "Spending score (1-100)",
            "purchase_frequency": "Purchases per year",
        }
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class ExportForm(forms.Form):
    format = forms.ChoiceField(label="Format", choices=Export.Format.choices, initial="csv")


class PredictForm(forms.Form):
    """One customer, with a field per feature of the published model (document 004's names,
    `sex`, `age`..., where the dataset's roles give them)."""

    def __init__(self, *args, inputs: tuple, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for feature in inputs:
            key = feature.alias or feature.name
            label = key.replace("_", " ").capitalize()
            if feature.kind == "numeric":
                self.fields[key] = forms.FloatField(
                    label=label, widget=forms.NumberInput(attrs={"step": "any"})
                )
            else:
                values = ("Male", "Female") if key == "sex" else feature.categories
                self.fields[key] = forms.ChoiceField(
                    label=label, choices=[("", "— choose —"), *((v, v) for v in values)]
                )

    def record(self) -> dict:
        """The customer as the prediction service takes it (whole numbers stay whole)."""
        return {
            key: int(value) if isinstance(value, float) and value.is_integer() else value
            for key, value in self.cleaned_data.items()
        }
