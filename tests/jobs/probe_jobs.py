"""Jobs that report on the work horse that ran them (imported by the worker by name)."""

import os

from portal.extensions import db


def connection_owner() -> tuple[int, int | None]:
    """The horse's pid, and the pid of the process that opened the connection it uses."""
    connection = db.session.connection().connection
    return os.getpid(), connection.info.get("opened_by")
