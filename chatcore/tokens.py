"""Offline token counting with vocabularies shipped in the ``bpe-openai`` wheel
(docs/api-behaviour.md#tokens-and-cost).

Plain ``tiktoken`` downloads its BPE files on first use, which fails on machines without
internet; ``bpe-openai`` is tiktoken-compatible and carries the files. Models it does not know
(Claude, Llama, ...) are counted with ``o200k_base`` as an approximation, which is what the
``approximate`` flag of ``token_count_for`` reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import bpe_openai

FALLBACK_ENCODING = "o200k_base"


@dataclass(frozen=True)
class TokenCount:
    tokens: int
    encoding: str
    approximate: bool


@lru_cache(maxsize=16)
def _encoding_for(model: str | None) -> tuple[bpe_openai.Encoding, bool]:
    if model:
        try:
            return bpe_openai.encoding_for_model(model), False
        except (bpe_openai.UnsupportedModelError, KeyError, ValueError):
            pass
    return bpe_openai.get_encoding(FALLBACK_ENCODING), True


def token_count_for(text: str, *, model: str | None = None) -> TokenCount:
    encoding, approximate = _encoding_for(model)
    tokens = len(encoding.encode(text, disallowed_special=())) if text else 0
    return TokenCount(tokens=tokens, encoding=encoding.name, approximate=approximate)


def count_tokens(text: str, *, model: str | None = None) -> int:
    """Tokens ``text`` costs for ``model`` (approximate for models with no known vocabulary)."""
    return token_count_for(text, model=model).tokens
