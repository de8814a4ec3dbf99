"""Workbooks an upload produces (error report, rows to correct), kept for their owner to download.

Stored as files under the data folder rather than in the session or a cache, so that any
server process can serve them; names carry the owner's id and a random token, and
files older than RETENTION are removed whenever new ones are written.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path
from typing import Any

from django.conf import settings

KINDS = ("errors", "corrections")
RETENTION_SECONDS = 2 * 24 * 3600
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def results_dir() -> Path:
    path = Path(getattr(settings, "KEJU_EXCEL_RESULTS_DIR", Path(settings.DATA_DIR) / "excel-results"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _path(user: Any, token: str, kind: str) -> Path:
    return results_dir() / f"{int(user.pk)}-{token}-{kind}.xlsx"


def save(user: Any, files: dict[str, bytes]) -> str:
    """Store the workbooks (kind → bytes) for `user`; returns the token that names them."""
    _purge()
    token = secrets.token_hex(16)
    for kind, data in files.items():
        if kind not in KINDS:
            raise ValueError(kind)
        _path(user, token, kind).write_bytes(data)
    return token


def load(user: Any, token: str, kind: str) -> bytes | None:
    """The workbook, if it exists and belongs to `user` (anyone else gets None)."""
    if not getattr(user, "is_authenticated", False) or kind not in KINDS or not _TOKEN.match(token):
        return None
    path = _path(user, token, kind)
    return path.read_bytes() if path.is_file() else None


def _purge() -> None:
    cutoff = time.time() - RETENTION_SECONDS
    for path in results_dir().glob("*.xlsx"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass  # removed by another process meanwhile
