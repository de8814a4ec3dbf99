"""Settings for benchmarks/deadline_surge.py only: the app as deployed, plus the floor endpoint."""

import os

from keju.settings import *  # noqa: F403

# `deadline_surge.py --orm` measures the ORM path of the submission endpoints instead.
KEJU_REPORTING_FAST_PATH = os.environ.get("KEJU_REPORTING_FAST_PATH", "1") != "0"

ROOT_URLCONF = "surge_urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
