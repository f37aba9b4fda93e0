"""Writes of datasets, one module a concern: uploads, deletion, column roles and the workspace
(`uploads.py`), customer tables from purchase logs (`customer_tables.py`), registration of
Parquet data in place (`register.py`), and the lifecycle every dataset job shares (`jobs.py`).

Uploads are atomic: the Dataset row, its customers and its Parquet file all exist, or none does."""

from .customer_tables import (
    CUSTOMER_TABLE_INLINE_MAX_ROWS,
    customer_table_create,
    customer_table_job_execute,
    transaction_columns_resolve,
)
from .jobs import STALE_JOB_GRACE_S, dataset_jobs_fail_stale
from .register import dataset_register, dataset_register_start, registration_job_execute
from .uploads import (
    PARQUET_ROW_GROUP_ROWS,
    current_dataset_set,
    dataset_columns_update,
    dataset_create_from_upload,
    dataset_delete,
    datasets_delete_owned,
    upload_too_large,
    workspace_reset,
)

__all__ = [
    "CUSTOMER_TABLE_INLINE_MAX_ROWS",
    "PARQUET_ROW_GROUP_ROWS",
    "STALE_JOB_GRACE_S",
    "current_dataset_set",
    "customer_table_create",
    "customer_table_job_execute",
    "dataset_columns_update",
    "dataset_create_from_upload",
    "dataset_delete",
    "dataset_jobs_fail_stale",
    "dataset_register",
    "dataset_register_start",
    "datasets_delete_owned",
    "registration_job_execute",
    "transaction_columns_resolve",
    "upload_too_large",
    "workspace_reset",
]
