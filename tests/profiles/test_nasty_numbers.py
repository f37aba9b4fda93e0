"""A corpus of numbers that break floating-point math, sent to every endpoint that takes customer
numbers: single and batch predictions, saved profiles (and their prediction) and document 001's
`/api/analyze`. None may answer 5xx, and no NaN or infinite confidence may leave the service:
a number the math cannot use is a 422 (or 400) naming the field."""

import json
import math

import pytest

from tests.profiles.conftest import DOC004_BODY

pytestmark = pytest.mark.django_db

PREDICTIONS = "/api/v1/predictions/"
PROFILES = "/api/v1/profiles/"
# JSON texts, sent as written: some are no Python float (1e400, 10**400), some parse to floats
# whose square or product overflows (1e160 and up), some are subnormal or signed zero.
NASTY = [
    "1e160",
    "-1e160",
    "1e200",
    "1e308",
    "1.7976931348623157e308",
    "-1.7976931348623157e308",
    "1e400",
    "-1e400",
    str(10**400),
    str(2**63),
    str(2**64 + 1),
    "1e-320",
    "5e-324",
    "-0.0",
    "NaN",
    "Infinity",
    "-Infinity",
    '"1e160"',
    "true",
    "null",
    "[1e160]",
    '{"x": 1e160}',
]
NUMERIC_FIELDS = ["annual_income", "purchase_frequency", "age", "spending_score"]


def _post(client, path: str, body: dict, field: str, nasty: str):
    """POST `body` with `field` set to the raw JSON text `nasty`."""
    text = json.dumps({**body, field: "__NASTY__"}).replace('"__NASTY__"', nasty)
    return client.post(path, text, content_type="application/json")


def _assert_no_bad_confidence(response) -> None:
    for match in ("NaN", "Infinity"):
        assert match not in response.content.decode(), response.content
    body = response.json()
    items = body.get("predictions") or body.get("results") or [body]
    for item in items if isinstance(items, list) else [items]:
        if isinstance(item, dict) and "confidence" in item:
            assert item["confidence"] is not None, item
            assert math.isfinite(item["confidence"]), item


def test_predict_answers_4xx_or_finite_for_nasty_numbers(published_run, user_client):
    for field in NUMERIC_FIELDS:
        for nasty in NASTY:
            response = _post(user_client, "/predict", DOC004_BODY, field, nasty)
            assert response.status_code < 500, (field, nasty, response.content)
            if response.status_code == 200:
                _assert_no_bad_confidence(response)
            else:
                assert response.status_code in (400, 422), (field, nasty, response.content)


@pytest.mark.parametrize("nasty", ["1e160", "1e200", "1.7976931348623157e308", str(2**64 + 1)])
@pytest.mark.parametrize("field", ["annual_income", "purchase_frequency"])
def test_predict_names_the_field_whose_number_breaks_the_math(
    published_run, user_client, field, nasty
):
    response = _post(user_client, "/predict", DOC004_BODY, field, nasty)
    assert response.status_code == 422, response.content
    assert field in response.content.decode()


def test_batch_predictions_never_5xx_for_nasty_numbers(published_run, user_client):
    fine = json.dumps(DOC004_BODY)
    for field in ("annual_income", "purchase_frequency", "age"):
        for nasty in NASTY:
            record = json.dumps({**DOC004_BODY, field: "__NASTY__"}).replace('"__NASTY__"', nasty)
            for records in (f"[{fine}, {record}]", f"[{record}, {record}]"):  # by column, by row
                response = user_client.post(
                    PREDICTIONS, f'{{"records": {records}}}', content_type="application/json"
                )
                assert response.status_code < 500, (field, nasty, response.content)
                if response.status_code in (200, 201):
                    _assert_no_bad_confidence(response)
                else:
                    assert response.status_code in (400, 422), (field, nasty, response.content)


def test_profiles_never_5xx_for_nasty_numbers(published_run, user_client):
    body = {**DOC004_BODY, "name": "Nasty"}
    for field in ("annual_income", "purchase_frequency"):
        for nasty in NASTY:
            response = _post(user_client, PROFILES, body, field, nasty)
            assert response.status_code < 500, (field, nasty, response.content)
            if response.status_code == 201:
                predicted = user_client.post(f"{PROFILES}{response.json()['id']}/predict/")
                assert predicted.status_code < 500, (field, nasty, predicted.content)
                if predicted.status_code in (200, 201):
                    _assert_no_bad_confidence(predicted)


def test_profile_with_an_income_beyond_the_math_is_refused_naming_it(published_run, user_client):
    response = _post(user_client, PROFILES, {**DOC004_BODY, "name": "N"}, "annual_income", "1e160")
    assert response.status_code == 400, response.content
    assert "annual_income" in response.json()


def test_analyze_never_5xx_for_nasty_numbers(analyst_client):
    customers = [
        {"id": i, "age": 20 + i, "income": 1000.0 * (i % 7 + 1), "purchases": i % 5}
        for i in range(30)
    ]
    for nasty in NASTY:
        text = json.dumps({"customerData": customers})
        text = text.replace('"income": 1000.0,', f'"income": {nasty},', 1)
        response = analyst_client.post("/api/analyze", text, content_type="application/json")
        assert response.status_code < 500, (nasty, response.content)
        if response.status_code == 200:
            assert "NaN" not in response.content.decode()
        else:
            assert response.status_code in (400, 422), (nasty, response.content)


def test_analyze_names_the_customer_and_field_beyond_the_math(analyst_client):
    customers = [{"id": i, "age": 20 + i, "income": 1000.0 * (i % 7 + 1)} for i in range(30)]
    customers[4]["income"] = 1e200
    response = analyst_client.post("/api/analyze", {"customerData": customers}, format="json")
    assert response.status_code == 400, response.content
    assert "Customer 4: field 'income'" in response.content.decode()
