"""How a model call made in the kernel reaches the ledger (docs/api-behaviour.md#usage-ledger).

The ledger is a table of ``convos_app``, above the kernel; ``chatcore.ai`` may not import it.
Code in the kernel that calls a model on a user's behalf (the AI title generator) calls
``report_model_call`` with what it knows, and ``convos_app`` connects the receiver that writes
the ledger row in its ``AppConfig.ready``. A ledger failure is logged, never raised: it must not
turn a working title into the offline fallback.
"""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import Signal

from chatcore.ai.base import ModelSpec, Usage

logger = logging.getLogger("chatcore.ai.usage")

# Sent with ``kind`` ("title", "memory"), ``spec``, ``conversation`` (may be None), ``usage``
# (the provider's report or None), ``prompt_text`` and ``output_text`` (for our own count).
model_call_finished = Signal()


def report_model_call(
    *,
    kind: str,
    spec: ModelSpec,
    conversation: Any,
    usage: Usage | None,
    prompt_text: str,
    output_text: str,
) -> None:
    for receiver, result in model_call_finished.send_robust(
        sender=kind,
        kind=kind,
        spec=spec,
        conversation=conversation,
        usage=usage,
        prompt_text=prompt_text,
        output_text=output_text,
    ):
        if isinstance(result, Exception):
            logger.error("usage of a %s call not recorded by %r", kind, receiver, exc_info=result)
