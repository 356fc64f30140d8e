"""A real triage worker that dies, with its supervisor, at a chosen point of a job.

`take`: right after RQ handed it a job, before the job starts (the job is left in RQ's
intermediate queue). `batch`: in the middle of a batch, after its indicators were written
and before the commit (prints STALLED and waits to be killed).
"""

import os
import signal
import sys
import time

from rq import get_current_job

from portal import create_app
from portal.jobs import store
from portal.jobs import worker as worker_module
from portal.jobs.worker import run_worker

WHERE = sys.argv[2]

if WHERE == "take":

    def die_on_taking(self, job, queue):
        print("TAKEN", job.id, flush=True)
        os.killpg(os.getpgid(0), signal.SIGKILL)

    worker_module.TriageWorker.execute_job = die_on_taking

elif WHERE == "batch":
    original = store.link_clusters_many

    def stalled_linking(tips):
        result = original(tips)
        if get_current_job() is not None:  # a job, not the warm-up
            print("STALLED", len(tips), flush=True)
            time.sleep(120)
        return result

    store.link_clusters_many = stalled_linking

if __name__ == "__main__":
    app = create_app(os.environ, instance_path=sys.argv[1])
    run_worker(app)
