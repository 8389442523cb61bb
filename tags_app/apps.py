from django.apps import AppConfig


class TagsAppConfig(AppConfig):
    name = "tags_app"
    verbose_name = "Tags"
    default_auto_field = "django.db.models.BigAutoField"
