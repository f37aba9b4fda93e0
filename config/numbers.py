"""The number formatter of pages, charts and exports: `common.numbers`, which the Django-free
cores (the clustering engine's sentences) import directly."""

from common.numbers import DECIMALS, MISSING, PERCENT_DECIMALS, number_text

__all__ = ["DECIMALS", "MISSING", "PERCENT_DECIMALS", "number_text"]
