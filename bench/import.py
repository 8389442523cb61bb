"""Import benchmark: generate ChatGPT ``conversations.json`` exports and import them.

``python -m bench import`` (sizes in MB from ``BENCH_IMPORT_MB``, default ``25,100``) writes
deterministic exports under ``var/bench/`` — realistic mapping trees with system roots,
regenerated replies (branches), code, tool/browsing output and web citations — then runs
``manage.py import_conversations`` on each in a fresh process against the bench database and
reports wall time, messages/s (of the import as the command times it, and with the process
start included) and the import process's own peak RSS. Comparing the peak RSS of the small and
the large file shows whether memory stays flat as the file grows (it should: the importer
streams one conversation at a time). Imported rows are deleted afterwards.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.harness import BENCH_DB, ROOT, setup_django

OUT_DIR = ROOT / "var" / "bench"
EMAIL = "bench-import@example.com"
WORDS = tuple(
    [
        "index",
        "query",
        "vacuum",
        "planner",
        "tuple",
        "buffer",
        "cache",
        "replica",
        "shard",
        "latency",
        "throughput",
        "kernel",
        "thread",
        "socket",
        "parser",
        "token",
        "gradient",
        "tensor",
        "bakery",
        "sourdough",
        "starter",
        "hydration",
        "crumb",
        "oven",
        "marathon",
        "tempo",
        "interval",
        "recovery",
        "garden",
        "compost",
        "tomato",
        "blight",
        "soil",
        "network",
        "mesh",
    ]
)


def _text(rng: random.Random, low: int, high: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    return " ".join(words).capitalize() + "."


def _node(node_id, parent, role, content, created, *, slug=None, extra_meta=None, name=None):
    metadata = {"message_type": None, "timestamp_": "absolute"}
    if slug:
        metadata["model_slug"] = slug
    metadata.update(extra_meta or {})
    return {
        "id": node_id,
        "message": {
            "id": node_id,
            "author": {"role": role, "name": name, "metadata": {}},
            "create_time": created,
            "update_time": None,
            "content": content,
            "status": "finished_successfully",
            "end_turn": role == "assistant",
            "weight": 1.0,
            "metadata": metadata,
            "recipient": "all",
        },
        "parent": parent,
        "children": [],
    }


def _conversation(rng: random.Random, index: int) -> dict:
    start = 1_700_000_000 + index * 3600.0
    mapping: dict[str, dict] = {}
    root = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    mapping[root] = {"id": root, "message": None, "parent": None, "children": []}
    system = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    mapping[system] = _node(
        system,
        root,
        "system",
        {"content_type": "text", "parts": [""]},
        None,
        extra_meta={"is_visually_hidden_from_conversation": True},
    )
    mapping[root]["children"].append(system)
    parent, moment = system, start
    slug = rng.choice(("gpt-4o", "gpt-4", "o4-mini", "text-davinci-002-render-sha"))

    def add(node: dict) -> str:
        mapping[node["id"]] = node
        mapping[node["parent"]]["children"].append(node["id"])
        return node["id"]

    for _turn in range(rng.randint(8, 24)):
        moment += rng.uniform(5, 90)
        question = _text(rng, 10, 60)
        user_id = add(
            _node(
                str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                parent,
                "user",
                {"content_type": "text", "parts": [question]},
                moment,
            )
        )
        kind = rng.random()
        if kind < 0.1:  # code + tool output before the answer
            moment += 1
            code_id = add(
                _node(
                    str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    user_id,
                    "assistant",
                    {"content_type": "code", "language": "python", "text": "print(42)\n" * 5},
                    moment,
                    slug=slug,
                )
            )
            moment += 1
            answer_parent = add(
                _node(
                    str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    code_id,
                    "tool",
                    {"content_type": "execution_output", "text": "42\n" * 5},
                    moment,
                    slug=slug,
                    name="python",
                )
            )
        else:
            answer_parent = user_id
        answers = 2 if rng.random() < 0.12 else 1  # regenerations are sibling branches
        for _ in range(answers):
            moment += rng.uniform(2, 30)
            text = _text(rng, 80, 400)
            meta = {}
            if rng.random() < 0.1:
                meta["citations"] = [
                    {
                        "start_ix": 10,
                        "end_ix": 14,
                        "metadata": {
                            "type": "webpage",
                            "title": "Example source",
                            "url": "https://example.com/source",
                        },
                    }
                ]
            answer = add(
                _node(
                    str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    answer_parent,
                    "assistant",
                    {"content_type": "text", "parts": [text]},
                    moment,
                    slug=slug,
                    extra_meta=meta,
                )
            )
        parent = answer
    return {
        "title": _text(rng, 3, 7)[:80],
        "create_time": start,
        "update_time": moment,
        "mapping": mapping,
        "moderation_results": [],
        "current_node": parent,
        "conversation_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "default_model_slug": slug,
        "id": str(index),
    }


def generate(path: Path, megabytes: int, seed: int = 7) -> tuple[int, int]:
    """Write an export of about ``megabytes`` MB; returns (conversations, bytes)."""
    rng = random.Random(seed)
    target = megabytes * 1024 * 1024
    written = count = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        out.write("[")
        while written < target:
            chunk = ("," if count else "") + json.dumps(_conversation(rng, count))
            out.write(chunk)
            written += len(chunk)
            count += 1
        out.write("]\n")
    return count, path.stat().st_size


def _import(path: Path) -> dict:
    env = {**os.environ, "CHATCORE_DB_NAME": BENCH_DB}
    command = [sys.executable, "manage.py", "import_conversations", str(path), "--user", EMAIL]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.monotonic()
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err, text=True)
        # wait4 gives this child's own peak RSS (RUSAGE_CHILDREN would be the maximum over
        # every child this process ever waited for).
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.monotonic() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if child.returncode != 0:
        raise SystemExit(f"import failed ({child.returncode}):\n{stderr[-2000:]}")
    summary = stdout.strip().splitlines()[0]
    # "...: imported N conversations, M messages (format) in S s; skipped K"
    counted = re.search(r"(\d+) messages \(\w+\) in ([\d.]+)s", summary)
    messages, seconds = (int(counted[1]), float(counted[2])) if counted else (0, elapsed)
    return {
        "elapsed": elapsed,
        "messages": messages,
        "import_seconds": seconds,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "summary": summary,
    }


def _cleanup() -> None:
    from chatcore.models import User
    from convos_app.services.delete import conversations_delete_all

    user = User.objects.filter(email=EMAIL).first()
    if user is not None:
        conversations_delete_all(user=user)


def main() -> None:
    setup_django()
    from chatcore.models import User

    sizes = [int(s) for s in os.environ.get("BENCH_IMPORT_MB", "25,100").split(",") if s]
    if not User.objects.filter(email=EMAIL).exists():
        User.objects.create_user(email=EMAIL, password=uuid.uuid4().hex)
    _cleanup()
    for megabytes in sorted(sizes):
        path = OUT_DIR / f"chatgpt-{megabytes}mb.json"
        if not path.exists():
            conversations, size = generate(path, megabytes)
            print(f"generated {path.name}: {conversations} conversations, {size / 1e6:.1f} MB")
        result = _import(path)
        size = path.stat().st_size
        print(
            f"import {path.name} ({size / 1e6:.1f} MB): {result['elapsed']:.1f}s wall, "
            f"{result['messages']:,} messages in {result['import_seconds']:.1f}s = "
            f"{result['messages'] / result['import_seconds']:,.0f} messages/s "
            f"(process start included: {result['messages'] / result['elapsed']:,.0f}/s), "
            f"peak RSS {result['peak_rss_mb']:.0f} MB\n  {result['summary']}",
            flush=True,
        )
        _cleanup()


if __name__ == "__main__":
    main()
