"""Numbers as people read them on the pages that show data, in a real browser: thousands
separators, whole numbers without ".0", no scientific notation, the same rounding on the
dataset page, the segment explorer, the run page and the HTML export; the quality card says how
many cells are missing and what a run does with them."""

import io
import re

import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import expect

from reports.services import export_create
from tests.e2e.conftest import log_in, screenshot
from tests.e2e.data import dataset_upload, succeeded_run
from tests.factories import AnalystFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCIENTIFIC = re.compile(r"\d[eE][+-]?\d")
TRAILING_ZERO = re.compile(r"\b\d[\d,]*\.0\b(?!\d)")
ROWS = 200
GAPS = 17  # rows without an income: 200 // 17 + 1 = 12 missing cells


def _dollar_csv() -> bytes:
    """Incomes in dollars (tens of thousands, once printed as 5.827e+04), some missing."""
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(ROWS)],
            "age": rng.integers(18, 80, ROWS),
            "gender": rng.choice(["Female", "Male"], ROWS),
            "annual_income": rng.normal(58_270.4, 12_000, ROWS).round(2),
            "spending_score": rng.integers(1, 100, ROWS),
        }
    )
    frame["annual_income"] = frame["annual_income"].astype(object)
    frame.loc[::GAPS, "annual_income"] = None
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode()


def _assert_readable(text: str, where: str) -> None:
    assert not SCIENTIFIC.search(text), f"{where} writes {SCIENTIFIC.search(text).group()}"
    assert not TRAILING_ZERO.search(text), f"{where} writes {TRAILING_ZERO.search(text).group()}"


def test_numbers_read_alike_on_dataset_explorer_run_page_and_html_export(page):
    analyst = AnalystFactory()
    dataset = dataset_upload(analyst, _dollar_csv())
    run = succeeded_run(dataset, analyst, k=3, publish=True)
    export = export_create(user=analyst, run=run, file_format="html")
    log_in(page, analyst)

    page.goto(f"/app/datasets/{dataset.pk}/")
    statistics = page.get_by_role("row", name=re.compile(r"^annual_income")).last
    mean = dataset.statistics["annual_income"]["mean"]
    expect(statistics).to_contain_text(f"{mean:,.2f}")
    _assert_readable(page.locator("main").inner_text(), "the dataset page")
    screenshot(page, "numbers-dataset")

    page.goto("/app/segments/?type=income_bracket")
    expect(page.locator("#segment-table")).to_be_visible()
    table_text = page.locator("#segment-table").inner_text()
    assert re.search(r"\d{2},\d{3}\.\d{2}", table_text), table_text  # average incomes
    _assert_readable(page.locator("main").inner_text(), "the segment explorer")

    page.goto(f"/app/runs/{run.pk}/")
    cards = page.locator(".cluster-card")
    expect(cards).to_have_count(3)
    # The figures the page writes (the clusters' summaries are sentences the run stored).
    figures = page.locator("#metrics-heading + .card, .cluster-card > p:first-of-type")
    _assert_readable("\n".join(figures.all_inner_texts()), "the run page")
    first = run.clusters.order_by("label").first()
    expect(cards.first).to_contain_text(f"({first.percentage:.1f}%)".replace(".0%", "%"))

    html = export.file.open("rb").read().decode()
    written = re.findall(
        r"<table>.*?</table>|<p class='size'>.*?</p>"
        r"|<div class='metrics'>(?:<div class='metric'>.*?</div>)*</div>",
        html,
        flags=re.S,
    )
    assert written
    _assert_readable(re.sub(r"<[^>]+>", " ", "".join(written)), "the HTML export")
    assert f"({first.percentage:.1f}%)".replace(".0%", "%") in html


def test_quality_card_counts_missing_cells_and_says_what_the_run_does(page):
    analyst = AnalystFactory()
    dataset = dataset_upload(analyst, _dollar_csv())
    log_in(page, analyst)

    page.goto(f"/app/datasets/{dataset.pk}/")

    card = page.locator("#missing-cells")
    missing = len(range(0, ROWS, GAPS))
    median = dataset.statistics["annual_income"]["50%"]
    expect(card).to_contain_text(f"{missing} missing cells in 1 column")
    expect(card).to_contain_text(
        f"annual_income: {missing} missing cells will be filled with the column's median "
        f"({median:,.2f})"
    )
    expect(page.get_by_text("the file looks clean")).to_have_count(0)
