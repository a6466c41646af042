from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        # Imported once the models are loaded. The lifecycle calls the post-mortem draft
        # through a hook (it must not import the part above it); the tasks module registers
        # every part's Celery tasks, which services enqueue by name.
        from incidents import tasks  # noqa: F401
        from incidents.events import INCIDENT_KINDS, event_kinds_register
        from incidents.notifications.telegram.interactions import telegram_update_route
        from incidents.notifications.telegram.messages import telegram_event_hook
        from incidents.notifications.telegram.updates import update_handler_register
        from incidents.postmortems.services import postmortem_draft_for
        from incidents.services.lifecycle import event_hook_register, resolved_hook_register

        event_kinds_register(*INCIDENT_KINDS)
        resolved_hook_register(postmortem_draft_for)
        event_hook_register(telegram_event_hook)
        update_handler_register(telegram_update_route)
