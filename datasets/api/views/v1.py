"""Document 002: `POST /api/v1/datasets/upload` and `GET /api/v1/datasets` (APPEND_SLASH is off,
so `/api/v1/datasets` and the canonical `/api/v1/datasets/` are two routes)."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAnalyst
from accounts.scopes import HasRequiredScope

from ...selectors import dataset_list
from ..serializers import DatasetListItemSerializer, DatasetSerializer, DatasetUploadInputSerializer
from .common import REPORT_FIELDS, upload_from_request


class V1DatasetUploadView(APIView):
    """Document 002's `POST /api/v1/datasets/upload`: multipart `file`; answers the dataset."""

    parser_classes = [MultiPartParser, FormParser]
    permission_classes = [IsAuthenticated, HasRequiredScope, IsAnalyst]
    required_scope = "datasets:write"

    @extend_schema(
        operation_id="datasets_v1_upload",
        request={"multipart/form-data": DatasetUploadInputSerializer},
        responses={201: DatasetSerializer, 200: DatasetSerializer},
    )
    def post(self, request: Request) -> Response:
        dataset, created = upload_from_request(request)
        return Response(
            DatasetSerializer(dataset).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class V1DatasetListView(APIView):
    """Document 002's `GET /api/v1/datasets`: every dataset the caller may see, newest first, as
    a plain list (the canonical `/api/v1/datasets/` paginates and filters)."""

    required_scope = "datasets:read"

    @extend_schema(
        operation_id="datasets_v1_plain_list", responses={200: DatasetListItemSerializer(many=True)}
    )
    def get(self, request: Request) -> Response:
        datasets = dataset_list(user=request.user).defer(*REPORT_FIELDS)
        return Response(DatasetListItemSerializer(datasets, many=True).data)
