from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ChatcoreConfig(AppConfig):
    name = "chatcore"
    verbose_name = "chatcore"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings

        from chatcore.jobs import storage
        from chatcore.jobs.registry import register_periodic
        from chatcore.jobs.services import jobs_maintenance

        # Django spools large uploads into a job directory, which must exist (0700).
        storage.ensure_dirs()

        # Recover jobs of dead workers, remove stale job files, prune old jobs.
        register_periodic(
            "jobs_maintenance", settings.CHATCORE_JOB_MAINTENANCE_SECONDS, jobs_maintenance
        )
        # A cached authentication row is dropped whenever its user changes
        # (chatcore/auth/authentication.py).
        from chatcore.auth.authentication import user_auth_cache_drop
        from chatcore.models import User

        post_save.connect(user_auth_cache_drop, sender=User, dispatch_uid="chatcore-auth-cache")
        post_delete.connect(user_auth_cache_drop, sender=User, dispatch_uid="chatcore-auth-cache")
