from django.apps import AppConfig


class ResponseTemplatesConfig(AppConfig):
    name = "templates"
    label = "response_templates"
    verbose_name = "Response templates"
