from django.urls import path
from rest_framework.routers import SimpleRouter

from incidents.api import views

router = SimpleRouter()
router.register("incidents", views.IncidentViewSet, basename="incident")

# Mounted under /api/v1/orgs/<org_slug>/
org_urlpatterns = [
    *router.urls,
    path(
        "metrics/response-times/", views.ResponseTimesView.as_view(), name="metrics-response-times"
    ),
]
