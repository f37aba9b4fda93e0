"""Document 003: `GET /api/customers/{id}/segment` (its envelope)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.envelope import envelope, envelope_serializer
from config.api.schema import ERROR_SCHEMA

from ...selectors import customer_segment_get
from ..serializers import CustomerSegmentQuerySerializer, CustomerSegmentSerializer


class ExternalCustomerSegmentView(APIView):
    """Document 003 `GET /api/customers/{id}/segment`: a customer of the published
    segmentation's dataset, by its id there, with rule-based segments and its cluster."""

    required_scope = "customers:read"
    error_style = "envelope"

    @extend_schema(
        parameters=[CustomerSegmentQuerySerializer],
        responses={
            200: envelope_serializer("CustomerSegmentEnvelope", CustomerSegmentSerializer),
            409: OpenApiResponse(
                response=ERROR_SCHEMA,
                description="No segmentation is published yet, or the id is ambiguous: it "
                "matches only customers whose ids differ in upper and lower case.",
            ),
            410: OpenApiResponse(
                response=ERROR_SCHEMA, description="The dataset's data file is missing."
            ),
        },
        description="Answers in document 003's envelope; an unknown customer is 404 in it. The "
        "id is matched exactly first, then without surrounding spaces, then regardless of case "
        "when that names one customer (several ids differing only in case: 409).",
    )
    def get(self, request: Request, customer_id: str) -> Response:
        query = CustomerSegmentQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = customer_segment_get(
            user=request.user,
            external_id=customer_id,
            include_insights=query.validated_data["include_insights"],
        )
        return envelope(
            data,
            request=request,
            links={"self": request.path, "clusters": "/api/clusters"},
        )
