"""Forms of the dataset pages: the upload and the column roles. Like serializers, they check shape
and types only; every rule that needs the database lives in the services the pages call."""

from django import forms

from datasets.ingest.roles import ROLES


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


class CustomerTableForm(forms.Form):
    """Derive a customer table from a purchase log: an optional as-of date and name."""

    as_of = forms.DateField(
        label="As of",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Recency and tenure count to this day; defaults to the day after the last line.",
    )
    name = forms.CharField(label="Name of the new dataset", max_length=200, required=False)
