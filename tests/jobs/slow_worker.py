"""A real triage worker whose pipeline stalls mid-job, to be SIGKILLed by a test.

The stall comes after the pipeline has written (uncommitted) rows, the worst moment
for a crash.
"""

import os
import sys
import time

from portal import create_app
from portal.jobs import triage
from portal.jobs.worker import run_worker

original = triage._run_pipeline


def stalled_pipeline(tip):
    original(tip)
    print("STALLED", flush=True)
    time.sleep(120)


triage._run_pipeline = stalled_pipeline

if __name__ == "__main__":
    app = create_app(os.environ, instance_path=sys.argv[1])
    run_worker(app)
