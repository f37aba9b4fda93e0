"""The predict page in a real browser says what its answer means: an income typed in thousands
for a segmentation trained on incomes in units is named above the answer with the value
probably meant, and the confidence is explained next to its number."""

import io

import pytest
from playwright.sync_api import expect

from datasets.demo import generate_customers
from tests.e2e.conftest import log_in, screenshot
from tests.e2e.data import PROFILE_FEATURES, dataset_upload, succeeded_run
from tests.factories import AnalystFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _income_in_units_csv() -> tuple[bytes, float, float]:
    """Demo customers with incomes in units (17,000 and up, not 17): CSV, lowest, highest."""
    frame = generate_customers(300, seed=0)
    frame["annual_income"] = (frame["annual_income"] * 1000).round()
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode(), frame["annual_income"].min(), frame["annual_income"].max()


def _fill(page, *, income: str) -> None:
    page.get_by_label("Sex").select_option("Female")
    page.get_by_label("Age").fill("29")
    page.get_by_label("Annual income").fill(income)
    page.get_by_label("Spending score").fill("80")
    page.get_by_label("Purchase frequency").fill("30")
    page.get_by_role("button", name="Predict").click()


def test_income_typed_in_thousands_is_flagged_and_the_confidence_explained(page):
    content, low, high = _income_in_units_csv()
    analyst = AnalystFactory()
    succeeded_run(dataset_upload(analyst, content), analyst, k=4, publish=True,
                  features=PROFILE_FEATURES)  # fmt: skip
    log_in(page, UserFactory())

    page.goto("/app/predict/")
    _fill(page, income="95")

    answer = page.locator("#prediction-result")
    warnings = answer.locator("#prediction-warnings")
    expect(warnings).to_be_visible()
    expect(warnings).to_contain_text(
        f"Annual income 95 is below every customer in the training data "
        f"({low:,.0f}-{high:,.0f}): did you mean 95,000?"
    )
    # The warning comes before the answer it qualifies.
    assert warnings.evaluate(
        "w => !!(w.compareDocumentPosition(document.querySelector('[role=status]')) & 4)"
    )
    note = answer.locator("#confidence-note")
    expect(note).to_be_visible()
    expect(note).to_contain_text("% confidence: the distance to the centre of")
    expect(note).to_contain_text("customers typically get")
    confidence = answer.get_by_role("status").locator("strong").nth(1).inner_text()
    assert note.inner_text().startswith(f"{confidence} confidence")
    screenshot(page, "predict-income-warning")

    # Saved as it was typed, the profile is flagged again each time it is segmented.
    answer.get_by_role("link", name="Save as a profile").click()
    page.get_by_label("Name").fill("Typed in thousands")
    page.get_by_role("button", name="Save profile").click()
    page.get_by_role("button", name="Segment Typed in thousands").click()
    profile_answer = page.locator("#prediction-result")
    expect(profile_answer).to_contain_text("Answer for the profile “Typed in thousands”")
    expect(page.locator("#prediction-warnings")).to_contain_text(
        "Annual income 95 is below every customer in the training data"
    )
    expect(page.locator("#confidence-note")).to_contain_text("typically get")
    screenshot(page, "predict-profile-warning")
    page.goto("/app/predict/")

    _fill(page, income="95000")
    expect(page.locator("#prediction-result")).to_contain_text("This customer belongs to")
    expect(page.locator("#prediction-warnings")).to_have_count(0)
    expect(page.locator("#confidence-note")).to_be_visible()
