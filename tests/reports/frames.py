"""Small customer frames and schemas for the reports tests (DB-free)."""

import pandas as pd

from datasets.demo import generate_customers

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
