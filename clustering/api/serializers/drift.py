"""Shapes of `GET /api/v1/datasets/{id}/drift/`: the drift of a dataset against a run, or the
job measuring it."""

from django.urls import reverse
from rest_framework import serializers

from ...engine.drift import STATUSES
from ...models import DriftCheck


class DriftQuerySerializer(serializers.Serializer):
    """`?run=<id>`: one of your succeeded runs instead of the published one."""

    run = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Measure against this run of yours, not the published one.",
    )


class DriftBinSerializer(serializers.Serializer):
    label = serializers.CharField(
        help_text="Decile range of the training data (numbers), a category, 'unseen categories' "
        "or 'missing'."
    )
    expected = serializers.FloatField(help_text="Share of the training rows in this bin, 0-1.")
    actual = serializers.FloatField(help_text="Share of this dataset's rows in this bin, 0-1.")


class DriftFeatureSerializer(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=["numeric", "categorical"])
    psi = serializers.FloatField(help_text="Population stability index against the training data.")
    level = serializers.ChoiceField(
        choices=list(STATUSES), help_text="stable below 0.1, moderate to 0.25, major above."
    )
    unseen_share = serializers.FloatField(
        help_text="Categorical: share (0-1) of rows in categories the training data never had."
    )
    bins = DriftBinSerializer(many=True)


class DriftSegmentSerializer(serializers.Serializer):
    label = serializers.IntegerField()
    name = serializers.CharField()
    published_share = serializers.FloatField(help_text="Percent of the run's training rows.")
    new_share = serializers.FloatField(help_text="Percent of this dataset's rows, as predicted.")
    shift_points = serializers.FloatField(help_text="new_share - published_share, in points.")


class DriftSerializer(serializers.Serializer):
    """The drift of a dataset against a run."""

    dataset = serializers.IntegerField()
    run = serializers.IntegerField()
    run_is_published = serializers.BooleanField()
    computed_at = serializers.DateTimeField()
    status = serializers.ChoiceField(
        choices=list(STATUSES),
        help_text="major: a PSI above 0.25 or a segment share moved by more than 10 points; "
        "moderate: a PSI of 0.1 or more; stable otherwise.",
    )
    n_rows = serializers.IntegerField()
    features = DriftFeatureSerializer(many=True)
    segments = DriftSegmentSerializer(many=True)
    advice = serializers.ListField(child=serializers.CharField(), help_text="Sentences to act on.")


class DriftCheckSerializer(serializers.ModelSerializer):
    """The job measuring the drift of a large dataset: ask the same URL again until it answers
    200 with the drift."""

    url = serializers.SerializerMethodField()

    class Meta:
        model = DriftCheck
        fields = [
            "id",
            "dataset",
            "run",
            "status",
            "progress",
            "stage",
            "error",
            "url",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_url(self, check: DriftCheck) -> str:
        url = reverse("clustering-api:dataset-drift", args=[check.dataset_id])
        return f"{url}?run={check.run_id}"
