"""The baseline worker: RQ's own SimpleWorker, burst mode, on the bench's Redis and queue."""

import os

from rq import Queue, SimpleWorker

from portal import create_app
from portal.jobs.queue import get_redis

if __name__ == "__main__":
    app = create_app(os.environ, instance_path=os.environ["WASPADA_INSTANCE"])
    with app.app_context():
        connection = get_redis()
        SimpleWorker([Queue("triage", connection=connection)], connection=connection).work(
            burst=True
        )
