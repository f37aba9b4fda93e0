"""The canonical `/api/v1/datasets/` resource. Owners and admins see a dataset; for anyone else it
does not exist (404)."""

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import IsAnalyst
from accounts.scopes import HasRequiredScope
from config.api.pagination import PageNumberPagination
from config.api.parsers import SafeJSONParser

from ...filters import CustomerFilter, DatasetFilter
from ...models import Dataset
from ...selectors import customer_attributes, customer_list, dataset_list
from ...services import dataset_columns_update, dataset_delete
from ..serializers import (
    CorrelationSerializer,
    CustomerSerializer,
    DatasetColumnsUpdateInputSerializer,
    DatasetListItemSerializer,
    DatasetSerializer,
    DatasetStatisticsSerializer,
    DatasetUploadInputSerializer,
    QualityReportSerializer,
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
            return datasets.select_related(None).only("id", "owner_id", "n_rows", "parquet_file")
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
