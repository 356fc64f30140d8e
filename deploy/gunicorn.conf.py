"""gunicorn settings for Waspada. The access log format leaves out the client address.

Run from anywhere: `gunicorn -c /path/to/deploy/gunicorn.conf.py portal.wsgi:app` (the app
comes from the installed package, not from the working directory).
"""

import os
import shutil
import subprocess
import sys
import tempfile

wsgi_app = "portal.wsgi:app"
bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = 60
graceful_timeout = 30
# No %(h)s (remote address) and no %(a)s / %(f)s: nothing that identifies a reporter.
accesslog = "-" if os.environ.get("ACCESS_LOG", "1") == "1" else None
access_log_format = '"%(m)s %(U)s" %(s)s %(B)s %(M)sms'
# The token of a one-time setup link never reaches the log, whatever the format says.
logger_class = "portal.access_log.PrivateAccessLogger"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# /metrics adds up every process: each one writes its counters to this folder (set it to
# the same folder for the triage workers; the deploy guide uses /run/waspada/metrics).
# Set here, before any worker imports prometheus_client, so all of them inherit it.
_OWN_METRICS_DIR = None
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # Not given: a private folder for this server alone, removed when it stops (on_exit).
    _OWN_METRICS_DIR = tempfile.mkdtemp(prefix="waspada-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _OWN_METRICS_DIR
os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)


def on_starting(server):
    """Check the portal's settings once, before any worker starts: an unsafe or incomplete
    production setup (example secret key, a language without its catalog) ends here, in one
    line. In a child process, so the master never imports the portal: workers started after
    `systemctl reload` (HUP) then load the code as it is now, not a mix with the master's."""
    if not str(getattr(server.app, "app_uri", "") or wsgi_app).startswith(("portal", "wsgi")):
        return
    check = "from portal.preflight import preflight; preflight()"
    status = subprocess.run([sys.executable, "-c", check], check=False).returncode  # noqa: S603
    if status:
        raise SystemExit(status)


def child_exit(server, worker):  # noqa: ARG001 - gunicorn's hook signature
    """A web process that ended leaves its counters behind and stops counting as live."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):  # noqa: ARG001 - gunicorn's hook signature
    """Remove the metrics folder this configuration made for itself (never one it was given)."""
    if _OWN_METRICS_DIR:
        shutil.rmtree(_OWN_METRICS_DIR, ignore_errors=True)
