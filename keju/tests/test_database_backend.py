import os

from django.db import connection


def test_suite_runs_on_the_database_that_database_url_names():
    """`make test` runs once with DATABASE_URL=postgres://…; it must really be PostgreSQL then."""
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected
