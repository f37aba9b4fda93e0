"""The cluster view's detailed records (document 003 section 2): demographics, financial and
behavioural figures per cluster. Pure pandas/numpy."""

from __future__ import annotations

from typing import Any

import pandas as pd

from clustering.engine.labels import NOISE_LABEL

from .derive import DerivedCustomers
from .tables import round_or_none

__all__ = [
    "cluster_details",
    "cluster_records",
    "combine_cluster_details",
    "partial_cluster_details",
]


def partial_cluster_details(derived: DerivedCustomers) -> dict[str, Any]:
    """What one chunk of customers adds to `cluster_details`: per cluster label its count, age and
    income minimum and maximum and total purchases (`ranges`), and customers per (label, gender)
    and (label, region). Partials of any chunks combine exactly (`combine_cluster_details`)."""
    data = derived.frame
    grouped = data.groupby("cluster_id", sort=True)
    ranges = {"count": grouped.size()}
    for column in ("age", "income"):
        if column in data:
            ranges[f"{column}_min"] = grouped[column].min()
            ranges[f"{column}_max"] = grouped[column].max()
    if "purchase_amount" in data:
        spend = data["purchase_amount"] * data.get("purchase_frequency", 1.0)
        ranges["total_purchases"] = spend.groupby(data["cluster_id"]).sum()
    partial: dict[str, Any] = {"ranges": pd.DataFrame(ranges)}
    for column in ("gender", "region"):
        if column in data:
            partial[column] = data.groupby(["cluster_id", column], observed=True).size()
    return partial


def combine_cluster_details(
    partials: list[dict[str, Any]], *, income_sample: pd.DataFrame
) -> dict[int, dict[str, Any]]:
    """`cluster_details` of the customers whose chunks gave `partials`
    (`partial_cluster_details`). Ranges, totals and counts are exact. A median does not combine
    from chunks: each cluster's median income is that of `income_sample` (per-customer rows with
    `cluster_id` and `income`): the whole frame gives it exactly, a sample of rows
    estimates it, and a cluster without a sampled row has none."""
    ranges = pd.concat([p["ranges"] for p in partials])
    how = {
        c: "min" if c.endswith("_min") else "max" if c.endswith("_max") else "sum" for c in ranges
    }
    combined = ranges.groupby(level=0, sort=True).agg(how)
    details: dict[int, dict[str, Any]] = {int(label): {} for label in combined.index}
    if "age_min" in combined:
        for label, row in combined.iterrows():
            details[int(label)]["age_range"] = (row["age_min"], row["age_max"])
    if "income_min" in combined:
        medians = (
            income_sample.groupby("cluster_id")["income"].median()
            if "income" in income_sample
            else pd.Series(dtype=float)
        )
        for label, row in combined.iterrows():
            median = medians.get(label, float("nan"))
            details[int(label)]["income"] = (median, row["income_min"], row["income_max"])
    if "total_purchases" in combined:
        for label, value in combined["total_purchases"].items():
            details[int(label)]["total_purchases"] = float(value)
    for column, top in (("gender", None), ("region", 3)):
        pieces = [p[column] for p in partials if column in p]
        if not pieces:
            continue
        counts = pd.concat(pieces).groupby(level=[0, 1], sort=True).sum()
        for label in details:
            if label not in counts.index.get_level_values(0):
                continue
            # Most customers first; equal counts in name order.
            per = counts.loc[label].sort_index().sort_values(ascending=False, kind="stable")
            per = per[per > 0]
            details[label][column] = per if top is None else per.head(top)
    return details


def cluster_details(derived: DerivedCustomers) -> dict[int, dict[str, Any]]:
    """Per cluster label: demographics and financial figures of document 003 section 2 that the
    data has columns for (age range, predominant gender, gender counts, top regions, income
    median and range, total purchases, lifespan in months). One chunk's
    `combine_cluster_details`, its medians exact."""
    return combine_cluster_details([partial_cluster_details(derived)], income_sample=derived.frame)


def cluster_records(
    table: pd.DataFrame,
    *,
    details: dict[int, dict[str, Any]],
    clusters: dict[int, dict[str, Any]],
) -> list[dict[str, Any]]:
    """Document 003 section 2 records from the cluster table, its `cluster_details` and the run's
    cluster rows (`{label: {"name", "summary", "created_at"}}`), in the table's order.
    `cluster_priority` ranks clusters by average CLV (else spend, else size), 1 = most valuable."""
    rank_by = next(
        (c for c in ("avg_clv", "avg_purchase_amount", "total_customers") if c in table),
        "total_customers",
    )
    priority = table[rank_by].rank(ascending=False, method="first").astype(int)
    records = []
    for position, row in table.iterrows():
        label = int(row["cluster_id"])
        info = clusters.get(label, {})
        extra = details.get(label, {})
        name = info.get("name") or (
            "Noise (no cluster)" if label == NOISE_LABEL else f"Cluster {label}"
        )
        demographics: dict[str, Any] = {}
        if "avg_age" in row:
            demographics["avg_age"] = round_or_none(row["avg_age"], 1)
        if "age_range" in extra:
            demographics["age_range_min"] = round_or_none(extra["age_range"][0], 1)
            demographics["age_range_max"] = round_or_none(extra["age_range"][1], 1)
        if "gender" in extra:
            genders = extra["gender"]
            demographics["predominant_gender"] = str(genders.index[0])
            demographics["gender_distribution"] = {str(k): int(v) for k, v in genders.items()}
        if "region" in extra:
            demographics["regions"] = [str(k) for k in extra["region"].index]
        financial: dict[str, Any] = {}
        if "avg_income" in row:
            financial["avg_income"] = round_or_none(row["avg_income"])
        if "income" in extra:
            median, low, high = extra["income"]
            financial["median_income"] = round_or_none(median)
            financial["income_range"] = {"min": round_or_none(low), "max": round_or_none(high)}
        if "avg_purchase_amount" in row:
            financial["avg_purchase_amount"] = round_or_none(row["avg_purchase_amount"])
        if "total_purchases" in extra:
            financial["total_purchases"] = round_or_none(extra["total_purchases"])
        if "avg_frequency" in row:
            financial["avg_purchase_frequency"] = round_or_none(row["avg_frequency"])
        if "avg_clv" in row:
            financial["avg_clv"] = round_or_none(row["avg_clv"])
        behavioral: dict[str, Any] = {}
        if "avg_lifespan_years" in row:
            behavioral["avg_customer_lifespan_months"] = round_or_none(
                row["avg_lifespan_years"] * 12, 1
            )
        if "avg_spending_score" in row:
            behavioral["avg_spending_score"] = round_or_none(row["avg_spending_score"], 1)
        records.append(
            {
                "cluster_id": label,
                "cluster_label": name,
                "cluster_name": name,
                "cluster_priority": int(priority.loc[position]),
                "customer_count": int(row["total_customers"]),
                "customer_percentage": round_or_none(row["customer_percentage"], 1),
                "demographics": demographics,
                "financial_metrics": financial,
                "behavioral_metrics": behavioral,
                "metadata": {
                    "created_at": info.get("created_at"),
                    "description": info.get("summary", ""),
                },
            }
        )
    return records
