"""Replies of the chats API: the user's message, the model's answer, both stored.

A reply is three steps, and no database transaction is open during the middle one:
1. ``reply_prepare`` validates (chat, userId, modelId), builds the prompt from the current
   branch and stores the user message in a short atomic block;
2. the provider is called (``chat_reply_create`` here, or ``chat_streaming.reply_events``);
3. ``reply_store`` stores the assistant message as the child of the user message in another
   short atomic block — or, when the provider failed before saying anything,
   ``reply_failed`` marks the user message ``error`` so the client can send it again.

Holding a transaction (and its row locks) across a provider call of many seconds would block
every other write to the chat, so the steps commit separately and each is safe on its own.

Every call leaves one usage ledger row (docs/api-behaviour.md#usage-ledger), written in the
transaction of step 3 (or of ``reply_failed``); with balances on, step 1 reserves the reply's
largest possible cost and step 3 settles it (``convos_app.services.usage``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from chatcore.ai.base import (
    ChatProvider,
    Completion,
    GenerationOptions,
    ModelSpec,
    ProviderError,
    ToolUse,
    Usage,
)
from chatcore.ai.registry import resolve_model
from chatcore.errors import BadGateway, Forbidden, InvalidInput
from chatcore.models import User
from chatcore.tokens import count_tokens
from convos_app.models import Conversation, UsageRecord
from convos_app.selectors.chats import FORBIDDEN, chat_get_for_posting
from convos_app.services import chat_context as context
from convos_app.services import usage as ledger
from convos_app.services.titles import conversation_title_after_reply
from messages_app.models import ContentPart, Message
from messages_app.rows import content_part_rows, message_row
from messages_app.selectors.by_id import ChatMessageRecord, chat_message_record_get

logger = logging.getLogger("convos_app.chats")

USER_ID_MISMATCH = "userId does not match the signed-in user"
PROVIDER_FAILED = "The AI provider failed to answer"
PROVIDER_TIMED_OUT = "The AI provider timed out"
RETRY_HINT = "Your message {message_id} was saved; send it again to retry."
MODEL_ID_REQUIRED = "modelId is required: this chat has no model yet"


@dataclass(frozen=True)
class ReplyPlan:
    """Everything step 2 needs, with the user message already committed."""

    user: User
    conversation: Conversation
    provider: ChatProvider
    spec: ModelSpec
    prompt: context.PromptContext
    options: GenerationOptions
    user_message_pk: int
    user_message_id: str
    workflow_id: str | None
    user_text: str
    reserved_credits: Decimal = Decimal(0)


@dataclass(frozen=True)
class ChatReply:
    message: ChatMessageRecord
    response: ChatMessageRecord


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def generation_options(conversation: Conversation) -> GenerationOptions:
    """Sampling options from the conversation's LibreChat preset keys (invalid ones ignored)."""
    settings = conversation.settings if isinstance(conversation.settings, dict) else {}
    max_tokens = None
    for key in ("maxOutputTokens", "max_tokens", "maxTokens"):
        value = settings.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            max_tokens = value
            break
    top_p = _number(settings.get("top_p", settings.get("topP")))
    stop = settings.get("stop")
    stops = tuple(s for s in stop if isinstance(s, str) and s) if isinstance(stop, list) else ()
    return GenerationOptions(
        max_output_tokens=max_tokens,
        temperature=_number(settings.get("temperature")),
        top_p=top_p,
        stop=stops[:4],
    )


def _check_user_id(user: User, user_id: str | None) -> None:
    """``userId`` is optional (the caller by default); one that is not the caller is a 403
    (docs/api-behaviour.md#chat-replies)."""
    if user_id is not None and str(user_id) != str(user.pk):
        raise Forbidden(FORBIDDEN, message=USER_ID_MISMATCH)


def _model_for(conversation: Conversation, model_id: str | None) -> str:
    """``modelId`` is optional: the chat's own model by default."""
    chosen = model_id or conversation.model
    if not chosen:
        raise InvalidInput(MODEL_ID_REQUIRED, fields={"modelId": [MODEL_ID_REQUIRED]})
    return chosen


@transaction.atomic
def _store_user_message(
    *,
    user: User,
    conversation: Conversation,
    parent_id: str | None,
    text: str,
    tokens: int,
    spec: ModelSpec,
    workflow_id: str | None,
) -> Message:
    now = timezone.now()
    message = message_row(
        user=user,
        conversation=conversation,
        parent_message_id=parent_id,
        sender="User",
        text=text,
        is_created_by_user=True,
        endpoint=spec.endpoint,
        model=spec.id,
        token_count=tokens,
        cost=Decimal(0),
        workflow_id=workflow_id,
        created_at=now,
    )
    message.save(force_insert=True)
    Conversation.objects.filter(pk=conversation.pk).update(
        updated_at=now, model=spec.id, endpoint=spec.endpoint
    )
    return message


def reply_prepare(
    *,
    user: User,
    chat_id: str,
    content: str,
    model_id: str | None = None,
    user_id: str | None = None,
    workflow_id: str | None = None,
) -> ReplyPlan:
    """Step 1: check everything, build the prompt, commit the user message.

    Order of checks: the chat (404, or 403 for another user's chat), ``userId`` (403; absent
    means the caller), ``modelId`` (absent means the chat's model; 400 listing the available
    models), the context window (400), and with balances on the balance (402). Nothing is
    written unless all pass.
    """
    conversation = chat_get_for_posting(user=user, chat_id=chat_id)
    _check_user_id(user, user_id)
    resolved = resolve_model(_model_for(conversation, model_id))
    spec = resolved.spec
    options = generation_options(conversation)
    leaf_id, history = context.conversation_branch(conversation)
    tokens = count_tokens(content, model=spec.provider_model)
    prompt = context.build_prompt(
        spec=spec,
        system=context.system_prompt(conversation),
        history=history,
        new_text=content,
        new_tokens=tokens,
        max_output_tokens=options.max_output_tokens,
        memories=context.reply_memories(user=user, conversation=conversation),
    )
    estimate = ledger.reply_estimate(
        spec, input_tokens=prompt.input_tokens, max_output_tokens=options.max_output_tokens
    )
    # The reservation commits with the user message, or neither does.
    with transaction.atomic():
        reserved = ledger.balance_reserve(user=user, credits=estimate)
        message = _store_user_message(
            user=user,
            conversation=conversation,
            parent_id=leaf_id,
            text=content,
            tokens=tokens,
            spec=spec,
            workflow_id=workflow_id,
        )
    return ReplyPlan(
        user=user,
        conversation=conversation,
        provider=resolved.provider,
        spec=spec,
        prompt=prompt,
        options=options,
        user_message_pk=message.pk,
        user_message_id=message.message_id,
        workflow_id=workflow_id,
        user_text=content,
        reserved_credits=reserved,
    )


def reply_usage(plan: ReplyPlan, *, text: str, usage: Usage | None) -> dict[str, Any]:
    """Tokens of one reply: the provider's reported usage when there is one, else chatcore's
    own counts of the prompt and of the text received (also for a cancelled or broken reply)."""
    if usage is not None:
        input_tokens, output_tokens, source = usage.input_tokens, usage.output_tokens, "provider"
    else:
        input_tokens = plan.prompt.input_tokens
        output_tokens = count_tokens(text, model=plan.spec.provider_model)
        source = "estimate"
    return {"inputTokens": input_tokens, "outputTokens": output_tokens, "source": source}


def _tool_call_part(tool: ToolUse) -> dict[str, Any]:
    """LibreChat's content part for a tool the model asked for (chatcore runs no tools)."""
    return {"type": "tool_call", "tool_call": {"id": tool.id, "name": tool.name, "args": tool.args}}


@transaction.atomic
def reply_store(
    plan: ReplyPlan,
    *,
    text: str,
    usage: Usage | None = None,
    finish_reason: str | None = None,
    tool_uses: Sequence[ToolUse] = (),
    unfinished: bool = False,
    error: bool = False,
    kind: str = UsageRecord.Kind.REPLY,
) -> ChatReply:
    """Step 3: store the assistant message as the child of the user message (also a partial
    one: ``unfinished`` when the client went away, ``error`` when the provider broke off),
    its ledger row, and settle the balance reservation."""
    usage_meta = reply_usage(plan, text=text, usage=usage)
    output_tokens = usage_meta["outputTokens"]
    cached_tokens = usage.cached_input_tokens if usage is not None else 0
    now = timezone.now()
    charge = ledger.usage_charge(
        plan.spec,
        input_tokens=usage_meta["inputTokens"],
        output_tokens=output_tokens,
        cached_tokens=cached_tokens,
        at=now,
    )
    cost = charge.cost
    message = message_row(
        user=plan.user,
        conversation=plan.conversation,
        parent_message_id=plan.user_message_id,
        sender=plan.spec.id,
        text=text,
        is_created_by_user=False,
        endpoint=plan.spec.endpoint,
        model=plan.spec.id,
        token_count=output_tokens,
        cost=cost,
        unfinished=unfinished,
        error=error,
        finish_reason=finish_reason,
        workflow_id=plan.workflow_id,
        memory_id=plan.prompt.memory_id,
        metadata={"usage": usage_meta},
        created_at=now,
    )
    message.save(force_insert=True)
    ledger.usage_record(
        user=plan.user,
        conversation=plan.conversation,
        message=message,
        kind=kind,
        spec=plan.spec,
        source=usage_meta["source"],
        input_tokens=usage_meta["inputTokens"],
        output_tokens=output_tokens,
        cached_tokens=cached_tokens,
        status=(
            UsageRecord.Status.FAILED
            if error
            else UsageRecord.Status.CANCELLED
            if unfinished
            else UsageRecord.Status.COMPLETED
        ),
        charge=charge,
        at=now,
    )
    ledger.balance_settle(user=plan.user, reserved=plan.reserved_credits, cost=cost)
    ContentPart.objects.bulk_create(
        content_part_rows(
            user=plan.user, message=message, parts=[_tool_call_part(tool) for tool in tool_uses]
        )
    )
    Conversation.objects.filter(pk=plan.conversation.pk).update(updated_at=now)
    first_reply = not (
        Message.objects.filter(conversation=plan.conversation, is_created_by_user=False)
        .exclude(pk=message.pk)
        .exists()
    )
    if first_reply and text and not error:
        conversation_title_after_reply(
            conversation=plan.conversation, user_text=plan.user_text, assistant_text=text
        )
    return ChatReply(
        message=chat_message_record_get(user=plan.user, pk=plan.user_message_pk),
        response=chat_message_record_get(user=plan.user, pk=message.pk),
    )


@transaction.atomic
def reply_failed(plan: ReplyPlan, *, kind: str = UsageRecord.Kind.REPLY) -> ChatMessageRecord:
    """The provider gave nothing: keep the user message, marked ``error`` (it is then no
    longer the branch's leaf, so resending the text does not duplicate it in the context).

    The call still gets its ledger row (status ``failed``, no tokens, cost 0: a provider that
    answered with an error before any output bills nothing), linked to the user message, and
    the balance reservation is given back."""
    now = timezone.now()
    Message.objects.filter(pk=plan.user_message_pk).update(error=True, updated_at=now)
    ledger.usage_record(
        user=plan.user,
        conversation=plan.conversation,
        message=Message(pk=plan.user_message_pk),
        kind=kind,
        spec=plan.spec,
        source=UsageRecord.Source.ESTIMATE,
        input_tokens=0,
        output_tokens=0,
        status=UsageRecord.Status.FAILED,
        charge=ledger.Charge(None, None, None, "none", Decimal(0)),
        at=now,
    )
    ledger.balance_settle(user=plan.user, reserved=plan.reserved_credits, cost=Decimal(0))
    return chat_message_record_get(user=plan.user, pk=plan.user_message_pk)


def provider_failure(plan: ReplyPlan, exc: ProviderError) -> BadGateway:
    logger.warning("AI provider %s failed: %s", plan.spec.endpoint, exc)
    return BadGateway(
        PROVIDER_TIMED_OUT if exc.timeout else PROVIDER_FAILED,
        message=RETRY_HINT.format(message_id=plan.user_message_id),
    )


def chat_reply_create(
    *,
    user: User,
    chat_id: str,
    content: str,
    model_id: str | None = None,
    user_id: str | None = None,
    workflow_id: str | None = None,
) -> ChatReply:
    """``POST /api/chats/{chatId}/messages``: the user message and the model's reply.

    Provider failure or time-out: the user message stays (marked ``error``) and a
    ``BadGateway`` (502) is raised naming it.
    """
    plan = reply_prepare(
        user=user,
        chat_id=chat_id,
        content=content,
        model_id=model_id,
        user_id=user_id,
        workflow_id=workflow_id,
    )
    try:
        completion: Completion = plan.provider.complete(
            model=plan.spec,
            system=plan.prompt.system,
            turns=plan.prompt.turns,
            options=plan.options,
        )
    except ProviderError as exc:
        reply_failed(plan)
        raise provider_failure(plan, exc) from exc
    return reply_store(
        plan,
        text=completion.text,
        usage=completion.usage,
        finish_reason=completion.finish_reason,
        tool_uses=completion.tool_uses,
    )
