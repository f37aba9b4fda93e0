"""Shapes of document 000's clustering answers (`POST /api/cluster`, `GET /api/cluster-data`)."""

import math
from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from config.api.envelope import RecordSerializer


def _category_figures(share: float) -> dict[str, float]:
    """A category's `mean` and `std` as document 000 shows them: the share of the segment
    holding the value (the mean of its 0/1 indicator) and that indicator's standard deviation."""
    return {"mean": share, "std": round(math.sqrt(max(share * (1.0 - share), 0.0)), 4)}


class WorkspaceTopFeatureSerializer(RecordSerializer):
    """One of a segment's top features: `feature`, `mean`, `std` first, as document 000 shows
    them. A numeric feature's mean and standard deviation within the segment; for a category,
    `mean` is the share of the segment holding `value` and `std` its standard deviation, with
    `value`, `share` and `overall_share` kept."""

    feature = serializers.CharField()
    mean = serializers.FloatField(allow_null=True, help_text="Mean within the segment.")
    std = serializers.FloatField(
        allow_null=True, help_text="Standard deviation within the segment."
    )
    value = serializers.CharField(
        required=False, help_text="The category this entry is about (categorical only)."
    )
    share = serializers.FloatField(
        required=False, help_text="Share of the segment holding `value` (categorical only)."
    )
    overall_share = serializers.FloatField(
        required=False, help_text="Share of all customers holding `value` (categorical only)."
    )
    z_score = serializers.FloatField(
        required=False, help_text="How far the segment stands from everyone, in spreads."
    )
    direction = serializers.ChoiceField(
        choices=["high", "low"], required=False, help_text="Above or below everyone."
    )

    def to_representation(self, instance: Mapping[str, Any]) -> dict[str, Any]:
        entry = dict(instance)
        if "mean" not in entry and entry.get("share") is not None:
            entry.update(_category_figures(float(entry["share"])))
        first = {key: entry[key] for key in ("feature", "mean", "std") if key in entry}
        return super().to_representation({**first, **entry})
