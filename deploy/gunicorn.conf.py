"""gunicorn settings for Waspada. The access log format leaves out the client address."""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = 60
graceful_timeout = 30
# No %(h)s (remote address) and no %(a)s / %(f)s: nothing that identifies a reporter.
accesslog = "-" if os.environ.get("ACCESS_LOG", "1") == "1" else None
access_log_format = '"%(m)s %(U)s" %(s)s %(B)s %(M)sms'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
