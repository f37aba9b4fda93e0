"""Exports of segmentation results, built by a background job and downloadable until they expire."""

import uuid

from django.conf import settings
from django.db import models


class Export(models.Model):
    """A file made from a run (CSV, JSON, HTML, XLSX); owner-only, deleted after `expires_at`."""

    class Status(models.TextChoices):
        PROCESSING = "processing", "Processing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        JSON = "json", "JSON"
        HTML = "html", "HTML"
        XLSX = "xlsx", "XLSX"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exports"
    )
    run = models.ForeignKey(
        "clustering.ClusteringRun", on_delete=models.CASCADE, related_name="exports"
    )
    what = models.CharField(max_length=32, default="assignments")
    format = models.CharField(max_length=8, choices=Format.choices, default=Format.CSV)
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PROCESSING)
    error = models.TextField(blank=True)
    file = models.FileField(upload_to="exports/", blank=True)
    size_bytes = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Export {self.id} ({self.format}, {self.status})"
