"""Which columns a run clusters on: pure functions of a dataset schema (no database)."""

import math
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError

# Columns that identify a person rather than describe them: never a feature unless forced.
IDENTITY_ROLES = {"customer_id", "name", "email"}
ID_KIND = "id"  # an all-unique column named like an id (datasets.ingest.kinds)
FORCE_HINT = (
    'To cluster on it anyway, send "force_features": true with the run (on the page: tick '
    '"Use id columns as features").'
)
DEFAULT_FEATURE_KINDS = {"numeric", "categorical"}
# Document 004 section 7 clusters on these, and its /predict sends exactly these fields.
PROFILE_ROLES = ("age", "gender", "income", "spending_score", "purchase_frequency")


def _fail(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def default_features(*, schema: list[dict[str, Any]]) -> list[str]:
    """Numeric and categorical columns in file order, leaving out ids, names and e-mails."""
    return [
        column["name"]
        for column in schema
        if column.get("kind") in DEFAULT_FEATURE_KINDS and column.get("role") not in IDENTITY_ROLES
    ]


def id_columns(*, schema: list[dict[str, Any]]) -> list[str]:
    """Columns that identify customers (id, name or e-mail role, or an id kind), in file order."""
    return [
        column["name"]
        for column in schema
        if column.get("role") in IDENTITY_ROLES or column.get("kind") == ID_KIND
    ]


def features_clean(
    *, schema: list[dict[str, Any]], features: list[str] | None, force_ids: bool = False
) -> list[str]:
    """The requested features, each a column of the dataset (or the default set when none).
    Without `force_ids`, id columns are left out of a request that names other columns too, and
    a request naming only id columns is refused with a sentence saying how to force them."""
    if not features:
        chosen = default_features(schema=schema)
        if not chosen:
            raise _fail(
                "features",
                "The dataset has no numeric or categorical column to cluster on; upload a table "
                "with at least one such column.",
            )
        return chosen
    names = [column["name"] for column in schema]
    for feature in features:
        if feature not in names:
            shown = ", ".join(names[:30]) + (", ..." if len(names) > 30 else "")
            raise _fail(
                "features", f"Unknown feature '{feature}'. The dataset's columns are: {shown}."
            )
    if len(set(features)) != len(features):
        raise _fail("features", "Each feature may be listed only once.")
    if force_ids:
        return list(features)
    ids = set(id_columns(schema=schema))
    kept = [feature for feature in features if feature not in ids]
    if not kept:
        named = ", ".join(f"'{feature}'" for feature in features)
        raise _fail(
            "features",
            f"{named} {'identifies' if len(features) == 1 else 'identify'} customers rather "
            "than describing them, so segments built on "
            f"{'it' if len(features) == 1 else 'them'} would mean nothing. Choose numeric or "
            f"categorical columns instead. {FORCE_HINT}",
        )
    return kept


def profile_features(*, schema: list[dict[str, Any]]) -> list[str] | None:
    """The columns holding document 004's profile roles, in role order, when the schema has at
    least two of them; None otherwise (the caller then uses the default features)."""
    by_role: dict[str, str] = {}
    for column in schema:
        role = column.get("role")
        if role in PROFILE_ROLES and role not in by_role:
            by_role[role] = column["name"]
    found = [by_role[role] for role in PROFILE_ROLES if role in by_role]
    return found if len(found) >= 2 else None


# --- numbers the math can use -----------------------------------------------------------------
# Customer numbers beyond this magnitude are no customer's value, and they break the distance
# math: a value near 1e154 squares past the largest float, and inf - inf is NaN (a NaN
# confidence). 1e15 leaves every real income, count or score its full precision.
MAX_INPUT_MAGNITUDE = 1e15


def number_out_of_range(value: Any) -> str | None:
    """A sentence when `value` is a number (not a bool) the math cannot use: beyond
    +/-MAX_INPUT_MAGNITUDE, not finite, or an integer no float holds; None for anything else
    (text, null, a usable number: the field's own checks decide those)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        usable = math.isfinite(float(value)) and abs(value) <= MAX_INPUT_MAGNITUDE
    except OverflowError:  # an integer beyond any float
        usable = False
    if usable:
        return None
    return (
        f"Must be a finite number between -{MAX_INPUT_MAGNITUDE:.0e} and "
        f"{MAX_INPUT_MAGNITUDE:.0e}; got {_shown(value)}."
    )


def records_out_of_range(records: Sequence[Any]) -> dict[int, dict[str, str]]:
    """Per record index, its fields holding numbers the math cannot use (see
    `number_out_of_range`), in words; empty when every number is usable. Records that are not
    objects are left to the caller's own checks."""
    errors: dict[int, dict[str, str]] = {}
    for index, record in enumerate(records):
        if not isinstance(record, Mapping):
            continue
        for key, value in record.items():
            message = number_out_of_range(value)
            if message is not None:
                errors.setdefault(index, {})[str(key)] = message
    return errors


def _shown(value: Any) -> str:
    try:
        text = repr(value)
    except ValueError:  # an integer past Python's digit limit
        return "a number too long to show"
    return text if len(text) <= 40 else f"{text[:20]}...({len(text)} digits)"
