"""The README runs as written: its fenced ``sh``/``bash`` blocks are run in order, in one
``bash`` process (so a variable set in one block is there in the next), against a live server
on a free loopback port, the way a new user would paste them.

Convention (README.md "Development"): a block that must not run here (it starts a server, runs
the suite, installs packages, or needs a file of your own) has the line
``<!-- readme-test: skip (reason) -->`` right before its fence. Every other ``sh``/``bash``
block must exit 0 and print no error body (a JSON object whose ``error`` is a string), and the
blocks together may use only variables an earlier block defined (``set -u``).
New README sections are picked up automatically.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.jobs_support import ROOT, child_database_env

README = ROOT / "README.md"
DOCUMENTED_URL = "http://127.0.0.1:8000"
SKIP = re.compile(r"^<!-- readme-test: skip \((?P<reason>[^)]+)\) -->$")
FENCE_OPEN = re.compile(r"^```(?P<lang>[\w-]*)\s*$")
RUNNABLE_LANGS = {"sh", "bash"}
MARK = "@@readme-block"
# Words that point at documents a user of this repository cannot open.
UNKNOWN_REFERENCES = re.compile(
    r"seeds? 0\d\d|design D\d+|spec §|decisions\.md|<nextCursor>|<messageId>", re.IGNORECASE
)


@dataclass
class Block:
    line: int  # 1-based line of the opening fence
    lang: str
    code: str
    skip_reason: str | None

    @property
    def runnable(self) -> bool:
        return self.lang in RUNNABLE_LANGS and self.skip_reason is None


def readme_blocks(text: str) -> list[Block]:
    """Every fenced block, with the skip reason written right before it (if any). A fence left
    open swallows the rest of the file; that is reported as an error, not silently run."""
    lines = text.splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        opening = FENCE_OPEN.match(lines[i])
        if not opening:
            i += 1
            continue
        start = i
        i += 1
        body: list[str] = []
        while i < len(lines) and lines[i].strip() != "```":
            if lines[i].startswith("## "):
                raise AssertionError(
                    f"README.md:{start + 1}: the ``` fence is not closed before the heading "
                    f"on line {i + 1}"
                )
            body.append(lines[i])
            i += 1
        if i == len(lines):
            raise AssertionError(f"README.md:{start + 1}: the ``` fence is never closed")
        i += 1
        before = next((line for line in reversed(lines[:start]) if line.strip()), "")
        skip = SKIP.match(before.strip())
        blocks.append(
            Block(
                line=start + 1,
                lang=opening["lang"],
                code="\n".join(body) + "\n",
                skip_reason=skip["reason"] if skip else None,
            )
        )
    return blocks


def json_values(output: str) -> list[object]:
    """Every JSON object or array printed in ``output`` (curl prints bodies back to back, SSE
    prefixes them with ``data:``)."""
    decoder = json.JSONDecoder()
    found = []
    position = 0
    while (position := _next_json_start(output, position)) != -1:
        try:
            value, end = decoder.raw_decode(output, position)
        except json.JSONDecodeError:
            position += 1
            continue
        found.append(value)
        position = end
    return found


def error_bodies(output: str) -> list[object]:
    """The printed JSON objects whose ``error`` is a message, i.e. the API's error shape (a
    message's own ``"error": false`` is not one)."""
    return [
        value
        for value in json_values(output)
        if isinstance(value, dict) and isinstance(value.get("error"), str)
    ]


def _next_json_start(text: str, start: int) -> int:
    hits = [p for p in (text.find("{", start), text.find("[", start)) if p != -1]
    return min(hits) if hits else -1


def run_blocks(blocks: list[Block], base_url: str, workdir: Path) -> tuple[int, str, str]:
    """Source each block in turn in one ``bash -euo pipefail``; a marker line after each
    block tells which ones finished and splits the output between them."""
    driver = ["set -euo pipefail"]
    for number, block in enumerate(blocks):
        path = workdir / f"block_{number}.sh"
        path.write_text(block.code.replace(DOCUMENTED_URL, base_url))
        driver.append(f"printf '\\n{MARK} {number} start\\n'")
        driver.append(f". {path}")
        driver.append(f"printf '\\n{MARK} {number} end\\n'")
    script = workdir / "driver.sh"
    script.write_text("\n".join(driver) + "\n")
    done = subprocess.run(
        ["bash", str(script)],
        cwd=ROOT,
        env=child_database_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    return done.returncode, done.stdout, done.stderr


def outputs_by_block(stdout: str) -> dict[int, tuple[str, bool]]:
    """Block number → (what it printed, whether it reached its end)."""
    parts = re.split(rf"\n{MARK} (\d+) (start|end)\n", stdout)
    result: dict[int, tuple[str, bool]] = {}
    for index in range(1, len(parts), 3):
        number, phase, text = int(parts[index]), parts[index + 1], parts[index + 2]
        if phase == "start":
            result[number] = (text, False)
        else:
            result[number] = (result[number][0], True)
    return result


def test_readme_blocks_follow_the_conventions():
    text = README.read_text()
    blocks = readme_blocks(text)
    shell = [b for b in blocks if b.lang in RUNNABLE_LANGS]
    runnable = [b for b in shell if b.runnable]
    assert len(runnable) >= 12
    skipped = [b for b in shell if not b.runnable]
    # Exceptions stay few, and each says why.
    assert len(skipped) <= 10, [b.line for b in skipped]
    assert all(b.skip_reason.strip() for b in skipped)
    # One way to write the server and the token, so examples compose.
    assert "localhost:8000" not in text
    for block in runnable:
        assert "$T " not in block.code and '$T"' not in block.code, block.line
        assert "TOKEN=..." not in block.code, block.line
        commands = "\n".join(
            line for line in block.code.splitlines() if not line.lstrip().startswith("#")
        )
        assert not re.search(r"<[A-Za-z]+>", commands), f"placeholder in README.md:{block.line}"
        for command in re.findall(r"curl\b[^\n]*", block.code):
            assert re.search(r"\s-\w*s", command), f"curl without -s in README.md:{block.line}"
    assert not UNKNOWN_REFERENCES.search(text), UNKNOWN_REFERENCES.search(text)[0]
    assert "Search is not available" not in text
    assert "until enabled" not in text


def test_fence_parser_reports_an_unclosed_block():
    broken = "## A\n\n```sh\necho one\n## B\n\n```sh\necho two\n```\n"
    with pytest.raises(AssertionError, match="not closed"):
        readme_blocks(broken)


def test_error_bodies_finds_errors_in_back_to_back_and_sse_output():
    output = (
        '{"messageId": "m", "error": false}[{"a": 1}]'
        'data: {"type": "content"}\n\ndata: {"error": "The AI provider failed"}\n'
    )
    assert error_bodies(output) == [{"error": "The AI provider failed"}]


@pytest.mark.django_db(transaction=True)
def test_readme_examples_run_as_written(live_server, settings, tmp_path):
    # The Usage section's balance example says it needs BALANCE_ENABLED=1.
    settings.BALANCE_ENABLED = True
    blocks = [b for b in readme_blocks(README.read_text()) if b.runnable]
    base_url = live_server.url.replace("localhost", "127.0.0.1")  # the loopback address itself
    code, stdout, stderr = run_blocks(blocks, base_url, tmp_path)
    outputs = outputs_by_block(stdout)
    for number, block in enumerate(blocks):
        printed, finished = outputs.get(number, ("", False))
        assert finished, (
            f"README.md:{block.line} ({block.lang} block) failed with exit code {code}\n"
            f"--- block ---\n{block.code}--- output ---\n{printed[-3000:]}\n"
            f"--- stderr ---\n{stderr[-3000:]}"
        )
        errors = error_bodies(printed)
        assert not errors, f"README.md:{block.line} printed error bodies: {errors}"
        if "curl " in block.code:
            assert json_values(printed), f"README.md:{block.line} printed no JSON: {printed}"
    assert code == 0, stderr[-3000:]


@pytest.mark.django_db
def test_swagger_descriptions_name_nothing_a_user_cannot_look_up(api_client):
    response = api_client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/messages" in text
    found = UNKNOWN_REFERENCES.search(text)
    assert found is None, text[max(found.start() - 200, 0) : found.end() + 200]
