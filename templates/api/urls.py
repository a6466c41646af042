from django.urls import path
from rest_framework.routers import SimpleRouter

from templates.api import views

router = SimpleRouter()
router.register("templates", views.TemplateViewSet, basename="response-template")
router.register(
    r"incidents/(?P<incident_pk>[0-9]+)/responses",
    views.ResponseViewSet,
    basename="incident-response",
)

# Mounted under /api/v1/orgs/<org_slug>/
org_urlpatterns = [
    *router.urls,
    path(
        "incidents/<int:incident_pk>/statement-page/",
        views.StatementPageView.as_view(),
        name="incident-statement-page",
    ),
]
