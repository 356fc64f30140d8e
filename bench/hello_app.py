"""The baseline: a hello-world Flask app, plus a form round trip that computes the
same receipt hash a real submission does (so the ratio measures only our overhead)."""

import hashlib
import secrets

from argon2.low_level import Type, hash_secret_raw
from flask import Flask, redirect, request

from portal.config import RECEIPT_HASH

app = Flask(__name__)
PARAMS = RECEIPT_HASH
SALT = hashlib.sha256(b"bench-salt").digest()
FORM = (
    '<form method="post"><input type="hidden" name="csrf_token" value="{csrf}">'
    '<input type="hidden" name="form_token" value="{token}"><textarea name="description">'
    "</textarea></form>"
)


@app.get("/")
def hello() -> str:
    return "Hello, World!"


@app.get("/form")
def form() -> str:
    return FORM.format(csrf=secrets.token_urlsafe(32), token=secrets.token_urlsafe(24))


@app.post("/form")
def submit():
    code = str(secrets.randbelow(10**16)).zfill(16)
    hash_secret_raw(
        code.encode(),
        SALT,
        time_cost=PARAMS.time_cost,
        memory_cost=PARAMS.memory_cost_kib,
        parallelism=PARAMS.parallelism,
        hash_len=32,
        type=Type.ID,
    )
    request.form.get("description")
    return redirect("/done", code=303)
