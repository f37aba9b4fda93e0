"""Document 004 section 8's rules for its five customer fields, written once: the prediction
checks (one record and the columnar batch check) and the CustomerProfile model's validators all
read them from here."""

import math
from dataclasses import dataclass
from typing import Any

from django.core.validators import BaseValidator, MaxValueValidator, MinValueValidator

from clustering.features import MAX_INPUT_MAGNITUDE

CONTRACT_FIELDS = ("sex", "age", "annual_income", "spending_score", "purchase_frequency")
SEX_VALUES = ("Male", "Female")
# Document 004's request names for the dataset columns that carry these semantic roles.
ROLE_ALIASES = {
    "gender": "sex",
    "age": "age",
    "income": "annual_income",
    "spending_score": "spending_score",
    "purchase_frequency": "purchase_frequency",
}


@dataclass(frozen=True)
class NumberRule:
    """A numeric field's bounds (maximum None: unbounded) and whether it is a whole number."""

    label: str
    minimum: int
    maximum: int | None
    whole: bool


NUMBER_RULES = {
    "age": NumberRule("Age", 18, 100, whole=True),
    "spending_score": NumberRule("Spending score", 1, 100, whole=True),
    "annual_income": NumberRule("Annual income", 0, None, whole=False),
    "purchase_frequency": NumberRule("Purchase frequency", 0, None, whole=False),
}


def is_number(value: Any) -> bool:
    """A finite JSON number (true and false are not numbers)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:  # an integer beyond any float
        return False


def check_field(name: str, value: Any) -> tuple[Any, str | None]:
    """The rule for one of document 004's five fields: (clean value, None) or (None, error)."""
    if name == "sex":
        if value not in SEX_VALUES:
            return None, f"Must be 'Male' or 'Female'; got {value!r}."
        return value, None
    if not is_number(value):
        return None, f"Must be a number; got {value!r}."
    rule = NUMBER_RULES[name]
    if rule.whole:
        whole = isinstance(value, int) or float(value).is_integer()
        if not whole or not in_range(rule, value):
            return None, (
                f"{rule.label} must be a whole number between {rule.minimum} and "
                f"{rule.maximum}; got {value}."
            )
        return int(value), None
    if not in_range(rule, value):
        return None, f"{rule.label} must be {rule.minimum} or more; got {value}."
    return (int(value) if isinstance(value, int) else float(value)), None


def in_range(rule: NumberRule, value: Any) -> Any:
    """Whether a number (or each number of an array) is within the rule's bounds."""
    above = value >= rule.minimum
    return above & (value <= rule.maximum) if rule.maximum is not None else above


def validators(name: str) -> list[BaseValidator]:
    """The model-field validators of a numeric field's bounds; an unbounded field still stops
    where the segment distances would overflow (`clustering.features.MAX_INPUT_MAGNITUDE`)."""
    rule = NUMBER_RULES[name]
    maximum = rule.maximum if rule.maximum is not None else MAX_INPUT_MAGNITUDE
    return [MinValueValidator(rule.minimum), MaxValueValidator(maximum)]
