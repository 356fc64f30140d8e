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


class AnonymousRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler, minus the client address in each log line."""

    def address_string(self) -> str:
        return "-"


def main() -> None:
    """Start Redis and a worker in the background, then serve on 127.0.0.1:5000."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    app = create_app()
    instance = Path(app.instance_path)
    redis_process = redis_server.start_embedded(instance)
    env = {**os.environ, "WASPADA_INSTANCE": str(instance)}
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "flask", "--app", "portal", "triage", "worker"], env=env
    )

    def stop(*_args: object) -> None:
        worker.terminate()
        if redis_process is not None:
            redis_process.terminate()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    port = int(os.environ.get("PORT", "5000"))
    print(f"\n  Waspada is running: http://127.0.0.1:{port}/   (Ctrl+C to stop)\n", flush=True)
    try:
        run_simple(
            "127.0.0.1",
            port,
            app,
            request_handler=AnonymousRequestHandler,
            use_reloader=False,
            threaded=True,
        )
    finally:
        stop()


if __name__ == "__main__":
    main()
