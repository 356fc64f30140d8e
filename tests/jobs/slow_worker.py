"""A real triage worker whose pipeline stalls mid-job, to be SIGKILLed by a test.

The stall comes after the pipeline has written (uncommitted) rows, the worst moment
for a crash.
"""

import os
import sys
import time

from rq import get_current_job

from portal import create_app
from portal.jobs import triage
from portal.jobs.worker import run_worker

original = triage._run_pipeline


def stalled_pipeline(tip):
    results = original(tip)
    if get_current_job() is None:  # the worker's warm-up, not a job
        return results
    print("STALLED", flush=True)
    time.sleep(120)
    return results


triage._run_pipeline = stalled_pipeline

if __name__ == "__main__":
    app = create_app(os.environ, instance_path=sys.argv[1])
    run_worker(app)
