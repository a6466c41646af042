"""The benchmark's baseline endpoints, mounted under /bench/ only when CRISISDESK_BENCH=1."""

from django.urls import path

from bench import views

urlpatterns = [
    path("ping/", views.PingView.as_view(), name="bench-ping"),
    path("orgs/<slug:org_slug>/incidents/", views.bare_incident_list, name="bench-incident-list"),
    path(
        "orgs/<slug:org_slug>/incidents/<int:pk>/",
        views.bare_incident_detail,
        name="bench-incident-detail",
    ),
]
