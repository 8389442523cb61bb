"""Language-neutral text handling shared by indexing, querying and highlighting.

PostgreSQL's ``simple`` configuration lower-cases and splits on non-word characters, but on
its own it keeps accents (``café`` never meets ``cafe``), treats a run of CJK characters as one
word (``東京タワー`` would never match ``東京``) and drops emoji entirely. The embedded server has
no ``unaccent`` extension, so the same normalisation runs here, in Python, on both sides: on the
document before ``to_tsvector`` and on the user's query before ``websearch_to_tsquery``.
Highlighting re-applies it token by token to the original text, so the snippet shows what the
user wrote while matching what was indexed.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

# Combining diacritical marks (U+0300-U+036F): what ``unaccent`` removes for Latin, Greek and
# Cyrillic. Other marks (Japanese voicing marks, Indic vowel signs) carry meaning and stay.
_ACCENTS = re.compile("[\u0300-\u036f]")
# Scripts written without spaces: Han, Hiragana, Katakana (with the prolonged-sound mark),
# CJK compatibility ideographs and the supplementary ideograph planes. Indexed one character
# per token; a query's run of them becomes a phrase, so adjacency is still required.
_CJK_CLASS = (
    "\u3005\u3007\u3021-\u3029\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f"
)
_CJK = re.compile(f"[{_CJK_CLASS}]")
_QUOTE_OR_CJK_RUN = re.compile(f'"|[{_CJK_CLASS}]+')
# Emoji and other pictographic symbols become a word of their own (``emj1f389``): the parser
# would otherwise discard them and an emoji-only query would find nothing.
_SYMBOL_PREFIX = "emj"
_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn"}
# Tokens as the highlighter sees them in the original text.
_TOKEN = re.compile(f"[{_CJK_CLASS}]|[^\\W_]+", re.UNICODE)
_LEXEME = re.compile(r"'((?:[^']|'')*)'(:\*)?")


def _symbol_token(char: str) -> str:
    return f" {_SYMBOL_PREFIX}{ord(char):x} "


# ``<x>`` would parse as a markup tag and ``&x;`` as an entity, both unindexed: spaces.
_ASCII_BLANKS = str.maketrans(dict.fromkeys("\x00<>&", " "))
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _fold_non_ascii(char: str, split_cjk: bool) -> str:
    category = unicodedata.category(char)
    if category == "So":
        return _symbol_token(char)
    if category in _INVISIBLE or category == "Sk":
        return " " if category in {"Cc", "Cs", "Co", "Cn"} else ""
    if split_cjk and _CJK.match(char):
        return f" {char} "
    return char


def normalize(text: str, *, split_cjk: bool = True) -> str:
    """Fold ``text`` for indexing or querying: compatibility forms, no accents, case-folded,
    CJK characters split apart, emoji as words, control characters as spaces.

    ASCII is translated in one C-level pass and only the non-ASCII characters are looked at
    one by one (indexing an import spent most of its Python time in a per-character loop)."""
    if not text:
        return ""
    if text.isascii():
        # NFKD, accent removal and NFC leave ASCII as it is; casefold is lower().
        return text.lower().translate(_ASCII_BLANKS)
    folded = unicodedata.normalize("NFKD", text)
    folded = _ACCENTS.sub("", folded)
    folded = unicodedata.normalize("NFC", folded).casefold().translate(_ASCII_BLANKS)
    return _NON_ASCII.sub(lambda match: _fold_non_ascii(match.group(), split_cjk), folded)


def cap(text: str, limit: int) -> str:
    """The first ``limit`` characters, cut at a whitespace boundary when one is near.

    ``to_tsvector`` refuses inputs whose vector exceeds 1 MiB and that error
    would abort the surrounding write; indexing a bounded prefix keeps every write possible.
    """
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ", max(0, limit - 200))
    return cut[:space] if space > 0 else cut


def prepare_user_query(raw: str) -> tuple[str, bool]:
    """``raw`` normalised for ``websearch_to_tsquery``, and whether its last word may match as
    a prefix (the user is still typing it).

    Quoting and ``-`` keep their websearch meaning; a CJK run outside quotes is quoted so that
    its characters must be adjacent, as they were in the text the user remembers.
    """
    text = normalize(raw, split_cjk=False)
    pieces: list[str] = []
    inside_quotes = False
    position = 0
    for match in _QUOTE_OR_CJK_RUN.finditer(text):
        pieces.append(text[position : match.start()])
        token = match.group(0)
        if token == '"':
            inside_quotes = not inside_quotes
            pieces.append(token)
        else:
            spaced = " ".join(token)
            # Keep a leading ``-`` attached: ``-東京`` still negates the phrase.
            lead = "" if text[match.start() - 1 : match.start()] == "-" else " "
            pieces.append(f" {spaced} " if inside_quotes else f'{lead}"{spaced}" ')
        position = match.end()
    pieces.append(text[position:])
    prepared = "".join(pieces)
    return prepared, _last_word_is_open(raw)


def _last_word_is_open(raw: str) -> bool:
    """True when the query ends inside a plain word: not after a space, a closing quote, or
    punctuation, and the word is neither negated, quoted, nor the ``or`` operator."""
    if not raw or not (raw[-1].isalnum()) or raw.count('"') % 2:
        return False
    if _CJK.match(raw[-1]) or unicodedata.category(raw[-1]) == "So":
        return False
    word = re.split(r"\s", raw)[-1]
    return not word.startswith("-") and word.casefold() != "or"


@dataclass(frozen=True)
class Terms:
    """Lexemes of a parsed query: exact ones and prefixes (``'wor':*``)."""

    exact: frozenset[str]
    prefixes: tuple[str, ...]

    @classmethod
    def from_tsquery(cls, tsquery_text: str) -> Terms:
        exact: set[str] = set()
        prefixes: list[str] = []
        for lexeme, star in _LEXEME.findall(tsquery_text or ""):
            value = lexeme.replace("''", "'")
            if star:
                prefixes.append(value)
            else:
                exact.add(value)
        return cls(frozenset(exact), tuple(prefixes))

    def matches(self, token: str) -> bool:
        return token in self.exact or token.startswith(self.prefixes)

    def __bool__(self) -> bool:
        return bool(self.exact or self.prefixes)


def _token_matches(token: str, terms: Terms) -> bool:
    if token.isascii():
        # An ASCII word token has nothing to fold but its case.
        return terms.matches(token.lower())
    return any(terms.matches(part) for part in normalize(token).split())


def _symbol_spans(text: str, terms: Terms) -> list[tuple[int, int]]:
    """Spans of the emoji and symbols in ``text`` that the query asks for (none unless it
    has a symbol lexeme: then the text need not be walked character by character)."""
    if not any(t.startswith(_SYMBOL_PREFIX) for t in terms.exact) and not any(
        p.startswith(_SYMBOL_PREFIX) or _SYMBOL_PREFIX.startswith(p) for p in terms.prefixes
    ):
        return []
    return [
        (index, index + 1)
        for index, char in enumerate(text)
        if not char.isascii()
        and unicodedata.category(char) == "So"
        and terms.matches(f"{_SYMBOL_PREFIX}{ord(char):x}")
    ]


def highlight(
    text: str,
    terms: Terms,
    *,
    width: int = 240,
    open_tag: str = "<mark>",
    close_tag: str = "</mark>",
) -> str | None:
    """An HTML-escaped snippet of ``text`` around its first matching word, every matching word
    wrapped in ``<mark>``; ``None`` when nothing in the text matches (e.g. a title hit).

    Escaping first-hand matters: the snippet goes to a browser, and the text is user content.
    """
    if not text or not terms:
        return None
    spans = _symbol_spans(text, terms)
    # The snippet ends within ``width`` of the first match: later words need no look.
    stop = spans[0][0] + width if spans else None
    for match in _TOKEN.finditer(text):
        if stop is not None and match.start() > stop:
            break
        if _token_matches(match.group(0), terms):
            spans.append(match.span())
            if stop is None:
                stop = match.start() + width
    spans.sort()
    if not spans:
        return None
    first = spans[0][0]
    start = max(0, first - width // 3)
    if start > 0:
        space = text.find(" ", start, first)
        start = space + 1 if space != -1 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", max(start, end - 40), end)
        end = space if space > spans[0][1] else end
    pieces: list[str] = ["…" if start > 0 else ""]
    position = start
    for span_start, span_end in spans:
        if span_start < position:
            continue
        if span_end > end:
            break
        pieces.append(html.escape(text[position:span_start], quote=False))
        pieces.append(open_tag + html.escape(text[span_start:span_end], quote=False) + close_tag)
        position = span_end
    pieces.append(html.escape(text[position:end], quote=False))
    if end < len(text):
        pieces.append("…")
    return "".join(pieces)
