"""Artifact edits inside message text, as pure functions over strings
(docs/api-behaviour.md#artifact-edit).

A model writes an artifact as a directive block::

    :::artifact{identifier="calc" type="application/vnd.react" title="Calculator"}
    ```jsx
    ...code...
    ```
    :::

The client's editor shows one artifact and sends back ``(index, original, updated)``. These
functions find every artifact of a message in LibreChat's counting order, locate ``original``
inside the chosen one and splice ``updated`` in, leaving every byte outside the artifact as it
was. They know nothing of the ORM, so every documented rule (docs/api-behaviour.md#artifact-edit) is
unit-tested without a database.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

ARTIFACT_START = ":::artifact"
ARTIFACT_CLOSE = ":::"
FENCE = "```"

ARTIFACT_INDEX_OUT_OF_BOUNDS = "Artifact index out of bounds"
ORIGINAL_NOT_FOUND = "Original content not found in target artifact"


class ArtifactEditError(ValueError):
    """The edit cannot be applied; ``str(exc)`` is the client-facing sentence."""


@dataclass(frozen=True)
class Artifact:
    """One artifact: ``text[start:end]`` is the whole block, opening line to closing ``:::``.

    ``source`` says whether ``text`` is a content part's text (``part_index`` set) or the
    message's legacy ``text`` field.
    """

    start: int
    end: int
    text: str
    source: Literal["content", "text"]
    part_index: int | None = None
    closed: bool = True


@dataclass(frozen=True)
class TextSource:
    """A text that may hold artifacts: a ``text`` content part (with its index) or message text."""

    text: str
    part_index: int | None = None


def _lines_with_offsets(text: str, start: int) -> list[tuple[int, str]]:
    """(offset, line without its newline) for every line of ``text[start:]``."""
    result = []
    position = start
    for line in text[start:].split("\n"):
        result.append((position, line))
        position += len(line) + 1
    return result


def _artifact_end(text: str, start: int) -> tuple[int, bool]:
    """Where the artifact opened at ``start`` ends (just after its closing ``:::``), and
    whether it is closed at all.

    The closing marker is a later line that is exactly ``:::`` once trimmed; a ``:::`` line
    inside a fenced code block does not close the artifact. Unclosed → end of the text.
    """
    in_fence = False
    for number, (offset, line) in enumerate(_lines_with_offsets(text, start)):
        if number == 0:
            continue
        stripped = line.strip()
        if stripped.startswith(FENCE):
            in_fence = not in_fence
        elif stripped == ARTIFACT_CLOSE and not in_fence:
            return offset + line.index(ARTIFACT_CLOSE) + len(ARTIFACT_CLOSE), True
    return len(text), False


def artifacts_in_text(
    text: str, *, source: Literal["content", "text"], part_index: int | None = None
) -> list[Artifact]:
    """Every artifact of ``text``, left to right (a new one may start right after the last)."""
    found: list[Artifact] = []
    position = 0
    while True:
        start = text.find(ARTIFACT_START, position)
        if start == -1:
            return found
        end, closed = _artifact_end(text, start)
        found.append(
            Artifact(
                start=start,
                end=end,
                text=text,
                source=source,
                part_index=part_index,
                closed=closed,
            )
        )
        position = max(end, start + len(ARTIFACT_START))


def find_all_artifacts(parts: Sequence[TextSource], message_text: str) -> list[Artifact]:
    """LibreChat's counting order: the ``text`` content parts in order, then (only when they
    hold none at all) the message's legacy ``text``. The request's index points into this list.
    """
    found: list[Artifact] = []
    for part in parts:
        found.extend(artifacts_in_text(part.text, source="content", part_index=part.part_index))
    if not found and message_text:
        found = artifacts_in_text(message_text, source="text")
    return found


_ESCAPED_DOLLAR = re.compile(r"\\{1,2}\$")
_CHEMISTRY = re.compile(r"\$\$(\\(?:ce|pu)\{[^$]*?\})\$\$")


def unescape_latex(value: str) -> str:
    """Undo the escaping the artifact editor shows: ``\\$``/``\\\\$`` → ``$``, and the
    display-math form of ``\\ce{}``/``\\pu{}`` back to its inline ``$...$`` form."""
    value = _ESCAPED_DOLLAR.sub("$", value)
    return _CHEMISTRY.sub(lambda match: f"${match.group(1)}$", value)


def _trim_trailing_newline(text: str, start: int, end: int) -> int:
    """``end`` moved before the newline that ends the region's last line, if there is one."""
    if end > start and text[end - 1] == "\n":
        return end - 1
    return end


def _search_region(text: str, artifact: Artifact) -> tuple[int, int]:
    """The (start, end) offsets in ``text`` where ``original`` is looked for.

    The body runs from the line after the opening line to the closing ``:::`` line (or the end
    of an unclosed artifact). When the body is exactly one fenced code block, the region is the
    code between the fence lines, so the fences themselves are never edited.
    """
    newline = text.find("\n", artifact.start, artifact.end)
    body_start = artifact.end if newline == -1 else newline + 1
    if artifact.closed:
        body_end = text.rfind("\n", body_start - 1, artifact.end - len(ARTIFACT_CLOSE)) + 1
        body_end = max(body_end, body_start)
    else:
        body_end = artifact.end

    lines = [
        (offset, line)
        for offset, line in _lines_with_offsets(text[:body_end], body_start)
        if offset < body_end
    ]
    content = [(offset, line) for offset, line in lines if line.strip()]
    fences = [(offset, line) for offset, line in content if line.strip().startswith(FENCE)]
    if (
        len(fences) == 2
        and content[0] == fences[0]
        and content[-1] == fences[1]
        and fences[1][1].strip() == FENCE
    ):
        open_offset, open_line = fences[0]
        region_start = open_offset + len(open_line) + 1
        region_end = fences[1][0]
        return region_start, _trim_trailing_newline(text, region_start, region_end)
    return body_start, _trim_trailing_newline(text, body_start, body_end)


_BLANKS_BEFORE_CLOSE = re.compile(r"\n+(?=```\n:::)")


def replace_artifact_content(text: str, artifact: Artifact, original: str, updated: str) -> str:
    """``text`` with the first occurrence of ``original`` inside ``artifact`` replaced.

    ``original`` loses one trailing newline before the search (the editor adds one); an empty
    ``original`` only matches an empty region. If the replacement is not followed by a newline
    and does not end with one, one is inserted. Blank-line runs just before the closing
    fence-and-marker are collapsed inside the artifact only, so the text before and after the
    artifact is kept byte for byte. Raises ``ArtifactEditError`` when there is no match.
    """
    needle = original[:-1] if original.endswith("\n") else original
    region_start, region_end = _search_region(text, artifact)
    region = text[region_start:region_end]
    if needle == "":
        if region != "":
            raise ArtifactEditError(ORIGINAL_NOT_FOUND)
        relative = 0
    else:
        relative = region.find(needle)
        if relative == -1:
            raise ArtifactEditError(ORIGINAL_NOT_FOUND)
    match_start = region_start + relative
    match_end = match_start + len(needle)
    after = text[match_end:]
    separator = "" if after.startswith("\n") or updated.endswith("\n") else "\n"
    head = text[artifact.start : match_start] + updated + separator
    tail_in_artifact = text[match_end : artifact.end]
    new_artifact = _BLANKS_BEFORE_CLOSE.sub("\n", head + tail_in_artifact)
    return text[: artifact.start] + new_artifact + text[artifact.end :]


@dataclass(frozen=True)
class ArtifactEdit:
    """Result of an edit: the new text and where it goes back (a part index, or the message)."""

    text: str
    source: Literal["content", "text"]
    part_index: int | None


def apply_artifact_edit(
    *,
    parts: Sequence[TextSource],
    message_text: str,
    index: int,
    original: str,
    updated: str,
) -> ArtifactEdit:
    """Edit artifact number ``index`` of a message; the whole algorithm
    of docs/api-behaviour.md#artifact-edit."""
    artifacts = find_all_artifacts(parts, message_text)
    if index >= len(artifacts):
        raise ArtifactEditError(ARTIFACT_INDEX_OUT_OF_BOUNDS)
    artifact = artifacts[index]
    new_text = replace_artifact_content(
        artifact.text, artifact, unescape_latex(original), unescape_latex(updated)
    )
    return ArtifactEdit(text=new_text, source=artifact.source, part_index=artifact.part_index)
