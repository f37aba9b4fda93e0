"""The published segmentation's input features as profiles ask for them: the selector, the form
built from it, and the profile services that check a profile against them, on real published
runs of generated customer tables."""

import pytest
from django.core.exceptions import ValidationError

from config.errors import Unprocessable
from config.numbers import number_text
from datasets.demo import REGIONS, generate_customers
from profiles.forms import PredictForm, ProfileForm
from profiles.models import Prediction
from profiles.selectors import published_features_get
from profiles.services import profile_create, profile_predict, profile_update
from tests.factories import CustomerProfileFactory, UserFactory

from .conftest import train, upload_customers

pytestmark = pytest.mark.django_db

# The demo table's region and four of document 004's features, without purchase frequency.
REGION_FEATURES = ["age", "gender", "region", "annual_income", "spending_score"]
REGION_PROFILE = {
    "name": "Northern regular",
    "age": "41",
    "sex": "Female",
    "region": "North",
    "annual_income": "72.5",
    "spending_score": "64",
    "notes": "",
}


@pytest.fixture
def region_run():
    return train(upload_customers(), features=REGION_FEATURES)


def _minmax(dataset, column):
    figures = dataset.statistics[column]
    return figures["min"], figures["max"]


def test_features_of_the_published_run_with_kinds_categories_and_ranges(region_run):
    published = published_features_get(user=UserFactory())

    features = {feature.key: feature for feature in published.features}
    assert published.run_id == region_run.pk
    assert set(features) == {"age", "sex", "region", "annual_income", "spending_score"}
    assert "purchase_frequency" not in features
    region = features["region"]
    assert (region.kind, region.column, region.label) == ("category", "region", "Region")
    assert set(region.categories) == set(REGIONS)
    assert features["sex"].categories == ("Male", "Female")
    assert features["sex"].column == "gender"
    income = features["annual_income"]
    assert (income.kind, income.label) == ("number", "Annual income")
    assert (income.minimum, income.maximum) == _minmax(region_run.dataset, "annual_income")
    assert (income.rule_minimum, income.rule_maximum, income.whole) == (0, None, False)
    age = features["age"]
    assert (age.rule_minimum, age.rule_maximum, age.whole) == (18, 100, True)
    assert all(feature.required for feature in published.features)


def test_no_features_while_nothing_is_published():
    assert published_features_get(user=UserFactory()) is None


def test_gender_values_other_than_document_004s_are_asked_under_the_column_name():
    frame = generate_customers(300, seed=1)
    frame["gender"] = frame["gender"].map({"Female": "F", "Male": "M"})
    train(upload_customers(frame=frame), features=["age", "gender", "spending_score"])

    published = published_features_get(user=UserFactory())

    gender = next(feature for feature in published.features if feature.column == "gender")
    assert (gender.key, set(gender.categories)) == ("gender", {"F", "M"})


def test_profile_form_asks_exactly_for_the_features_with_nothing_filled_in(region_run):
    published = published_features_get(user=UserFactory())

    form = ProfileForm(features=published.features)

    assert list(form.fields) == ["name", *published.keys, "notes"]
    region_choices = [value for value, _ in form.fields["region"].choices]
    assert region_choices[0] == ""
    assert set(region_choices[1:]) == set(REGIONS)
    assert "purchase_frequency" not in form.fields
    assert all(form[name].value() is None for name in published.keys)
    low, high = _minmax(region_run.dataset, "annual_income")
    assert form.fields["annual_income"].help_text == (
        f"Seen in training: {number_text(low)} to {number_text(high)}."
    )
    assert all(form.fields[name].required for name in published.keys)


def test_profile_form_refuses_a_category_not_seen_in_training(region_run):
    published = published_features_get(user=UserFactory())

    form = ProfileForm({**REGION_PROFILE, "region": "Atlantis"}, features=published.features)

    assert not form.is_valid()
    assert "region" in form.errors


def test_profile_saved_from_the_form_is_segmented(region_run):
    owner = UserFactory()
    published = published_features_get(user=owner)
    form = ProfileForm(REGION_PROFILE, features=published.features)
    assert form.is_valid(), form.errors

    profile = profile_create(owner=owner, **form.profile_fields())
    result = profile_predict(user=owner, profile=profile)

    profile.refresh_from_db()
    assert profile.extra_features == {"region": "North"}
    assert (profile.age, profile.sex, profile.purchase_frequency) == (41, "Female", None)
    assert result.run_id == region_run.pk
    assert result.customer_data["region"] == "North"
    assert Prediction.objects.get().profile == profile


def test_predict_form_has_the_same_fields_so_a_prediction_prefills_a_profile(region_run):
    published = published_features_get(user=UserFactory())

    predict = PredictForm(features=published.features)
    profile = ProfileForm(features=published.features)

    features_only = [name for name in profile.fields if name not in ("name", "notes")]
    assert list(predict.fields) == features_only


def test_profile_saved_for_an_older_run_names_the_missing_feature_when_segmented(region_run):
    owner = UserFactory()
    old = CustomerProfileFactory(owner=owner)  # document 004's five fields, no region

    with pytest.raises(Unprocessable) as refused:
        profile_predict(user=owner, profile=old)

    assert "'region'" in refused.value.message
    assert "Edit the profile to add it" in refused.value.message
    assert not Prediction.objects.exists()


def test_profile_without_a_feature_of_the_published_run_is_not_saved(region_run):
    owner = UserFactory()

    with pytest.raises(ValidationError) as refused:
        profile_create(owner=owner, name="No region", sex="Male", age=30, spending_score=40)

    assert set(refused.value.message_dict) == {"region", "annual_income"}
    assert "published segmentation uses 'region'" in refused.value.message_dict["region"][0]
    assert not owner.customer_profiles.exists()


def test_profile_with_a_feature_the_run_does_not_use_is_refused_naming_it(region_run):
    with pytest.raises(ValidationError) as refused:
        profile_create(
            owner=UserFactory(),
            name="Colourful",
            sex="Male",
            age=30,
            annual_income=50,
            spending_score=40,
            extra_features={"region": "North", "favourite_colour": "green"},
        )

    assert list(refused.value.message_dict) == ["favourite_colour"]
    assert "Unknown feature" in refused.value.message_dict["favourite_colour"][0]


def test_older_profile_keeps_name_and_notes_editable_and_becomes_segmentable_once_completed(
    region_run,
):
    owner = UserFactory()
    old = CustomerProfileFactory(owner=owner, extra_features={"tenure_months": 12})

    profile_update(profile=old, notes="still a good customer")
    profile_update(profile=old, extra_features={**old.extra_features, "region": "South"})
    result = profile_predict(user=owner, profile=old)

    assert result.customer_data["region"] == "South"
    old.refresh_from_db()
    assert old.notes == "still a good customer"
    assert old.extra_features == {"tenure_months": 12, "region": "South"}


def test_a_number_beyond_the_accepted_range_is_refused_in_plain_figures(region_run):
    published = published_features_get(user=UserFactory())
    huge = {**REGION_PROFILE, "annual_income": "99999999999999999999999"}

    form = ProfileForm(huge, features=published.features)

    assert not form.is_valid()
    assert form.errors["annual_income"] == ["Annual income must be at most 1,000,000,000,000,000."]
