"""The saved-profile pages against the published segmentation: the form asks for exactly its
features (a region select with the categories seen in training, no field it does not use), a
saved profile is segmented, an older profile says which features it lacks, and with nothing
published there is no form. Server-side checks with Django's test client, the whole path in
Chromium."""

import html
import re

import pytest
from django.urls import reverse

from datasets.demo import REGIONS
from profiles.models import CustomerProfile, Prediction
from tests.e2e.conftest import log_in, screenshot
from tests.e2e.data import dataset_upload, demo_csv, succeeded_run
from tests.factories import AnalystFactory, CustomerProfileFactory, UserFactory

# The demo table's region and four of document 004's features, without purchase frequency.
REGION_FEATURES = ["age", "gender", "region", "annual_income", "spending_score"]
NEW_PROFILE = {
    "name": "Northern regular",
    "age": "41",
    "sex": "Female",
    "region": "North",
    "annual_income": "72.5",
    "spending_score": "64",
    "notes": "",
}


def _publish_region_run(rows: int = 300):
    analyst = AnalystFactory()
    dataset = dataset_upload(analyst, demo_csv(rows))
    return succeeded_run(dataset, analyst, k=4, publish=True, features=REGION_FEATURES)


@pytest.fixture
def user_browser(client, user):
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_new_profile_page_without_a_published_segmentation_has_no_form(client):
    analyst, user = AnalystFactory(), UserFactory()

    client.force_login(analyst)
    for_analyst = client.get(reverse("pages:profile-create"))
    client.force_login(user)
    for_user = client.get(reverse("pages:profile-create"))

    for response in (for_analyst, for_user):
        assert response.status_code == 200
        assert b"No segmentation is published yet." in response.content
        assert b"Save profile" not in response.content
        assert b"Annual income" not in response.content
    assert reverse("pages:dataset-list").encode() in for_analyst.content
    assert reverse("pages:dataset-list").encode() not in for_user.content


@pytest.mark.django_db
def test_edit_page_without_a_published_segmentation_changes_name_and_notes_only(user_browser, user):
    profile = CustomerProfileFactory(
        owner=user, purchase_frequency=None, extra_features={"region": "North"}
    )

    page = user_browser.get(reverse("pages:profile-edit", args=[profile.pk]))
    saved = user_browser.post(
        reverse("pages:profile-edit", args=[profile.pk]), {"name": "Renamed", "notes": "moved"}
    )

    assert list(page.context["form"].fields) == ["name", "notes"]
    assert b"No segmentation is published yet." in page.content
    assert saved.status_code == 302
    profile.refresh_from_db()
    assert (profile.name, profile.notes, profile.age) == ("Renamed", "moved", 35)
    assert profile.extra_features == {"region": "North"}


@pytest.mark.django_db
def test_new_profile_page_asks_for_the_published_features_only(user_browser):
    _publish_region_run(200)

    response = user_browser.get(reverse("pages:profile-create"))

    text = response.content.decode()
    assert response.status_code == 200
    assert '<select name="region"' in text
    assert all(f'<option value="{region}">{region}</option>' in text for region in REGIONS)
    assert "purchase_frequency" not in text
    assert "Purchases per year" not in text
    assert "(k$)" not in text
    number_inputs = re.findall(r'<input type="number"[^>]*>', text)
    assert len(number_inputs) == 3  # age, annual income, spending score
    assert not any(" value=" in tag for tag in number_inputs)
    assert "Seen in training:" in text


@pytest.mark.django_db
def test_profile_saved_on_the_page_is_segmented(user_browser, user):
    run = _publish_region_run(200)

    saved = user_browser.post(reverse("pages:profile-create"), NEW_PROFILE)
    profile = CustomerProfile.objects.get(owner=user)
    segmented = user_browser.post(reverse("pages:profile-segment", args=[profile.pk]), follow=True)

    assert saved.status_code == 302
    assert profile.extra_features == {"region": "North"}
    prediction = Prediction.objects.get(user=user)
    assert (prediction.run_id, prediction.profile_id) == (run.pk, profile.pk)
    page = segmented.content.decode()
    # The answer is shown with why this segment, beside the profile's own values.
    assert "Answer for the profile “Northern regular”" in page
    assert f"This customer belongs to <strong>{prediction.cluster_name}</strong>" in page
    assert "Why this segment" in page
    assert segmented.context["form"].initial["region"] == "North"
    assert "Save as a profile" not in page


@pytest.mark.django_db
def test_older_profile_segment_names_the_missing_feature_and_edit_completes_it(user_browser, user):
    _publish_region_run(200)
    old = CustomerProfileFactory(owner=user, name="Old Ada")

    refused = user_browser.post(reverse("pages:profile-segment", args=[old.pk]), follow=True)
    edit = user_browser.get(reverse("pages:profile-edit", args=[old.pk]))
    updated = user_browser.post(
        reverse("pages:profile-edit", args=[old.pk]),
        {**NEW_PROFILE, "name": "Old Ada", "region": "South", "age": "35"},
    )
    segmented = user_browser.post(reverse("pages:profile-segment", args=[old.pk]), follow=True)

    text = html.unescape(refused.content.decode())
    assert refused.redirect_chain[-1][0] == reverse("pages:profile-list")
    assert "“Old Ada” could not be segmented: The published segmentation uses 'region'" in text
    assert "This field is required" not in text
    assert "Missing for the published segmentation: Region." in text
    assert edit.context["form"]["age"].value() == 35
    assert edit.context["form"]["region"].value() is None
    assert updated.status_code == 302
    assert "Answer for the profile “Old Ada”" in segmented.content.decode()


def test_user_creates_a_profile_with_a_region_and_segments_it(page):
    _publish_region_run()
    log_in(page, UserFactory())
    from playwright.sync_api import expect

    page.get_by_role("link", name="Profiles", exact=True).click()
    page.get_by_role("link", name="New profile").click()
    region = page.get_by_label("Region")
    expect(region).to_be_visible()
    options = region.locator("option").all_inner_texts()
    assert options[0] == "— choose —"
    assert sorted(options[1:]) == sorted(REGIONS)
    expect(page.get_by_label("Purchases per year")).to_have_count(0)
    expect(page.get_by_label("Purchase frequency")).to_have_count(0)
    expect(page.get_by_label("Annual income")).to_have_value("")

    page.get_by_label("Name").fill("Northern regular")
    page.get_by_label("Age").fill("41")
    page.get_by_label("Sex").select_option("Female")
    region.select_option("North")
    page.get_by_label("Annual income").fill("72.5")
    page.get_by_label("Spending score").fill("64")
    screenshot(page, "profile_form_region")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Profile “Northern regular” saved.")).to_be_visible()

    page.get_by_role("button", name="Segment Northern regular").click()
    expect(page.get_by_text("Answer for the profile “Northern regular”")).to_be_visible()
    expect(page.get_by_role("heading", name="Why this segment")).to_be_visible()
    expect(page.get_by_label("Region")).to_have_value("North")  # the profile's own values
    expect(page.locator("table tbody tr").first).to_contain_text("region: North")
    screenshot(page, "profile_segmented_region")


def test_older_profile_says_which_feature_it_lacks_in_the_browser(page):
    _publish_region_run()
    user = UserFactory()
    CustomerProfileFactory(owner=user, name="Old Ada")
    log_in(page, user)
    from playwright.sync_api import expect

    page.goto(reverse("pages:profile-list"))
    expect(page.get_by_text("Missing for the published segmentation: Region.")).to_be_visible()
    page.get_by_role("button", name="Segment Old Ada").click()

    expect(page.get_by_text("“Old Ada” could not be segmented: The published")).to_contain_text(
        "'region', which this profile has no value for"
    )
    expect(page.get_by_text("This field is required")).to_have_count(0)
    screenshot(page, "profile_missing_feature")
    page.get_by_role("link", name="Edit Old Ada").click()
    expect(page.get_by_label("Region")).to_have_value("")
    expect(page.get_by_label("Age")).to_have_value("35")


@pytest.mark.django_db
def test_a_prediction_prefills_the_new_profile_with_its_features(user_browser):
    _publish_region_run(200)
    customer = {"age": 41, "sex": "Female", "region": "East", "annual_income": 72.5}

    predicted = user_browser.post(reverse("pages:predict"), {**customer, "spending_score": 64})
    save_link = predicted.context["save_query"]
    form = user_browser.get(f"{reverse('pages:profile-create')}?{save_link}").context["form"]

    assert {name: form[name].value() for name in customer} == {
        "age": "41",
        "sex": "Female",
        "region": "East",
        "annual_income": "72.5",
    }
