"""Small customer frames and schemas for the reports tests (DB-free)."""

import numpy as np
import pandas as pd

from datasets.demo import generate_customers
from datasets.ingest.transactions import TransactionColumns, customer_table
from tests.purchase_logs import planted_purchase_log

DEMO_ROLES = {
    "customer_id": "customer_id",
    "age": "age",
    "gender": "gender",
    "region": "region",
    "annual_income": "income",
    "spending_score": "spending_score",
    "purchase_frequency": "purchase_frequency",
    "avg_purchase_amount": "purchase_amount",
    "tenure_months": "tenure",
}


def demo_schema(frame: pd.DataFrame, *, without: tuple[str, ...] = ()) -> list[dict]:
    """A schema of the demo columns with their roles, minus the roles in `without`."""
    schema = []
    for column in frame.columns:
        role = DEMO_ROLES.get(column)
        kind = "numeric" if pd.api.types.is_numeric_dtype(frame[column]) else "categorical"
        schema.append(
            {
                "name": column,
                "dtype": str(frame[column].dtype),
                "kind": "id" if role == "customer_id" else kind,
                "role": None if role in without else role,
                "missing": 0,
            }
        )
    return schema


def demo_frame(rows: int = 600, seed: int = 0) -> pd.DataFrame:
    return generate_customers(rows, seed=seed)


def heavy_tailed_customers(customers: int, seed: int = 0) -> pd.DataFrame:
    """Demo customers whose spend, frequency and tenure come from a purchase log's customer table,
    with full-currency lognormal incomes, some missing values and uneven clusters."""
    log = planted_purchase_log(customers, seed=seed)
    table = customer_table(
        log.frame, columns=TransactionColumns("customer_id", "order_date", "amount", "quantity")
    ).frame
    rng = np.random.default_rng(seed)
    frame = demo_frame(len(table), seed=seed)
    frame["avg_purchase_amount"] = table["average_order_value"].to_numpy()
    frame["purchase_frequency"] = table["frequency"].to_numpy()
    frame["tenure_months"] = np.round(table["tenure_days"].to_numpy() / 30.44 + 1, 1)
    frame["annual_income"] = np.round(rng.lognormal(np.log(48_000), 0.6, len(frame)), -2)
    for column, share in (("annual_income", 0.05), ("avg_purchase_amount", 0.02), ("age", 0.03)):
        frame.loc[rng.random(len(frame)) < share, column] = np.nan
    frame["gender"] = frame["gender"].astype(object)
    frame.loc[rng.random(len(frame)) < 0.01, "gender"] = None  # customers without a gender
    frame["gender"] = frame["gender"].astype("category")
    frame["cluster_label"] = rng.choice(
        [-1, 0, 1, 2, 3], p=[0.03, 0.5, 0.3, 0.15, 0.02], size=len(frame)
    )
    return frame
