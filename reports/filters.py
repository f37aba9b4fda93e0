"""FilterSets of the reports lists."""

import django_filters

from config.api.filters import IntegerFilter

from .models import Export


class ExportFilter(django_filters.FilterSet):
    """`/api/v1/exports/?status=&format=&run=&what=`."""

    run = IntegerFilter(field_name="run_id")

    class Meta:
        model = Export
        fields = ["status", "format", "run", "what"]
