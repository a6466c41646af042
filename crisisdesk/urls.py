import os

from django.contrib import admin
from django.templatetags.static import static
from django.urls import URLPattern, URLResolver, include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from incidents.api.urls import org_urlpatterns as incident_org_urls
from playbooks.api.urls import org_urlpatterns as playbook_org_urls
from templates.api.urls import org_urlpatterns as template_org_urls
from tenants.api.urls import org_urlpatterns as tenant_org_urls
from tenants.api.urls import urlpatterns as tenant_urls

# A database outage met outside a view is a 503 too (crisisdesk/core/unavailable.py).
handler500 = "crisisdesk.core.unavailable.server_error"

org_urlpatterns: list[URLPattern | URLResolver] = [
    *tenant_org_urls,
    *incident_org_urls,
    *playbook_org_urls,
    *template_org_urls,
]

api_v1: list[URLPattern | URLResolver] = [
    *tenant_urls,
    path("orgs/<slug:org_slug>/", include(org_urlpatterns)),
    path("", include("incidents.api.urls")),  # signed ingest: its module-level urlpatterns
]


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema; ?format=json or ?format=yaml picks the encoding (the API's
    URL_FORMAT_OVERRIDE is off, so DRF would ignore the parameter and answer YAML)."""

    def perform_content_negotiation(self, request, force=False):  # type: ignore[no-untyped-def]
        wanted = request.query_params.get("format")
        for renderer in self.get_renderers():
            if wanted and renderer.format == wanted:
                return renderer, renderer.media_type
        return super().perform_content_negotiation(request, force)


urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    # Browsers ask for /favicon.ico on pages without a <link rel="icon"> (the API docs, the
    # public and portal pages): the one icon, not a 404 in every console.
    # Resolved at request time: at import, with DEBUG off and no collectstatic run yet (a test
    # server, a worker checking the URLconf), the manifest lookup raised and nothing started.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.svg"), permanent=True)),
    path("", include("crisisdesk.web_urls")),
]

# Benchmark baselines (bench/views.py): mounted only for `python -m bench.run`, never in production.
if os.environ.get("CRISISDESK_BENCH") == "1":
    urlpatterns.append(path("bench/", include("bench.urls")))
