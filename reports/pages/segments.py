"""The segment explorer over the published segmentation: seven segment types as tabs, a
sortable table and a chart."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from clustering.selectors import published_run_get
from config.errors import DomainError
from config.numbers import DECIMALS, PERCENT_DECIMALS, number_text
from config.pages.assets import plotly_url
from config.pages.errors import user_errors
from config.pages.figures import chart_or_none
from reports import charts
from reports.segments import (
    KEY_COLUMNS,
    REQUIRED_ROLES,
    SEGMENT_TYPES,
    SegmentInputError,
    role_columns,
)
from reports.selectors import segment_view

SEGMENT_TYPE_LABELS = {
    "cluster": "Clusters",
    "gender": "Gender",
    "region": "Region",
    "age_group": "Age group",
    "income_bracket": "Income bracket",
    "purchase_tier": "Purchase tier",
    "clv": "Lifetime value",
}
TAB_ORDER = ("cluster", *(name for name in SEGMENT_TYPES if name != "cluster"))
UNKNOWN_SEGMENT = "Unknown"  # customers without a value for the segment type (no gender...)
# What a column of each role holds, in words (the explorer says which column a tab needs).
ROLE_WORDS = {
    "gender": "each customer's gender",
    "region": "each customer's region",
    "age": "each customer's age",
    "income": "each customer's annual income",
    "purchase_amount": "how much a customer spends per purchase",
    "purchase_frequency": "how many purchases a customer makes a year",
    "tenure": "how long someone has been a customer, in months",
}
# Column headings that the field name alone would spell badly ("Clv tier").
HEADER_LABELS = {
    "clv_tier": "Lifetime value tier",
    "avg_clv": "Avg lifetime value",
    "avg_frequency": "Avg purchases a year",
    "avg_purchase_frequency": "Avg purchases a year",
    "avg_lifespan_years": "Avg years as a customer",
    "customer_percentage": "Share of customers (%)",
    "cluster_id": "Cluster",
}
CLUSTER_NESTED = ("demographics", "financial_metrics", "behavioral_metrics")


def with_unknown(
    records: list[dict[str, Any]], *, segment_type: str, n_customers: int
) -> list[dict[str, Any]]:
    """The records plus an "Unknown" one for the customers whose value for this type is missing
    (no gender, an unreadable age...), so the rows add up to every customer. Its share is taken
    of the same total as the other records' `customer_percentage` (every customer)."""
    counted = sum(record.get("total_customers", 0) for record in records)
    missing = n_customers - counted
    if segment_type == "cluster" or missing <= 0 or not n_customers:
        return records
    unknown = {
        KEY_COLUMNS[segment_type]: UNKNOWN_SEGMENT,
        "segment_name": UNKNOWN_SEGMENT,
        "total_customers": missing,
        "customer_percentage": round(missing * 100 / n_customers, PERCENT_DECIMALS),
    }
    return [*records, unknown]


def missing_columns_text(segment_type: str, *, schema: list[dict[str, Any]]) -> str | None:
    """What a tab needs and the dataset lacks, in plain words ("Lifetime value needs a column
    with how long someone has been a customer (in months), marked with the role “tenure”..."),
    or None when every column it needs has its role."""
    roles = role_columns(schema)
    missing = [role for role in REQUIRED_ROLES.get(segment_type, ()) if role not in roles]
    if not missing:
        return None
    needs = [f"{ROLE_WORDS.get(role, role)} (role “{role.replace('_', ' ')}”)" for role in missing]
    listed = needs[0] if len(needs) == 1 else f"{', '.join(needs[:-1])} and {needs[-1]}"
    label = SEGMENT_TYPE_LABELS.get(segment_type, segment_type)
    if len(missing) == 1:
        return (
            f"{label} needs a column the published dataset lacks: {listed}. Give such a column "
            "that role under “Columns and their roles” on the dataset's page, or add one to the "
            "file and upload it again."
        )
    return (
        f"{label} needs {len(missing)} columns the published dataset lacks: {listed}. Give such "
        "columns their roles under “Columns and their roles” on the dataset's page, or add them "
        "to the file and upload it again."
    )


def _cell(key: str, value: Any) -> tuple[str, bool]:
    """(the cell's text, whether it is a number: numbers align right)."""
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    return number_text(value, PERCENT_DECIMALS if "percentage" in key else DECIMALS), is_number


def segment_rows(records: list[dict[str, Any]], *, segment_type: str) -> dict[str, Any]:
    """Headers and rows of the explorer table: nested figures of cluster records flattened,
    lists and dicts left out (they do not fit a cell), every figure written by `number_text`."""
    flat = []
    for record in records:
        row = {}
        for key, value in record.items():
            if segment_type == "cluster" and key in CLUSTER_NESTED and isinstance(value, dict):
                row.update({k: v for k, v in value.items() if not isinstance(v, dict | list)})
            elif not isinstance(value, dict | list) and key not in (
                "segment_name",
                "cluster_label",
            ):
                row[key] = value
        flat.append(row)
    headers: list[str] = []
    for row in flat:
        headers.extend(key for key in row if key not in headers)
    rows = [[_cell(key, row.get(key)) for key in headers] for row in flat]
    numeric = [any(row[i][1] for row in rows) for i in range(len(headers))]
    return {
        "headers": [
            (key, HEADER_LABELS.get(key) or key.replace("_", " ").capitalize(), numeric[i])
            for i, key in enumerate(headers)
        ],
        "rows": [[(text, numeric[i]) for i, (text, _) in enumerate(row)] for row in rows],
    }


def _segment_chart(records: list[dict[str, Any]], *, segment_type: str) -> dict | None:
    """The bars of the table's own rows, with the table's percentages: one computation."""
    if segment_type == "cluster":
        bars = [
            {
                "label": r["cluster_id"],
                "name": r["cluster_name"],
                "size": r["customer_count"],
                "percentage": r["customer_percentage"],
            }
            for r in records
        ]
    else:
        bars = [
            {
                "label": i,
                "name": r["segment_name"],
                "size": r["total_customers"],
                "percentage": r["customer_percentage"],
            }
            for i, r in enumerate(records)
        ]
    return chart_or_none(charts.distribution_chart, bars)


@login_required
@require_GET
def segment_explorer(request: HttpRequest) -> HttpResponse:
    """One tab per segment type over the published run; a type the data cannot give says why."""
    segment_type = request.GET.get("type", "cluster")
    if segment_type not in SEGMENT_TYPES:
        segment_type = "cluster"
    run = published_run_get(user=request.user)
    context: dict[str, Any] = {
        "run": run,
        "segment_type": segment_type,
        "tabs": [(name, SEGMENT_TYPE_LABELS.get(name, name)) for name in TAB_ORDER],
        "type_label": SEGMENT_TYPE_LABELS.get(segment_type, segment_type),
        "plotly_url": plotly_url(),
    }
    if run is not None:
        try:
            records = segment_view(run=run, segment_type=segment_type)
        except SegmentInputError as exc:
            context["unavailable"] = missing_columns_text(
                segment_type, schema=run.dataset.schema or []
            ) or str(exc)
        except DomainError as exc:  # e.g. the Dask cluster of a large dataset cannot be reached
            context["unavailable"] = " ".join(user_errors(exc))
        else:
            records = with_unknown(
                records, segment_type=segment_type, n_customers=run.dataset.n_rows
            )
            context["table"] = segment_rows(records, segment_type=segment_type)
            context["chart"] = _segment_chart(records, segment_type=segment_type)
    return render(request, "reports/segments.html", context)
