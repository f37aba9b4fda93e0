"""Document 001: `POST /api/analyze` (stateless: customers in the body, segments in the answer,
nothing stored) and `POST /api/recommendations` (advice from an analysis answer)."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAnalyst
from accounts.scopes import HasRequiredScope
from clustering.engine import FEATURE_TRANSFORMS

from ...models import ClusteringRun
from ...services import analysis_recommendations, records_analyze
from ..serializers import MAX_CLUSTERS, MIN_CLUSTERS
from ..serializers.run_start import FEATURE_TRANSFORM_HELP


class AnalyzeInputSerializer(serializers.Serializer):
    customerData = serializers.ListField(
        child=serializers.DictField(),
        min_length=3,
        help_text="One object per customer; numeric and text fields are clustered, ids left out.",
    )
    algorithm = serializers.ChoiceField(
        choices=ClusteringRun.Algorithm.choices, default=ClusteringRun.Algorithm.KMEANS
    )
    n_clusters = serializers.IntegerField(
        min_value=MIN_CLUSTERS,
        max_value=MAX_CLUSTERS,
        required=False,
        allow_null=True,
        help_text="Leave out to choose k by silhouette.",
    )
    feature_transform = serializers.ChoiceField(
        choices=FEATURE_TRANSFORMS, required=False, help_text=FEATURE_TRANSFORM_HELP
    )
    include_customers = serializers.BooleanField(
        default=True, help_text="List each cluster's customers (the contract's `customers`)."
    )


ANALYSIS = inline_serializer(
    "Analysis",
    {
        "clusters": serializers.ListField(child=serializers.DictField()),
        "featureImportance": serializers.DictField(child=serializers.FloatField()),
        "accuracy": serializers.FloatField(allow_null=True),
        "metrics": serializers.DictField(),
    },
)


class AnalyzeView(APIView):
    """Cluster the customers in the body and describe each cluster; stores nothing."""

    required_scope = "clusters:run"
    permission_classes = [IsAuthenticated, HasRequiredScope, IsAnalyst]

    @extend_schema(operation_id="analyze", request=AnalyzeInputSerializer, responses=ANALYSIS)
    def post(self, request: Request) -> Response:
        data = AnalyzeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        return Response(
            records_analyze(
                records=values["customerData"],
                algorithm=values["algorithm"],
                n_clusters=values.get("n_clusters"),
                feature_transform=values.get("feature_transform"),
                include_customers=values["include_customers"],
            )
        )


class RecommendationsInputSerializer(serializers.Serializer):
    analysis = serializers.DictField(help_text="The whole answer of POST /api/analyze.")


class AnalyzeRecommendationsView(APIView):
    """Strategic recommendations, one or more per cluster of an analysis."""

    required_scope = "clusters:read"
    permission_classes = [IsAuthenticated, HasRequiredScope]

    @extend_schema(
        operation_id="recommendations",
        request=RecommendationsInputSerializer,
        responses=inline_serializer(
            "Recommendations",
            {"recommendations": serializers.ListField(child=serializers.CharField())},
        ),
    )
    def post(self, request: Request) -> Response:
        data = RecommendationsInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            {"recommendations": analysis_recommendations(analysis=data.validated_data["analysis"])}
        )
