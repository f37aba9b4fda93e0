"""Fixtures of the clustering tests: datasets with real Parquet copies and customer rows."""

import pandas as pd

from clustering import engine
from datasets.demo import generate_customers
from datasets.models import CurrentDataset, Dataset
from tests.factories import dataset_with_rows


def dataset_make(
    *,
    owner,
    rows: int = 240,
    seed: int = 0,
    frame: pd.DataFrame | None = None,
    current: bool = False,
) -> Dataset:
    """A dataset as an upload leaves it: Parquet copy, schema with kinds and roles, one Customer
    per row (row_number = position). Demo customers unless a frame is given."""
    frame = generate_customers(rows, seed=seed) if frame is None else frame
    dataset = dataset_with_rows(owner=owner, frame=frame, schema=engine.infer_schema(frame))
    if current:
        CurrentDataset.objects.update_or_create(user=owner, defaults={"dataset": dataset})
    return dataset
