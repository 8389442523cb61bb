"""Branch one agent's parts of a parallel response into a new sibling message.

The rule of which parts go (and the client-facing errors) is the pure
``messages_app.branching.branch_parts``; this service reads and writes around it in one
transaction, with the source message locked so a concurrent edit cannot change its parts midway.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from chatcore.errors import InvalidInput
from chatcore.models import User
from convos_app.models import Conversation
from messages_app import branching
from messages_app.models import ContentPart, Message
from messages_app.rows import content_part_rows, message_row
from messages_app.search import index_messages
from messages_app.selectors.messages import MessageRecord, message_record_get

SOURCE_MESSAGE_NOT_FOUND = "Source message not found"
CANNOT_BRANCH_USER_MESSAGE = "Cannot branch from user messages"


@transaction.atomic
def message_branch(*, user: User, message_id: str, agent_id: str) -> MessageRecord:
    """Split one agent's parts of a parallel response into a new sibling message.

    The branch shares the source's parent, sender, model, endpoint, icon and attachments; the
    agent it came from is recorded in ``metadata.agentId``, because the branch no longer carries
    per-part attributions that would say so.
    """
    source = Message.objects.select_related("conversation").access(
        user, message_id, lock=True, not_found=SOURCE_MESSAGE_NOT_FOUND
    )
    if source.is_created_by_user:
        raise InvalidInput(CANNOT_BRANCH_USER_MESSAGE)
    payloads = list(
        ContentPart.objects.filter(message=source)
        .order_by("index")
        .values_list("payload", flat=True)
    )
    try:
        kept = branching.branch_parts(payloads, agent_id)
    except branching.BranchError as exc:
        raise InvalidInput(str(exc)) from exc
    now = timezone.now()
    branch = message_row(
        user=user,
        conversation=source.conversation,
        parent_message_id=source.parent_message_id,
        sender=source.sender,
        text="",
        is_created_by_user=False,
        endpoint=source.endpoint,
        model=source.model,
        icon_url=source.icon_url,
        attachments=source.attachments,
        unfinished=False,
        error=False,
        metadata={"agentId": agent_id},
        created_at=now,
    )
    branch.save(force_insert=True)
    ContentPart.objects.bulk_create(content_part_rows(user=user, message=branch, parts=kept))
    index_messages([branch.pk])  # bulk_create sends no signal
    Conversation.objects.filter(pk=source.conversation_id).update(updated_at=now)
    return message_record_get(user=user, pk=branch.pk)
