"""Writes of the playbooks app, one module per use-case family.

library: playbooks and their steps, the starter library.
incident_tasks: applying a playbook to an incident, completing, reopening, assigning tasks.
"""

from playbooks.services.incident_tasks import (
    playbook_apply,
    task_assign,
    task_complete,
    task_reopen,
)
from playbooks.services.library import (
    playbook_create,
    playbook_delete,
    playbook_reorder,
    playbook_update,
    starter_library_install,
)

__all__ = [
    "playbook_apply",
    "playbook_create",
    "playbook_delete",
    "playbook_reorder",
    "playbook_update",
    "starter_library_install",
    "task_assign",
    "task_complete",
    "task_reopen",
]
