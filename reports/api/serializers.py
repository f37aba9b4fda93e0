"""Input and output shapes of the reports API (documents 000 and 003, canonical /api/v1/)."""

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from config.api.envelope import PageQueryInputSerializer, PageSerializer, RecordSerializer
from reports.models import Export
from reports.segments import AGGREGATES, SEGMENT_TYPES

EXPORT_TYPES = (*SEGMENT_TYPES, "assignments", "report")


class SegmentListInputSerializer(PageQueryInputSerializer):
    """Query of `GET /api/segments/{type}`; `sort_by` is checked against the type's whitelist
    by the view (it differs per type)."""

    sort_by = serializers.CharField(required=False, max_length=64)
    sort_order = serializers.CharField(required=False, default="DESC", max_length=4)

    def validate_sort_order(self, value: str) -> str:
        upper = value.upper()
        if upper not in ("ASC", "DESC"):
            raise serializers.ValidationError("sort_order must be ASC or DESC.")
        return upper


def _figure(**kwargs: Any) -> serializers.FloatField:
    """A rounded figure; null when the data has no value for it (e.g. every value missing)."""
    return serializers.FloatField(allow_null=True, **kwargs)


# The averages of a segment table, one per `segments.AGGREGATES` (their one home).
SegmentAveragesSerializer = type(
    "SegmentAveragesSerializer",
    (RecordSerializer,),
    {name: _figure(required=False) for name, _, _ in AGGREGATES},
)


class TableSegmentSerializer(SegmentAveragesSerializer):
    """One segment of every type but `cluster`: its key column (named by the type, e.g.
    `clv_tier`), `segment_name`, counts, and the averages the data has columns for."""

    gender = serializers.CharField(required=False)
    region = serializers.CharField(required=False)
    age_group = serializers.CharField(required=False)
    income_bracket = serializers.CharField(required=False)
    purchase_tier = serializers.CharField(required=False)
    clv_tier = serializers.CharField(required=False)
    segment_name = serializers.CharField()
    total_customers = serializers.IntegerField()
    customer_percentage = _figure()
    total_value = _figure(required=False)


class ClusterDemographicsSerializer(RecordSerializer):
    avg_age = _figure(required=False)
    age_range_min = _figure(required=False)
    age_range_max = _figure(required=False)
    predominant_gender = serializers.CharField(required=False)
    gender_distribution = serializers.DictField(child=serializers.IntegerField(), required=False)
    regions = serializers.ListField(child=serializers.CharField(), required=False)


class FigureRangeSerializer(serializers.Serializer):
    min = _figure()
    max = _figure()


class ClusterFinancialSerializer(RecordSerializer):
    avg_income = _figure(required=False)
    median_income = _figure(required=False)
    income_range = FigureRangeSerializer(required=False)
    avg_purchase_amount = _figure(required=False)
    total_purchases = _figure(required=False)
    avg_purchase_frequency = _figure(required=False)
    avg_clv = _figure(required=False)


class ClusterBehaviourSerializer(RecordSerializer):
    avg_customer_lifespan_months = _figure(required=False)
    avg_spending_score = _figure(required=False)


class ClusterSegmentMetadataSerializer(serializers.Serializer):
    created_at = serializers.DateTimeField(allow_null=True)
    description = serializers.CharField(allow_blank=True)


class ClusterSegmentSerializer(RecordSerializer):
    """One segment of the `cluster` type (document 003 section 2): only the figures the data
    has columns for."""

    cluster_id = serializers.IntegerField(help_text="The cluster's label in the run (-1: noise).")
    cluster_label = serializers.CharField()
    cluster_name = serializers.CharField()
    cluster_priority = serializers.IntegerField(
        help_text="1 = the most valuable cluster (by average CLV, else spend, else size)."
    )
    customer_count = serializers.IntegerField()
    customer_percentage = _figure()
    demographics = ClusterDemographicsSerializer()
    financial_metrics = ClusterFinancialSerializer()
    behavioral_metrics = ClusterBehaviourSerializer()
    metadata = ClusterSegmentMetadataSerializer()


class SegmentPageSerializer(PageSerializer):
    """`data` of `GET /api/segments/{type}`: one page of segment records (the `cluster` type's
    records are detailed, the other types' flat)."""

    segmentation_type = serializers.ChoiceField(choices=SEGMENT_TYPES)
    segments = PolymorphicProxySerializer(
        component_name="SegmentRecord",
        serializers=[TableSegmentSerializer, ClusterSegmentSerializer],
        resource_type_field_name=None,
        many=True,
    )


class InsightSerializer(serializers.Serializer):
    title = serializers.CharField()
    description = serializers.CharField()
    severity = serializers.ChoiceField(choices=("high", "medium", "low"))
    recommendation = serializers.CharField()
    rule = serializers.CharField()


class KeyMetricsSerializer(RecordSerializer):
    """Headline figures of one segment type; value figures when the data has a value column."""

    total_customers = serializers.IntegerField()
    total_segments = serializers.IntegerField()
    avg_clv = _figure(required=False)
    avg_purchase_amount = _figure(required=False)
    total_value = _figure(required=False)
    value_measure = serializers.CharField(required=False)
    gini_coefficient = _figure(required=False)
    revenue_concentration = serializers.CharField(required=False)
    # Present when the Gini coefficient was estimated from a sample of the customers
    # (a dataset beyond one machine): how many were ranked.
    gini_sample_size = serializers.IntegerField(required=False)


class InsightReportSerializer(serializers.Serializer):
    """`data` of `GET /api/insights/{type}`."""

    segmentation_type = serializers.ChoiceField(choices=SEGMENT_TYPES)
    generated_at = serializers.DateTimeField()
    insights = InsightSerializer(many=True)
    key_metrics = KeyMetricsSerializer()


class SegmentExportInputSerializer(serializers.Serializer):
    """Body of `POST /api/export/{type}` (document 003)."""

    format = serializers.ChoiceField(choices=Export.Format.choices, default="csv")
    include_charts = serializers.BooleanField(default=True)
    columns = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, max_length=200
    )
    filters = serializers.DictField(required=False)


def download_path(export: Export) -> str:
    return reverse("reports-api:export-download-003", args=[export.pk])


class ExportAcceptedSerializer(serializers.Serializer):
    """`data` of `POST /api/export/{type}` (202)."""

    export_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=Export.Status.choices)
    format = serializers.ChoiceField(choices=Export.Format.choices)
    estimated_size_mb = serializers.FloatField()
    download_url = serializers.CharField()
    expires_at = serializers.DateTimeField()
    error = serializers.CharField(required=False, help_text="Why the export failed (if it did).")


class ExportSerializer(serializers.ModelSerializer):
    """An export of the canonical API."""

    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Export
        fields = (
            "id",
            "run",
            "what",
            "format",
            "options",
            "status",
            "error",
            "size_bytes",
            "created_at",
            "expires_at",
            "download_url",
        )
        read_only_fields = fields

    def get_download_url(self, export: Export) -> str:
        return reverse("reports-api:export-download", args=[export.pk])


class ExportCreateInputSerializer(serializers.Serializer):
    """Body of `POST /api/v1/exports/`."""

    run = serializers.IntegerField(min_value=1, max_value=2**62)
    what = serializers.CharField(
        required=False,
        max_length=32,
        help_text="assignments (CSV/XLSX/JSON), report (JSON/HTML) or segments:<type>; defaults "
        "to assignments for CSV/XLSX and report for JSON/HTML.",
    )
    format = serializers.ChoiceField(choices=Export.Format.choices)
    include_charts = serializers.BooleanField(default=True)
    columns = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, max_length=200
    )
    filters = serializers.DictField(required=False)


class VisualizationsSerializer(serializers.Serializer):
    """Document 000 `GET /api/visualizations`: Plotly figures for `Plotly.newPlot`."""

    success = serializers.BooleanField()
    scatter_chart = serializers.DictField()
    distribution_chart = serializers.DictField()


class WorkspaceExportSerializer(serializers.Serializer):
    """Document 000 `GET /api/export`: download URLs instead of server paths."""

    success = serializers.BooleanField()
    message = serializers.CharField()
    files = serializers.DictField(child=serializers.CharField())
    exports = serializers.DictField(child=serializers.DictField())
