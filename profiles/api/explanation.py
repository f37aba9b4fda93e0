"""The `explanation` object of the answers ("Why this segment", `clustering.engine.why`): one
OpenAPI shape, used by document 004's `/predict` (a raw schema), the canonical predictions and
the customer answers (`explanation_field()`), and the `?explain=` switch of the predict paths."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.request import Request

from config.api.fields import DocumentedJSONField

NUMBER_OR_NULL = {"type": "number", "nullable": True}
REASON_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "One feature pulling the customer towards its segment rather than the "
    "runner-up, in original units.",
    "required": [
        "feature",
        "kind",
        "value",
        "segment_typical",
        "runner_up_typical",
        "typical_is",
        "contribution",
        "sentence",
    ],
    "properties": {
        "feature": {"type": "string", "example": "monetary"},
        "kind": {"type": "string", "enum": ["numeric", "categorical"]},
        "value": {
            "nullable": True,
            "description": "The customer's own value: a number, a category, or null (missing).",
            "example": 1240,
        },
        "segment_typical": {
            **NUMBER_OR_NULL,
            "description": "The segment's typical value: its median (numeric) or the "
            "percentage of the segment in the customer's category.",
            "example": 980,
        },
        "runner_up_typical": {**NUMBER_OR_NULL, "description": "The same in the runner-up."},
        "typical_is": {
            "type": "string",
            "enum": ["median", "centre", "share"],
            "description": "median: the segment profile's; centre: the segment centre in "
            "original units (runs without profiles); share: percent of the segment.",
        },
        "contribution": {
            "type": "number",
            "description": "Its part of d(customer, runner-up)^2 - d(customer, segment)^2.",
        },
        "sentence": {
            "type": "string",
            "example": "monetary 1,240 vs typical 980 in Champions and 85 in Loyal",
        },
    },
}
EXPLANATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "nullable": True,
    "description": "Why this segment: the runner-up segment, the margin between the two, and "
    "up to three features that pull the customer towards its segment rather than the runner-up. "
    "Distances are Euclidean in the model's space (scaled, one-hot encoded features, after the "
    "PCA if any); the runner-up is the second-nearest segment centre (a Gaussian mixture: the "
    "second most probable component). Null with a one-segment model or no segment centre.",
    "required": ["runner_up", "margin", "top_features", "contributions"],
    "properties": {
        "runner_up": {
            "type": "object",
            "required": ["cluster", "cluster_name"],
            "properties": {
                "cluster": {"type": "integer", "example": 1},
                "cluster_name": {"type": "string", "example": "Loyal"},
            },
        },
        "margin": {
            "type": "object",
            "required": [
                "distance",
                "squared_distance",
                "own_distance",
                "runner_up_distance",
                "runner_up_share",
            ],
            "properties": {
                "distance": {
                    "type": "number",
                    "description": "d(runner-up) - d(segment): how much nearer the segment is.",
                },
                "squared_distance": {
                    "type": "number",
                    "description": "d(runner-up)^2 - d(segment)^2: the sum of `contributions`.",
                },
                "own_distance": {"type": "number"},
                "runner_up_distance": {"type": "number"},
                "runner_up_share": {
                    "type": "number",
                    "minimum": 0,
                    "maximum": 100,
                    "description": "100 d(segment) / (d(segment) + d(runner-up)): the runner-up's "
                    "pull, 50 at a tie and 0 at the segment's centre.",
                },
            },
        },
        "top_features": {"type": "array", "maxItems": 3, "items": REASON_SCHEMA},
        "contributions": {
            "type": "object",
            "description": "Every feature's contribution (feature name -> number).",
            "additionalProperties": {"type": "number"},
        },
    },
}
EXPLAIN_PARAMETER = OpenApiParameter(
    "explain",
    bool,
    description="Add `explanation` (why this segment) to each answer. Default: true for one "
    "customer, false for a batch (`records`: it costs about 2x the batch; "
    "tests/benchmarks/bench_explain.py).",
)


def explanation_field(**kwargs: Any) -> DocumentedJSONField:
    """A serializer field holding an `explanation` object (documented by EXPLANATION_SCHEMA)."""
    return DocumentedJSONField(openapi_schema=EXPLANATION_SCHEMA, allow_null=True, **kwargs)


def explain_requested(request: Request, *, default: bool = True) -> bool:
    """`?explain=` of a predict request (`default` when absent); 400 for a non-boolean."""
    if "explain" not in request.query_params:
        return default
    try:
        return serializers.BooleanField().to_internal_value(request.query_params["explain"])
    except serializers.ValidationError as exc:
        raise serializers.ValidationError({"explain": exc.detail}) from None
