"""Settings for benchmarks/deadline_surge.py only: the app as deployed, plus the floor endpoint."""

from keju.settings import *  # noqa: F403

ROOT_URLCONF = "surge_urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
