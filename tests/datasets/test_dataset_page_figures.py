"""The dataset page's figures read in a fixed order whatever order the stored JSON comes back in
(PostgreSQL's jsonb sorts keys by length), and say what the data is: a registered Parquet table
or a derived customer table names its format, never a CSV delimiter it never had."""

import pytest
from django.urls import reverse

from datasets.models import Dataset
from datasets.pages.datasets import quality_items, statistics_table
from datasets.services import customer_table_create
from tests.e2e.data import dataset_upload

LOG_CSV = (
    b"customer_id,order_date,amount\n"
    b"A,2024-01-01,10\nB,2024-01-02,20\nA,2024-01-05,5\nC,2024-01-10,3\nB,2024-01-03,-5\n"
)


def _jsonb_order(mapping: dict) -> dict:
    """The key order PostgreSQL's jsonb gives back: shorter keys first, then bytewise."""
    return {key: mapping[key] for key in sorted(mapping, key=lambda key: (len(key), key))}


def test_statistics_rows_follow_the_files_columns_and_figures_a_fixed_order():
    numeric = {"count": 3000.0, "mean": 2.5, "std": 1.2, "min": 1.0, "25%": 1.0}
    numeric |= {"50%": 2.0, "75%": 3.0, "max": 40.0, "kind": "numeric"}
    stored = _jsonb_order(
        {
            "customer_id": _jsonb_order({"kind": "id", "count": 3000, "unique": 3000}),
            "recency": _jsonb_order(numeric),
            "frequency": _jsonb_order(numeric),
            "average_order_value": _jsonb_order(numeric),
            "tenure": _jsonb_order(numeric),
        }
    )
    schema = [
        {"name": name}
        for name in ("customer_id", "recency", "frequency", "average_order_value", "tenure")
    ]

    table = statistics_table(stored, schema)

    assert [name for name, _ in table["rows"]] == [column["name"] for column in schema]
    assert table["headers"] == [
        "kind", "count", "mean", "std", "min", "25%", "50%", "75%", "max", "unique"
    ]  # fmt: skip
    assert table["rows"][1][1][:5] == ["numeric", "3,000", "2.50", "1.20", "1"]


def test_quality_figures_read_in_a_fixed_order_with_units_in_their_labels():
    report = _jsonb_order(
        {
            "encoding": "utf-8",
            "delimiter": "comma",
            "total_rows": 3000,
            "total_columns": 6,
            "numeric_columns": 5,
            "categorical_columns": 0,
            "id_columns": 1,
            "datetime_columns": 0,
            "duplicate_rows": 0,
            "duplicate_ids": 0,
            "total_missing": 0,
            "memory_usage_mb": 0.16,
            "warnings": ["Column 'frequency' has 335 outliers."],
        }
    )

    figures, warnings = quality_items(report)

    assert [label for label, _ in figures] == [
        "Encoding",
        "Delimiter",
        "Total rows",
        "Total columns",
        "Numeric columns",
        "Categorical columns",
        "Datetime columns",
        "Id columns",
        "Total missing",
        "Duplicate rows",
        "Duplicate ids",
        "Memory usage (MB)",
    ]
    assert warnings == ["Column 'frequency' has 335 outliers."]


@pytest.mark.django_db
def test_a_derived_customer_table_names_its_origin_not_an_encoding_or_delimiter(client, analyst):
    log = dataset_upload(analyst, LOG_CSV, name="orders.csv")
    assert log.quality_report["delimiter"] == "comma"
    made = customer_table_create(user=analyst, dataset=log)
    table = made if isinstance(made, Dataset) else Dataset.objects.exclude(pk=log.pk).get()

    assert table.quality_report["format"] == "Derived table"
    assert "delimiter" not in table.quality_report
    assert "encoding" not in table.quality_report
    client.force_login(analyst)
    page = client.get(reverse("pages:dataset-detail", args=[table.pk])).content.decode()
    assert "Derived table" in page
    assert ">Delimiter<" not in page
    assert '<p class="muted">3 rows · ' in page  # no file name, so no separator before it
