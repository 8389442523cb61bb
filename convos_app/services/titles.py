"""Conversation titles: the offline extractive titler, the pluggable generator, gen_title state.

Flow (docs/api-behaviour.md#titles): when the first assistant message of a conversation still titled
"New Chat" is saved, the message-create path calls ``conversation_title_after_reply``. That marks
the conversation "title pending" in the shared cache (inside the caller's transaction, so a
rolled-back write leaves no stale mark) and, once the write has committed, runs the configured
generator — the offline titler right after the commit, an AI title model as a ``title`` job on the
queue (chatcore.jobs), so the reply is never held up by an AI call — and any failure is logged,
never raised. The generator is ``settings.CONVERSATION_TITLE_GENERATOR`` (a
dotted path; ``chatcore.ai.titles.ai_title`` plugs the AI title model in there) and falls back to
``extractive_title`` when it fails or returns nothing.

``GET /api/convos/gen_title/:id`` (``conversation_title_wait``) answers the stored title at once
when there is one, waits with LibreChat's back-off only while a generation is pending, and
otherwise answers 404 at once.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.module_loading import import_string

from chatcore.errors import NotFound
from chatcore.jobs.models import Job
from chatcore.jobs.registry import Report, register_job_kind
from chatcore.jobs.services import job_start
from chatcore.models import User
from convos_app.models import DEFAULT_TITLE, TITLE_MAX_LENGTH, Conversation
from convos_app.search import index_conversations
from convos_app.selectors.conversations import conversation_get_for_user
from messages_app.models import Message

logger = logging.getLogger("convos_app.services.titles")

TITLE_NOT_FOUND = "Title not found or method not implemented for the conversation's endpoint"
PENDING = "pending"
DEFAULT_BACKOFF_MS = (500, 1000, 2000, 4000, 8000)
EXTRACTIVE_GENERATOR = "convos_app.services.titles.extractive_title"


class TitleGenerator(Protocol):
    def __call__(
        self, *, conversation: Conversation, user_text: str, assistant_text: str
    ) -> str | None: ...


# --- The offline extractive titler ---------------------------------------------------------------
MAX_WORDS = 8
MAX_CHARS = 60
_CODE_BLOCK = re.compile(r"```.*?(```|$)", re.S)
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"https?://\S+|www\.\S+", re.I)
_MD_MARK = re.compile(r"[*_~`#>|]+")
_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_GREETING = re.compile(
    r"^(?:(?:(?:hi|hello|hey|hiya)(?: there| all| everyone)?|greetings|"
    r"good (?:morning|afternoon|evening)|ok(?:ay)?|so|well|"
    r"quick question|question)\b[\s,!.:;-]*)+",
    re.I,
)
_REQUEST = re.compile(
    r"^(?:(?:can|could|would|will) you(?: please)?|please|pls|i (?:want|need|would like)"
    r"(?: you)? to|i'?d like(?: you)? to|help me(?: to)?|let'?s|i'?m wondering)\s+",
    re.I,
)
_TOPIC_LEAD = re.compile(
    r"^(?:what(?:'s| is| are)|explain|describe|define|summari[sz]e|give me|tell me about|"
    r"tell me|show me|talk about)\s+(?:(?:to me|me)\s+)?(?:(?:the|a|an)\s+)?",
    re.I,
)
_CLAUSE_WORDS = {"when", "while", "because", "if", "so", "that", "which", "but", "since"}
_WEAK_END = {
    "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "for", "with", "at", "by",
    "from", "about", "as", "into", "is", "are", "was", "be", "my", "your", "our", "their", "its",
    "that", "this", "which", "than", "then", "so", "if", "when", "how", "what", "me", "i", "it",
}  # fmt: skip


def _clean(text: str) -> str:
    text = _CODE_BLOCK.sub(" ", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _URL.sub(" ", text)
    lines = [_MD_MARK.sub(" ", line).strip(" -") for line in text.splitlines()]
    first = next((line for line in lines if line.strip()), "")
    return _SPACE.sub(" ", first).strip()


def _bare(word: str) -> str:
    return word.strip(".,;:!?\"'()[]{}").lower()


def extractive_title(
    *, conversation: Conversation | None = None, user_text: str, assistant_text: str = ""
) -> str | None:
    """A short, clean title from the first user message: no cut words, no dangling "of the".

    Takes the first sentence, drops greetings and request phrasing ("Can you explain ..."),
    keeps at most 8 whole words / 60 characters (cutting preferably at a clause word), drops
    weak trailing words and punctuation, and capitalises the first letter. ``None`` when nothing
    usable is left (the conversation then keeps "New Chat").
    """
    for sentence in _SENTENCE_END.split(_clean(user_text or ""))[:3]:
        title = _sentence_title(sentence)
        if title:
            return title
    return None


def _sentence_title(sentence: str) -> str | None:
    for pattern in (_GREETING, _REQUEST, _TOPIC_LEAD, _REQUEST):
        sentence = pattern.sub("", sentence).strip()
    words = [word for word in sentence.split(" ") if word.strip(".,;:!?-")]
    if len(words) > MAX_WORDS:
        clause = next(
            (i for i in range(3, MAX_WORDS + 1) if _bare(words[i]) in _CLAUSE_WORDS), None
        )
        words = words[: clause if clause is not None else MAX_WORDS]
    for i, word in enumerate(words[1:], start=1):
        if word[-1:] in ",;:" and i >= 3:
            words = words[: i + 1]
            break
    while words and sum(len(w) + 1 for w in words) - 1 > MAX_CHARS:
        words.pop()
    while words and _bare(words[-1]) in _WEAK_END:
        words.pop()
    title = " ".join(words).rstrip(".,;:!?- \u2013\u2014").strip("\"'")
    if not title or not any(ch.isalnum() for ch in title):
        return None
    return (title[0].upper() + title[1:])[:TITLE_MAX_LENGTH]


def title_generator() -> TitleGenerator:
    """The configured generator (``settings.CONVERSATION_TITLE_GENERATOR``)."""
    path = getattr(settings, "CONVERSATION_TITLE_GENERATOR", EXTRACTIVE_GENERATOR)
    return import_string(path)


# --- The gen_title state ---------------------------------------------------------------------
def _state_key(user_id: int, conversation_id: str) -> str:
    return f"convos:title:{user_id}:{conversation_id}"


def title_pending(*, user_id: int, conversation_id: str) -> bool:
    try:
        return cache.get(_state_key(user_id, conversation_id)) == PENDING
    except Exception:  # a cache outage must not turn a read into a 500
        logger.exception("title state unreadable")
        return False


def _state_set(user_id: int, conversation_id: str) -> None:
    timeout = getattr(settings, "CONVERSATION_TITLE_PENDING_SECONDS", 120)
    cache.set(_state_key(user_id, conversation_id), PENDING, timeout=timeout)


def _state_clear(user_id: int, conversation_id: str) -> None:
    cache.delete(_state_key(user_id, conversation_id))


def _first_texts(conversation: Conversation) -> tuple[str, str]:
    rows = Message.objects.filter(conversation=conversation).order_by("created_at", "pk")
    user_text = rows.filter(is_created_by_user=True).values_list("text", flat=True).first()
    reply = rows.filter(is_created_by_user=False).values_list("text", flat=True).first()
    return user_text or "", reply or ""


def conversation_title_generate(
    *, conversation_pk: int, user_text: str | None = None, assistant_text: str | None = None
) -> str | None:
    """Produce and store a title if the conversation is still "New Chat"; never raises.

    The UPDATE is conditional on the title still being "New Chat", so a rename that happened
    meanwhile is never overwritten (docs/api-behaviour.md#titles). Returns the stored title or None.
    """
    conversation = Conversation.objects.filter(pk=conversation_pk).first()
    if conversation is None:
        return None
    try:
        if user_text is None or assistant_text is None:
            first_user, first_reply = _first_texts(conversation)
            user_text = first_user if user_text is None else user_text
            assistant_text = first_reply if assistant_text is None else assistant_text
        title = None
        try:
            title = title_generator()(
                conversation=conversation, user_text=user_text, assistant_text=assistant_text
            )
        except Exception:
            logger.exception("title generator failed; using the extractive titler")
        title = (title or "").strip()[:TITLE_MAX_LENGTH] or extractive_title(
            conversation=conversation, user_text=user_text, assistant_text=assistant_text
        )
        if not title:
            return None
        stored = Conversation.objects.filter(pk=conversation_pk, title=DEFAULT_TITLE).update(
            title=title
        )
        if stored:
            index_conversations([conversation_pk])  # QuerySet.update() sends no signal
        return title if stored else None
    except Exception:
        logger.exception("title generation failed")
        return None
    finally:
        try:
            _state_clear(conversation.user_id, conversation.conversation_id)
        except Exception:
            logger.exception("title state not cleared")


TITLE_JOB = "title"


def _offline_titler_configured() -> bool:
    return getattr(settings, "CONVERSATION_TITLE_GENERATOR", EXTRACTIVE_GENERATOR) == (
        EXTRACTIVE_GENERATOR
    )


def title_job_run(job: Job, report: Report) -> Mapping[str, object]:
    """The ``title`` job: generate (AI, falling back to the offline titler) and store."""
    title = conversation_title_generate(conversation_pk=job.params["conversation_pk"])
    return {"title": title}


def register_title_job_kind() -> None:
    """Called from ``ConvosAppConfig.ready``. One attempt: the generator already falls back to
    the offline titler, and gen_title's wait is over long before a retry could help."""
    register_job_kind(TITLE_JOB, title_job_run, max_attempts=1)


def conversation_title_after_reply(
    *,
    conversation: Conversation,
    user_text: str | None = None,
    assistant_text: str | None = None,
) -> bool:
    """Call right after saving the first assistant message of a conversation (any path).

    Does nothing (returns False) unless the conversation is still titled "New Chat". Otherwise
    marks the title pending and schedules the generator; returns True. Never raises, so it can
    never fail the write that triggered it.

    The offline titler runs right after the caller's commit (it is fast and local). A
    configured AI title model runs as a ``title`` job on the queue
    (``CONVERSATION_TITLE_BACKGROUND``, on by default): the job row is written in the caller's
    transaction, so it exists exactly when the reply does, and no request or thread waits on
    the AI call (docs/api-behaviour.md#titles).
    """
    try:
        if conversation.title != DEFAULT_TITLE:
            return False
        _state_set(conversation.user_id, conversation.conversation_id)

        def job() -> None:
            conversation_title_generate(
                conversation_pk=conversation.pk,
                user_text=user_text,
                assistant_text=assistant_text,
            )

        if getattr(settings, "CONVERSATION_TITLE_BACKGROUND", True) and not (
            _offline_titler_configured()
        ):
            job_start(
                user=conversation.user,
                kind=TITLE_JOB,
                params={"conversation_pk": conversation.pk},
            )
        else:
            transaction.on_commit(job, robust=True)
        return True
    except Exception:
        logger.exception("title generation not scheduled")
        return False


def _backoff_seconds() -> Sequence[float]:
    delays = getattr(settings, "GEN_TITLE_BACKOFF_MS", DEFAULT_BACKOFF_MS)
    return [max(0, int(ms)) / 1000 for ms in delays]


def conversation_title_wait(
    *, user: User, conversation_id: str, sleep: Callable[[float], object] | None = None
) -> str:
    """The conversation's title for ``gen_title``; waits only while a generation is pending.

    Never holds the worker longer than the configured back-off (15.5 s by default).
    ``NotFound`` (404) for another user's or an unknown conversation, and for a "New Chat" with
    no generation in progress.
    """
    conversation = conversation_get_for_user(user=user, conversation_id=conversation_id)
    sleep = sleep or time.sleep
    delays = [0.0, *_backoff_seconds()]
    for delay in delays:
        if delay:
            sleep(delay)
            title = (
                Conversation.objects.filter(pk=conversation.pk)
                .values_list("title", flat=True)
                .first()
            )
        else:
            title = conversation.title
        if title is None:
            break
        if title != DEFAULT_TITLE:
            return title
        if not title_pending(user_id=user.pk, conversation_id=conversation_id):
            break
    raise NotFound(TITLE_NOT_FOUND)


def title_on_reply_saved(
    sender: object,
    *,
    conversation: Conversation,
    user_text: str | None = None,
    assistant_text: str | None = None,
    **kwargs: object,
) -> None:
    """Receiver of ``messages_app.signals.reply_saved`` (connected in ``ConvosAppConfig.ready``)."""
    conversation_title_after_reply(
        conversation=conversation, user_text=user_text, assistant_text=assistant_text
    )
