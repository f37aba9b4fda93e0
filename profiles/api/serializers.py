"""Shapes of the profiles API: document 004's predict, history and profile bodies, and the
canonical `/api/v1/` resources."""

from datetime import datetime
from typing import Any

from rest_framework import serializers

from config.api.fields import documented_json

from ..models import CustomerProfile, Prediction
from ..predictor.fields import NUMBER_RULES, SEX_VALUES
from ..services import PROFILE_FIELDS, PredictionResult
from .explanation import EXPLANATION_SCHEMA, explanation_field


def _bounded(name: str, kind: str, **extra: Any) -> dict[str, Any]:
    """An OpenAPI property for one of document 004's numbers, its bounds read from the field
    rules (`profiles.predictor.fields.NUMBER_RULES`)."""
    rule = NUMBER_RULES[name]
    bounds = {"minimum": rule.minimum}
    if rule.maximum is not None:
        bounds["maximum"] = rule.maximum
    return {"type": kind, **bounds, **extra}


CUSTOMER_PROPERTIES = {
    "sex": {"type": "string", "enum": list(SEX_VALUES), "example": "Male"},
    "age": _bounded("age", "integer", example=35),
    "annual_income": _bounded(
        "annual_income", "number", description="Annual income in thousands.", example=65.0
    ),
    "spending_score": _bounded("spending_score", "integer", example=75),
    "purchase_frequency": _bounded(
        "purchase_frequency", "integer", description="Purchases per year.", example=12
    ),
}
CUSTOMER_DESCRIPTION = (
    "One customer. Keys are the features of the published segmentation. For a dataset with "
    "document 004's columns these are `sex`, `age`, `annual_income`, `spending_score` and "
    "`purchase_frequency`. For a dataset with other columns, send each feature the run uses "
    "under its own column name (e.g. `region`, `tenure_months`); columns whose semantic role is "
    "gender, age, income, spending score or purchase frequency may also be sent under 004's "
    "names (`sex` for the gender column, `annual_income` for the income column...). A feature "
    "the model uses is required (422 naming it); document 004's five fields, when sent, are "
    "checked by its rules (422 naming the field); other keys are ignored."
)
CUSTOMER_SCHEMA = {
    "type": "object",
    "description": CUSTOMER_DESCRIPTION,
    "properties": CUSTOMER_PROPERTIES,
    "additionalProperties": {
        "description": "A feature of the published run's dataset, under its column name.",
        "oneOf": [{"type": "number"}, {"type": "string"}],
    },
}
# What the numbers of a prediction mean (`profiles.predictor.advice`), answered with every
# prediction just made: document 004's `/predict`, and the canonical predictions.
WARNINGS_HELP = (
    "One sentence per numeric input outside the range of the published segmentation's "
    "training data, with a 'did you mean' value when a factor of 1,000 brings it inside; "
    "empty when every input is within the range (or the model predates the ranges)."
)
CONFIDENCE_NOTE_HELP = (
    "What the confidence means in words (the distance to the segment's centre against the "
    "nearest other segment's) and how it compares with the segment's typical confidence."
)
ADVICE_PROPERTIES = {
    "warnings": {"type": "array", "items": {"type": "string"}, "description": WARNINGS_HELP},
    "confidence_note": {"type": "string", "description": CONFIDENCE_NOTE_HELP},
}
PREDICT_RESPONSE_SCHEMA = {
    "type": "object",
    "required": ["cluster", "cluster_name", "confidence", "customer_data", *ADVICE_PROPERTIES],
    "properties": {
        "cluster": {"type": "integer", "example": 2},
        "cluster_name": {"type": "string", "example": "High Value Customers"},
        "confidence": {
            "type": "integer",
            "minimum": 0,
            "maximum": 100,
            "description": "(1 - distance to own centre / distance to the nearest other) x 100.",
        },
        "customer_data": {**CUSTOMER_SCHEMA, "description": "The input as it was used."},
        "explanation": EXPLANATION_SCHEMA,
        **ADVICE_PROPERTIES,
    },
}
PREDICTIONS_CREATE_SCHEMA = {
    "oneOf": [
        CUSTOMER_SCHEMA,
        {
            "type": "object",
            "required": ["records"],
            "properties": {
                "records": {
                    "type": "array",
                    "items": CUSTOMER_SCHEMA,
                    "description": "Up to PREDICT_BATCH_MAX_ROWS customers (1,000 by default), "
                    "predicted and recorded together: one bad record records nothing.",
                }
            },
        },
    ]
}


def predict_answer(result: PredictionResult, *, explain: bool = False) -> dict[str, Any]:
    """Document 004's `POST /predict` answer (confidence as a whole number 0-100); `explain`:
    with the additive `explanation`."""
    answer = {
        "cluster": result.cluster,
        "cluster_name": result.cluster_name,
        "confidence": round(result.confidence),
        "customer_data": result.customer_data,
        **advice_fields(result),
    }
    return with_explanation(answer, result, explain=explain)


def with_explanation(
    answer: dict[str, Any], result: PredictionResult, *, explain: bool
) -> dict[str, Any]:
    """`answer` with the result's `explanation` (null with a one-segment model) when asked."""
    if explain:
        answer["explanation"] = result.explanation
    return answer


def advice_fields(result: PredictionResult) -> dict[str, Any]:
    """The `warnings` and `confidence_note` of a prediction just made."""
    return {"warnings": list(result.warnings), "confidence_note": result.confidence_note}


def prediction_resource(
    result: PredictionResult, *, created_at: str | None = None, explain: bool = False
) -> dict[str, Any]:
    """The canonical `/api/v1/predictions/` shape of a prediction just made (`created_at`: its
    time already formatted, when the caller formats one time for a whole batch)."""
    answer = {
        "id": result.id,
        "run": result.run_id,
        "profile": result.profile_id,
        "cluster": result.cluster,
        "cluster_name": result.cluster_name,
        "confidence": result.confidence,
        "input": result.customer_data,
        "created_at": created_at or _timestamp(result.created_at),
        **advice_fields(result),
    }
    return with_explanation(answer, result, explain=explain)


def prediction_resources(
    results: list[PredictionResult], *, explain: bool = False
) -> list[dict[str, Any]]:
    """`prediction_resource` of each result; a batch recorded together shares one time, which
    is formatted once."""
    formatted: dict[datetime, str] = {}
    return [
        prediction_resource(
            result,
            created_at=formatted.get(result.created_at)
            or formatted.setdefault(result.created_at, _timestamp(result.created_at)),
            explain=explain,
        )
        for result in results
    ]


def _timestamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class SkipLimitInputSerializer(serializers.Serializer):
    """Document 004's `?skip=&limit=`."""

    skip = serializers.IntegerField(min_value=0, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=500, default=50)


class HistoryItemSerializer(serializers.ModelSerializer):
    """One line of document 004's `GET /history`."""

    customer_data = serializers.JSONField(source="input")
    confidence = serializers.SerializerMethodField()

    class Meta:
        model = Prediction
        fields = ["id", "customer_data", "cluster", "cluster_name", "confidence", "created_at"]

    def get_confidence(self, obj: Prediction) -> int:
        return round(obj.confidence)


class HistorySerializer(serializers.Serializer):
    history = HistoryItemSerializer(many=True)
    total = serializers.IntegerField()


class PredictionSerializer(serializers.ModelSerializer):
    """A recorded prediction (canonical API)."""

    class Meta:
        model = Prediction
        fields = [
            "id",
            "run",
            "profile",
            "cluster",
            "cluster_name",
            "confidence",
            "input",
            "created_at",
        ]
        read_only_fields = fields


class PredictionMadeSerializer(PredictionSerializer):
    """A prediction just made (canonical API): the recorded fields, what they mean (`warnings`,
    `confidence_note`) and why this segment (`explanation`, see `?explain=`)."""

    warnings = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text=WARNINGS_HELP
    )
    confidence_note = serializers.CharField(read_only=True, help_text=CONFIDENCE_NOTE_HELP)
    explanation = explanation_field(required=False)

    class Meta(PredictionSerializer.Meta):
        fields = [*PredictionSerializer.Meta.fields, "warnings", "confidence_note", "explanation"]
        read_only_fields = fields


class PredictionMadeBatchSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = PredictionMadeSerializer(many=True)


class CustomerProfileSerializer(serializers.ModelSerializer):
    """A saved customer profile: document 004's fields, plus the other features of the published
    segmentation in `extra_features`. Checked against the published segmentation's features
    (by the profile services): a profile can always be segmented."""

    user_id = serializers.IntegerField(source="owner_id", read_only=True)

    class Meta:
        model = CustomerProfile
        fields = [
            "id",
            "user_id",
            *PROFILE_FIELDS,
            "extra_features",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "user_id", "created_at", "updated_at"]
        extra_kwargs = {
            "extra_features": {
                "help_text": "Values of the published segmentation's features other than "
                'document 004\'s five, by dataset column name (e.g. `{"region": "North"}`). '
                "A profile gives every feature the published segmentation uses (document 004's "
                "five under their own names where that segmentation uses them; none of them is "
                "required when it does not); a 400 names each missing feature, each key here "
                "that is not a feature, and each value the segmentation cannot use (a category "
                "not seen in training). While nothing is published, document 004's five fields "
                "are required."
            }
        }

    def validate_extra_features(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise serializers.ValidationError("Must be an object of column name -> value.")
        for key, item in value.items():
            if isinstance(item, bool) or not isinstance(item, int | float | str):
                raise serializers.ValidationError(f"'{key}' must be a number or text.")
        return value


class ProfileFeatureSerializer(serializers.Serializer):
    """One input feature of the published segmentation, as a profile or a prediction sends it."""

    name = serializers.CharField(
        source="key",
        help_text="The name to send: document 004's (`sex`, `age`, `annual_income`, "
        "`spending_score`, `purchase_frequency`) at the top level of a profile, any other in "
        "its `extra_features`.",
    )
    column = serializers.CharField(help_text="The dataset column it was trained on.")
    label = serializers.CharField(help_text="A label for people.")
    kind = serializers.ChoiceField(choices=["number", "category"])
    categories = serializers.ListField(
        child=serializers.CharField(),
        help_text="The values seen in training (a category); empty for a number.",
    )
    minimum = serializers.FloatField(
        allow_null=True, help_text="The smallest value seen in training (a number), else null."
    )
    maximum = serializers.FloatField(
        allow_null=True, help_text="The largest value seen in training (a number), else null."
    )
    required = serializers.BooleanField()


class PublishedFeaturesSerializer(serializers.Serializer):
    """What a profile must give to be segmented by the published segmentation."""

    run = serializers.IntegerField(source="run_id", help_text="The published run.")
    dataset = serializers.CharField(source="dataset_name", help_text="Its dataset's name.")
    features = ProfileFeatureSerializer(many=True)


class MessageSerializer(serializers.Serializer):
    message = serializers.CharField()


class CustomerSegmentsSerializer(serializers.Serializer):
    """A customer's segments; a bracket or tier is null when the customer's value is missing."""

    gender = serializers.CharField(required=False)
    region = serializers.CharField(required=False)
    age_group = serializers.CharField(required=False, allow_null=True)
    income_bracket = serializers.CharField(required=False, allow_null=True)
    cluster_id = serializers.IntegerField(allow_null=True)
    cluster_label = serializers.CharField(allow_null=True)
    purchase_tier = serializers.CharField(required=False, allow_null=True)
    clv_tier = serializers.CharField(required=False, allow_null=True)
    calculated_clv = serializers.FloatField(required=False, allow_null=True)


class CustomerInsightsSerializer(serializers.Serializer):
    value_score = serializers.IntegerField(allow_null=True)
    churn_risk = serializers.CharField()
    product_affinity = serializers.ListField(child=serializers.CharField())


class CustomerComparisonSerializer(serializers.Serializer):
    """One column of the customer next to its segment (added to document 003's answer)."""

    column = serializers.CharField(help_text="The dataset column.")
    role = serializers.CharField(allow_null=True, help_text="Its role (age, income, ...), if any.")
    is_feature = serializers.BooleanField(help_text="Whether the published run clusters on it.")
    value = serializers.JSONField(allow_null=True, help_text="The customer's own value.")
    segment_typical = serializers.JSONField(
        allow_null=True,
        help_text="The segment's typical value: median (numeric) or most common category; null "
        "for a column the run does not cluster on.",
    )
    typical_is = serializers.ChoiceField(
        choices=["median", "most common"], allow_null=True, help_text="What segment_typical is."
    )
    segment_mean = serializers.FloatField(
        allow_null=True, help_text="The segment's mean (numeric columns)."
    )
    segment_share = serializers.FloatField(
        allow_null=True,
        help_text="Percentage of the segment in the most common category (categorical columns).",
    )


class CustomerSegmentSerializer(serializers.Serializer):
    customer_id = serializers.JSONField()
    name = serializers.CharField(required=False)
    email = serializers.CharField(required=False)
    segments = CustomerSegmentsSerializer()
    compared_with_segment = CustomerComparisonSerializer(
        many=True,
        help_text="The customer's actual values next to its segment's typical ones: the run's "
        "features, then the columns behind the brackets (age, income, purchases, tenure).",
    )
    insights = CustomerInsightsSerializer(required=False)
    explanation = explanation_field(
        help_text="Why this segment (added to document 003's answer); null when the "
        "segmentation has one segment or the customer none with a centre."
    )


class RunCustomerSerializer(serializers.Serializer):
    """One customer of a run: its stored segment and confidence, its feature values and why."""

    run = serializers.IntegerField()
    customer_id = serializers.CharField()
    cluster = serializers.IntegerField(allow_null=True)
    cluster_name = serializers.CharField(allow_null=True)
    confidence = serializers.FloatField(allow_null=True)
    values = documented_json(
        "The customer's value of each feature of the run (column name -> number, text or null).",
        values={"nullable": True},
    )
    explanation = explanation_field()


class CustomerSegmentQuerySerializer(serializers.Serializer):
    include_insights = serializers.BooleanField(default=False)
