"""Shapes of the datasets API: inputs are checked here, rules live in services."""

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from config.api.fields import KeyedObjectSerializer, documented_json

from ..ingest import ROLES
from ..models import Customer, CustomerTableJob, Dataset, DatasetJob, RegistrationJob


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
            "registered",
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


class DatasetRegisterInputSerializer(serializers.Serializer):
    url = serializers.CharField(
        max_length=1000,
        help_text="The URL of a Parquet file or a folder of Parquet parts under the data root "
        "(DATA_URL), e.g. s3://bucket/prefix/customers/ or file:///srv/segments/customers.parquet;"
        " a path relative to the root also works.",
    )
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    id_column = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="The customer id column; detected (e.g. customer_id) when left out.",
    )
    force_new = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Register a new dataset even if you registered the same data before.",
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


class NonNumericValuesSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Values that are not numbers (or dates).")
    examples = serializers.ListField(child=serializers.CharField())


class QualityReportSerializer(serializers.Serializer):
    """A dataset's quality report (`datasets.ingest.quality.quality_report`), stored at upload.
    Per-column figures are keyed by column name."""

    total_rows = serializers.IntegerField(required=False)
    total_columns = serializers.IntegerField(required=False)
    numeric_columns = serializers.IntegerField(required=False)
    categorical_columns = serializers.IntegerField(required=False, help_text="With text columns.")
    id_columns = serializers.IntegerField(required=False)
    datetime_columns = serializers.IntegerField(required=False)
    duplicate_rows = serializers.IntegerField(required=False)
    duplicate_ids = serializers.IntegerField(required=False)
    missing_values = serializers.DictField(child=serializers.IntegerField(), required=False)
    missing_percentage = serializers.DictField(child=serializers.FloatField(), required=False)
    total_missing = serializers.IntegerField(required=False)
    memory_usage_mb = serializers.FloatField(required=False)
    constant_columns = serializers.ListField(child=serializers.CharField(), required=False)
    high_cardinality_columns = serializers.ListField(child=serializers.CharField(), required=False)
    outliers = serializers.DictField(
        child=serializers.IntegerField(),
        required=False,
        help_text="Numeric column -> values beyond 1.5 times the interquartile range.",
    )
    non_numeric_values = serializers.DictField(child=NonNumericValuesSerializer(), required=False)
    warnings = serializers.ListField(child=serializers.CharField(), required=False)
    encoding = serializers.CharField(required=False, help_text="The file's text encoding.")
    delimiter = serializers.CharField(
        required=False, help_text="The column separator found: comma, semicolon, tab or pipe."
    )


class TopValueSerializer(serializers.Serializer):
    value = documented_json("A value of the column.", kind="any")
    count = serializers.IntegerField()


COLUMN_KINDS = ("numeric", "categorical", "text", "id", "datetime")  # datasets/ingest/kinds.py
DESCRIBE_FIGURE = "Numeric columns: a describe() figure (null when it cannot be computed)."


class ColumnStatisticsSerializer(serializers.Serializer):
    """One column's figures: describe() for numbers (`count`, `mean`, `std`, `min`, `25%`,
    `50%`, `75%`, `max`), top values for categories, the range for dates."""

    kind = serializers.ChoiceField(choices=COLUMN_KINDS)
    count = serializers.FloatField(help_text="Values present.")
    mean = serializers.FloatField(required=False, allow_null=True, help_text=DESCRIBE_FIGURE)
    std = serializers.FloatField(required=False, allow_null=True, help_text=DESCRIBE_FIGURE)
    min = documented_json(
        "The smallest value: a number, or an ISO date for datetime columns.",
        kind="any",
        required=False,
    )
    max = documented_json(
        "The largest value: a number, or an ISO date for datetime columns.",
        kind="any",
        required=False,
    )
    unique = serializers.IntegerField(required=False, help_text="Distinct values.")
    top = documented_json(
        "Categorical columns: the most frequent value.", kind="any", required=False
    )
    freq = serializers.IntegerField(required=False, help_text="How often `top` occurs.")
    top_values = TopValueSerializer(many=True, required=False)


# describe()'s quartile names are not Python names, so they are declared here.
ColumnStatisticsSerializer._declared_fields.update(
    {
        quartile: serializers.FloatField(required=False, help_text=DESCRIBE_FIGURE)
        for quartile in ("25%", "50%", "75%")
    }
)


class DatasetStatisticsSerializer(KeyedObjectSerializer):
    """`GET /api/v1/datasets/{id}/statistics/`: column name -> its figures."""

    values_serializer = ColumnStatisticsSerializer


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
    metrics = QualityReportSerializer()


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


class DatasetJobSerializer(serializers.ModelSerializer):
    """What every dataset job answers (`datasets.models.DatasetJob`): its state and, once it has
    succeeded, the new dataset's id and URL."""

    result = serializers.IntegerField(source="result_id", read_only=True, allow_null=True)
    result_url = serializers.SerializerMethodField()

    STATE_FIELDS = ["id", "status", "progress", "stage", "error"]
    OUTCOME_FIELDS = [
        "result",
        "result_url",
        "parameters",
        "created_at",
        "started_at",
        "finished_at",
    ]

    def get_result_url(self, job: DatasetJob) -> str | None:
        if job.result_id is None:
            return None
        return reverse("datasets-api:dataset-detail", args=[job.result_id])


class CustomerTableJobSerializer(DatasetJobSerializer):
    """A customer-table job: poll it until `status` is succeeded (then `result` is the new
    dataset's id) or failed (then `error` says why)."""

    source = serializers.IntegerField(source="source_id", read_only=True)

    class Meta:
        model = CustomerTableJob
        fields = [
            *DatasetJobSerializer.STATE_FIELDS,
            "source",
            *DatasetJobSerializer.OUTCOME_FIELDS,
        ]
        read_only_fields = fields


class RegistrationParametersSerializer(serializers.Serializer):
    """What the registration was asked with (None: detected or left to the default)."""

    name = serializers.CharField(allow_null=True, read_only=True)
    id_column = serializers.CharField(allow_null=True, read_only=True)
    force_new = serializers.BooleanField(read_only=True)


class RegistrationJobSerializer(DatasetJobSerializer):
    """A registration job: poll it until `status` is succeeded (then `result` is the new
    dataset's id) or failed (then `error` says why, and nothing of the data was kept)."""

    url = serializers.CharField(read_only=True, help_text="The URL given to register.")
    n_rows = serializers.IntegerField(
        read_only=True, help_text="Rows of the data by its Parquet footers when it was asked."
    )
    parameters = RegistrationParametersSerializer(read_only=True)

    class Meta:
        model = RegistrationJob
        fields = [
            *DatasetJobSerializer.STATE_FIELDS,
            "url",
            "n_rows",
            *DatasetJobSerializer.OUTCOME_FIELDS,
        ]
        read_only_fields = fields
