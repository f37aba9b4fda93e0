"""Filters shared by every list. Query strings are user input: an id or count filter accepts
whole numbers within the database's 64-bit range only, so `?run=1e304` is a 400, not a 500."""

import django_filters
from django import forms

BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1


class BoundedIntegerField(forms.IntegerField):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", BIGINT_MIN)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(*args, **kwargs)


class IntegerFilter(django_filters.NumberFilter):
    """A whole-number filter (ids, labels, counts) that refuses floats and out-of-range values."""

    field_class = BoundedIntegerField
