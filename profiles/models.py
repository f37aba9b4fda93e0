"""Saved customer profiles and the history of predictions."""

from django.conf import settings
from django.db import models

from .predictor.fields import SEX_VALUES, validators


class CustomerProfile(models.Model):
    """A customer a user saved to segment again later (document 004, CustomerProfile).

    Document 004's five fields hold the features under its names (empty when the published
    segmentation does not use them); every other feature of the published segmentation is kept
    in `extra_features` under its dataset column name. A profile is checked against the
    published segmentation's features when it is saved, so it can be segmented."""

    class Sex(models.TextChoices):
        MALE = SEX_VALUES[0], "Male"
        FEMALE = SEX_VALUES[1], "Female"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="customer_profiles"
    )
    name = models.CharField(max_length=150)
    sex = models.CharField(max_length=10, choices=Sex.choices, blank=True)
    age = models.PositiveSmallIntegerField(null=True, blank=True, validators=validators("age"))
    annual_income = models.FloatField(null=True, blank=True, validators=validators("annual_income"))
    spending_score = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=validators("spending_score")
    )
    purchase_frequency = models.FloatField(
        null=True, blank=True, validators=validators("purchase_frequency")
    )
    extra_features = models.JSONField(default=dict, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class Prediction(models.Model):
    """One recorded prediction: who asked, against which run, with what input and answer."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="predictions",
        # prediction_user_time_idx starts with user_id: its own index would only slow inserts.
        db_index=False,
    )
    run = models.ForeignKey(
        "clustering.ClusteringRun", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    profile = models.ForeignKey(
        CustomerProfile,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="predictions",
    )
    input = models.JSONField(default=dict)
    cluster = models.IntegerField()
    cluster_name = models.CharField(max_length=120)
    confidence = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="prediction_user_time_idx")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.cluster_name} ({self.confidence:.0f}%)"
