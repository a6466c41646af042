"""The analytics overview."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from incidents.analytics.selectors import analytics_overview
from tenants.tenancy import OrgAPIRequest, OrgScopedAPIView


class AnalyticsQuerySerializer(serializers.Serializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            "from": serializers.DateTimeField(required=False, source="date_from"),
            "to": serializers.DateTimeField(required=False, source="date_to"),
            "brand": serializers.IntegerField(required=False, min_value=1, source="brand_id"),
            "drills": serializers.BooleanField(required=False, default=False),
        }


class AnalyticsOverviewView(OrgScopedAPIView):
    """Incidents by brand, severity, crisis type and month; response times per month against
    the SLA; recurring crisis types; action items; mention volume and sentiment per day."""

    @extend_schema(
        summary="Analytics overview",
        parameters=[
            OpenApiParameter("from", str, description="ISO date-time"),
            OpenApiParameter("to", str, description="ISO date-time"),
            OpenApiParameter("brand", int),
            OpenApiParameter("drills", bool, description="Include drills (excluded by default)"),
        ],
        responses={200: dict},
    )
    def get(self, request: OrgAPIRequest, org_slug: str) -> Response:
        query = AnalyticsQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        return Response(analytics_overview(membership=request.membership, **query.validated_data))
