from django.urls import path
from rest_framework.routers import SimpleRouter

from tenants.api import accounts, views

router = SimpleRouter()
router.register("brands", views.BrandViewSet, basename="brand")
router.register("teams", views.TeamViewSet, basename="team")
router.register("members", views.MemberViewSet, basename="member")
router.register("invitations", views.InvitationViewSet, basename="invitation")
router.register("audit", views.AuditViewSet, basename="audit")

# Mounted under /api/v1/orgs/<org_slug>/
# Alike urlpatterns below and incidents/api/urls.py on purpose: route tables, one path() per
# organisation endpoint and its own view; only the path() rows' shape repeats.
org_urlpatterns = [
    path("export/", views.OrganisationExportView.as_view(), name="org-export"),
    path(
        "rotate-webhook-secret/",
        views.OrganisationWebhookSecretView.as_view(),
        name="org-rotate-webhook-secret",
    ),
    path("", views.OrganisationDetailView.as_view(), name="org-detail"),
    *router.urls,
]

# Mounted under /api/v1/
# Alike org_urlpatterns and crisisdesk/web_urls.py on purpose: the API's account endpoints
# (register, tokens, password reset, email check), each mapped to its own API view.
urlpatterns = [
    path("auth/register/", views.RegisterView.as_view(), name="auth-register"),
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("auth/logout/", views.LogoutView.as_view(), name="auth-logout"),
    path("auth/tokens/", views.TokenListView.as_view(), name="auth-tokens"),
    path("auth/tokens/<uuid:token_id>/", views.TokenDetailView.as_view(), name="auth-token-detail"),
    path(
        "auth/password-reset/",
        accounts.PasswordResetRequestView.as_view(),
        name="auth-password-reset",
    ),
    path(
        "auth/password-reset/confirm/",
        accounts.PasswordResetConfirmView.as_view(),
        name="auth-password-reset-confirm",
    ),
    path("auth/verify-email/", accounts.EmailVerifyView.as_view(), name="auth-verify-email"),
    path(
        "auth/verify-email/resend/",
        accounts.EmailVerificationResendView.as_view(),
        name="auth-verify-email-resend",
    ),
    path("me/", views.MeView.as_view(), name="me"),
    path("ws-ticket/", views.WsTicketView.as_view(), name="ws-ticket"),
    path(
        "invitations/<str:token>/accept/",
        views.InvitationAcceptView.as_view(),
        name="invitation-accept",
    ),
    path("orgs/", views.OrganisationListView.as_view(), name="org-list"),
]
