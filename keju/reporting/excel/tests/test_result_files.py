"""Result workbooks are kept for their owner only, and old ones are removed."""

from __future__ import annotations

import os
import time

import pytest

from keju.reporting.excel import results

pytestmark = pytest.mark.django_db


def test_only_the_owner_can_load_a_result(zone):
    token = results.save(zone.reporter, {"errors": b"PK-bytes"})
    assert results.load(zone.reporter, token, "errors") == b"PK-bytes"
    assert results.load(zone.reviewer, token, "errors") is None
    assert results.load(zone.reporter, token, "corrections") is None
    assert results.load(zone.reporter, "../../secret_key", "errors") is None
    assert results.load(zone.reporter, token, "../errors") is None


def test_results_older_than_the_retention_are_removed(zone):
    old = results.save(zone.reporter, {"errors": b"old"})
    path = next(results.results_dir().glob(f"*{old}*"))
    past = time.time() - results.RETENTION_SECONDS - 60
    os.utime(path, (past, past))
    results.save(zone.reporter, {"errors": b"new"})
    assert results.load(zone.reporter, old, "errors") is None


def test_unknown_kind_is_refused(zone):
    with pytest.raises(ValueError):
        results.save(zone.reporter, {"secrets": b""})
