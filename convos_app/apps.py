from django.apps import AppConfig


class ConvosAppConfig(AppConfig):
    name = "convos_app"
    verbose_name = "Conversations"
    default_auto_field = "django.db.models.BigAutoField"
