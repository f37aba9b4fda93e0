"""One way to write a number for people, on every page, chart label, in the HTML export and in
the engine's sentences (explanations, drift advice): thousands separators, whole numbers without
".0", never scientific notation, every other number rounded to `decimals` decimals (2;
percentages 1). Standard library only, so the pure chart builders and the engine use it too
(`config.numbers` re-exports it); templates call it through the `number` filter
(config/pages/numbers.py)."""

import math
from decimal import Decimal
from numbers import Integral, Real
from typing import Any

DECIMALS = 2  # figures on pages, charts and in exports
PERCENT_DECIMALS = 1  # shares of customers: "49.4 %"
MAX_SMALL_DECIMALS = 6  # a tiny non-zero value keeps two significant digits, down to 0.000001
MISSING = "—"


def number_text(value: Any, decimals: int = DECIMALS) -> str:
    """`value` as people read it: 58270.4 -> "58,270.40", 300.0 -> "300", 0.000123 -> "0.00012",
    None or NaN -> "—", infinities -> "∞" / "-∞". Text (and anything not a number) is returned
    as it is, so the filter can be used on table cells of mixed types."""
    if type(value) is float:  # the common case, without the abstract type checks below
        number = value
    elif value is None:
        return MISSING
    elif isinstance(value, bool) or not isinstance(value, Real | Decimal):
        return str(value)
    elif isinstance(value, Integral):
        return f"{int(value):,}"
    else:
        number = float(value)
    if math.isnan(number):
        return MISSING
    if math.isinf(number):
        return "∞" if number > 0 else "-∞"
    places = max(decimals, 0)
    if number and abs(number) < 10**-places:  # "0" would hide a real, small value
        magnitude = -math.floor(math.log10(abs(number)))  # position of the first digit
        small = f"{number:.{min(magnitude + 1, MAX_SMALL_DECIMALS)}f}".rstrip("0").rstrip(".")
        return small if small.strip("-0.") else "0"
    text = f"{number:,.{places}f}"
    if "." in text and not text.rstrip("0").endswith("."):
        return text
    whole = text.split(".")[0]  # a whole number (after rounding) drops its ".00"
    return "0" if whole == "-0" else whole
