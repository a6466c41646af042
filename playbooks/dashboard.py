"""The playbooks app's part of the dashboard: my overdue playbook tasks.

Registered in crisisdesk.web_urls into incidents.analytics.views.DASHBOARD_SECTIONS
(incidents never imports playbooks). A section that returns "overdue" entries instead of a
template adds them to the dashboard's "My overdue items" card.
"""

from typing import Any

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from playbooks.selectors import overdue_task_list
from tenants.tenancy import OrgRequest

OVERDUE_SHOWN = 20


def overdue_tasks_section(request: OrgRequest) -> dict[str, Any] | None:
    slug = request.organisation.slug
    tasks = list(overdue_task_list(membership=request.membership)[:OVERDUE_SHOWN])
    return {
        "overdue": [
            {
                "url": reverse("web:incident", args=[slug, task.incident_id]) + f"#task-{task.id}",
                "title": f"{task.title} (#{task.incident_id} {task.incident.title})",
                "text": _("task due %(when)s")
                % {
                    "when": formats.date_format(
                        timezone.localtime(task.due_at), "SHORT_DATETIME_FORMAT"
                    )
                },
            }
            for task in tasks
        ]
    }
