"""The cluster view's detailed records (document 003 section 2): demographics, financial and
behavioural figures per cluster. Pure pandas/numpy."""

from __future__ import annotations

from typing import Any

import pandas as pd

from clustering.engine.labels import NOISE_LABEL

from .derive import DerivedCustomers
from .tables import round_or_none

__all__ = ["cluster_details", "cluster_records"]


def cluster_details(derived: DerivedCustomers) -> dict[int, dict[str, Any]]:
    """Per cluster label: demographics and financial figures of document 003 section 2 that the
    data has columns for (age range, predominant gender, gender counts, top regions, income
    median and range, total purchases, lifespan in months)."""
    data = derived.frame
    grouped = data.groupby("cluster_id", sort=True)
    details: dict[int, dict[str, Any]] = {int(label): {} for label in grouped.groups}
    if "age" in data:
        ages = grouped["age"].agg(["min", "max"])
        for label, row in ages.iterrows():
            details[int(label)]["age_range"] = (row["min"], row["max"])
    if "income" in data:
        incomes = grouped["income"].agg(["median", "min", "max"])
        for label, row in incomes.iterrows():
            details[int(label)]["income"] = (row["median"], row["min"], row["max"])
    if "purchase_amount" in data:
        spend = data["purchase_amount"] * data.get("purchase_frequency", 1.0)
        totals = spend.groupby(data["cluster_id"]).sum()
        for label, value in totals.items():
            details[int(label)]["total_purchases"] = float(value)
    for column, top in (("gender", None), ("region", 3)):
        if column not in data:
            continue
        counts = data.groupby(["cluster_id", column], observed=True).size()
        for label in details:
            if label not in counts.index.get_level_values(0):
                continue
            per = counts.loc[label].sort_values(ascending=False)
            per = per[per > 0]
            details[label][column] = per if top is None else per.head(top)
    return details


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
