"""FilterSets of the accounts app."""

import django_filters
from django.db.models import Q, QuerySet

from .models import User


class UserFilter(django_filters.FilterSet):
    """Users by role, active status, or a search over username, email and name."""

    search = django_filters.CharFilter(method="filter_search", max_length=150)

    class Meta:
        model = User
        fields = ["role", "is_active"]

    def filter_search(self, queryset: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        return queryset.filter(
            Q(username__icontains=value) | Q(email__icontains=value) | Q(full_name__icontains=value)
        )
