"""Shapes of `/api/v1/runs/{id}/compare/{other_id}/`: the lineage of two runs and its movers."""

from rest_framework import serializers


class SegmentPairSerializer(serializers.Serializer):
    """Two matched segments: the old run's and the new run's."""

    old_label = serializers.IntegerField()
    old_name = serializers.CharField()
    new_label = serializers.IntegerField()
    new_name = serializers.CharField()
    shared = serializers.IntegerField(help_text="Customers in both segments.")
    jaccard = serializers.FloatField(
        allow_null=True,
        help_text="Shared customers over the customers of either segment (0-1); null when the "
        "runs share no customer and segments were matched on their centroids.",
    )
    distance = serializers.FloatField(
        allow_null=True,
        help_text="Distance between the centroids, each shared feature divided by its spread "
        "across the centroids of both runs; null without a shared numeric feature.",
    )
    centroid_shift = serializers.DictField(
        child=serializers.FloatField(),
        help_text="Per shared feature: the new centroid minus the old one, in original units.",
    )


class OldSegmentSerializer(serializers.Serializer):
    label = serializers.IntegerField()
    name = serializers.CharField()
    size = serializers.IntegerField()
    left = serializers.IntegerField(help_text="Its customers that are not in the new run.")
    matched_to = serializers.IntegerField(allow_null=True, help_text="The new segment's label.")


class NewSegmentSerializer(serializers.Serializer):
    label = serializers.IntegerField()
    name = serializers.CharField()
    size = serializers.IntegerField()
    entered = serializers.IntegerField(help_text="Its customers that were not in the old run.")
    matched_to = serializers.IntegerField(allow_null=True, help_text="The old segment's label.")


class TransitionSerializer(serializers.Serializer):
    from_label = serializers.IntegerField(help_text="Segment of the old run.")
    to_label = serializers.IntegerField(help_text="Segment of the new run.")
    customers = serializers.IntegerField()


class ComparisonCountsSerializer(serializers.Serializer):
    old = serializers.IntegerField(help_text="Customers of the old run.")
    new = serializers.IntegerField(help_text="Customers of the new run.")
    shared = serializers.IntegerField(help_text="Customers in both runs.")
    moved = serializers.IntegerField(
        help_text="Customers in both runs whose new segment is not the match of their old one."
    )
    entered = serializers.IntegerField(help_text="Customers only in the new run.")
    left = serializers.IntegerField(help_text="Customers only in the old run.")


class RunComparisonSerializer(serializers.Serializer):
    """The lineage from the older run (`old_run`) to the newer one (`new_run`). While a large
    comparison is computed (202) only the status fields are filled: ask the same URL again."""

    id = serializers.IntegerField()
    old_run = serializers.IntegerField()
    new_run = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["queued", "running", "succeeded", "failed"])
    progress = serializers.IntegerField()
    stage = serializers.CharField(allow_blank=True)
    error = serializers.CharField(allow_blank=True)
    basis = serializers.ChoiceField(
        choices=["customers", "centroids"],
        allow_null=True,
        help_text="What segments were matched on: shared customers (Jaccard) or, without any, "
        "centroid distance.",
    )
    features = serializers.ListField(child=serializers.CharField())
    counts = ComparisonCountsSerializer(allow_null=True)
    pairs = SegmentPairSerializer(many=True)
    old_segments = OldSegmentSerializer(many=True)
    new_segments = NewSegmentSerializer(many=True)
    transitions = TransitionSerializer(many=True, help_text="Non-empty cells only.")
    movers_url = serializers.CharField()
    movers_csv_url = serializers.CharField()


class MoverSerializer(serializers.Serializer):
    """A customer in both runs whose new segment is not the match of their old one."""

    external_id = serializers.CharField()
    from_label = serializers.IntegerField()
    from_name = serializers.CharField()
    to_label = serializers.IntegerField()
    to_name = serializers.CharField()
