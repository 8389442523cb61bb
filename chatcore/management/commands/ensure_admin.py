"""``manage.py ensure_admin``: make sure a staff superuser exists, without ever resetting one."""

from __future__ import annotations

import os
import secrets

from django.core.management.base import BaseCommand
from django.db import transaction

from chatcore.models import User

DEFAULT_ADMIN_EMAIL = "admin@example.com"


class Command(BaseCommand):
    help = (
        "Create the admin account from CHATCORE_ADMIN_EMAIL / CHATCORE_ADMIN_PASSWORD, or, when "
        "they are unset and no superuser exists, create admin@example.com with a generated "
        "password printed once. An existing account is never changed."
    )

    @transaction.atomic
    def handle(self, *args: object, **options: object) -> None:
        email = os.environ.get("CHATCORE_ADMIN_EMAIL", "").strip().lower()
        password = os.environ.get("CHATCORE_ADMIN_PASSWORD", "")
        if email:
            if User.objects.filter(email=email).exists():
                self.stdout.write(f"Admin account {email} exists.{reset_hint(email)}")
                return
            if not password:
                password = secrets.token_urlsafe(12)
                self._announce(email, password)
            User.objects.create_superuser(email=email, password=password, name="Administrator")
            self.stdout.write(self.style.SUCCESS(f"Created admin account {email}."))
            return
        existing = User.objects.filter(is_superuser=True).order_by("pk").first()
        if existing is not None:
            self.stdout.write(f"An admin account exists.{reset_hint(existing.email)}")
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(
            email=DEFAULT_ADMIN_EMAIL, password=password, name="Administrator"
        )
        self._announce(DEFAULT_ADMIN_EMAIL, password)

    def _announce(self, email: str, password: str) -> None:
        self.stdout.write(
            self.style.WARNING(
                f"Created admin account {email} with password: {password}\n"
                "This password is shown once; change it in the admin."
            )
        )


def reset_hint(email: str) -> str:
    """The password is printed only once, so say how to set a new one (README "Quick start")."""
    return f" To set a new password: .venv/bin/python manage.py changepassword {email}"
