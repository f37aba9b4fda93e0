"""The segment explorer in a real browser: its table and its chart show the same percentages,
customers without a value for the type are an "Unknown" row, and a tab the data cannot give says
in plain words which column it needs."""

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in, screenshot
from tests.e2e.data import PROFILE_FEATURES, dataset_upload, demo_csv_with_gaps, succeeded_run
from tests.factories import AnalystFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROWS = 300
GAP_EVERY = 10  # every 10th customer has no gender, age or income


def _table(page) -> dict[str, dict[str, str]]:
    """{segment: {column heading: cell text}} of the explorer's table."""
    headings = page.locator("#segment-table thead th").all_inner_texts()
    table = {}
    for row in page.locator("#segment-table tbody tr").all():
        cells = dict(zip(headings, row.locator("td").all_inner_texts(), strict=True))
        table[cells[headings[0]]] = cells
    return table


def _chart_shares(page) -> dict[str, str]:
    """{bar: its percentage label} of the drawn chart (the figure the page draws)."""
    expect(page.locator("[data-chart=chart-segments] .main-svg").first).to_be_attached()
    figure = json.loads(page.locator("#chart-segments").text_content())
    bar = figure["data"][0]
    return dict(zip(bar["x"], bar["text"], strict=True))


@pytest.mark.parametrize("segment_type", ["gender", "age_group"])
def test_explorer_table_and_chart_show_the_same_shares_with_an_unknown_row(page, segment_type):
    analyst = AnalystFactory()
    dataset = dataset_upload(analyst, demo_csv_with_gaps(ROWS, every=GAP_EVERY))
    succeeded_run(dataset, analyst, k=3, publish=True, features=PROFILE_FEATURES)
    log_in(page, UserFactory())

    page.goto(f"/app/segments/?type={segment_type}")

    table = _table(page)
    chart = _chart_shares(page)
    screenshot(page, f"segments-{segment_type}-unknown")
    assert table["Unknown"]["Total customers"] == str(ROWS // GAP_EVERY)
    assert table["Unknown"]["Share of customers (%)"] == "10"
    assert sum(int(row["Total customers"].replace(",", "")) for row in table.values()) == ROWS
    assert set(chart) == set(table)
    for segment, row in table.items():
        assert chart[segment] == f"{row['Share of customers (%)']}%", segment
    shown = page.locator("[data-chart=chart-segments] .bartext").all_text_contents()
    assert sorted(shown) == sorted(chart.values())


@pytest.mark.parametrize(
    ("segment_type", "words"),
    [
        ("purchase_tier", "how much a customer spends per purchase"),
        ("clv", "how long someone has been a customer"),
    ],
)
def test_explorer_tab_says_in_plain_words_which_column_it_needs(page, segment_type, words):
    analyst = AnalystFactory()
    bare = b"customer_id,age,annual_income\n" + b"".join(
        f"c{i},{20 + i % 50},{30 + i * 7 % 90}\n".encode() for i in range(60)
    )
    succeeded_run(dataset_upload(analyst, bare), analyst, k=2, publish=True)
    log_in(page, analyst)

    page.goto(f"/app/segments/?type={segment_type}")

    status = page.get_by_role("status")
    expect(status).to_contain_text(words)
    expect(status).not_to_contain_text("_")  # no code names such as purchase_amount
    expect(page.locator("#segment-table")).to_have_count(0)
    page.get_by_role("link", name="Open the dataset's columns and roles").click()
    expect(page.get_by_role("heading", name="Columns and their roles")).to_be_visible()
