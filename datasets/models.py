"""Uploaded customer tables and their rows."""

from django.conf import settings
from django.db import models


class Dataset(models.Model):
    """An uploaded customer table: its schema (per column: name, dtype, kind, role), statistics,
    quality report, a Parquet copy for analysis, and the sha256 of the original bytes."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="datasets"
    )
    name = models.CharField(max_length=200)
    original_filename = models.CharField(max_length=255, blank=True)
    parquet_file = models.FileField(upload_to="datasets/", blank=True)
    n_rows = models.PositiveIntegerField(default=0)
    n_columns = models.PositiveIntegerField(default=0)
    schema = models.JSONField(default=list, blank=True)
    statistics = models.JSONField(default=dict, blank=True)
    quality_report = models.JSONField(default=dict, blank=True)
    correlation = models.JSONField(default=dict, blank=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    size_bytes = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    """One row of a dataset: its external id (the id column, or the row number) and attributes."""

    # No index of its own: the (dataset, row_number) unique index serves look-ups by dataset, and
    # one index less makes bulk loads of a million rows faster.
    dataset = models.ForeignKey(
        Dataset, on_delete=models.CASCADE, related_name="customers", db_index=False
    )
    external_id = models.CharField(max_length=128)
    row_number = models.PositiveIntegerField()
    attributes = models.JSONField(default=dict)

    class Meta:
        ordering = ["dataset_id", "row_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "row_number"], name="customer_unique_row_per_dataset"
            )
        ]
        # Look-ups by id come back in file order: with row_number in the index, the filter and
        # the order are one index range on SQLite and PostgreSQL alike (without it SQLite walked
        # the row-number index instead: 160 ms on a million rows, tests/benchmarks).
        indexes = [
            models.Index(
                fields=["dataset", "external_id", "row_number"], name="customer_ext_id_row_idx"
            )
        ]

    def __str__(self) -> str:
        return self.external_id


class CurrentDataset(models.Model):
    """Document 000's "loaded data": the dataset each user's workspace endpoints act on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="current_dataset"
    )
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user} -> {self.dataset}"
