"""The one number formatter of pages and exports (config/pages/numbers.py), without a database."""

from decimal import Decimal

import numpy as np
import pytest
from django.template import engines

from config.numbers import number_text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (58270.4, "58,270.40"),
        (5.827e04, "58,270"),
        (300.0, "300"),
        (300, "300"),
        (1234567, "1,234,567"),
        (np.int64(1234567), "1,234,567"),
        (np.float64(1234.567), "1,234.57"),
        (Decimal("12.5"), "12.50"),
        (2.999, "3"),
        (-1234.5, "-1,234.50"),
        (1e20, "100,000,000,000,000,000,000"),
        (0.39784, "0.40"),
        (0.000123, "0.00012"),
        (-0.0001, "-0.0001"),
        (1e-12, "0"),
        (-0.001, "-0.001"),
        (0.0, "0"),
        (None, "—"),
        (float("nan"), "—"),
        (np.nan, "—"),
        (float("inf"), "∞"),
        (float("-inf"), "-∞"),
        ("Female", "Female"),
        (True, "True"),
    ],
)
def test_number_text_reads_like_a_person_writes(value, text):
    assert number_text(value) == text


def test_number_text_never_writes_scientific_notation():
    for value in (5.827e04, 1.5e15, 3.2e-5, 7e-7, 123456789.123):
        assert "e" not in number_text(value).lower()


def test_number_text_rounds_to_the_decimals_asked():
    assert number_text(49.45, 1) == "49.5"
    assert number_text(33.0, 1) == "33"
    assert number_text(0.39784, 3) == "0.398"
    assert number_text(12.345, 0) == "12"


def test_number_filter_is_a_builtin_of_every_template():
    template = engines["django"].from_string("{{ a|number }} {{ b|number:1 }}% {{ c|number }}")

    assert template.render({"a": 58270.4, "b": 49.44, "c": None}) == "58,270.40 49.4% —"
