"""The cache backend follows REDIS_URL: Redis shared by every worker, or memory per process."""

import importlib
import os
import uuid

import pytest
from django.core.cache.backends.redis import RedisCache

from keju import settings as keju_settings

REDIS_URL = os.environ.get("KEJU_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _config(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict:
    for name in ("REDIS_URL", "CACHE_KEY_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return keju_settings.cache_config()["default"]


def test_without_redis_url_each_process_keeps_its_own_memory_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _config(monkeypatch)["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_with_redis_url_the_cache_is_redis_prefixed_with_the_database_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = _config(monkeypatch, REDIS_URL="redis://cache:6379/2")
    assert config["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert config["LOCATION"] == "redis://cache:6379/2"
    database = os.path.basename(str(keju_settings.DATABASES["default"]["NAME"]))
    assert config["KEY_PREFIX"] == f"keju:{database}"
    assert _config(monkeypatch, REDIS_URL="redis://x", CACHE_KEY_PREFIX="prod")["KEY_PREFIX"] == "prod"


def test_the_settings_module_reads_the_environment_when_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/3")
    try:
        reloaded = importlib.reload(keju_settings)
        assert reloaded.CACHES["default"]["LOCATION"] == "redis://cache:6379/3"
    finally:
        monkeypatch.delenv("REDIS_URL")
        importlib.reload(keju_settings)


def _live_redis() -> RedisCache:
    cache = RedisCache(REDIS_URL, {"KEY_PREFIX": f"keju-test-{uuid.uuid4().hex[:8]}"})
    try:
        cache.set("ping", 1, 5)
    except Exception as exc:  # noqa: BLE001 — any connection error means no Redis here
        if os.environ.get("CI"):
            raise  # CI machines run Redis: a missing one is a failure, not a skip
        pytest.skip(f"no Redis at {REDIS_URL}: {exc}")
    return cache


def test_two_workers_sharing_redis_see_one_entry_and_prefixes_keep_deployments_apart() -> None:
    first = _live_redis()
    second = RedisCache(REDIS_URL, {"KEY_PREFIX": first.key_prefix})
    other = RedisCache(REDIS_URL, {"KEY_PREFIX": first.key_prefix + "-other"})
    value = {"page": "<p>兰州新区</p>", "figures": [1.5, None]}
    first.set("keju:dash:1:7-0:zone:abc", value, 30)
    assert second.get("keju:dash:1:7-0:zone:abc") == value
    assert other.get("keju:dash:1:7-0:zone:abc") is None
    first.delete("keju:dash:1:7-0:zone:abc")
    first.delete("ping")
