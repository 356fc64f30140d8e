"""The baseline job: RQ's own cost per job, with the same enqueue options as triage."""


def noop(tip_id: int) -> str:
    return "done"
