"""The analytics overview and the monthly brand reports."""

from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from incidents.analytics.reports import (
    brand_report_list,
    brand_report_request,
    report_filename,
)
from incidents.analytics.selectors import analytics_overview
from incidents.policies import may_read_reports
from incidents.postmortems.models import BrandReport, ReportState
from tenants.models import Brand, Role
from tenants.selectors import brand_list
from tenants.tenancy import OrgAPIRequest, OrgScopedAPIView, OrgScopedViewSet, scoped_get


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


# --- monthly brand reports ---


class BrandReportRequestSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM, in the brand's calendar")


# Alike playbooks/api/serializers.py:IncidentTaskSerializer and api/serializers.py on purpose:
# a ModelSerializer's field list, each of its own model.
class BrandReportSerializer(serializers.ModelSerializer):
    month = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()

    class Meta:
        model = BrandReport
        fields = [
            "id",
            "brand",
            "month",
            "state",
            "progress",
            "language",
            "error",
            "created_at",
            "finished_at",
            "url",
            "pdf_url",
            "html_url",
        ]
        read_only_fields = fields

    def _base(self, obj: BrandReport) -> str:
        request = self.context["request"]
        return request.build_absolute_uri(
            f"/api/v1/orgs/{request.organisation.slug}/brands/{obj.brand_id}/reports/{obj.pk}/"
        )

    def get_month(self, obj: BrandReport) -> str:
        return f"{obj.month:%Y-%m}"

    def get_url(self, obj: BrandReport) -> str:
        return self._base(obj)

    def get_pdf_url(self, obj: BrandReport) -> str | None:
        return self._base(obj) + "pdf/" if obj.state == ReportState.READY else None

    def get_html_url(self, obj: BrandReport) -> str | None:
        return self._base(obj) + "html/" if obj.state == ReportState.READY else None


class BrandReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet):
    """Monthly reports of one brand: POST {"month": "YYYY-MM"} → 202 and the report (queued;
    the worker generates it with progress); GET the report for its state, and when ready its
    pdf_url and html_url. The agency's managers and the brand's client staff only: anyone else
    (another brand's client, a responder, another agency) is answered 404."""

    scoped_model = BrandReport
    serializer_class = BrandReportSerializer
    # Who may is the reports' rule (incidents.policies.may_read_reports), checked on the
    # brand: 404 otherwise.
    read_role = Role.VIEWER
    write_role = Role.VIEWER
    http_method_names = ["get", "post", "head", "options"]
    client_actions = frozenset({"list", "retrieve", "create", "pdf", "html"})
    pagination_class = None

    def _brand(self) -> Brand:
        brand = scoped_get(brand_list(membership=self.membership), self.kwargs["brand_pk"])
        if not may_read_reports(self.membership, brand):
            raise Http404
        return brand

    def scoped_queryset(self) -> QuerySet[BrandReport]:
        return brand_report_list(membership=self.membership, brand=self._brand()).defer(
            "html", "pdf"
        )

    @extend_schema(request=BrandReportRequestSerializer, responses={202: BrandReportSerializer})
    def create(self, request: OrgAPIRequest, org_slug: str, brand_pk: str) -> Response:
        brand = self._brand()
        query = BrandReportRequestSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        report = brand_report_request(
            brand=brand, by=self.membership, month=query.validated_data["month"]
        )
        report.refresh_from_db()
        data = self.get_serializer(report).data
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})

    def _ready(self) -> BrandReport:
        report = scoped_get(
            brand_report_list(membership=self.membership, brand=self._brand()),
            self.kwargs["pk"],
        )
        if report.state != ReportState.READY:
            raise Http404
        return report

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request: OrgAPIRequest, org_slug: str, brand_pk: str, pk: str) -> HttpResponse:
        """Download a ready report as PDF. A report not ready yet answers 404."""
        report = self._ready()
        response = HttpResponse(bytes(report.pdf or b""), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{report_filename(report)}.pdf"'
        return response

    @extend_schema(responses={(200, "text/html"): str})
    @action(detail=True, methods=["get"])
    def html(self, request: OrgAPIRequest, org_slug: str, brand_pk: str, pk: str) -> HttpResponse:
        """Read a ready report as an HTML page. A report not ready yet answers 404."""
        report = self._ready()
        response = HttpResponse(report.html, content_type="text/html; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="{report_filename(report)}.html"'
        return response
