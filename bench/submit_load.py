"""A small load client for the submission flow: GET the form, POST it back, repeat.

Used for the portal and for the baseline alike, so both pay the same client cost.
"""

from __future__ import annotations

import http.client
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlencode

TOKEN = re.compile(r'name="(csrf_token|form_token)"[^>]*value="([^"]*)"')
DESCRIPTION = (
    "Akun ini jual sabu, ready stock, COD seluruh Jakarta, harga 1jt per gram, "
    "order via WA 0812-3456-7890. Tiếng Việt: bán hàng, giao tận nơi."
)


@dataclass
class Result:
    completed: int
    seconds: float
    statuses: Counter

    @property
    def per_second(self) -> float:
        return self.completed / self.seconds


def _loop(
    host: str,
    port: int,
    path: str,
    deadline: float,
    counts: Counter,
    statuses: Counter,
    lock: threading.Lock,
) -> None:
    conn = http.client.HTTPConnection(host, port, timeout=30)
    cookie = ""
    done = 0
    while time.monotonic() < deadline:
        try:
            conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
            response = conn.getresponse()
            body = response.read().decode()
            set_cookie = response.getheader("Set-Cookie")
            if set_cookie:
                cookie = set_cookie.split(";", 1)[0]
            fields = dict(TOKEN.findall(body))
            fields["description"] = DESCRIPTION
            fields["country"] = "ID"
            payload = urlencode(fields)
            conn.request(
                "POST",
                path,
                body=payload,
                headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
            )
            response = conn.getresponse()
            response.read()
            set_cookie = response.getheader("Set-Cookie")
            if set_cookie:
                cookie = set_cookie.split(";", 1)[0]
            with lock:
                statuses[response.status] += 1
            if response.status == 303:
                done += 1
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=30)
            with lock:
                statuses["error"] += 1
    with lock:
        counts["done"] += done


def run(host: str, port: int, path: str, *, clients: int = 16, seconds: float = 10.0) -> Result:
    """Drive `clients` concurrent reporters for `seconds`; count completed submissions."""
    counts: Counter = Counter()
    statuses: Counter = Counter()
    lock = threading.Lock()
    start = time.monotonic()
    deadline = start + seconds
    threads = [
        threading.Thread(target=_loop, args=(host, port, path, deadline, counts, statuses, lock))
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result(counts["done"], time.monotonic() - start, statuses)
