"""ChatGPT web browsing, folded into the reply it served (docs/api-behaviour.md#import-browsing).

A browsing ChatGPT turn is stored as a run of nodes: the assistant calls the browser (a ``code``
node addressed to ``browser``/``web`` holding ``search("...")``, ``mclick([...])``,
``open_url(...)``), the tool answers (``tether_browsing_display``: the result list;
``tether_quote``: a quoted page), and so on until the assistant writes its answer. Imported one
node per message they were walls of raw JSON. Here each call becomes one compact ``tool_call``
content part, LibreChat's shape ``{"type": "tool_call", "tool_call": {id, name, args,
output}}``: ``args`` the call's arguments as JSON (``{"query": ...}``), ``output`` short
Markdown — the cited sources as ``[title](url)`` links and the quotes as ``>`` quotes. The
raw payloads are not kept. The parts are placed before the text of the assistant answer that
follows the run.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

BROWSER_NAMES = {"browser", "web", "web.run"}
RESULT_TYPES = {"tether_browsing_display", "tether_quote"}
# Calls longer than this are not parsed (they are kept as the raw command, cut).
MAX_CALL_CHARS = 2_000
MAX_QUOTE_CHARS = 1_000
MAX_SOURCES = 20
_RESULT_MARKER = re.compile(r"【(\d+)†([^†】]*)†([^†】]*)】")
TOOL_NAMES = {"search": "web_search", "mclick": "open_results", "open_url": "open_url"}


@dataclass
class BrowsingStep:
    """One browser call and what the tool answered to it."""

    node_id: str
    command: str = ""
    sources: list[tuple[str, str]] = field(default_factory=list)  # (title, url or domain)
    quotes: list[tuple[str, str, str]] = field(default_factory=list)  # (text, title, url)

    def add_source(self, title: str, url: str) -> None:
        """Once per page: a real URL replaces a bare domain listed under the same title."""
        for index, (known_title, known_url) in enumerate(self.sources):
            if known_url == url or (known_title == title and not _is_url(known_url)):
                if _is_url(url) and not _is_url(known_url):
                    self.sources[index] = (title, url)
                return
        if len(self.sources) < MAX_SOURCES:
            self.sources.append((title, url))


def _author(message: Mapping[str, Any]) -> Mapping[str, Any]:
    author = message.get("author")
    return author if isinstance(author, Mapping) else {}


def is_browsing_call(message: Any) -> bool:
    """An assistant ``code`` node addressed to the browser."""
    if not isinstance(message, Mapping):
        return False
    content = message.get("content")
    return (
        isinstance(content, Mapping)
        and content.get("content_type") == "code"
        and message.get("recipient") in BROWSER_NAMES
        and _author(message).get("role") == "assistant"
    )


def is_browsing_result(message: Any) -> bool:
    """A tool node of the browser: a result list, a quote, or any other browser output."""
    if not isinstance(message, Mapping):
        return False
    content = message.get("content")
    if not isinstance(content, Mapping):
        return False
    author = _author(message)
    return content.get("content_type") in RESULT_TYPES or (
        author.get("role") == "tool" and author.get("name") in BROWSER_NAMES
    )


def is_browsing(message: Any) -> bool:
    return is_browsing_call(message) or is_browsing_result(message)


def record_result(step: BrowsingStep, message: Mapping[str, Any]) -> None:
    """Take the sources and quotes of one tool node into ``step``."""
    content = message["content"]
    metadata = message.get("metadata") if isinstance(message.get("metadata"), Mapping) else {}
    kind = content.get("content_type")
    if kind == "tether_quote":
        title, url = _text(content.get("title")), _text(content.get("url"))
        quote = _text(content.get("text")).strip()
        if quote:
            step.quotes.append((quote[:MAX_QUOTE_CHARS], title, url))
        if title or url:
            step.add_source(title or url, url or _text(content.get("domain")))
        return
    cited = metadata.get("_cite_metadata")
    listed = cited.get("metadata_list") if isinstance(cited, Mapping) else None
    if isinstance(listed, list):
        for item in listed:
            if isinstance(item, Mapping) and (item.get("url") or item.get("title")):
                title, url = _text(item.get("title")), _text(item.get("url"))
                step.add_source(title or url, url)
        return
    result = content.get("result")
    if isinstance(result, str):
        for _, title, domain in _RESULT_MARKER.findall(result[:100_000]):
            step.add_source(title.strip() or domain.strip(), domain.strip())


def tool_call_part(step: BrowsingStep) -> dict[str, Any]:
    name, args = _call(step.command)
    return {
        "type": "tool_call",
        "tool_call": {
            "id": step.node_id,
            "name": name,
            "args": json.dumps(args, ensure_ascii=False),
            "output": _output(step),
        },
    }


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _call(command: str) -> tuple[str, dict[str, Any]]:
    """``search("tides", recency_days=7)`` → ``("web_search", {"query": "tides", ...})``;
    anything not a plain call with literal arguments → ``("browser", {"command": ...})``."""
    raw = command.strip()
    fallback = ("browser", {"command": raw[:MAX_CALL_CHARS]})
    if not raw or len(raw) > MAX_CALL_CHARS:
        return fallback
    try:
        call = ast.parse(raw, mode="eval").body
        if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
            return fallback
        positional = [ast.literal_eval(arg) for arg in call.args]
        named = {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords if kw.arg}
    except (SyntaxError, ValueError, TypeError, RecursionError, MemoryError):
        return fallback
    function = call.func.id
    if function == "search" and positional and isinstance(positional[0], str):
        return TOOL_NAMES["search"], {"query": positional[0], **named}
    if function == "mclick" and positional and isinstance(positional[0], list):
        return TOOL_NAMES["mclick"], {"ids": [str(i) for i in positional[0]], **named}
    if function == "open_url" and positional and isinstance(positional[0], str):
        return TOOL_NAMES["open_url"], {"url": positional[0], **named}
    return fallback


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def _link(title: str, url: str) -> str:
    if _is_url(url):
        return f"[{title or url}]({url})"
    return f"{title} ({url})" if url and title != url else title or url


def _output(step: BrowsingStep) -> str:
    blocks = []
    quoted_urls = {url for _, _, url in step.quotes if url}
    sources = [(t, u) for t, u in step.sources if u not in quoted_urls]  # quotes name theirs
    if sources:
        blocks.append("Sources:\n" + "\n".join(f"- {_link(t, u)}" for t, u in sources))
    for text, title, url in step.quotes:
        quoted = "\n".join(f"> {line}" for line in text.splitlines())
        source = _link(title, url)
        blocks.append(quoted + (f"\n> — {source}" if source else ""))
    return "\n\n".join(blocks)
