"""Input and output shapes of the reports API (documents 000 and 003, canonical /api/v1/)."""

from django.urls import reverse
from rest_framework import serializers

from reports.models import Export
from reports.segments import SEGMENT_TYPES

EXPORT_TYPES = (*SEGMENT_TYPES, "assignments", "report")


class SegmentListInputSerializer(serializers.Serializer):
    """Query of `GET /api/segments/{type}`; `sort_by` is checked against the type's whitelist
    by the view (it differs per type)."""

    limit = serializers.IntegerField(min_value=1, max_value=500, default=50)
    offset = serializers.IntegerField(min_value=0, max_value=1_000_000, default=0)
    sort_by = serializers.CharField(required=False, max_length=64)
    sort_order = serializers.CharField(required=False, default="DESC", max_length=4)

    def validate_sort_order(self, value: str) -> str:
        upper = value.upper()
        if upper not in ("ASC", "DESC"):
            raise serializers.ValidationError("sort_order must be ASC or DESC.")
        return upper


class RequestSummarySerializer(serializers.Serializer):
    total_records = serializers.IntegerField()
    limit = serializers.IntegerField()
    offset = serializers.IntegerField()
    has_more = serializers.BooleanField()


class SegmentPageSerializer(serializers.Serializer):
    """`data` of `GET /api/segments/{type}`: one page of segment records."""

    segmentation_type = serializers.ChoiceField(choices=SEGMENT_TYPES)
    total_records = serializers.IntegerField()
    limit = serializers.IntegerField()
    offset = serializers.IntegerField()
    request_summary = RequestSummarySerializer()
    segments = serializers.ListField(child=serializers.DictField())


class InsightSerializer(serializers.Serializer):
    title = serializers.CharField()
    description = serializers.CharField()
    severity = serializers.ChoiceField(choices=("high", "medium", "low"))
    recommendation = serializers.CharField()
    rule = serializers.CharField()


class InsightReportSerializer(serializers.Serializer):
    """`data` of `GET /api/insights/{type}`."""

    segmentation_type = serializers.ChoiceField(choices=SEGMENT_TYPES)
    generated_at = serializers.CharField()
    insights = InsightSerializer(many=True)
    key_metrics = serializers.DictField()


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
