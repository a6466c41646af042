from django.apps import AppConfig


class ResponseTemplatesConfig(AppConfig):
    name = "templates"
    label = "response_templates"
    verbose_name = "Response templates"

    def ready(self) -> None:
        # The incident's Telegram message shows pending responses with Approve / Request
        # changes buttons; incidents never imports this app, so it registers them here.
        from incidents.events import event_kinds_register
        from incidents.notifications.telegram.interactions import telegram_action_register
        from incidents.notifications.telegram.messages import pending_responses_register
        from templates import telegram
        from templates.events import RESPONSE_KINDS

        # The responses' timeline kinds join the incident's registry.
        event_kinds_register(*RESPONSE_KINDS)

        pending_responses_register(telegram.pending_responses)
        telegram_action_register("rap", telegram.approve)
        telegram_action_register("rch", telegram.request_changes)
