"""Renaming a segment: `services.cluster_rename` and `PATCH /api/v1/runs/{id}/clusters/{label}/`.
The new name is the one every read uses: the run's clusters, document 004's /predict, document
003's customer look-up, and a CSV export of the run, also right after a prediction has compiled
and cached the published model."""

import io

import pandas as pd
import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import TestCase
from rest_framework.test import APIClient

from clustering.engine import load_model
from clustering.models import Assignment, Cluster
from clustering.services import PUBLISHED_VERSION_KEY, cluster_rename, run_publish
from datasets.models import Customer
from profiles.predictor.cache import process_cache_clear
from tests.factories import AnalystFactory, UserFactory
from tests.profiles.conftest import DOC004_BODY, train, upload_customers

from .lineage_data import executed, label_of, planted_pair

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_predictor_cache():
    """Rows roll back between tests (and SQLite reuses ids): so does the model cache."""
    process_cache_clear()
    yield
    process_cache_clear()


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _url(run, label) -> str:
    return f"/api/v1/runs/{run.pk}/clusters/{label}/"


def _rename(run, label, name, by=None):
    """Rename as a request does: the cache invalidation follows the commit."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return cluster_rename(run=run, label=label, name=name, by=by or run.dataset.owner)


@pytest.fixture
def owner():
    return AnalystFactory()


@pytest.fixture
def run(owner):
    """A published k-means run of document 004's five features (4 segments)."""
    return train(upload_customers(owner=owner))


# --- The service ---------------------------------------------------------------------------------


def test_rename_saves_the_name_marks_it_edited_and_writes_it_into_the_model(run):
    others = dict(run.clusters.exclude(label=1).values_list("label", "name"))

    cluster = _rename(run, 1, "  Weekend big spenders  ")

    assert cluster.name == "Weekend big spenders"
    stored = Cluster.objects.get(run=run, label=1)
    assert (stored.name, stored.name_edited) == ("Weekend big spenders", True)
    assert dict(run.clusters.exclude(label=1).values_list("label", "name")) == others
    assert not run.clusters.exclude(label=1).filter(name_edited=True).exists()
    run.refresh_from_db()
    names = dict(zip(run.model_artifact["labels"], run.model_artifact["names"], strict=True))
    assert names[1] == "Weekend big spenders"
    assert {label: name for label, name in names.items() if label != 1} == others


def test_summary_and_recommendation_quote_the_new_name(run):
    before = Cluster.objects.get(run=run, label=0)
    assert f"({before.name})" in before.summary
    assert f'"{before.name}"' in before.recommendation

    _rename(run, 0, "Core crowd")

    after = Cluster.objects.get(run=run, label=0)
    assert after.summary == before.summary.replace(f"({before.name})", "(Core crowd)")
    assert after.recommendation == before.recommendation.replace(f'"{before.name}"', '"Core crowd"')


def test_new_clusters_are_not_marked_edited(run):
    assert not run.clusters.filter(name_edited=True).exists()


def test_rename_to_another_segments_name_is_refused_ignoring_case(run):
    taken = Cluster.objects.get(run=run, label=0).name

    with pytest.raises(ValidationError) as refused:
        _rename(run, 1, f"  {taken.upper()} ")

    message = refused.value.message_dict["name"][0]
    assert f"already called “{taken}”" in message
    assert Cluster.objects.get(run=run, label=1).name != taken.upper()


def test_rename_to_its_own_name_in_other_case_is_allowed(run):
    own = Cluster.objects.get(run=run, label=2).name

    assert _rename(run, 2, own.lower()).name == own.lower()


def test_the_same_name_in_another_run_is_allowed(run, owner):
    other = train(upload_customers(owner=owner, seed=1), publish=False)
    _rename(other, 0, "Loyal regulars")

    assert _rename(run, 0, "Loyal regulars").name == "Loyal regulars"


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("", "cannot be empty"),
        ("   ", "cannot be empty"),
        (None, "cannot be empty"),
        ("x" * 121, "at most 120 characters; this one has 121"),
    ],
)
def test_unusable_names_are_refused_with_a_reason(run, name, words):
    before = Cluster.objects.get(run=run, label=0).name

    with pytest.raises(ValidationError) as refused:
        _rename(run, 0, name)

    assert words in refused.value.message_dict["name"][0]
    assert Cluster.objects.get(run=run, label=0).name == before


def test_a_name_of_120_characters_is_kept_whole(run):
    assert _rename(run, 0, "y" * 120).name == "y" * 120


@pytest.mark.parametrize("label", [9, "abc", "-2"])
def test_unknown_label_is_404(run, label):
    with pytest.raises(Http404, match="has no segment"):
        _rename(run, label, "Anything")


def test_a_run_that_has_not_succeeded_has_nothing_to_rename(owner):
    run = train(upload_customers(owner=owner), publish=False)
    run.status = run.Status.FAILED
    run.save(update_fields=["status"])

    with pytest.raises(Http404, match="only a succeeded run"):
        _rename(run, 0, "Anything")


def test_rename_bumps_the_published_version_after_the_commit(run):
    before = cache.get(PUBLISHED_VERSION_KEY)

    _rename(run, 0, "Renamed")

    assert cache.get(PUBLISHED_VERSION_KEY) != before


def test_prediction_answers_the_new_name_after_a_rename_of_the_published_run(run):
    client = _client(UserFactory())
    first = client.post("/predict", DOC004_BODY, format="json").json()  # compiles and caches
    label = first["cluster"]

    _rename(run, label, "Night owls")

    again = client.post("/predict", DOC004_BODY, format="json")
    assert again.status_code == 200
    assert (again.json()["cluster"], again.json()["cluster_name"]) == (label, "Night owls")


def test_customer_lookup_answers_the_new_name_after_a_rename(run):
    customer = Customer.objects.filter(dataset=run.dataset).order_by("row_number")[7]
    label = Assignment.objects.get(run=run, customer=customer).cluster_label
    client = _client(UserFactory())
    client.get(f"/api/customers/{customer.external_id}/segment")

    _rename(run, label, "Quiet savers")

    segments = client.get(f"/api/customers/{customer.external_id}/segment").json()["data"][
        "segments"
    ]
    assert (segments["cluster_id"], segments["cluster_label"]) == (label, "Quiet savers")


def test_csv_export_of_the_published_run_carries_the_new_name(run, owner):
    _rename(run, 2, "Bargain hunters")
    client = _client(owner)

    export = client.post("/api/v1/exports/", {"run": run.pk, "format": "csv"}, format="json")

    assert export.status_code == 202, export.json()
    download = client.get(export.json()["download_url"])
    back = pd.read_csv(io.BytesIO(b"".join(download.streaming_content)))
    assert set(back.loc[back["cluster"] == 2, "cluster_name"]) == {"Bargain hunters"}
    assert "Bargain hunters" not in set(back.loc[back["cluster"] != 2, "cluster_name"])


def test_segment_reads_of_the_published_run_use_the_new_name(run, owner):
    client = _client(UserFactory())
    client.get("/clusters")  # document 004's list of the published segments

    _rename(run, 3, "New arrivals")

    published = client.get("/clusters").json()["clusters"]
    assert {c["cluster_id"]: c["cluster_name"] for c in published}[3] == "New arrivals"
    own = _client(owner).get(f"/api/v1/runs/{run.pk}/clusters/").json()["results"]
    assert {c["label"]: c["name"] for c in own}[3] == "New arrivals"


# --- The API -------------------------------------------------------------------------------------


def test_owner_renames_a_segment_and_gets_the_cluster_back(run, owner):
    response = _client(owner).patch(_url(run, 1), {"name": "Young families"}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["label"], body["name"]) == (1, "Young families")
    assert body["size"] == Cluster.objects.get(run=run, label=1).size
    assert Cluster.objects.get(run=run, label=1).name_edited


def test_rename_answers_without_the_trailing_slash_too(run, owner):
    response = _client(owner).patch(_url(run, 1).rstrip("/"), {"name": "Young"}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["name"] == "Young"


def test_another_analyst_gets_404(run):
    response = _client(AnalystFactory()).patch(_url(run, 1), {"name": "Mine"}, format="json")

    assert response.status_code == 404
    assert "not found among your runs" in response.json()["detail"]
    assert Cluster.objects.get(run=run, label=1).name != "Mine"


def test_a_plain_user_gets_403(run):
    response = _client(UserFactory()).patch(_url(run, 1), {"name": "Mine"}, format="json")

    assert response.status_code == 403
    assert "analyst" in response.json()["detail"]


def test_anonymous_is_401(run):
    assert APIClient().patch(_url(run, 1), {"name": "Mine"}, format="json").status_code == 401


@pytest.mark.parametrize("body", [{"name": ""}, {"name": "   "}])
def test_empty_name_is_400_saying_so(run, owner, body):
    response = _client(owner).patch(_url(run, 1), body, format="json")

    assert response.status_code == 400
    assert "cannot be empty" in response.json()["name"][0]


def test_missing_name_is_400(run, owner):
    response = _client(owner).patch(_url(run, 1), {}, format="json")

    assert response.status_code == 400
    assert "required" in response.json()["name"][0]


def test_duplicate_name_is_400_naming_the_other_segment(run, owner):
    taken = Cluster.objects.get(run=run, label=0).name

    response = _client(owner).patch(_url(run, 1), {"name": taken.lower()}, format="json")

    assert response.status_code == 400
    assert f"already called “{taken}”" in response.json()["name"][0]


@pytest.mark.parametrize("label", ["7", "abc", "-1", "99999999999999999999"])
def test_unknown_label_is_404_in_words(run, owner, label):
    response = _client(owner).patch(_url(run, label), {"name": "Anything"}, format="json")

    assert response.status_code == 404
    assert "has no segment" in response.json()["detail"]


# --- Names carried over on publication -----------------------------------------------------------


def test_publication_carries_names_over_but_keeps_an_analysts_own(analyst):
    old_frame, new_frame, _ = planted_pair()
    old, new = executed(analyst, old_frame), executed(analyst, new_frame)
    for external_id, name in (
        ("LOW-050", "Occasional"),
        ("MID-000", "Big spenders"),
        ("HIGH-000", "Regulars"),
    ):
        Cluster.objects.filter(run=old, label=label_of(old, external_id)).update(name=name)
    _rename(new, label_of(new, "MID-000"), "Our middle")
    run_publish(run=old)

    run_publish(run=new)

    names = dict(Cluster.objects.filter(run=new).values_list("label", "name"))
    assert names == {
        label_of(new, "LOW-050"): "Occasional",
        label_of(new, "MID-000"): "Our middle",
        label_of(new, "HIGH-000"): "Regulars",
    }
    new.refresh_from_db()
    model = load_model(new.model_artifact)  # predictions answer with the same names
    assert {label: model.name_of(label) for label in names} == names
