"""`make run`: the portal, one triage worker and an embedded Redis, all on this machine.

Development only. The web server's request log leaves out the client address,
as every log in this project does.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

from werkzeug.serving import WSGIRequestHandler, run_simple

from portal import create_app, redis_server
from portal.access_log import redact


class AnonymousRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler, minus the client address in each log line, and with the tokens of
    setup links and screenshot readings cut out of the logged path."""

    def address_string(self) -> str:
        return "-"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.requestline = redact(self.requestline)
        super().log_request(code, size)


def main() -> None:
    """Start Redis, load the demo data, start a worker, then serve on 127.0.0.1:5000.

    Redis comes first, so the demo tips go straight onto the triage queue (loaded
    before it, they would wait for the worker's sweep, with a warning that scares a
    new user for nothing).
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    app = create_app()
    instance = Path(app.instance_path)
    redis_process = redis_server.start_embedded(instance)
    env = {**os.environ, "WASPADA_INSTANCE": str(instance)}
    flask = [sys.executable, "-m", "flask", "--app", "portal"]
    worker: subprocess.Popen[bytes] | None = None

    def stop(*_args: object, status: int = 0) -> None:
        # The worker first: it still talks to Redis while it shuts down.
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        if redis_process is not None:
            redis_process.terminate()
            redis_process.wait(timeout=10)
        raise SystemExit(status)

    signal.signal(signal.SIGTERM, stop)
    port = int(os.environ.get("PORT", "5000"))
    status = 0
    try:
        subprocess.run([*flask, "demo", "load"], env=env, check=True)  # noqa: S603
        worker = subprocess.Popen([*flask, "triage", "worker"], env=env)  # noqa: S603
        print(
            f"\n  Waspada is running: http://127.0.0.1:{port}/   (Ctrl+C to stop)"
            f"\n  Staff console: http://127.0.0.1:{port}/staff/login  (demo accounts above)\n",
            flush=True,
        )
        run_simple(
            "127.0.0.1",
            port,
            app,
            request_handler=AnonymousRequestHandler,
            use_reloader=False,
            threaded=True,
        )
    except subprocess.CalledProcessError as failed:
        status = failed.returncode
    finally:
        stop(status=status)


if __name__ == "__main__":
    main()
