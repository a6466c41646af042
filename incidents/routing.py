from django.urls import path

from incidents.consumers import IncidentFeedConsumer

websocket_urlpatterns = [
    path("ws/v1/orgs/<slug:org_slug>/", IncidentFeedConsumer.as_asgi()),
]
