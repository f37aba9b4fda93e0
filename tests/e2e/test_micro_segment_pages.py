"""In a real browser: no silent micro-segments. A run whose result holds a tiny segment (28 planted
customers who spend about 100x the average) says so on its run page, naming the segment and what
it holds; DBSCAN's noise and tiny components and a tiny GMM component are reported the same way.
Screenshots go to var/screenshots/."""

import io

import pytest
from playwright.sync_api import expect

from clustering.services import run_execute_inline
from tests.clustering.planted import PLANTED, rfm_with_extreme_customers
from tests.e2e.conftest import log_in, screenshot
from tests.e2e.data import dataset_upload, shop_csv, succeeded_run
from tests.factories import AnalystFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _planted_dataset(owner):
    buffer = io.StringIO()
    rfm_with_extreme_customers().to_csv(buffer, index=False)
    return dataset_upload(owner, buffer.getvalue().encode(), name="rfm.csv")


def _run(owner, algorithm: str, parameters: dict):
    return run_execute_inline(
        dataset=_planted_dataset(owner),
        user=owner,
        algorithm=algorithm,
        parameters={"stability": False, **parameters},
    )


def _segment_card(page, name: str):
    return page.locator("article.cluster-card").filter(
        has=page.get_by_role("heading", name=name, exact=True)
    )


def test_run_page_names_the_micro_segment_and_what_it_holds(page):
    analyst = AnalystFactory()
    run = _run(analyst, "kmeans", {"n_clusters": 4})
    tiny = run.clusters.get(size=PLANTED)
    log_in(page, analyst)

    page.goto(f"/app/runs/{run.pk}/")

    warnings = page.locator("#segment-warnings")
    expect(warnings).to_be_visible()
    expect(warnings).to_contain_text("Micro-segments:")
    line = warnings.locator("li")
    expect(line).to_have_count(1)
    expect(line).to_contain_text(
        f"Segment '{tiny.name}' holds {PLANTED} customers (0.9%, under 1%)"
    )
    expect(line).to_contain_text("x the average monetary")
    expect(line).to_contain_text("outliers, consider excluding them or k=3.")
    expect(_segment_card(page, tiny.name)).to_contain_text(f"{PLANTED} customers (0.9%)")
    expect(page.get_by_text("Smallest segment:")).to_be_visible()
    screenshot(page, "run-detail-micro-segment")


def test_run_page_reports_dbscan_noise_and_a_tiny_component(page):
    analyst = AnalystFactory()
    run = _run(analyst, "dbscan", {})
    noise = run.clusters.get(label=-1)
    tiny = [c for c in run.clusters.exclude(label=-1) if c.size < 0.01 * run.n_samples]
    assert noise.size > 0
    assert tiny, [(c.label, c.size) for c in run.clusters.all()]
    log_in(page, analyst)

    page.goto(f"/app/runs/{run.pk}/")

    lines = page.locator("#segment-warnings li")
    expect(lines).to_have_count(1 + len(tiny))
    expect(lines.filter(has_text="are noise, in no segment")).to_contain_text(
        f"{noise.size} customers ("
    )
    expect(lines.filter(has_text="are noise, in no segment")).to_contain_text(
        "change eps / min_samples"
    )
    for cluster in tiny:
        line = lines.filter(has_text=f"Segment '{cluster.name}' holds {cluster.size} customers")
        expect(line).to_contain_text("x the average monetary: outliers, consider excluding them.")
        expect(_segment_card(page, cluster.name)).to_be_visible()
    screenshot(page, "run-detail-dbscan-noise")


def test_run_page_reports_a_tiny_gmm_component(page):
    analyst = AnalystFactory()
    run = _run(analyst, "gmm", {"n_clusters": 4})
    tiny = run.clusters.get(size=PLANTED)
    log_in(page, analyst)

    page.goto(f"/app/runs/{run.pk}/")

    line = page.locator("#segment-warnings li")
    expect(line).to_have_count(1)
    expect(line).to_contain_text(
        f"Segment '{tiny.name}' holds {PLANTED} customers (0.9%, under 1%)"
    )
    expect(line).to_contain_text(
        "x the average monetary: outliers, consider excluding them or k=3."
    )


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_one_customer_segment_card_says_one_customer(page):
    analyst = AnalystFactory()
    dataset = dataset_upload(analyst, shop_csv(dominant=True))
    run = succeeded_run(dataset, analyst, k=5, features=["age", "annual_spend"])
    single = run.clusters.filter(size=1).first()
    assert single is not None, list(run.clusters.values_list("size", flat=True))
    log_in(page, analyst)

    page.goto(f"/app/runs/{run.pk}/")

    card = page.locator("article, .card").filter(has=page.get_by_role("heading", name=single.name))
    expect(card.first).to_contain_text("1 customer (")
    expect(card.first).not_to_contain_text("1 customers")
    expect(card.first).to_contain_text("contains 1 customer (")
