import os

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from incidents.api.urls import org_urlpatterns as incident_org_urls
from playbooks.api.urls import org_urlpatterns as playbook_org_urls
from templates.api.urls import org_urlpatterns as template_org_urls
from tenants.api.urls import org_urlpatterns as tenant_org_urls
from tenants.api.urls import urlpatterns as tenant_urls

# A database outage met outside a view is a 503 too (crisisdesk/core/unavailable.py).
handler500 = "crisisdesk.core.unavailable.server_error"

org_urlpatterns = [*tenant_org_urls, *incident_org_urls, *playbook_org_urls, *template_org_urls]

api_v1 = [
    *tenant_urls,
    path("orgs/<slug:org_slug>/", include(org_urlpatterns)),
    path("", include("incidents.api.urls")),  # signed ingest: its module-level urlpatterns
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("", include("crisisdesk.web_urls")),
]

# Benchmark baselines (bench/views.py): mounted only for `python -m bench.run`, never in production.
if os.environ.get("CRISISDESK_BENCH") == "1":
    urlpatterns.append(path("bench/", include("bench.urls")))
