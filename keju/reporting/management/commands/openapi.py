"""`keju openapi [--write]`: the API's OpenAPI schema, as committed in docs/openapi.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

SCHEMA_PATH = Path(settings.BASE_DIR).parent / "docs" / "openapi.json"


def schema_text() -> str:
    """The schema as committed: sorted keys, two-space indent, UTF-8, final newline."""
    from keju.api import api

    return json.dumps(api.get_openapi_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


class Command(BaseCommand):
    help = "Print the OpenAPI schema of the JSON API (--write: into docs/openapi.json)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--write", action="store_true", help=f"write {SCHEMA_PATH} instead of printing")

    def handle(self, *args: Any, write: bool = False, **options: Any) -> None:
        text = schema_text()
        if write:
            SCHEMA_PATH.write_text(text, encoding="utf-8")
            self.stdout.write(f"已写入 {SCHEMA_PATH}")
        else:
            self.stdout.write(text, ending="")
