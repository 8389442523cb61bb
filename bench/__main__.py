"""``python -m bench [NAME ...]``: run the named benchmarks (default: all that exist)."""

from __future__ import annotations

import importlib
import importlib.util
import sys

ALL = ("messages", "convos", "search", "import", "import_jobs", "floors")


def main(argv: list[str]) -> int:
    names = argv or [name for name in ALL if importlib.util.find_spec(f"bench.{name}")]
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"== bench.{name} ==", flush=True)
        module.main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
