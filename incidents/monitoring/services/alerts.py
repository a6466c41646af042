"""What monitoring tells people: an incident it opened by itself."""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from incidents.models import Incident
from incidents.monitoring.models import MonitoringRule
from incidents.notifications.services import incident_data, notification_send

# Why the rule fired (the `reason` of its mention_linked event).
REASONS = {
    "keyword": pgettext_lazy("detection reason", "keywords"),
    "volume": pgettext_lazy("detection reason", "negative volume"),
    "reach": pgettext_lazy("detection reason", "reach"),
}


# Alike services/sources.py:_failing_notify on purpose: each event builds its own mail and
# payload; notification_send is already the shared step, the call is only its arguments.
def incident_detected_notify(*, incident: Incident, rule: MonitoringRule, reason: str) -> None:
    """Tell managers that monitoring opened an incident by itself, each in their language (the
    brand's for those who chose none). Inside its transaction."""

    def email() -> tuple[str, str]:
        subject = _("[CrisisDesk] %(severity)s detected: %(title)s") % {
            "severity": incident.severity.upper(),
            "title": incident.title,
        }
        opened = _("Monitoring opened incident #%(id)s for %(brand)s.") % {
            "id": incident.id,
            "brand": incident.brand.name,
        }
        why = _("Rule: %(rule)s (%(reason)s).") % {
            "rule": rule.name,
            "reason": REASONS.get(reason, reason),
        }
        return subject, f"{opened}\n\n{incident.summary}\n\n{why}"

    notification_send(
        organisation=incident.organisation,
        event_type="incident.detected",
        brand_id=incident.brand_id,
        email=email,
        language=incident.brand.language,
        data={"incident": incident_data(incident), "rule": {"id": rule.id, "name": rule.name}},
    )
