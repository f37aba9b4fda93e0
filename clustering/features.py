"""Which columns a run clusters on: pure functions of a dataset schema (no database)."""

from typing import Any

from django.core.exceptions import ValidationError

# Columns that identify a person rather than describe them: never a default feature.
IDENTITY_ROLES = {"customer_id", "name", "email"}
DEFAULT_FEATURE_KINDS = {"numeric", "categorical"}


def _fail(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def default_features(*, schema: list[dict[str, Any]]) -> list[str]:
    """Numeric and categorical columns in file order, leaving out ids, names and e-mails."""
    return [
        column["name"]
        for column in schema
        if column.get("kind") in DEFAULT_FEATURE_KINDS and column.get("role") not in IDENTITY_ROLES
    ]


def features_clean(*, schema: list[dict[str, Any]], features: list[str] | None) -> list[str]:
    """The requested features, each a column of the dataset (or the default set when none)."""
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
    return list(features)
