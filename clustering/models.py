"""Clustering runs, their named clusters and per-customer assignments."""

from django.conf import settings
from django.db import models


class ClusteringRun(models.Model):
    """One clustering of a dataset, run as a background job. The row is the truth about the job:
    every status change is a conditional update, so a late worker cannot overwrite it."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    class Algorithm(models.TextChoices):
        KMEANS = "kmeans", "K-Means"
        MINIBATCH_KMEANS = "minibatch_kmeans", "Mini-batch K-Means"
        HIERARCHICAL = "hierarchical", "Hierarchical"
        DBSCAN = "dbscan", "DBSCAN"
        GMM = "gmm", "Gaussian mixture"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)

    dataset = models.ForeignKey("datasets.Dataset", on_delete=models.CASCADE, related_name="runs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="runs"
    )
    algorithm = models.CharField(max_length=32, choices=Algorithm.choices, default=Algorithm.KMEANS)
    parameters = models.JSONField(default=dict, blank=True)
    features = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    cancel_requested = models.BooleanField(default=False)
    timings = models.JSONField(default=dict, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    n_samples = models.PositiveIntegerField(null=True, blank=True)
    n_encoded_features = models.PositiveIntegerField(null=True, blank=True)
    feature_importance = models.JSONField(default=dict, blank=True)
    accuracy = models.FloatField(null=True, blank=True)
    # Sentences for the analyst: id features left out or forced, one segment holding nearly all.
    warnings = models.JSONField(default=list, blank=True)
    # The fitted model as arrays + JSON (never pickle): loading it cannot execute code.
    model_artifact = models.JSONField(default=dict, blank=True)
    is_published = models.BooleanField(default=False, db_index=True)
    # Training contracts (POST /train, /api/clusters/run) publish on success unless asked not to.
    publish_on_success = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The process executing the run (host name and process id): a worker that starts on that
    # host fails the runs whose process is gone (`services.runs_fail_orphaned`).
    worker_host = models.CharField(max_length=255, blank=True)
    worker_pid = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["dataset", "status"], name="run_dataset_status_idx")]

    def __str__(self) -> str:
        return f"Run {self.pk} ({self.algorithm}, {self.status})"

    @property
    def assignments_key(self) -> str:
        """Where a distributed run's assignments live under the data root, as Parquet parts
        (row, cluster_label, confidence) in row order, beside their database rows."""
        return f"runs/{self.pk}/assignments"

    @property
    def is_distributed(self) -> bool:
        """Fitted on the Dask cluster (its assignments are also Parquet parts in storage)."""
        return (self.metrics or {}).get("engine") == "dask"


class Cluster(models.Model):
    """One segment of a succeeded run, named and explained in words."""

    run = models.ForeignKey(ClusteringRun, on_delete=models.CASCADE, related_name="clusters")
    label = models.IntegerField()  # -1 is DBSCAN's noise group
    name = models.CharField(max_length=120)
    # Set by an analyst's rename (`services.cluster_rename`): names carried over between runs
    # must not overwrite it.
    name_edited = models.BooleanField(default=False)
    size = models.PositiveIntegerField()
    percentage = models.FloatField()
    centroid = models.JSONField(default=dict, blank=True)  # original units
    centroid_scaled = models.JSONField(default=dict, blank=True)
    profile = models.JSONField(default=dict, blank=True)
    characteristics = models.JSONField(default=list, blank=True)
    top_features = models.JSONField(default=list, blank=True)
    summary = models.TextField(blank=True)
    recommendation = models.TextField(blank=True)

    class Meta:
        ordering = ["run_id", "label"]
        constraints = [
            models.UniqueConstraint(fields=["run", "label"], name="cluster_unique_label_per_run")
        ]

    def __str__(self) -> str:
        return f"{self.name} (run {self.run_id}, label {self.label})"


class Assignment(models.Model):
    """Which cluster a customer of the run's dataset belongs to, with a confidence 0-100."""

    # No index of its own: the (run, customer) unique index serves every look-up by run, and one
    # index less is one less to maintain for each of a million rows saved per run.
    run = models.ForeignKey(
        ClusteringRun, on_delete=models.CASCADE, related_name="assignments", db_index=False
    )
    # No database constraint: on PostgreSQL customers live in per-dataset partitions, which a
    # foreign key cannot point into by id alone. Rows are written for the run's own dataset
    # (services/results.py) and deleted with the run or the dataset (datasets.bulk).
    customer = models.ForeignKey(
        "datasets.Customer",
        on_delete=models.CASCADE,
        related_name="assignments",
        db_constraint=False,
    )
    cluster_label = models.IntegerField()
    confidence = models.FloatField()

    class Meta:
        ordering = ["run_id", "customer_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "customer"], name="assignment_unique_customer_per_run"
            )
        ]
        indexes = [models.Index(fields=["run", "cluster_label"], name="assignment_run_label_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id} -> {self.cluster_label}"


class RunComparison(models.Model):
    """The lineage from an older run to a newer one of the same owner (engine/lineage.py): the
    summary as JSON and the movers (customers who changed segment) in a Parquet file. Computed
    once per pair of runs (a finished run never changes), in the request for small runs and on
    a Celery worker above LINEAGE_INLINE_MAX_ROWS customers."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    old_run = models.ForeignKey(ClusteringRun, on_delete=models.CASCADE, related_name="+")
    new_run = models.ForeignKey(ClusteringRun, on_delete=models.CASCADE, related_name="comparisons")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    movers_file = models.FileField(upload_to="comparisons/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["old_run", "new_run"], name="run_comparison_unique_pair"
            )
        ]

    def __str__(self) -> str:
        return f"Runs {self.old_run_id} -> {self.new_run_id} ({self.status})"


class DriftCheck(models.Model):
    """The drift of one dataset against one run (clustering.engine.drift), computed on a Celery
    worker for a large upload: status, progress (0-100), the reason of a failure and, once it
    succeeded, the result. One row per (dataset, run): a result never changes, both are fixed."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    dataset = models.ForeignKey(
        "datasets.Dataset", on_delete=models.CASCADE, related_name="drift_checks"
    )
    run = models.ForeignKey(ClusteringRun, on_delete=models.CASCADE, related_name="drift_checks")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    result = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "run"], name="drift_check_unique_pair")
        ]

    def __str__(self) -> str:
        return f"Drift of dataset {self.dataset_id} against run {self.run_id} ({self.status})"
