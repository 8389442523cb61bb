"""The staff access log: which staff member read which user's data in the admin, and when.

Staff can read every conversation in the admin; the users whose chats are read are owed a record
of it (docs/api-behaviour.md#staff-access-log). Rows are written by the admin pages that show a
user's messages and are never changed afterwards: the log's admin grants no add, change or
delete permission to anyone, superusers included. Names and ids are copied into the row so the
record survives the deletion of the conversation or of either account.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone

if TYPE_CHECKING:  # chatcore.models imports this module to register the model
    from chatcore.models import User


class StaffAccess(models.Model):
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    staff_email = models.CharField(max_length=254)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner_email = models.CharField(max_length=254)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    object_label = models.CharField(max_length=255, blank=True, default="")
    accessed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "chatcore_staff_access"
        verbose_name = "staff access"
        verbose_name_plural = "staff access log"
        indexes = [
            models.Index(fields=["-accessed_at", "-id"], name="staff_access_recent"),
            models.Index(fields=["owner", "accessed_at"], name="staff_access_owner"),
            models.Index(fields=["staff", "accessed_at"], name="staff_access_staff"),
        ]

    def __str__(self) -> str:
        return f"{self.staff_email} read {self.object_type} {self.object_id} of {self.owner_email}"


def staff_access_record(
    *, staff: User, owner: User, object_type: str, object_id: str, label: str
) -> StaffAccess | None:
    """Record that ``staff`` read ``owner``'s object; staff reading their own data is not logged."""
    if staff.pk == owner.pk:
        return None
    return StaffAccess.objects.create(
        staff=staff,
        staff_email=staff.email,
        owner=owner,
        owner_email=owner.email,
        object_type=object_type,
        object_id=object_id[:64],
        object_label=(label or "")[:255],
    )


def staff_access_record_many(
    *, staff: User, object_type: str, objects: Iterable[tuple[int, str, str, str]]
) -> int:
    """Record reads of many objects at once (an export): ``objects`` are (owner id, owner
    email, object id, label); the staff member's own objects are skipped. One INSERT per
    1,000 rows; returns the rows written."""
    rows = [
        StaffAccess(
            staff=staff,
            staff_email=staff.email,
            owner_id=owner_id,
            owner_email=owner_email,
            object_type=object_type,
            object_id=object_id[:64],
            object_label=(label or "")[:255],
        )
        for owner_id, owner_email, object_id, label in objects
        if owner_id != staff.pk
    ]
    StaffAccess.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
