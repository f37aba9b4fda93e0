"""The canonical `/api/v1/datasets/` resource and the customer tables derived from purchase
logs. Owners and admins see a dataset or a job; for anyone else it does not exist (404)."""

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAnalyst
from accounts.scopes import HasRequiredScope
from config.api.pagination import PageNumberPagination
from config.api.parsers import SafeJSONParser

from ...filters import CustomerFilter, DatasetFilter
from ...models import CustomerTableJob, Dataset, RegistrationJob
from ...selectors import (
    customer_attributes,
    customer_list,
    customer_table_job_get,
    dataset_get,
    dataset_list,
    registration_job_get,
)
from ...services import (
    customer_table_create,
    dataset_columns_update,
    dataset_delete,
    dataset_register_start,
)
from ..serializers import (
    CorrelationSerializer,
    CustomerSerializer,
    CustomerTableCreateInputSerializer,
    CustomerTableJobSerializer,
    DatasetColumnsUpdateInputSerializer,
    DatasetListItemSerializer,
    DatasetRegisterInputSerializer,
    DatasetSerializer,
    DatasetStatisticsSerializer,
    DatasetUploadInputSerializer,
    QualityReportSerializer,
    RegistrationJobSerializer,
)
from .common import REPORT_FIELDS, upload_from_request

READ_WRITE_SCOPES = {
    "GET": "datasets:read",
    "HEAD": "datasets:read",
    "OPTIONS": "datasets:read",
    "POST": "datasets:write",
    "PATCH": "datasets:write",
    "PUT": "datasets:write",
    "DELETE": "datasets:write",
}


class CustomerPagination(PageNumberPagination):
    """Page numbers; an unfiltered list takes its count from the dataset instead of COUNT(*)
    over up to millions of rows."""

    known_count: int | None = None

    def django_paginator_class(self, object_list: QuerySet, per_page: int) -> Paginator:
        paginator = Paginator(object_list, per_page)
        if self.known_count is not None:
            paginator.__dict__["count"] = self.known_count  # Paginator.count is a cached_property
        return paginator


class DatasetViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's datasets (every dataset for admins). POST uploads a CSV (analysts)."""

    serializer_class = DatasetSerializer
    filterset_class = DatasetFilter
    ordering_fields = ["created_at", "name", "n_rows", "id"]
    parser_classes = [MultiPartParser, FormParser, SafeJSONParser]
    required_scope = READ_WRITE_SCOPES

    def get_permissions(self) -> list:
        if self.request is not None and self.request.method not in ("GET", "HEAD", "OPTIONS"):
            return [IsAuthenticated(), HasRequiredScope(), IsAnalyst()]
        return [IsAuthenticated(), HasRequiredScope()]

    def get_queryset(self) -> QuerySet[Dataset]:
        datasets = dataset_list(user=self.request.user)
        if self.action == "list":
            return datasets.defer(*REPORT_FIELDS)
        if self.action == "customers":  # the row count and the Parquet copy, not the reports
            return datasets.select_related(None).only(
                "id", "owner_id", "n_rows", "parquet_file", "registered"
            )
        return datasets

    def get_serializer_class(self) -> type:
        return DatasetListItemSerializer if self.action == "list" else DatasetSerializer

    @extend_schema(
        request={"multipart/form-data": DatasetUploadInputSerializer},
        responses={201: DatasetSerializer, 200: DatasetSerializer},
        description="Upload a CSV. 201 with the new dataset; 200 with the existing one when you "
        "uploaded the same bytes before (send force_new=true for a new copy). 413 over the "
        "upload limit, 400 with the reason when the file cannot be used.",
    )
    def create(self, request: Request) -> Response:
        dataset, created = upload_from_request(request)
        return Response(
            DatasetSerializer(dataset).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def perform_destroy(self, instance: Dataset) -> None:
        dataset_delete(dataset=instance)

    @extend_schema(
        responses={200: QualityReportSerializer}, description="The quality report of the dataset."
    )
    @action(detail=True, methods=["get"])
    def quality(self, request: Request, pk: str | None = None) -> Response:
        return Response(self.get_object().quality_report)

    @extend_schema(
        responses={200: DatasetStatisticsSerializer},
        description="Per column: describe() figures for numbers, top values for categories.",
    )
    @action(detail=True, methods=["get"])
    def statistics(self, request: Request, pk: str | None = None) -> Response:
        return Response(self.get_object().statistics)

    @extend_schema(responses={200: CorrelationSerializer})
    @action(detail=True, methods=["get"])
    def correlation(self, request: Request, pk: str | None = None) -> Response:
        correlation = self.get_object().correlation or {"features": [], "matrix": []}
        return Response(correlation)

    @extend_schema(
        parameters=[
            OpenApiParameter("external_id", str, description="Only the customer with this id."),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses={
            200: CustomerSerializer(many=True),
            410: OpenApiResponse(description="The dataset's data file is missing."),
        },
        filters=False,
    )
    @action(
        detail=True,
        methods=["get"],
        pagination_class=CustomerPagination,
        filterset_class=None,
        ordering_fields=[],
    )
    def customers(self, request: Request, pk: str | None = None) -> Response:
        dataset = self.get_object()
        filters = CustomerFilter(request.query_params, queryset=customer_list(dataset=dataset))
        if not filters.is_valid():
            raise ValidationError({field: errors for field, errors in filters.errors.items()})
        paginator = self.paginator
        if not request.query_params.get("external_id"):
            paginator.known_count = dataset.n_rows
        page = paginator.paginate_queryset(filters.qs, request, view=self)
        attributes = customer_attributes(
            dataset=dataset, row_numbers=[customer.row_number for customer in page]
        )
        data = CustomerSerializer(page, many=True, context={"attributes": attributes}).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        request=DatasetColumnsUpdateInputSerializer,
        responses={200: DatasetSerializer},
        description="Correct the semantic roles of columns. A role given to one column is taken "
        "from the column that had it.",
    )
    @action(detail=True, methods=["patch"])
    def columns(self, request: Request, pk: str | None = None) -> Response:
        dataset = self.get_object()
        data = DatasetColumnsUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dataset = dataset_columns_update(dataset=dataset, roles=data.validated_data["roles"])
        return Response(DatasetSerializer(dataset).data)


CUSTOMER_TABLE_DESCRIPTION = """\
Derive a new dataset with one row per customer from a purchase log (a dataset whose
`transaction_log` names its columns, or any dataset with `columns` given): `customer_id`,
`recency_days` (days from the last purchase day to the as-of date), `frequency` (distinct purchase
days), `monetary` (purchases minus refunds), `average_order_value` (monetary / frequency) and
`tenure_days` (days from the first purchase day to the as-of date), with the roles customer_id,
recency, frequency, monetary, purchase_amount and tenure set.

Rules: dates count by calendar day. The as-of date defaults to the log's last date + 1 day;
lines after it are left out. A line with a negative amount is a refund: it lowers monetary and
never counts as a purchase day (nor as a first or last purchase). With a quantity column the
quantity's sign decides: a negative quantity is a return (its amount counts as a refund,
whatever its sign), and a negative amount with a quantity of zero or more is an error.

Answers 201 with the new dataset for a log of at most CUSTOMER_TABLE_INLINE_MAX_ROWS lines,
else 202 with a job (`Location` is its URL; poll `GET /api/v1/customer-table-jobs/{id}/`).
400 names the column and the file line (header = line 1) when the log has no date column, a
date that cannot be read, a missing customer id or amount, a purchase with a negative amount,
or a customer whose refunds exceed their purchases or who has refunds and no purchase. 503 with
Retry-After when a large log's job cannot be queued."""


class CustomerTableCreateView(APIView):
    """Derive a customer table from one of the caller's purchase logs (analysts)."""

    parser_classes = [SafeJSONParser]
    permission_classes = [IsAuthenticated, HasRequiredScope, IsAnalyst]
    required_scope = "datasets:write"
    queues_jobs = ("post",)  # a large log: 503 while the broker is unreachable

    @extend_schema(
        operation_id="datasets_customer_table_create",
        request=CustomerTableCreateInputSerializer,
        responses={
            201: DatasetSerializer,
            202: OpenApiResponse(
                CustomerTableJobSerializer,
                description="A large log: the job that builds the table; follow Location.",
            ),
        },
        description=CUSTOMER_TABLE_DESCRIPTION,
    )
    def post(self, request: Request, pk: int) -> Response:
        dataset = dataset_get(user=request.user, pk=pk)
        data = CustomerTableCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        made = customer_table_create(
            user=request.user,
            dataset=dataset,
            columns=data.validated_data.get("columns"),
            as_of=data.validated_data.get("as_of"),
            name=data.validated_data.get("name"),
        )
        if isinstance(made, CustomerTableJob):
            url = reverse("datasets-api:customer-table-job-detail", args=[made.pk])
            return Response(
                CustomerTableJobSerializer(made).data,
                status=status.HTTP_202_ACCEPTED,
                headers={"Location": url},
            )
        return Response(DatasetSerializer(made).data, status=status.HTTP_201_CREATED)


class CustomerTableJobDetailView(APIView):
    """One of the caller's customer-table jobs: status, progress, and the new dataset."""

    required_scope = "datasets:read"

    @extend_schema(
        operation_id="datasets_customer_table_job_retrieve",
        responses={200: CustomerTableJobSerializer},
    )
    def get(self, request: Request, pk: int) -> Response:
        job = customer_table_job_get(user=request.user, pk=pk)
        return Response(CustomerTableJobSerializer(job).data)


REGISTER_DESCRIPTION = """\
Register a Parquet dataset (one file or a folder of parts) that is already under the data root
(DATA_URL), without uploading it: its schema is read from the Parquet metadata, its quality,
statistics and roles from a sample, the counts of missing values, duplicate rows and ids exactly
over every row, and one customer is recorded per row with its external id. The data stays where
it is (deleting the dataset leaves it).

Data of at most REGISTER_INLINE_MAX_ROWS rows (by its Parquet footers) is registered in the
request: 201 with the new dataset; 200 with the existing one when you registered the same data
before (force_new=true for a new one). Larger data answers 202 with a job (`Location` is its URL;
poll `GET /api/v1/registration-jobs/{id}/` until it has succeeded, with `result` the new dataset,
or failed, with `error` saying why: nothing of the data is kept then). 400 at once for a URL
outside the data root, nothing at the URL, data that is not Parquet, parts of different schemas,
or too many rows or columns; a missing customer id column or a column that cannot be segmented
is a 400 in the request, or the job's error. 503 with Retry-After when the job queue cannot be
reached."""


class DatasetRegisterView(APIView):
    """Register Parquet data under the data root for the caller (analysts)."""

    parser_classes = [SafeJSONParser]
    permission_classes = [IsAuthenticated, HasRequiredScope, IsAnalyst]
    required_scope = "datasets:write"
    queues_jobs = ("post",)  # large data: 503 while the broker is unreachable

    @extend_schema(
        operation_id="datasets_register_create",
        request=DatasetRegisterInputSerializer,
        responses={
            201: DatasetSerializer,
            200: DatasetSerializer,
            202: OpenApiResponse(
                RegistrationJobSerializer,
                description="Large data: the job that registers it; follow Location.",
            ),
        },
        description=REGISTER_DESCRIPTION,
    )
    def post(self, request: Request) -> Response:
        data = DatasetRegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        made = dataset_register_start(
            owner=request.user,
            url=data.validated_data["url"],
            name=data.validated_data.get("name"),
            id_column=data.validated_data.get("id_column"),
            force_new=data.validated_data["force_new"],
        )
        if isinstance(made, RegistrationJob):
            url = reverse("datasets-api:registration-job-detail", args=[made.pk])
            return Response(
                RegistrationJobSerializer(made).data,
                status=status.HTTP_202_ACCEPTED,
                headers={"Location": url},
            )
        dataset, created = made
        return Response(
            DatasetSerializer(dataset).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class RegistrationJobDetailView(APIView):
    """One of the caller's registration jobs: status, progress, and the new dataset."""

    required_scope = "datasets:read"

    @extend_schema(
        operation_id="datasets_registration_job_retrieve",
        responses={200: RegistrationJobSerializer},
    )
    def get(self, request: Request, pk: int) -> Response:
        job = registration_job_get(user=request.user, pk=pk)
        return Response(RegistrationJobSerializer(job).data)
