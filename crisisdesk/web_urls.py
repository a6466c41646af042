"""Every page of the web application (namespace "web").

Organisation pages live under /o/<org_slug>/ and are wrapped in tenants.tenancy.org_page. URL
kwargs name their model: <model>_pk (incident_pk, brand_pk, team_pk, membership_pk, …),
which the isolation test of the web pages relies on.
"""

from django.urls import include, path

from incidents import views as incident_views
from incidents.analytics import views as dashboard_views
from incidents.monitoring import views as monitoring_views
from incidents.monitoring import views_imports as import_views
from incidents.notifications import views as notification_views
from incidents.notifications import views_escalation as escalation_views
from incidents.postmortems import views as postmortem_views
from playbooks import dashboard as playbook_dashboard
from playbooks import views as playbook_views
from templates import dashboard as template_dashboard
from templates import views as template_views
from templates import views_library as template_library_views
from templates import views_portal as portal_views
from templates import views_public as statement_views
from tenants import views as tenant_views
from tenants import views_accounts as account_views
from tenants import views_settings as tenant_settings_views

app_name = "web"

# The incident room is assembled here, where every app is known: incidents never imports the
# apps that build on it (see incidents.views.ROOM_SECTIONS).
incident_views.ROOM_SECTIONS[:] = [
    monitoring_views.mentions_section,
    monitoring_views.evidence_section,
    playbook_views.tasks_section,
    template_views.responses_section,
    postmortem_views.room_section,
]
incident_views.RESOLVE_WARNINGS[:] = [playbook_views.resolve_warnings]
dashboard_views.DASHBOARD_SECTIONS[:] = [
    template_dashboard.approvals_section,
    postmortem_views.dashboard_section,
    playbook_dashboard.overdue_tasks_section,
]
tenant_views.BRAND_SECTIONS[:] = [monitoring_views.sources_section, monitoring_views.rules_section]
tenant_settings_views.SETTINGS_SECTIONS[:] = [notification_views.telegram_section]

# Alike incident_urls and the other tables here on purpose: route tables, one path() per
# response action, each naming its own view and URL; only the path() shape repeats.
response_urls = [
    path("", template_views.responses, name="incident-responses"),
    path("variables/", template_views.variables, name="incident-response-variables"),
    path("preview/", template_views.preview, name="incident-response-preview"),
    path("new/", template_views.draft, name="incident-response-draft"),
    path("<int:response_pk>/submit/", template_views.submit, name="incident-response-submit"),
    path("<int:response_pk>/approve/", template_views.approve, name="incident-response-approve"),
    path("<int:response_pk>/reject/", template_views.reject, name="incident-response-reject"),
    path("<int:response_pk>/publish/", template_views.publish, name="incident-response-publish"),
    path("<int:response_pk>/edit/", template_views.edit, name="incident-response-edit"),
    path("<int:response_pk>/delete/", template_views.delete, name="incident-response-delete"),
]

# Alike org_urls and postmortem_urls on purpose: the incident room's own routes, one path() per
# room action and view; what repeats is the shape of a route table.
incident_urls = [
    path("", incident_views.room, name="incident"),
    path("row/", incident_views.board_row, name="incident-row"),
    path("header/", incident_views.room_header, name="incident-header"),
    path("timeline/", incident_views.timeline, name="incident-timeline"),
    path("mentions/", monitoring_views.incident_mentions, name="incident-mentions"),
    path("acknowledge/", incident_views.acknowledge, name="incident-acknowledge"),
    path("status/", incident_views.transition, name="incident-transition"),
    path("severity/", incident_views.severity, name="incident-severity"),
    path("assign/", incident_views.assign, name="incident-assign"),
    path("notes/", incident_views.note, name="incident-note"),
    path("tasks/", playbook_views.tasks, name="incident-tasks"),
    path("tasks/<int:task_pk>/toggle/", playbook_views.task_toggle, name="incident-task-toggle"),
    path("apply-playbook/", playbook_views.apply, name="incident-apply-playbook"),
    path("responses/", include(response_urls)),
    path(
        "statement-page/",
        template_views.statement_page_publish,
        name="incident-statement-page-publish",
    ),
    path(
        "statement-page/withdraw/",
        template_views.statement_page_withdraw,
        name="incident-statement-page-withdraw",
    ),
]

# Alike incident_urls on purpose: one path() per post-mortem action (submit, approve, items…),
# each its own view and URL name; the repeated lines are path() rows.
postmortem_urls = [
    path("", postmortem_views.postmortem_page, name="postmortem"),
    path("submit/", postmortem_views.postmortem_submit, name="postmortem-submit"),
    path(
        "request-changes/",
        postmortem_views.postmortem_request_changes,
        name="postmortem-request-changes",
    ),
    path("approve/", postmortem_views.postmortem_approve, name="postmortem-approve"),
    path("export/", postmortem_views.postmortem_export, name="postmortem-export"),
    path("items/new/", postmortem_views.action_item_new, name="postmortem-item-new"),
    path("items/edit/", postmortem_views.action_item_edit, name="postmortem-item-edit"),
    path("items/done/", postmortem_views.action_item_done, name="postmortem-item-done"),
    path("items/delete/", postmortem_views.action_item_delete, name="postmortem-item-delete"),
]

# Alike incident_urls and portal_urls on purpose: the organisation's page routes (brands, teams,
# rotas, settings…), one path() per view; the look-alike rows are the route table's shape.
org_urls = [
    path("", dashboard_views.dashboard, name="dashboard"),
    path("incidents/", incident_views.board, name="board"),
    path("incidents/new/", incident_views.incident_new, name="incident-new"),
    path("incidents/archive/", incident_views.archive, name="incident-archive"),
    path("incidents/<int:incident_pk>/", include(incident_urls)),
    path("postmortems/", postmortem_views.postmortem_list, name="postmortems"),
    path("postmortems/<int:postmortem_pk>/", include(postmortem_urls)),
    path("brands/", tenant_views.brands, name="brands"),
    path("brands/<int:brand_pk>/", tenant_views.brand, name="brand"),
    path(
        "brands/<int:brand_pk>/rotate-secret/",
        tenant_views.brand_rotate_secret,
        name="brand-rotate-secret",
    ),
    path("brands/<int:brand_pk>/secret/", tenant_views.brand_secret, name="brand-secret"),
    path("brands/<int:brand_pk>/delete/", tenant_views.brand_delete, name="brand-delete"),
    path("brands/<int:brand_pk>/rules/new/", monitoring_views.rule_new, name="brand-rule-new"),
    path(
        "brands/<int:brand_pk>/sources/new/", monitoring_views.source_new, name="brand-source-new"
    ),
    *[
        path(
            f"brands/<int:brand_pk>/sources/<int:source_pk>/{action}/",
            monitoring_views.source_action,
            {"action": action},
            name=f"brand-source-{action}",
        )
        for action in ("poll", "pause", "resume", "delete")
    ],
    path(
        "brands/<int:brand_pk>/rules/<int:rule_pk>/toggle/",
        monitoring_views.rule_toggle,
        name="brand-rule-toggle",
    ),
    path(
        "brands/<int:brand_pk>/rules/<int:rule_pk>/delete/",
        monitoring_views.rule_delete,
        name="brand-rule-delete",
    ),
    path("mentions/", monitoring_views.mention_browser, name="mentions"),
    path("mentions/bulk/", monitoring_views.mention_bulk, name="mentions-bulk"),
    path("imports/", import_views.imports, name="imports"),
    path("imports/<int:import_pk>/", import_views.import_page, name="import"),
    path("imports/<int:import_pk>/start/", import_views.import_start, name="import-start"),
    path("imports/<int:import_pk>/progress/", import_views.import_progress, name="import-progress"),
    path(
        "mentions/<int:mention_pk>/label/",
        monitoring_views.mention_label,
        name="mention-label",
    ),
    path("teams/", tenant_views.teams, name="teams"),
    path("teams/<int:team_pk>/", tenant_views.team, name="team"),
    path("teams/<int:team_pk>/delete/", tenant_views.team_delete, name="team-delete"),
    path("playbooks/", playbook_views.library, name="playbooks"),
    path("playbooks/new/", playbook_views.playbook_new, name="playbook-new"),
    path("playbooks/<int:playbook_pk>/", playbook_views.playbook, name="playbook"),
    path("templates/", template_library_views.library, name="templates"),
    path("templates/new/", template_library_views.template_new, name="template-new"),
    path("templates/preview/", template_library_views.template_preview, name="template-preview"),
    path("templates/<int:template_pk>/", template_library_views.template_page, name="template"),
    path("settings/", tenant_settings_views.organisation_settings, name="org-settings"),
    path(
        "settings/webhook-secret/",
        tenant_settings_views.organisation_rotate_webhook_secret,
        name="org-rotate-webhook-secret",
    ),
    path("settings/logo/", tenant_settings_views.organisation_logo_upload, name="org-logo-upload"),
    path(
        "settings/logo/remove/",
        tenant_settings_views.organisation_logo_remove,
        name="org-logo-remove",
    ),
    path("logo.png", tenant_settings_views.organisation_logo_image, name="org-logo"),
    path("rotas/", escalation_views.rotas, name="rotas"),
    path(
        "rotas/<int:rota_pk>/overrides/",
        escalation_views.rota_override_add,
        name="rota-override-add",
    ),
    path(
        "rotas/overrides/<int:override_pk>/remove/",
        escalation_views.rota_override_remove,
        name="rota-override-remove",
    ),
    path("escalation/", escalation_views.policies, name="escalation-policies"),
    path("escalation/delete/", escalation_views.policy_delete, name="escalation-policy-delete"),
    path("settings/telegram/", notification_views.telegram_bot, name="telegram-bot"),
    path(
        "settings/telegram/unlink/", notification_views.telegram_bot_unlink, name="telegram-unlink"
    ),
    path(
        "settings/telegram/chats/unlink/",
        notification_views.telegram_chat_unlink,
        name="telegram-chat-unlink",
    ),
    path(
        "settings/telegram/accounts/unlink/",
        notification_views.telegram_account_unlink,
        name="telegram-account-unlink",
    ),
    path("members/", tenant_views.members, name="members"),
    path("members/<int:membership_pk>/", tenant_views.member, name="member"),
    path(
        "invitations/<int:invitation_pk>/resend/",
        tenant_views.invitation_resend,
        name="invitation-resend",
    ),
    path("members/<int:membership_pk>/remove/", tenant_views.member_remove, name="member-remove"),
]

# The public statement page of an incident: no sign-in, the token is the address.
# Alike portal_urls and response_urls on purpose: the public statement routes, one path() per
# view of statement_views; only the path() rows' shape repeats.
statement_urls = [
    path("", statement_views.statement_page, name="statement-page"),
    path("feed.atom", statement_views.statement_feed, name="statement-feed"),
    path("live.json", statement_views.statement_live, name="statement-live"),
    path("subscribe/", statement_views.statement_subscribe, name="statement-subscribe"),
    path("confirm/<str:signed>/", statement_views.statement_confirm, name="statement-confirm"),
    path(
        "unsubscribe/<str:signed>/",
        statement_views.statement_unsubscribe,
        name="statement-unsubscribe",
    ),
]

# The client portal (client staff): /c/<org_slug>/…
# Alike statement_urls on purpose: the client portal's routes, one path() per portal view.
portal_urls = [
    path("", portal_views.portal_home, name="portal"),
    path("reports/<int:report_pk>/pdf/", portal_views.portal_report_pdf, name="portal-report-pdf"),
    path(
        "reports/<int:report_pk>/html/", portal_views.portal_report_html, name="portal-report-html"
    ),
    path(
        "brands/<int:brand_pk>/reports/",
        portal_views.portal_report_request,
        name="portal-report-request",
    ),
    path(
        "postmortems/<int:postmortem_pk>/pdf/",
        portal_views.portal_postmortem_pdf,
        name="portal-postmortem-pdf",
    ),
]

# Alike the API's urlpatterns (tenants/api/urls.py, incidents/api/urls.py) on purpose: the web
# pages' sign-in and account routes map to their own views, not to the API's.
urlpatterns = [
    path("", tenant_views.home, name="home"),
    path("s/<str:token>/", include(statement_urls)),
    path("c/<slug:org_slug>/", include(portal_urls)),
    path("login/", tenant_views.SignInView.as_view(), name="login"),
    path("logout/", tenant_views.SignOutView.as_view(), name="logout"),
    path("signup/", tenant_views.signup, name="signup"),
    path("password-reset/", account_views.PasswordResetView.as_view(), name="password-reset"),
    path(
        "password-reset/sent/",
        account_views.PasswordResetDoneView.as_view(),
        name="password-reset-done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "reset/done/",
        account_views.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("verify-email/<str:token>/", account_views.verify_email, name="verify-email"),
    path("verify-email/", account_views.verification_resend, name="verify-email-resend"),
    path("invitations/<str:token>/", tenant_views.invitation_accept, name="invitation-accept"),
    path("orgs/", tenant_views.organisations, name="organisations"),
    path("settings/", tenant_views.profile, name="profile"),
    path("language/", tenant_views.language, name="language"),
    path("o/<slug:org_slug>/", include(org_urls)),
]
