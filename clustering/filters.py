"""FilterSets of the clustering lists."""

import django_filters

from config.api.filters import IntegerFilter

from .models import Assignment, ClusteringRun


class RunFilter(django_filters.FilterSet):
    """`/api/v1/runs/?dataset=&status=&algorithm=&is_published=`."""

    dataset = IntegerFilter(field_name="dataset_id")

    class Meta:
        model = ClusteringRun
        fields = ["dataset", "status", "algorithm", "is_published"]


class AssignmentFilter(django_filters.FilterSet):
    """`.../assignments/?cluster=<label>`."""

    cluster = IntegerFilter(field_name="cluster_label")

    class Meta:
        model = Assignment
        fields = ["cluster"]
