"""Pieces of the customer look-up (`profiles.selectors.customer_segment_get`): finding a customer
by an id typed by a person, and the customer's own values next to its segment's typical ones.

Finding an id: the id exactly as given wins; else the id without surrounding spaces; else the
id regardless of case. When ids that differ only in case belong to several customers and none
matches exactly, the look-up is ambiguous: Conflict (409) naming the candidates."""

import math
from typing import Any

from django.http import Http404

from config.errors import Conflict
from datasets.models import Customer

# Role columns behind document 003's brackets (age group, income bracket, purchase tier, CLV):
# their actual values are shown even when the run did not cluster on them.
BRACKET_ROLES = ("age", "income", "purchase_amount", "purchase_frequency", "tenure")
AMBIGUOUS_SHOWN = 5  # candidate ids named in the 409


def customer_find(*, customers: Any, external_id: str) -> Customer:
    """One customer of `customers` (a queryset of one dataset's customers, annotated as the
    caller needs) by its id: exact, then trimmed, then regardless of case when that names one
    customer. Http404 when nothing matches; Conflict when only case-insensitive matches exist
    and they are several ids."""
    typed = str(external_id)
    trimmed = typed.strip()
    for candidate in dict.fromkeys((typed, trimmed)):
        found = customers.filter(external_id=candidate).order_by("row_number").first()
        if found is not None:
            return found
    if trimmed:
        similar = customers.filter(external_id__iexact=trimmed)
        ids = list(
            similar.order_by("external_id")
            .values_list("external_id", flat=True)
            .distinct()[: AMBIGUOUS_SHOWN + 1]
        )
        if len(ids) == 1:
            return similar.order_by("row_number").first()
        if ids:
            shown = ", ".join(f"'{value}'" for value in ids[:AMBIGUOUS_SHOWN])
            more = " and more" if len(ids) > AMBIGUOUS_SHOWN else ""
            raise Conflict(
                f"Customer id '{trimmed}' is ambiguous: it matches customers whose ids differ "
                f"only in upper and lower case ({shown}{more}). Type the id exactly as written."
            )
    raise Http404(
        f"Customer '{trimmed or typed}' is not in the published segmentation's dataset; "
        "check the id (the dataset's customer id column)."
    )


def _plain(value: Any) -> Any:
    """A JSON-safe value: NaN and infinities as None."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def segment_comparison(
    *,
    attributes: dict[str, Any],
    profile: dict[str, Any],
    features: list[str],
    roles: dict[str, str],
) -> list[dict[str, Any]]:
    """One row per run feature, then per bracket role column not clustered on: the customer's
    own value, and the segment's typical value (median of a numeric column, most common
    category of a categorical one; None for a column the run did not cluster on)."""
    role_of = {column: role for role, column in roles.items()}
    medians = profile.get("median_values") or {}
    means = profile.get("mean_values") or {}
    shares = profile.get("category_shares") or {}
    columns = list(features) + [
        roles[role] for role in BRACKET_ROLES if role in roles and roles[role] not in features
    ]
    rows = []
    for column in dict.fromkeys(columns):
        row: dict[str, Any] = {
            "column": column,
            "role": role_of.get(column),
            "is_feature": column in features,
            "value": _plain(attributes.get(column)),
            "segment_typical": None,
            "typical_is": None,
            "segment_mean": None,
            "segment_share": None,
        }
        if column in medians:
            row.update(
                segment_typical=_plain(medians[column]),
                typical_is="median",
                segment_mean=_plain(means.get(column)),
            )
        elif shares.get(column):
            # jsonb keeps no key order: the most common category is the largest share.
            category, share = max(shares[column].items(), key=lambda item: item[1])
            row.update(
                segment_typical=category,
                typical_is="most common",
                segment_share=round(100.0 * float(share), 1),
            )
        rows.append(row)
    return rows
