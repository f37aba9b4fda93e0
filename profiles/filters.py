"""FilterSets of the canonical profiles and predictions lists."""

import django_filters

from config.api.filters import IntegerFilter

from .models import CustomerProfile, Prediction


class PredictionFilter(django_filters.FilterSet):
    """`?created_after=2026-01-01&created_before=2026-01-31&cluster=2&run=7`."""

    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    created_before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte")
    cluster = IntegerFilter(field_name="cluster")
    run = IntegerFilter(field_name="run_id")
    profile = IntegerFilter(field_name="profile_id")

    class Meta:
        model = Prediction
        fields = ["created_after", "created_before", "cluster", "run", "profile"]


class CustomerProfileFilter(django_filters.FilterSet):
    """`?name=ann&sex=Female`."""

    name = django_filters.CharFilter(lookup_expr="icontains")
    sex = django_filters.ChoiceFilter(choices=CustomerProfile.Sex.choices)

    class Meta:
        model = CustomerProfile
        fields = ["name", "sex"]
