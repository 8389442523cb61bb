from django.apps import AppConfig


class MessagesAppConfig(AppConfig):
    name = "messages_app"
    verbose_name = "Messages"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The search kernel names no model: this app declares what feeds its documents.
        from messages_app.search import register_search_feeds

        register_search_feeds()
