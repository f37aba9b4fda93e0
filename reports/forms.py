"""Form of the report pages: the export format. Like serializers, forms check shape and types
only; every rule that needs the database lives in the services the pages call."""

from django import forms

from reports.models import Export


class ExportForm(forms.Form):
    format = forms.ChoiceField(label="Format", choices=Export.Format.choices, initial="csv")
