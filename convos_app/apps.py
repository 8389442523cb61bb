from django.apps import AppConfig


class ConvosAppConfig(AppConfig):
    name = "convos_app"
    verbose_name = "Conversations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # messages_app sits below this app and announces first replies with a signal.
        from convos_app.services.titles import title_on_reply_saved
        from messages_app.signals import reply_saved

        reply_saved.connect(title_on_reply_saved, dispatch_uid="convos_app.title_on_reply_saved")
