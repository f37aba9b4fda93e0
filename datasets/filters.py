"""FilterSets of the dataset lists."""

import django_filters

from config.api.filters import IntegerFilter

from .models import Customer, Dataset


class DatasetFilter(django_filters.FilterSet):
    """`/api/v1/datasets/?name=&created_after=&created_before=&min_rows=&max_rows=&owner=`."""

    name = django_filters.CharFilter(lookup_expr="icontains")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lte")
    min_rows = IntegerFilter(field_name="n_rows", lookup_expr="gte")
    max_rows = IntegerFilter(field_name="n_rows", lookup_expr="lte")
    owner = IntegerFilter(field_name="owner_id")

    class Meta:
        model = Dataset
        fields = ["name", "created_after", "created_before", "min_rows", "max_rows", "owner"]


class CustomerFilter(django_filters.FilterSet):
    """`.../customers/?external_id=` (exact: served by the (dataset, external_id) index)."""

    external_id = django_filters.CharFilter(field_name="external_id", max_length=128)

    class Meta:
        model = Customer
        fields = ["external_id"]
