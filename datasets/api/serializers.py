"""Shapes of the datasets API: inputs are checked here, rules live in services."""

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from ..ingest import ROLES
from ..models import Customer, CustomerTableJob, Dataset


class DatasetListItemSerializer(serializers.ModelSerializer):
    """A dataset in a list: its headline figures only."""

    owner = serializers.CharField(source="owner.username", read_only=True)

    class Meta:
        model = Dataset
        fields = [
            "id",
            "name",
            "original_filename",
            "owner",
            "n_rows",
            "n_columns",
            "size_bytes",
            "created_at",
        ]
        read_only_fields = fields


class TransactionLogColumnsSerializer(serializers.Serializer):
    """The columns of a purchase log."""

    customer_id = serializers.CharField(help_text="The customer id column (with repeats).")
    date = serializers.CharField(help_text="The purchase date column.")
    amount = serializers.CharField(help_text="The line total column (negative: a refund).")
    quantity = serializers.CharField(
        allow_null=True,
        required=False,
        help_text="The quantity column, if any (negative: a return).",
    )


class DatasetSerializer(DatasetListItemSerializer):
    """A dataset as the API shows it: its columns (schema) and quality headline, no raw data."""

    warnings = serializers.SerializerMethodField()
    transaction_log = TransactionLogColumnsSerializer(
        read_only=True,
        allow_null=True,
        help_text="When the upload reads as a purchase log (a customer id with repeats, a date "
        "and an amount): its columns. POST /api/v1/datasets/{id}/customer-table/ derives one "
        "row per customer from it. Null otherwise.",
    )

    class Meta(DatasetListItemSerializer.Meta):
        fields = [
            *DatasetListItemSerializer.Meta.fields,
            "sha256",
            "schema",
            "warnings",
            "transaction_log",
        ]
        read_only_fields = fields

    def get_warnings(self, dataset: Dataset) -> list[str]:
        return list((dataset.quality_report or {}).get("warnings", []))


class DatasetUploadInputSerializer(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=True,
        help_text="The CSV (comma, semicolon or tab separated, with a header row).",
    )
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    force_new = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Store a new copy even if you uploaded the same file before.",
    )


class DatasetColumnsUpdateInputSerializer(serializers.Serializer):
    roles = serializers.DictField(
        child=serializers.ChoiceField(choices=list(ROLES), allow_null=True),
        allow_empty=False,
        help_text='Column name -> role (or null to clear it), e.g. {"Annual Income": "income"}.',
    )


class CustomerSerializer(serializers.ModelSerializer):
    """A customer with its row's values. The view reads the values of a whole page at once
    (`selectors.customer_attributes`) and passes them as context["attributes"]."""

    attributes = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = ["id", "external_id", "row_number", "attributes"]
        read_only_fields = fields

    def get_attributes(self, customer: Customer) -> dict[str, Any]:
        return self.context["attributes"].get(customer.row_number, {})


class CorrelationSerializer(serializers.Serializer):
    features = serializers.ListField(child=serializers.CharField())
    matrix = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(allow_null=True))
    )


# --- Document 000 (analytics workspace) -----------------------------------------------------


class WorkspaceUploadInputSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, help_text="The CSV file.")


class WorkspaceUploadSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    message = serializers.CharField()
    shape = serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=2)
    statistics = serializers.DictField(child=serializers.DictField())
    features = serializers.ListField(child=serializers.CharField())
    processing_time = serializers.FloatField()


class DataQualitySerializer(serializers.Serializer):
    success = serializers.BooleanField()
    metrics = serializers.DictField()


class CorrelationMatrixSerializer(CorrelationSerializer):
    success = serializers.BooleanField()


class ResetSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    message = serializers.CharField()


# --- Customer tables from purchase logs ------------------------------------------------------


class TransactionLogColumnsInputSerializer(serializers.Serializer):
    """Columns to use instead of the detected ones; each is optional."""

    customer_id = serializers.CharField(required=False, allow_null=True, max_length=200)
    date = serializers.CharField(required=False, allow_null=True, max_length=200)
    amount = serializers.CharField(required=False, allow_null=True, max_length=200)
    quantity = serializers.CharField(required=False, allow_null=True, max_length=200)


class CustomerTableCreateInputSerializer(serializers.Serializer):
    as_of = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Reference day of recency and tenure (lines after it are left out); default "
        "the log's last date + 1 day.",
    )
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    columns = TransactionLogColumnsInputSerializer(
        required=False,
        help_text='Override the detected columns, e.g. {"date": "ordered_on"}.',
    )


class CustomerTableJobSerializer(serializers.ModelSerializer):
    """A customer-table job: poll it until `status` is succeeded (then `result` is the new
    dataset's id) or failed (then `error` says why)."""

    source = serializers.IntegerField(source="source_id", read_only=True)
    result = serializers.IntegerField(source="result_id", read_only=True, allow_null=True)
    result_url = serializers.SerializerMethodField()

    class Meta:
        model = CustomerTableJob
        fields = [
            "id",
            "status",
            "progress",
            "stage",
            "error",
            "source",
            "result",
            "result_url",
            "parameters",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_result_url(self, job: CustomerTableJob) -> str | None:
        if job.result_id is None:
            return None
        return reverse("datasets-api:dataset-detail", args=[job.result_id])
