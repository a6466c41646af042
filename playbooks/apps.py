from django.apps import AppConfig


class PlaybooksConfig(AppConfig):
    name = "playbooks"
    verbose_name = "Playbooks"

    def ready(self) -> None:
        # The playbooks' timeline kinds join the incident's registry (incidents never
        # imports this app).
        from incidents.events import event_kinds_register
        from playbooks.events import PLAYBOOK_KINDS

        event_kinds_register(*PLAYBOOK_KINDS)
