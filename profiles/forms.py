"""Forms of the profile pages: customer look-up, saved profiles and predict. Like serializers,
they check shape and types only; every rule that needs the database lives in the services the
pages call."""

from collections.abc import Sequence
from typing import Any

from django import forms

from clustering.features import MAX_INPUT_MAGNITUDE
from config.numbers import number_text
from profiles.models import CustomerProfile
from profiles.predictor.fields import CONTRACT_FIELDS
from profiles.selectors import ProfileFeature, feature_value, profile_record


class CustomerLookupForm(forms.Form):
    customer_id = forms.CharField(
        label="Customer id", max_length=128, help_text="The id from the dataset's id column."
    )


# Form fields a feature may not take: the profile's own.
PROFILE_OWN_FIELDS = ("name", "notes")


def feature_field(feature: ProfileFeature) -> forms.Field:
    """The input of one feature: a number (no value filled in; document 004's limits for its
    own names, the training range as help) or a choice among the categories seen in training."""
    if feature.kind == "category":
        return forms.ChoiceField(
            label=feature.label,
            choices=[("", "— choose —"), *((value, value) for value in feature.categories)],
        )
    help_text = ""
    if feature.minimum is not None and feature.maximum is not None:
        help_text = (
            f"Seen in training: {number_text(feature.minimum)} to {number_text(feature.maximum)}."
        )
    if feature.whole:  # document 004's bounded whole numbers, in its words
        bounds = (
            f"{feature.label} must be a whole number between {feature.rule_minimum} and "
            f"{feature.rule_maximum}."
        )
        return forms.IntegerField(
            label=feature.label,
            min_value=feature.rule_minimum,
            max_value=feature.rule_maximum,
            help_text=help_text,
            error_messages={"min_value": bounds, "max_value": bounds, "invalid": bounds},
        )
    low = feature.rule_minimum if feature.rule_minimum is not None else -MAX_INPUT_MAGNITUDE
    high = feature.rule_maximum if feature.rule_maximum is not None else MAX_INPUT_MAGNITUDE
    messages = {
        "max_value": f"{feature.label} must be at most {number_text(high)}.",
        "min_value": f"{feature.label} must be at least {number_text(low)}.",
    }
    if feature.rule_minimum is not None:
        messages["min_value"] = f"{feature.label} must be {feature.rule_minimum} or more."
    return forms.FloatField(
        label=feature.label,
        min_value=low,
        max_value=high,
        help_text=help_text,
        error_messages=messages,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )


def _whole(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


class FeatureFieldsMixin:
    """A field per feature of the published segmentation (`features`, from
    `profiles.selectors.published_features_get`), named by the feature's key."""

    def add_feature_fields(self, features: Sequence[ProfileFeature]) -> None:
        self.feature_fields = {}
        for feature in features:
            name = feature.key
            if name in PROFILE_OWN_FIELDS:
                name = f"feature_{name}"
            self.feature_fields[name] = feature
            self.fields[name] = feature_field(feature)

    def feature_values(self) -> dict[str, Any]:
        """The features entered, by key (whole numbers stay whole)."""
        return {
            feature.key: _whole(self.cleaned_data[name])
            for name, feature in self.feature_fields.items()
        }


class ProfileForm(FeatureFieldsMixin, forms.Form):
    """A saved customer profile: a name, a field per feature of the published segmentation
    (nothing else, nothing filled in), and notes."""

    name = forms.CharField(label="Name", max_length=150)
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, features: Sequence[ProfileFeature], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        notes = self.fields.pop("notes")
        self.add_feature_fields(features)
        self.fields["notes"] = notes

    @classmethod
    def initial_of(
        cls, profile: CustomerProfile, *, features: Sequence[ProfileFeature]
    ) -> dict[str, Any]:
        """A saved profile's values as the form's initial data (features it has no value for
        stay empty)."""
        record = profile_record(profile=profile)
        initial: dict[str, Any] = {"name": profile.name, "notes": profile.notes}
        for feature in features:
            name = f"feature_{feature.key}" if feature.key in PROFILE_OWN_FIELDS else feature.key
            value = feature_value(record, feature)
            if value is not None:
                initial[name] = value
        return initial

    def profile_fields(self, *, extra_features: dict[str, Any] | None = None) -> dict[str, Any]:
        """The entered profile as the profile services take it: document 004's fields under
        their names, every other feature in `extra_features` (added to the profile's own
        `extra_features`, so values of an older segmentation's features are kept). Without
        feature fields (nothing published), the name and notes only."""
        fields: dict[str, Any] = {
            "name": self.cleaned_data["name"],
            "notes": self.cleaned_data["notes"],
        }
        if not self.feature_fields:
            return fields
        extra = dict(extra_features or {})
        for key, value in self.feature_values().items():
            if key in CONTRACT_FIELDS:
                fields[key] = value
            else:
                extra[key] = value
        fields["extra_features"] = extra
        return fields


class PredictForm(FeatureFieldsMixin, forms.Form):
    """One customer, with a field per feature of the published segmentation (document 004's
    names, `sex`, `age`..., where the dataset's roles give them)."""

    def __init__(self, *args: Any, features: Sequence[ProfileFeature], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_feature_fields(features)

    def record(self) -> dict:
        """The customer as the prediction service takes it (whole numbers stay whole)."""
        return self.feature_values()
