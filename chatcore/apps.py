from django.apps import AppConfig


class ChatcoreConfig(AppConfig):
    name = "chatcore"
    verbose_name = "chatcore"
    default_auto_field = "django.db.models.BigAutoField"
