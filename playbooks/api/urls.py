from django.urls import path
from rest_framework.routers import SimpleRouter

from playbooks.api import views

router = SimpleRouter()
router.register("playbooks", views.PlaybookViewSet, basename="playbook")
router.register(
    r"incidents/(?P<incident_pk>[0-9]+)/tasks", views.IncidentTaskViewSet, basename="incident-task"
)

# Mounted under /api/v1/orgs/<org_slug>/
# Alike templates/api/urls.py on purpose: each app's own routes, in Django's route-table syntax.
org_urlpatterns = [
    *router.urls,
    path(
        "incidents/<int:incident_pk>/apply-playbook/",
        views.ApplyPlaybookView.as_view(),
        name="incident-apply-playbook",
    ),
    path(
        "incidents/<int:incident_pk>/suggested-playbooks/",
        views.SuggestedPlaybooksView.as_view(),
        name="incident-suggested-playbooks",
    ),
]
