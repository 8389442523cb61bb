from django.apps import AppConfig


class ConvosAppConfig(AppConfig):
    name = "convos_app"
    verbose_name = "Conversations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # messages_app sits below this app and announces first replies with a signal.
        from django.conf import settings

        from chatcore.jobs.registry import register_periodic
        from convos_app.search import register_search_feeds
        from convos_app.services.chat_context import context_on_messages_deleted
        from convos_app.services.retention import purge_expired_periodic
        from convos_app.services.titles import register_title_job_kind, title_on_reply_saved
        from convos_app.services.transfer_jobs import register_job_kinds
        from convos_app.services.usage import connect_usage_receivers
        from messages_app.signals import messages_deleted, reply_saved

        reply_saved.connect(title_on_reply_saved, dispatch_uid="convos_app.title_on_reply_saved")
        messages_deleted.connect(
            context_on_messages_deleted, dispatch_uid="convos_app.context_on_messages_deleted"
        )
        # Model calls made in the kernel (AI titles) are written to this app's usage ledger.
        connect_usage_receivers()
        # The search kernel names no model: this app declares what feeds its documents.
        register_search_feeds()
        # Background job kinds this app runs (docs/api-behaviour.md#jobs).
        register_job_kinds()
        register_title_job_kind()
        # Expired temporary chats and retention policies (docs/api-behaviour.md#purge).
        register_periodic("purge_expired", settings.CHATCORE_PURGE_SECONDS, purge_expired_periodic)
