"""Customer tables from purchase logs: `POST /api/v1/datasets/{id}/customer-table/` derives one
row per customer from a log; `GET /api/v1/customer-table-jobs/{id}/` follows a large log's job.
Another owner's dataset or job does not exist for the caller (404)."""

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAnalyst
from accounts.scopes import HasRequiredScope
from config.api.parsers import SafeJSONParser

from ..models import CustomerTableJob
from ..selectors import customer_table_job_get, dataset_get
from ..services import customer_table_create
from .serializers import (
    CustomerTableCreateInputSerializer,
    CustomerTableJobSerializer,
    DatasetSerializer,
)

CUSTOMER_TABLE_DESCRIPTION = """\
Derive a new dataset with one row per customer from a purchase log (a dataset whose
`transaction_log` names its columns, or any dataset with `columns` given): `customer_id`,
`recency` (days from the last purchase day to the as-of date), `frequency` (distinct purchase
days), `monetary` (purchases minus refunds), `average_order_value` (monetary / frequency) and
`tenure` (days from the first purchase day to the as-of date), with the roles customer_id,
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
or a customer whose refunds exceed their purchases or who has refunds and no purchase."""


class CustomerTableCreateView(APIView):
    """Derive a customer table from one of the caller's purchase logs (analysts)."""

    parser_classes = [SafeJSONParser]
    permission_classes = [IsAuthenticated, HasRequiredScope, IsAnalyst]
    required_scope = "datasets:write"

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
