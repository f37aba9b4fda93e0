"""One way to write a number for people: `common.numbers` (standard library only, so the pure
cores use it too), under the name pages, charts and exports have always imported."""

from common.numbers import DECIMALS, MAX_SMALL_DECIMALS, MISSING, PERCENT_DECIMALS, number_text

__all__ = ["DECIMALS", "MAX_SMALL_DECIMALS", "MISSING", "PERCENT_DECIMALS", "number_text"]
