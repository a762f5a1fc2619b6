"""Fixtures for throttling tests: a clock the test moves, and the machine's Redis server."""

import os
import time

import pytest

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REDIS_HINT = "Redis tests need a server at TEST_REDIS_URL (default redis://127.0.0.1:6379/0)"


class Clock:
    """``time.time`` as the limiter sees it, moved forward by the test instead of by sleeping."""

    def __init__(self):
        self._real = time.time
        self.offset = 0.0

    def __call__(self) -> float:
        return self._real() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(time, "time", fake)
    return fake


@pytest.fixture
def redis_url():
    """The machine's Redis, or a skip (a failure when CADRE_REQUIRE_REDIS is set)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("CADRE_REQUIRE_REDIS"):
            pytest.fail(REDIS_HINT)
        pytest.skip(REDIS_HINT)
    finally:
        client.close()
    return REDIS_URL
