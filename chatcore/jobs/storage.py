"""Files that jobs read and write, kept in directories chatcore owns.

Uploads wait for the worker under ``<CHATCORE_DATA_DIR>/jobs/uploads`` and export files under
``.../jobs/exports``; large request bodies are spooled by Django into ``.../jobs/incoming``
(``FILE_UPLOAD_TEMP_DIR``). The directories are mode 0700 and every file 0600, so an export of a
user's history never sits in a world-readable temp directory. A job's file is removed when the
job ends (uploads) or expires (exports); files no live job points at are removed at worker
start-up and by the maintenance pass (docs/api-behaviour.md#job-files).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import IO

from django.conf import settings

UPLOADS = "uploads"
EXPORTS = "exports"
INCOMING = "incoming"  # Django's FILE_UPLOAD_TEMP_DIR: request bodies being received


def job_dir(kind: str) -> Path:
    """The directory for ``kind`` (``uploads`` or ``exports``), created 0700 when missing."""
    root = Path(settings.CHATCORE_JOB_FILES_DIR)
    path = root / kind
    for directory in (root, path):
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(directory, 0o700)
    return path


def new_file_path(kind: str, suffix: str) -> Path:
    return job_dir(kind) / f"{uuid.uuid4().hex}{suffix}"


def ensure_dirs() -> None:
    """Create the job directories (0700); Django spools large uploads into ``INCOMING``."""
    for kind in (UPLOADS, EXPORTS, INCOMING):
        job_dir(kind)


def store_upload(source: IO[bytes]) -> Path:
    """Put an uploaded file into the uploads directory (0600): a hard link to Django's spooled
    temporary file when there is one (no copy of a large file inside the request), else a copy
    in constant memory."""
    path = new_file_path(UPLOADS, ".upload")
    temporary = getattr(source, "temporary_file_path", None)
    if temporary is not None:
        try:
            os.link(temporary(), path)
            os.chmod(path, 0o600)
            return path
        except OSError:
            pass  # another filesystem: copy below
    source.seek(0)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        shutil.copyfileobj(source, out, length=1024 * 1024)
    return path


def open_private(path: Path) -> IO[bytes]:
    """Create ``path`` for writing, readable by this user only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    return os.fdopen(fd, "wb")


def remove_file(path: str) -> None:
    """Remove a job's file if it is one of ours; a missing file is not an error."""
    if path and is_ours(Path(path)):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def is_ours(path: Path) -> bool:
    root = Path(settings.CHATCORE_JOB_FILES_DIR).resolve()
    try:
        return path.resolve().is_relative_to(root)
    except OSError:
        return False


def stale_files(*, keep: set[str], older_than_seconds: float) -> list[Path]:
    """Files in the job directories that no live job points at and that are older than the
    grace period (a file is written just before its job row commits)."""
    cutoff = time.time() - older_than_seconds
    found = []
    for kind in (UPLOADS, EXPORTS, INCOMING):
        for path in job_dir(kind).iterdir():
            try:
                old = path.stat().st_mtime < cutoff
            except FileNotFoundError:
                continue
            if old and str(path) not in keep:
                found.append(path)
    return found
