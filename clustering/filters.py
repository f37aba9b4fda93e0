"""FilterSets of the clustering lists."""

import django_filters

from .models import Assignment, ClusteringRun


class RunFilter(django_filters.FilterSet):
    """`/api/v1/runs/?dataset=&status=&algorithm=&is_published=`."""

    dataset = django_filters.NumberFilter(field_name="dataset_id")

    class Meta:
        model = ClusteringRun
        fields = ["dataset", "status", "algorithm", "is_published"]


class AssignmentFilter(django_filters.FilterSet):
    """`.../assignments/?cluster=<label>`."""

    cluster = django_filters.NumberFilter(field_name="cluster_label")

    class Meta:
        model = Assignment
        fields = ["cluster"]
