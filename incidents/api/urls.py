from django.urls import path
from rest_framework.routers import SimpleRouter

from incidents.analytics import api as analytics
from incidents.api import views
from incidents.monitoring import api as mentions
from incidents.monitoring import api_imports as imports
from incidents.notifications import api as notifications
from incidents.notifications import api_escalation as escalation
from incidents.postmortems import api as postmortems

# Alike tenants/api/urls.py's router on purpose: each app registers its own viewsets.
router = SimpleRouter()
router.register("incidents", views.IncidentViewSet, basename="incident")
router.register("mentions", mentions.MentionViewSet, basename="mention")
router.register("sources", mentions.SourceViewSet, basename="source")
router.register("imports", imports.MentionImportViewSet, basename="mention-import")
router.register("import-presets", imports.ImportPresetViewSet, basename="import-preset")
router.register("postmortems", postmortems.PostMortemViewSet, basename="postmortem")
router.register(
    r"postmortems/(?P<postmortem_pk>[0-9]+)/action-items",
    postmortems.ActionItemViewSet,
    basename="postmortem-action-item",
)
router.register("rotas", escalation.RotaViewSet, basename="rota")
router.register("escalation-policies", escalation.PolicyViewSet, basename="escalation-policy")
router.register(
    r"brands/(?P<brand_pk>[0-9]+)/rules", mentions.MonitoringRuleViewSet, basename="brand-rule"
)
router.register(
    r"brands/(?P<brand_pk>[0-9]+)/reports", analytics.BrandReportViewSet, basename="brand-report"
)

# Mounted under /api/v1/orgs/<org_slug>/
# Alike tenants/api/urls.py's routes and each other on purpose: a table of routes, one path()
# per view, each with its own URL and name.
org_urlpatterns = [
    *router.urls,
    path(
        "metrics/response-times/", views.ResponseTimesView.as_view(), name="metrics-response-times"
    ),
    path(
        "analytics/overview/",
        analytics.AnalyticsOverviewView.as_view(),
        name="analytics-overview",
    ),
    path("sentiment-model/", mentions.SentimentModelView.as_view(), name="sentiment-model"),
    path(
        "sentiment-model/train/",
        mentions.SentimentModelTrainView.as_view(),
        name="sentiment-model-train",
    ),
    path(
        "incidents/<int:incident_pk>/mention-stats/",
        mentions.MentionStatsView.as_view(),
        name="incident-mention-stats",
    ),
    path(
        "notification-channels/",
        escalation.NotificationChannelsView.as_view(),
        name="notification-channels",
    ),
    path("telegram/", notifications.TelegramBotView.as_view(), name="telegram-bot"),
    path(
        "telegram/chat-codes/",
        notifications.TelegramChatCodeView.as_view(),
        name="telegram-chat-codes",
    ),
    path(
        "telegram/member-code/",
        notifications.TelegramMemberCodeView.as_view(),
        name="telegram-member-code",
    ),
    path(
        "telegram/chats/<int:chat_pk>/",
        notifications.TelegramChatDetailView.as_view(),
        name="telegram-chat",
    ),
    path(
        "telegram/accounts/<int:account_pk>/",
        notifications.TelegramAccountDetailView.as_view(),
        name="telegram-account",
    ),
]

# Mounted under /api/v1/ (no organisation in the path: the signature identifies the brand)
# Alike tenants/api/urls.py's public routes on purpose: its own views, its own names.
urlpatterns = [
    path("ingest/<uuid:ingest_id>/", mentions.SignedIngestView.as_view(), name="signed-ingest"),
    path(
        "telegram/<uuid:webhook_id>/",
        notifications.TelegramWebhookView.as_view(),
        name="telegram-webhook",
    ),
]
