"""Saved customer profiles and the history of predictions."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from clustering.features import MAX_INPUT_MAGNITUDE

# Beyond this the segment distances overflow (see clustering.features.number_out_of_range).
_BOUNDED = MaxValueValidator(MAX_INPUT_MAGNITUDE)


class CustomerProfile(models.Model):
    """A customer a user saved to segment again later (document 004, CustomerProfile)."""

    class Sex(models.TextChoices):
        MALE = "Male", "Male"
        FEMALE = "Female", "Female"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="customer_profiles"
    )
    name = models.CharField(max_length=150)
    sex = models.CharField(max_length=10, choices=Sex.choices)
    age = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(18), MaxValueValidator(100)]
    )
    annual_income = models.FloatField(validators=[MinValueValidator(0), _BOUNDED])
    spending_score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    purchase_frequency = models.FloatField(validators=[MinValueValidator(0), _BOUNDED])
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
