"""The run page's rename form and the publish confirmation page, with Django's test client: who
may use them, the refusals shown next to the form, and publishing only on the confirmation's
POST. The browser tests of the same pages are in test_browser_rename_publish.py."""

import pytest
from django.urls import reverse

from clustering.models import Cluster
from clustering.services import cluster_rename, run_publish
from tests.clustering.lineage_data import executed, label_of, planted_pair
from tests.e2e.data import dataset_upload, demo_csv, succeeded_run
from tests.factories import AnalystFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst_browser(client, analyst):
    client.force_login(analyst)
    return client


@pytest.fixture
def run(analyst):
    return succeeded_run(dataset_upload(analyst, demo_csv(200)), analyst, k=3)


def _rename_url(run, label) -> str:
    return reverse("pages:run-cluster-rename", args=[run.pk, label])


def test_run_page_has_a_rename_form_per_segment(analyst_browser, run):
    page = analyst_browser.get(reverse("pages:run-detail", args=[run.pk])).content.decode()

    for cluster in run.clusters.all():
        assert f'action="{_rename_url(run, cluster.label)}#cluster-{cluster.label}"' in page
    assert page.count("csrfmiddlewaretoken") >= 3


def test_rename_redirects_back_to_the_segment_and_says_so(analyst_browser, run):
    response = analyst_browser.post(_rename_url(run, 1), {"name": "  Weekend shoppers "})

    assert response.status_code == 302
    assert response["Location"] == reverse("pages:run-detail", args=[run.pk]) + "#cluster-1"
    assert Cluster.objects.get(run=run, label=1).name == "Weekend shoppers"
    page = analyst_browser.get(response["Location"]).content.decode()
    assert "Segment 1 is now called “Weekend shoppers”." in page
    assert '<h3 id="cluster-1">Weekend shoppers</h3>' in page


def test_duplicate_name_is_shown_next_to_the_form_with_the_typed_name(analyst_browser, run):
    taken = Cluster.objects.get(run=run, label=0).name
    before = Cluster.objects.get(run=run, label=1).name

    response = analyst_browser.post(_rename_url(run, 1), {"name": taken.upper()})

    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="rename-1-errors"' in page
    assert f"Another segment of run {run.pk} is already called “{taken}”" in page
    assert "name: Another" not in page
    assert f'value="{taken.upper()}"' in page
    assert Cluster.objects.get(run=run, label=1).name == before


def test_empty_name_is_refused_in_words(analyst_browser, run):
    response = analyst_browser.post(_rename_url(run, 0), {"name": "  "})

    assert response.status_code == 400
    assert "Give the segment a name: it cannot be empty." in response.content.decode()


def test_rename_of_another_analysts_run_or_an_unknown_segment_is_404(analyst_browser, run):
    other = AnalystFactory()
    theirs = succeeded_run(dataset_upload(other, demo_csv(60)), other, k=2)

    assert analyst_browser.post(_rename_url(theirs, 0), {"name": "Mine"}).status_code == 404
    assert analyst_browser.post(_rename_url(run, 9), {"name": "Nine"}).status_code == 404


def test_rename_is_403_for_a_plain_user(user, client, run):
    client.force_login(user)

    assert client.post(_rename_url(run, 0), {"name": "Mine"}).status_code == 403


def test_rename_needs_post(analyst_browser, run):
    assert analyst_browser.get(_rename_url(run, 0)).status_code == 405


def test_publish_link_leads_to_the_confirmation_page_that_publishes_nothing(analyst_browser, run):
    page = analyst_browser.get(reverse("pages:run-detail", args=[run.pk])).content.decode()
    assert f'href="{reverse("pages:run-publish", args=[run.pk])}"' in page

    confirmation = analyst_browser.get(reverse("pages:run-publish", args=[run.pk]))

    assert confirmation.status_code == 200
    text = confirmation.content.decode()
    assert "Publishing replaces what every user sees." in text
    assert "Nothing is published yet" in text
    for cluster in run.clusters.all():
        assert cluster.name in text
    run.refresh_from_db()
    assert not run.is_published


def test_confirmation_shows_the_published_segments_next_to_the_new_ones(analyst_browser, analyst):
    old = succeeded_run(dataset_upload(analyst, demo_csv(200)), analyst, k=2, publish=True)
    Cluster.objects.filter(run=old, label=0).update(name="Old guard", size=123, percentage=61.5)
    new = succeeded_run(dataset_upload(analyst, demo_csv(200, seed=1)), analyst, k=3)

    text = analyst_browser.get(reverse("pages:run-publish", args=[new.pk])).content.decode()

    assert f"instead of the 2 segments of run {old.pk}" in text
    assert '<th scope="row">Old guard</th>' in text
    assert ">123<" in text
    assert ">61.5%<" in text
    for cluster in new.clusters.all():
        assert f'<th scope="row">{cluster.name}</th>' in text
    assert "Nothing is published yet" not in text


def test_confirmation_post_publishes(analyst_browser, run):
    response = analyst_browser.post(reverse("pages:run-publish", args=[run.pk]), follow=True)

    run.refresh_from_db()
    assert run.is_published
    assert b"is now the published segmentation" in response.content


def test_confirmation_of_the_published_run_has_no_publish_button(analyst_browser, analyst):
    run = succeeded_run(dataset_upload(analyst, demo_csv(100)), analyst, k=2, publish=True)

    text = analyst_browser.get(reverse("pages:run-publish", args=[run.pk])).content.decode()

    assert "is already the published segmentation" in text
    assert '<button type="submit">Publish</button>' not in text


def test_confirmation_of_another_analysts_run_is_404(analyst_browser):
    other = AnalystFactory()
    theirs = succeeded_run(dataset_upload(other, demo_csv(60)), other, k=2)

    assert analyst_browser.get(reverse("pages:run-publish", args=[theirs.pk])).status_code == 404


def test_confirmation_shows_the_names_carried_over_and_keeps_an_analysts_own(
    analyst_browser, analyst
):
    old_frame, new_frame, _ = planted_pair()
    old, new = executed(analyst, old_frame), executed(analyst, new_frame)
    for external_id, name in (("LOW-050", "Occasional"), ("HIGH-000", "Regulars")):
        Cluster.objects.filter(run=old, label=label_of(old, external_id)).update(name=name)
    run_publish(run=old)
    high = Cluster.objects.get(run=new, label=label_of(new, "HIGH-000"))
    cluster_rename(run=new, label=high.label, name="Our best", by=analyst)
    low = Cluster.objects.get(run=new, label=label_of(new, "LOW-050"))

    text = analyst_browser.get(reverse("pages:run-publish", args=[new.pk])).content.decode()

    assert f"continue segments of run {old.pk} and take their names" in text
    assert f'Occasional <span class="muted carried">(named “{low.name}” in this run' in text
    assert '<th scope="row">Our best</th>' in text
    assert not Cluster.objects.filter(run=new, name="Occasional").exists()  # nothing saved yet
