"""Uploaded customer tables and their rows."""

from collections.abc import Iterable

from django.conf import settings
from django.db import connections, models


class Dataset(models.Model):
    """A customer table (uploaded, derived or registered): its schema (per column: name, dtype,
    kind, role), statistics, quality report, its Parquet data for analysis, and a sha256 (of
    the original bytes; of the key and part sizes for registered data)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="datasets"
    )
    name = models.CharField(max_length=200)
    original_filename = models.CharField(max_length=255, blank=True)
    # The key of its Parquet data under the data root (DATA_URL): an upload's copy, or the
    # file or folder of parts a registered dataset was given by (`registered`).
    parquet_file = models.FileField(upload_to="datasets/", blank=True, max_length=1000)
    # Registered from Parquet data already under the data root (never uploaded): the service
    # reads that data in place and never deletes it.
    registered = models.BooleanField(default=False)
    n_rows = models.PositiveIntegerField(default=0)
    n_columns = models.PositiveIntegerField(default=0)
    schema = models.JSONField(default=list, blank=True)
    statistics = models.JSONField(default=dict, blank=True)
    quality_report = models.JSONField(default=dict, blank=True)
    correlation = models.JSONField(default=dict, blank=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    size_bytes = models.BigIntegerField(default=0)
    # A purchase log's columns ({"customer_id", "date", "amount", "quantity"}) when the upload
    # reads as one (datasets.ingest.transactions), else null.
    transaction_log = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_transaction_log(self) -> bool:
        return bool(self.transaction_log)


class DatasetJob(models.Model):
    """What every job that makes a dataset on a Celery worker records: status, progress
    (0-100) and stage, the reason of a failure, and the new dataset once it succeeded. Each kind
    of job is its own table (what it starts from differs); its lifecycle (claim, progress, end,
    the stale sweep) is written once, in `datasets.services.jobs`."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    result = models.ForeignKey(
        Dataset, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]


class CustomerTableJob(DatasetJob):
    """Deriving a customer table from a large purchase log on a Celery worker."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="customer_table_jobs"
    )
    source = models.ForeignKey(
        Dataset, on_delete=models.CASCADE, related_name="customer_table_jobs"
    )
    parameters = models.JSONField(default=dict, blank=True)  # columns, as_of, name

    class Meta(DatasetJob.Meta):
        pass

    def __str__(self) -> str:
        return f"Customer table job {self.pk} ({self.status})"


class RegistrationJob(DatasetJob):
    """Registering a large Parquet dataset (more rows than REGISTER_INLINE_MAX_ROWS) on a Celery
    worker: the URL under the data root and the options it was asked with."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="registration_jobs"
    )
    url = models.CharField(max_length=1000)  # as given; resolved under the data root again
    parameters = models.JSONField(default=dict, blank=True)  # name, id_column, force_new
    n_rows = models.BigIntegerField(default=0)  # from the Parquet footers when it was asked

    class Meta(DatasetJob.Meta):
        pass

    def __str__(self) -> str:
        return f"Registration job {self.pk} ({self.status})"


ROWS_PER_DATASET = 2**32  # row numbers of one dataset: 0 .. ROWS_PER_DATASET - 1


def customer_pk(dataset_id: int, row_number: int) -> int:
    """The id of a dataset's row: dataset id and row number packed into one bigint, so that an id
    is known without asking the database (clustering writes a million assignments by it) and ids
    of one dataset are its rows in file order."""
    return dataset_id * ROWS_PER_DATASET + row_number


CUSTOMER_TABLE = "datasets_customer"
# The name migration 0006 gives the customers' foreign key to their dataset on PostgreSQL.
CUSTOMER_DATASET_FOREIGN_KEY = "datasets_customer_dataset_id_fk_datasets_dataset_id"


def partition_name(dataset_id: int) -> str:
    """The PostgreSQL table holding one dataset's customers (a partition of CUSTOMER_TABLE)."""
    return f"{CUSTOMER_TABLE}_p{int(dataset_id)}"


def partitions_ensure(dataset_ids: Iterable[int], *, using: str = "default") -> None:
    """Create the (empty, indexed) partition of each dataset that has none yet, on PostgreSQL;
    nothing elsewhere. For rows written through the ORM: uploads bring their own partition."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for dataset_id in sorted({int(d) for d in dataset_ids}):
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {quote(partition_name(dataset_id))} "
                f"PARTITION OF {quote(CUSTOMER_TABLE)} FOR VALUES IN ({dataset_id})"
            )


class CustomerQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for customer in objs:
            customer.fill_pk()
        partitions_ensure([customer.dataset_id for customer in objs], using=self.db)
        return super().bulk_create(objs, *args, **kwargs)


class Customer(models.Model):
    """One row of a dataset: its external id (the id column, or the row number) and its place in
    the file. The row's values (attributes) live once, in the dataset's Parquet copy, and are
    read from there by row number (`selectors.customer_attributes`).

    On PostgreSQL the table is partitioned by dataset (one partition a dataset, no default one):
    each upload loads its rows into a table of its own, indexes it in one pass and attaches it
    (datasets/bulk.py), and deleting a dataset drops that table. `save` and `bulk_create`
    create the partition when a dataset has none yet."""

    id = models.BigIntegerField(primary_key=True, editable=False)  # customer_pk(dataset, row)
    # No index of its own: the (dataset, external_id, row_number) index serves look-ups by dataset.
    dataset = models.ForeignKey(
        Dataset, on_delete=models.CASCADE, related_name="customers", db_index=False
    )
    external_id = models.CharField(max_length=128)
    row_number = models.PositiveIntegerField()

    objects = CustomerQuerySet.as_manager()

    class Meta:
        db_table = CUSTOMER_TABLE
        ordering = ["id"]  # dataset, then file order
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    id=models.F("dataset_id") * ROWS_PER_DATASET + models.F("row_number")
                ),
                name="customer_id_packs_dataset_and_row",
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

    def save(self, *args, **kwargs) -> None:
        self.fill_pk()
        partitions_ensure([self.dataset_id], using=kwargs.get("using") or "default")
        super().save(*args, **kwargs)

    def fill_pk(self) -> None:
        if self.pk is None:
            self.pk = customer_pk(self.dataset_id, self.row_number)


class CurrentDataset(models.Model):
    """Document 000's "loaded data": the dataset each user's workspace endpoints act on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="current_dataset"
    )
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user} -> {self.dataset}"
