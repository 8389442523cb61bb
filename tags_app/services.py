"""Writes of tags (LibreChat "bookmarks", docs/api-behaviour.md#tags-api) and the exact
``Tag.count`` bookkeeping.

``count`` always equals the number of the owner's conversations carrying the tag, where
LibreChat lets it drift (docs/api-behaviour.md#tag-counts). Every change of link rows moves
the counters in the same transaction by the number of link rows *really* inserted or deleted
(``F()`` updates, never read-modify-write), and the paths that diff a conversation's tags hold
that conversation's row lock, so concurrent requests cannot double-count.

Lock order, to stay deadlock-free: the user row (a per-user mutex for tag names and positions),
then tag rows, then conversation rows.

Tag labels are NFC-normalised and stripped; matching is otherwise exact (case-sensitive), as in
LibreChat, whose clients filter conversations by the exact label.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, F, Max
from django.db.models.functions import Coalesce
from django.utils import timezone

from chatcore.errors import Conflict, InvalidInput
from chatcore.models import User
from chatcore.validators import text_problem
from convos_app.models import Conversation
from tags_app.models import TAG_MAX_LENGTH, Tag, TaggedConversation

TAG_ALREADY_EXISTS = "Tag already exists"
TOO_MANY_TAGS = "A conversation can carry at most {limit} tags"
MAX_TAGS_PER_CONVERSATION = 100

_UNSET = object()


def tag_name_normalize(raw: str) -> str:
    """The one normal form of a label, for every door: NFC, then stripped.

    NFC first, so "Cafe" + U+0301 COMBINING ACUTE ACCENT (decomposed, as macOS file names and
    some exports write it) and "Café" are one label, for the exact-match lookups and the unique
    constraint alike.
    """
    return unicodedata.normalize("NFC", raw).strip()


def tag_name_clean(raw: object, *, field: str = "tag") -> str:
    """The stored form of a label from the API: a string, normalised, 1..255 characters."""
    if not isinstance(raw, str):
        raise InvalidInput(f"{field} must be a string")
    name = tag_name_normalize(raw)
    if not name:
        raise InvalidInput(f"{field} is required")
    problem = text_problem(name)
    if problem:
        raise InvalidInput(problem)
    if len(name) > TAG_MAX_LENGTH:
        raise InvalidInput(f"{field} must be at most {TAG_MAX_LENGTH} characters")
    return name


def _lock_user(user: User) -> None:
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()


def _next_position(user: User) -> int:
    highest = Tag.objects.filter(user=user).aggregate(top=Coalesce(Max("position"), 0))["top"]
    return int(highest) + 1


# --- Count maintenance helpers (also used by fork, duplicate, delete and import) ---------------
def tags_get_or_create(*, user: User, names: Sequence[str]) -> dict[str, Tag]:
    """The user's tags for ``names`` (cleaned labels), creating missing ones at the end.

    New tags get the next positions (1, 2, ...) and ``count`` 0; callers raise the count when
    they link them. Call inside a transaction that holds the user lock (``_lock_user``).
    """
    existing = {tag.name: tag for tag in Tag.objects.filter(user=user, name__in=names)}
    missing = [name for name in dict.fromkeys(names) if name not in existing]
    if missing:
        now = timezone.now()
        start = _next_position(user)
        created = Tag.objects.bulk_create(
            [
                Tag(user=user, name=name, position=start + offset, created_at=now, updated_at=now)
                for offset, name in enumerate(missing)
            ]
        )
        existing.update({tag.name: tag for tag in created})
    return existing


def tag_counts_add(deltas: Mapping[int, int]) -> None:
    """Move each tag's ``count`` by its delta (tag pk → +n/-n), one UPDATE per distinct delta."""
    by_delta: dict[int, list[int]] = {}
    for tag_pk, delta in deltas.items():
        if delta:
            by_delta.setdefault(delta, []).append(tag_pk)
    for delta, tag_pks in by_delta.items():
        Tag.objects.filter(pk__in=tag_pks).update(count=F("count") + delta)


def tag_links_copy(*, source: Conversation, targets: Sequence[Conversation]) -> None:
    """Give each (new) target conversation the source's tags, in order, counting each once.

    For fork and duplicate: the targets are fresh rows nobody else can see yet, so every link
    is new and each tag's count rises by ``len(targets)``.
    """
    tag_pks = list(
        TaggedConversation.objects.filter(conversation=source)
        .order_by("pk")
        .values_list("tag_id", flat=True)
    )
    if not tag_pks or not targets:
        return
    TaggedConversation.objects.bulk_create(
        [
            TaggedConversation(tag_id=tag_pk, conversation=target)
            for target in targets
            for tag_pk in tag_pks
        ]
    )
    tag_counts_add(dict.fromkeys(tag_pks, len(targets)))


def _import_label(raw: object) -> str | None:
    """A label from a file rather than a client: normalised like the API's, but an overlong
    one is cut to the column instead of failing the whole file, and an unusable one dropped."""
    if not isinstance(raw, str):
        return None
    name = tag_name_normalize(raw)[:TAG_MAX_LENGTH].rstrip()
    return name if name and text_problem(name) is None else None


def tag_links_add_new(*, user: User, names_by_conversation: Mapping[int, Sequence[object]]) -> None:
    """Tag conversations nobody else can see yet (an import's, the demo's), creating tags.

    ``names_by_conversation`` maps a new conversation's primary key to its labels, which are
    normalised like the API's (``tag_name_normalize``), so an imported decomposed "Café" lands
    on the user's existing composed one. Set-based whatever the number of conversations: the
    user lock (the same lock order as every tag write), one read and one insert of tags, one
    insert of links, one count UPDATE per distinct delta. Every link is new, so counts rise by
    exactly the links inserted. Call inside the caller's transaction.
    """
    links: list[tuple[int, str]] = []
    for conversation_pk, raw_names in names_by_conversation.items():
        labels = dict.fromkeys(label for label in map(_import_label, raw_names) if label)
        links.extend((conversation_pk, label) for label in labels)
    if not links:
        return
    _lock_user(user)
    tags = tags_get_or_create(user=user, names=list(dict.fromkeys(name for _, name in links)))
    TaggedConversation.objects.bulk_create(
        [TaggedConversation(tag_id=tags[name].pk, conversation_id=pk) for pk, name in links],
        batch_size=1000,
    )
    tag_counts_add(Counter(tags[name].pk for _, name in links))


def tag_counts_release(*, conversation_pks: Sequence[int]) -> None:
    """Lower the counts for the links of conversations about to be deleted.

    Call inside the delete's transaction, after locking the conversation rows and before
    deleting their links.
    """
    rows = (
        TaggedConversation.objects.filter(conversation_id__in=conversation_pks)
        .values("tag_id")
        .annotate(n=Count("pk"))
        .order_by("tag_id")
    )
    tag_counts_add({row["tag_id"]: -row["n"] for row in rows})


# --- Tag CRUD ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class TagCreateResult:
    tag: Tag
    created: bool


@transaction.atomic
def tag_create(
    *,
    user: User,
    name: str,
    description: str | None = None,
    add_to_conversation: bool = False,
    conversation_id: str | None = None,
) -> TagCreateResult:
    """Create a tag at the end of the user's list; an existing label is returned unchanged.

    With ``add_to_conversation`` the tag is also put on ``conversation_id`` (404 if that is not
    the user's conversation, and then nothing is created). Unlike LibreChat, this also happens
    when the tag already exists, so the request never silently does nothing.
    """
    name = tag_name_clean(name)
    if add_to_conversation and not conversation_id:
        raise InvalidInput("conversationId is required when addToConversation is true")
    _lock_user(user)
    conversation = None
    if add_to_conversation and conversation_id:
        conversation = Conversation.objects.access(user, conversation_id, lock=True)
    tag = Tag.objects.filter(user=user, name=name).first()
    created = tag is None
    if tag is None:
        now = timezone.now()
        tag = Tag.objects.create(
            user=user,
            name=name,
            description=description,
            position=_next_position(user),
            created_at=now,
            updated_at=now,
        )
    if conversation is not None:
        _, inserted = TaggedConversation.objects.get_or_create(tag=tag, conversation=conversation)
        if inserted:
            tag_counts_add({tag.pk: 1})
            tag.refresh_from_db(fields=["count"])
    return TagCreateResult(tag=tag, created=created)


@transaction.atomic
def tag_update(
    *,
    user: User,
    name: str,
    new_name: str | None = None,
    description: object = _UNSET,
    position: int | None = None,
) -> Tag:
    """Rename, describe and/or move a tag; renames show on every conversation at once (links).

    Moving shifts the tags in between by one so positions stay 1..n without gaps; the target
    position is clamped to that range. Renaming onto another existing label → 409.
    """
    _lock_user(user)
    tag = Tag.objects.access(user, name, lock=True)
    fields = ["updated_at"]
    if new_name is not None and new_name != tag.name:
        new_name = tag_name_clean(new_name)
        if new_name != tag.name:
            if Tag.objects.filter(user=user, name=new_name).exists():
                raise Conflict(TAG_ALREADY_EXISTS)
            tag.name = new_name
            fields.append("name")
    if description is not _UNSET:
        tag.description = description  # type: ignore[assignment]
        fields.append("description")
    if position is not None:
        last = Tag.objects.filter(user=user).aggregate(top=Max("position"))["top"] or 1
        target = max(1, min(position, max(last, 1)))
        old = tag.position
        others = Tag.objects.filter(user=user).exclude(pk=tag.pk)
        if target > old:
            others.filter(position__gt=old, position__lte=target).update(position=F("position") - 1)
        elif target < old:
            others.filter(position__gte=target, position__lt=old).update(position=F("position") + 1)
        tag.position = target
        fields.append("position")
    tag.updated_at = timezone.now()
    tag.save(update_fields=fields)
    return tag


@transaction.atomic
def tag_delete(*, user: User, name: str) -> Tag:
    """Delete a tag, take it off every conversation, close the gap in positions.

    Returns the tag as it was (LibreChat answers with the deleted document).
    """
    _lock_user(user)
    tag = Tag.objects.access(user, name, lock=True)
    TaggedConversation.objects.filter(tag=tag).delete()
    Tag.objects.filter(pk=tag.pk).delete()
    Tag.objects.filter(user=user, position__gt=tag.position).update(position=F("position") - 1)
    return tag


def _conversation_tag_names(conversation: Conversation) -> list[str]:
    return list(
        TaggedConversation.objects.filter(conversation=conversation)
        .order_by("pk")
        .values_list("tag__name", flat=True)
    )


@transaction.atomic
def conversation_tags_set(
    *, user: User, conversation_id: str, names: Iterable[object]
) -> list[str]:
    """Replace a conversation's tags with ``names`` (LibreChat's PUT), creating missing tags.

    Counts move by the diff: +1 for each added label, -1 for each removed one. Links are
    rewritten in the given order, so the conversation shows its tags as the client listed them.
    """
    cleaned = list(dict.fromkeys(tag_name_clean(name, field="tags") for name in names))
    if len(cleaned) > MAX_TAGS_PER_CONVERSATION:
        raise InvalidInput(TOO_MANY_TAGS.format(limit=MAX_TAGS_PER_CONVERSATION))
    _lock_user(user)
    conversation = Conversation.objects.access(user, conversation_id, lock=True)
    old = set(
        TaggedConversation.objects.filter(conversation=conversation).values_list(
            "tag_id", flat=True
        )
    )
    tags = tags_get_or_create(user=user, names=cleaned)
    new_pks = [tags[name].pk for name in cleaned]
    if new_pks != _ordered_tag_pks(conversation):
        TaggedConversation.objects.filter(conversation=conversation).delete()
        TaggedConversation.objects.bulk_create(
            [TaggedConversation(tag_id=pk, conversation=conversation) for pk in new_pks]
        )
    deltas = {pk: 1 for pk in new_pks if pk not in old}
    deltas.update({pk: -1 for pk in old if pk not in set(new_pks)})
    tag_counts_add(deltas)
    return cleaned


def _ordered_tag_pks(conversation: Conversation) -> list[int]:
    return list(
        TaggedConversation.objects.filter(conversation=conversation)
        .order_by("pk")
        .values_list("tag_id", flat=True)
    )


@transaction.atomic
def conversation_tag_add(*, user: User, conversation_id: str, name: object) -> list[str]:
    """Add one tag to a conversation (the documented POST, docs/api-behaviour.md#conversation-tags),
    creating it if needed; idempotent."""
    cleaned = tag_name_clean(name)
    _lock_user(user)
    conversation = Conversation.objects.access(user, conversation_id, lock=True)
    tag = tags_get_or_create(user=user, names=[cleaned])[cleaned]
    present = TaggedConversation.objects.filter(conversation=conversation)
    if present.count() >= MAX_TAGS_PER_CONVERSATION and not present.filter(tag=tag).exists():
        raise InvalidInput(TOO_MANY_TAGS.format(limit=MAX_TAGS_PER_CONVERSATION))
    _, inserted = TaggedConversation.objects.get_or_create(tag=tag, conversation=conversation)
    if inserted:
        tag_counts_add({tag.pk: 1})
    return _conversation_tag_names(conversation)


# --- Bulk link changes (POST /api/convos/bulk) ------------------------------------------------
def tag_links_bulk_set(
    *, user: User, name: object, conversation_pks: Sequence[int], present: bool, dry_run: bool
) -> set[int]:
    """Put the tag on (``present``) or take it off the user's conversations ``conversation_pks``;
    returns the pks whose links really change. With ``dry_run`` nothing is written (a missing
    tag is not created).

    The caller holds the conversation rows' locks; this takes the user lock first (the module's
    lock order). Counts move by the links really inserted or deleted, in the same transaction.
    A conversation already at the tag limit makes the whole request a 400, so nothing is half
    tagged.
    """
    cleaned = tag_name_clean(name)
    if not dry_run:
        _lock_user(user)
    tag = Tag.objects.filter(user=user, name=cleaned).first()
    linked = (
        set(
            TaggedConversation.objects.filter(
                tag=tag, conversation_id__in=conversation_pks
            ).values_list("conversation_id", flat=True)
        )
        if tag
        else set()
    )
    changed = (set(conversation_pks) - linked) if present else linked
    if not changed or dry_run:
        return changed
    if not present:
        TaggedConversation.objects.filter(tag=tag, conversation_id__in=changed).delete()
        tag_counts_add({tag.pk: -len(changed)})
        return changed
    full = (
        TaggedConversation.objects.filter(conversation_id__in=changed)
        .values("conversation_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=MAX_TAGS_PER_CONVERSATION)
    )
    if full.exists():
        raise InvalidInput(TOO_MANY_TAGS.format(limit=MAX_TAGS_PER_CONVERSATION))
    tag = tags_get_or_create(user=user, names=[cleaned])[cleaned]
    TaggedConversation.objects.bulk_create(
        [TaggedConversation(tag=tag, conversation_id=pk) for pk in sorted(changed)],
        batch_size=1000,
    )
    tag_counts_add({tag.pk: len(changed)})
    return changed
