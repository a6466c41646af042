"""Writes of the response-templates app, one module per use-case family.

library: templates, their versions and the starter library.
responses: drafting, editing, submission and publication of responses on an incident.
approval: approval by the agency and the client, rejection, escalation of long waits.
"""

from templates.services.approval import (
    approval_escalation_run,
    response_approve,
    response_reject,
)
from templates.services.library import (
    starter_templates_install,
    template_create,
    template_delete,
    template_update,
)
from templates.services.responses import (
    response_create,
    response_delete,
    response_publish,
    response_submit,
    response_update,
)

__all__ = [
    "approval_escalation_run",
    "response_approve",
    "response_create",
    "response_delete",
    "response_publish",
    "response_reject",
    "response_submit",
    "response_update",
    "starter_templates_install",
    "template_create",
    "template_delete",
    "template_update",
]
