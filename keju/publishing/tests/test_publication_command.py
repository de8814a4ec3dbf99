"""`keju publication`: the workflow from the shell, with the same permissions and refusals."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from keju.publishing.models import Publication, Status
from keju.publishing.tests.conftest import Zone

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("publication", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_draft_review_publish_and_list(zone: Zone, fast_render: Any) -> None:
    assert "草稿" in run("draft", "--kind", "annual", "--period", "2019", "--user", "office-mini")
    pub = Publication.objects.get()
    run("review", str(pub.pk), "--user", "evaluator-mini")
    assert "迷你年报〔2019〕第1期" in run("publish", str(pub.pk), "--user", "office-mini")
    assert Publication.objects.get().status == Status.PUBLISHED
    assert "已发布" in run("list")


def test_refusals_are_command_errors_in_chinese(zone: Zone) -> None:
    with pytest.raises(CommandError, match="--user"):
        run("draft", "--kind", "annual", "--period", "2019", "--user", "ghost")
    with pytest.raises(CommandError, match="只有省创新办可以起草"):
        run("draft", "--kind", "annual", "--period", "2019", "--user", "evaluator-mini")
    with pytest.raises(CommandError, match="没有编号为 42"):
        run("publish", "42", "--user", "office-mini")
    assert not Publication.objects.exists()


def test_without_a_plan_the_command_says_so(db: None) -> None:
    with pytest.raises(CommandError, match="尚未载入规划"):
        run("list")
