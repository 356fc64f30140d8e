"""Permission matrix built from the URL map: every /staff/ rule and method × every role ×
an account of the coordinator, of the organisation the tip was referred to (the holder) and of
an unrelated organisation × the tip's referral state. A view added later is in the matrix
without editing this file; a URL argument the matrix cannot fill fails it (extend FILLERS).

Canaries planted where only the coordinator may read them (another tip's description, its
own note, the thread with the reporter and the reporter's contact, neither shared) must
appear in no page or download the holder or the unrelated organisation can fetch."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import Map, Rule

from portal.accounts import services as accounts
from portal.extensions import db
from portal.jobs import store
from portal.models import (
    AccessRequest,
    Referral,
    ReferralRule,
    RelayRequest,
    Tip,
    TipAccess,
    TipIndicator,
)
from portal.models.staff import ROLE_ORDER, StaffUser
from portal.organisations import referrals as referral_steps
from portal.staff.access import SESSION_KEY
from portal.warnings import services as warnings
from tests.helpers import form_tokens
from tests.organisations.helpers import answer, make_orgs, refer, report
from tests.staff.helpers import make_staff, sign_in

THIS_FILE = "tests/organisations/test_permission_matrix.py"

ROLES = tuple(role.value for role in ROLE_ORDER)  # analyst < supervisor < admin
RANK = {role: rank for rank, role in enumerate(ROLES)}
# The three kinds of account, and the organisation each belongs to (None: the coordinator).
ORGS = {"coordinator": None, "holder": "embassy", "unrelated": "ngo"}
ONWARD = "bnn"  # where the holder transfers the tip on, in the transferred-away state
STATES = ("not-referred", "pending", "accepted", "declined", "transferred-away")

# Arguments that name a tip or something of one tip: the URL is as secret as the tip.
TIP_SCOPED = frozenset({"tip_id", "attachment_id", "referral_id", "relay_id"})
# How each URL argument is filled, from the scenario and the account sending the request.
FILLERS: dict[str, Callable[[Scenario, Account], int]] = {
    "tip_id": lambda s, a: s.tip_id,
    "attachment_id": lambda s, a: s.attachment_id,
    "referral_id": lambda s, a: s.referral_id,
    "relay_id": lambda s, a: s.relay_id,
    "request_id": lambda s, a: s.request_id,
    # An account of the sender's own organisation that no request of the matrix signs in as
    # (reset, deactivate and role changes fall on it, never on an account under test).
    "user_id": lambda s, a: s.targets[a.org],
    "org_id": lambda s, a: s.orgs[ONWARD],
    "rule_id": lambda s, a: s.rule_id,
    "warning_id": lambda s, a: s.warning_id,
}

NOT_FOUND = frozenset({404})
FORBIDDEN = frozenset({403})
PAGE = frozenset({200})
PAGE_OR_REDIRECT = frozenset({200, 302, 303})
ACTION = frozenset({200, 302, 303, 400})  # done, refused with a redirect, or a form problem

CANARIES = {
    "other tip's description": "canary-desc-3c9e41",
    "coordinator's note": "canary-note-8b2d70",
    "coordinator's message to the reporter": "canary-reply-51fa0c",
    "reporter's message": "canary-answer-a4e613",
    "reporter's contact": "canary-contact-e07d92",
}


# ------------------------------------------------------------------------- the URL map


@dataclass(frozen=True)
class Cell:
    """One rule and one method of it."""

    path: str
    endpoint: str
    method: str
    args: frozenset[str]
    role: str | None  # the view's staff_role; None: none declared (the guard denies all)
    coordinator: bool

    @property
    def tip_scoped(self) -> bool:
        return bool(self.args & TIP_SCOPED)

    def url(self, scenario: Scenario, account: Account) -> str:
        values = {name: FILLERS[name](scenario, account) for name in self.args}
        return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: str(values[m.group(1)]), self.path)


def staff_cells(url_map: Map, view_functions: dict) -> tuple[list[Cell], list[str]]:
    """Every GET and POST of every non-public /staff/ rule, and the rules the matrix cannot
    test (an argument it cannot fill, a method it does not send)."""
    cells, problems = [], []
    for rule in url_map.iter_rules():
        if not rule.rule.startswith("/staff/"):
            continue
        view = view_functions[rule.endpoint]
        if getattr(view, "staff_public", False):
            continue
        args = frozenset(rule.arguments) - frozenset(rule.defaults or {})
        unknown = sorted(args - FILLERS.keys())
        if unknown:
            names = ", ".join(f"<{name}>" for name in unknown)
            problems.append(
                f"{rule.rule} ({rule.endpoint}): the permission matrix cannot fill {names}; "
                f"add a row of that kind to the scenario and a filler to FILLERS in {THIS_FILE}"
            )
            continue
        methods = set(rule.methods or ()) - {"HEAD", "OPTIONS"}
        for method in sorted(methods - {"GET", "POST"}):
            problems.append(
                f"{rule.rule} ({rule.endpoint}): the permission matrix does not send {method}; "
                f"extend {THIS_FILE}"
            )
        for method in sorted(methods & {"GET", "POST"}):
            cells.append(
                Cell(
                    rule.rule,
                    rule.endpoint,
                    method,
                    args,
                    getattr(view, "staff_role", None),
                    bool(getattr(view, "staff_coordinator", False)),
                )
            )
    cells.sort(key=lambda cell: (cell.path, cell.method))
    return cells, problems


def sees_tip(org: str, state: str) -> bool:
    """The coordinator sees every tip; the holder only while its referral is live."""
    return org == "coordinator" or (org == "holder" and state in ("pending", "accepted"))


def expected(cell: Cell, org: str, role: str, state: str) -> frozenset[int]:
    """The answers allowed for this cell. A tip the organisation may not see does not exist
    for it, whatever the view's role: 404 before any 403."""
    if cell.tip_scoped and not sees_tip(org, state):
        return NOT_FOUND
    if cell.role is None:  # deny by default
        return FORBIDDEN
    if cell.coordinator and org != "coordinator":
        return FORBIDDEN
    if RANK[role] < RANK[cell.role]:
        return FORBIDDEN
    if cell.method == "GET":
        return PAGE if cell.tip_scoped else PAGE_OR_REDIRECT
    return ACTION


# ------------------------------------------------------------------------- the scenario


@dataclass
class Account:
    org: str  # coordinator, holder, unrelated
    role: str
    username: str
    client: FlaskClient
    token: str = ""

    @property
    def who(self) -> str:
        return f"{self.org}/{self.role}"


@dataclass
class Scenario:
    state: str
    orgs: dict[str, int]
    accounts: list[Account]
    tip_id: int = 0
    kept_id: int = 0  # never referred to anyone: only the coordinator may read it
    attachment_id: int = 0
    referral_id: int = 0
    relay_id: int = 0
    request_id: int = 0
    rule_id: int = 0
    warning_id: int = 0
    targets: dict[str, int] = field(default_factory=dict)

    def account(self, org: str, role: str) -> Account:
        return next(a for a in self.accounts if a.org == org and a.role == role)


def _sign_in(app, account: Account) -> None:
    response = sign_in(account.client, app, account.username)
    assert response.status_code == 303, f"{account.username} could not sign in"
    account.token = form_tokens(account.client.get("/staff/queue").text)["csrf_token"]


def _accounts(app) -> list[Account]:
    made = []
    for number, (org, role) in enumerate((org, role) for org in ORGS for role in ROLES):
        slug = ORGS[org]
        username = f"matrix-{org}-{role}"
        make_staff(app, username, role, org=slug)
        client = app.test_client()
        # Its own address: the sign-in limit counts per network, and clients sign in again.
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{number + 10}"
        made.append(Account(org, role, username, client))
    for account in made:
        _sign_in(app, account)
    return made


def _post(client, url: str, token_page: str, **data) -> None:
    token = form_tokens(client.get(token_page).text)["csrf_token"]
    response = client.post(url, data={"csrf_token": token, **data})
    assert response.status_code == 303, f"{url}: {response.status_code}"


def _reporter_writes(client, code: str, body: str) -> None:
    page = client.get("/vi/follow-up").text
    client.post("/vi/follow-up", data={"csrf_token": form_tokens(page)["csrf_token"], "code": code})
    thread = client.get("/vi/follow-up").text
    response = client.post(
        "/vi/follow-up/reply",
        data={"csrf_token": form_tokens(thread)["csrf_token"], "body": body},
        content_type="multipart/form-data",
    )
    assert response.status_code in (302, 303), response.status_code


def build(app, reporter, state: str) -> Scenario:
    """Two tips (the one under test, with a photo, and one that shares its recruiter's
    number), the canaries, the referrals of `state`, and one row of every kind a URL names."""
    orgs = make_orgs(app)
    scenario = Scenario(state, orgs, _accounts(app))
    with app.app_context():
        for org, slug in ORGS.items():
            org_id = orgs[slug] if slug else None
            target = accounts.create_account(f"matrix-target-{org}", "analyst", "en", org_id)
            scenario.targets[org] = target.user.id
        db.session.commit()

    tip_id, code = report(app, reporter, photo=True, contact=CANARIES["reporter's contact"])
    kept_id, _ = report(
        app, reporter,
        description=CANARIES["other tip's description"] + " Tuyển gấp, Zalo 0912 345 678",
    )
    scenario.tip_id, scenario.kept_id = tip_id, kept_id
    coordinator = scenario.account("coordinator", "supervisor").client
    holder = scenario.account("holder", "supervisor").client
    page = f"/staff/tips/{tip_id}"
    _post(coordinator, f"{page}/notes", page, body=CANARIES["coordinator's note"])
    _post(coordinator, f"{page}/reply", page, body=CANARIES["coordinator's message to the reporter"])
    _reporter_writes(reporter, code, CANARIES["reporter's message"])

    # The photos go with every referral (so the holder may open the attachment); the
    # thread and the reporter's contact never do.
    if state == "not-referred":  # to another organisation, then withdrawn: no live referral
        assert refer(coordinator, tip_id, orgs[ONWARD]).status_code == 303
    elif state == "transferred-away":
        assert refer(coordinator, tip_id, orgs["embassy"], mode="transfer", photos=True).status_code == 303
        assert answer(holder, tip_id, "accept").status_code == 303
        assert refer(holder, tip_id, orgs[ONWARD], mode="transfer", photos=True).status_code == 303
    else:
        assert refer(coordinator, tip_id, orgs["embassy"], photos=True).status_code == 303
        if state == "accepted":
            assert answer(holder, tip_id, "accept").status_code == 303
        elif state == "declined":
            assert answer(holder, tip_id, "decline", reason="Not ours").status_code == 303

    with app.app_context():
        scenario.referral_id = db.session.scalar(
            select(Referral.id).where(Referral.tip_id == tip_id).order_by(Referral.id)
        )
    if state == "not-referred":
        _post(coordinator, f"/staff/referrals/{scenario.referral_id}/withdraw", page, decision="yes")
    elif state == "transferred-away":  # the other organisation accepts: the holder's access ends
        make_staff(app, "matrix-onward", "supervisor", org=ONWARD)
    with app.app_context():
        if state == "transferred-away":
            onward = db.session.scalar(
                select(StaffUser).where(StaffUser.username == "matrix-onward")
            )
            referral = db.session.scalar(
                select(Referral).where(Referral.tip_id == tip_id, Referral.to_org_id == orgs[ONWARD])
            )
            referral_steps.answer(referral, onward, accept=True, reason="")
            db.session.commit()

        tip = db.session.get(Tip, tip_id)
        scenario.attachment_id = tip.attachments[0].id
        indicator_id = db.session.scalar(
            select(TipIndicator.indicator_id).where(TipIndicator.tip_id == tip_id)
        )
        assert indicator_id is not None, "the tip under test has no identifier"
        relay = RelayRequest(tip_id=tip_id, org_id=orgs["embassy"], body="Which city are you in?")
        request = AccessRequest(
            org_id=orgs["embassy"], tip_id=tip_id, indicator_id=indicator_id, reason="Same number"
        )
        rule = ReferralRule(name="Matrix rule", to_org_id=orgs[ONWARD], active=False)
        db.session.add_all([relay, request, rule])
        kind, value = store.tip_indicators(tip_id)[0]
        warning = warnings.publish(
            kind, value, {"id": "Hati-hati", "en": "Careful", "vi": "Cẩn thận"}, date.today(),
            tip_id, None,
        )
        db.session.commit()
        scenario.relay_id, scenario.request_id = relay.id, request.id
        scenario.rule_id, scenario.warning_id = rule.id, warning.id

        # The scenario is what the state says, before any request of the matrix.
        access = db.session.get(TipAccess, (orgs["embassy"], tip_id))
        if sees_tip("holder", state):
            assert access is not None and access.pending == (state == "pending")
            assert access.with_photos and not access.with_messages and not access.with_contact
        else:
            assert access is None, f"{state}: the holder still has access"
        assert db.session.get(TipAccess, (orgs["ngo"], tip_id)) is None
        assert db.session.scalar(select(TipAccess).where(TipAccess.tip_id == kept_id)) is None
    # Every canary is where the coordinator reads it: a miss below means something.
    seen = coordinator.get(f"/staff/tips/{tip_id}").text + coordinator.get(f"/staff/tips/{kept_id}").text
    for name, canary in CANARIES.items():
        assert canary in seen, f"the {name} canary was not planted"
    return scenario


def fingerprint(app, scenario: Scenario) -> tuple:
    """What decides the expected answers: who may see the tip, and the accounts under test."""
    with app.app_context():
        tip_id = scenario.tip_id
        return (
            db.session.get(Tip, tip_id).holder_org_id,
            tuple(
                tuple(row) for row in db.session.execute(
                    select(Referral.id, Referral.state).where(Referral.tip_id == tip_id)
                    .order_by(Referral.id)
                )
            ),
            tuple(
                tuple(row) for row in db.session.execute(
                    select(
                        TipAccess.org_id, TipAccess.pending, TipAccess.with_photos,
                        TipAccess.with_messages, TipAccess.with_contact,
                    ).where(TipAccess.tip_id.in_([tip_id, scenario.kept_id]))
                    .order_by(TipAccess.org_id, TipAccess.tip_id)
                )
            ),
            tuple(
                tuple(row) for row in db.session.execute(
                    select(StaffUser.username, StaffUser.role, StaffUser.active,
                           StaffUser.organisation_id)
                    .where(StaffUser.username.like("matrix-%"))
                    .where(StaffUser.username.not_like("matrix-target-%"))
                    .order_by(StaffUser.username)
                )
            ),
        )


# ------------------------------------------------------------------------- running it


@dataclass(frozen=True)
class Answer:
    status: int
    location: str  # the path a redirect goes to
    body: str
    error: str = ""  # the exception a view raised (the test app propagates it: a 500)


def send(client: FlaskClient, method: str, url: str, token: str = "") -> Answer:
    try:
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token})
    except Exception as error:  # noqa: BLE001 - a crash is one wrong cell, not the end
        return Answer(500, "", "", f" (raised {type(error).__name__}: {error})")
    body = response.get_data().decode("utf-8", "replace")
    response.close()  # a streamed export ends here, inside its request's context
    return Answer(
        response.status_code, urlsplit(response.headers.get("Location", "")).path, body
    )


@dataclass
class Findings:
    state: str
    cells: int = 0
    wrong: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)

    def check(self, cell: Cell, url: str, account: Account, answer: Answer) -> None:
        """Record the answer to one cell and look for the canaries in it."""
        self.cells += 1
        allowed = expected(cell, account.org, account.role, self.state)
        status, where = answer.status, answer.location
        problem = None
        if status not in allowed:
            problem = f"got {status}" + (f" → {where}" if where else "") + answer.error
        elif where.startswith("/staff/reauth"):
            problem = f"got {status} → {where} (the sign-in was fresh)"
        elif cell.method == "GET" and where.startswith("/staff/login"):
            problem = f"got {status} → {where} (signed out)"
        if problem:
            self.wrong.append(
                f"{cell.method} {cell.path} ({url}) as {account.who} [{self.state}]: "
                f"{problem}, expected {sorted(allowed)}"
            )
        self.canaries(f"{cell.method} {url}", account, answer.body)

    def canaries(self, what: str, account: Account, body: str) -> None:
        if account.org == "coordinator":
            return
        for name, canary in CANARIES.items():
            if canary in body:
                self.leaks.append(f"{what} as {account.who} [{self.state}] shows the {name}")


def _still_signed_in(app, account: Account) -> None:
    """Sign in again after a POST that signed this client out (the sign-out views)."""
    with account.client.session_transaction() as session:
        signed_in = SESSION_KEY in session
    if not signed_in:
        _sign_in(app, account)


def test_every_staff_url_argument_can_be_filled(app):
    cells, problems = staff_cells(app.url_map, app.view_functions)
    assert not problems, "\n".join(problems)
    endpoints = {cell.endpoint for cell in cells}
    assert {"staff_queue.tip_detail", "staff_queue.attachment", "staff_orgs.answer"} <= endpoints


def test_an_argument_the_matrix_cannot_fill_is_named():
    url_map = Map([Rule("/staff/tips/<int:tip_id>/things/<int:thing_id>", endpoint="things")])
    cells, problems = staff_cells(url_map, {"things": lambda: None})
    assert cells == []
    assert len(problems) == 1 and "/staff/tips/<int:tip_id>/things/<int:thing_id>" in problems[0]
    assert "<thing_id>" in problems[0] and "<tip_id>" not in problems[0]


@pytest.mark.parametrize("state", STATES)
def test_permission_matrix(app, client, state):
    cells, problems = staff_cells(app.url_map, app.view_functions)
    if problems:
        pytest.fail("\n".join(problems))
    scenario = build(app, client, state)
    findings = Findings(state)
    gets = [cell for cell in cells if cell.method == "GET"]
    posts = [cell for cell in cells if cell.method == "POST"]

    # Every GET first: reading changes nothing that decides an answer.
    for account in scenario.accounts:
        for cell in gets:
            url = cell.url(scenario, account)
            findings.check(cell, url, account, send(account.client, "GET", url))

    # Pages and downloads the sweep above does not reach, for the canaries: every status,
    # and the tip nobody but the coordinator was given.
    extra = [
        "/staff/queue?status=",
        "/staff/exports?status=",
        "/staff/exports/tips.csv?status=",
        "/staff/exports/indicators.stix.json?status=",
        "/staff/dashboard?days=90",
        f"/staff/tips/{scenario.kept_id}",
    ]
    for account in scenario.accounts:
        if account.org == "coordinator":
            continue
        for url in extra:
            answer = send(account.client, "GET", url)
            findings.cells += 1
            if url.startswith("/staff/tips/") and answer.status != 404:
                findings.wrong.append(
                    f"GET {url} (a tip never referred) as {account.who} [{state}]: "
                    f"got {answer.status}{answer.error}, expected [404]"
                )
            findings.canaries(f"GET {url}", account, answer.body)

    # Then every POST, with only a valid CSRF token: the unrelated organisation first (all
    # 404 or 403, nothing happens), then the holder, then the coordinator; the sign-out views
    # last. After each POST a view accepted, the facts that decide the answers must be
    # unchanged; a client that was signed out signs in again before its next request.
    posts.sort(key=lambda cell: ("logout" in cell.endpoint, cell.path))
    before = fingerprint(app, scenario)
    order = {"unrelated": 0, "holder": 1, "coordinator": 2}
    for account in sorted(scenario.accounts, key=lambda a: (order[a.org], RANK[a.role])):
        for cell in posts:
            _still_signed_in(app, account)
            url = cell.url(scenario, account)
            answer = send(account.client, "POST", url, account.token)
            findings.check(cell, url, account, answer)
            if answer.status in (403, 404):
                continue  # refused before the view did anything
            after = fingerprint(app, scenario)
            if after != before:
                findings.wrong.append(
                    f"POST {url} as {account.who} [{state}] changed the scenario "
                    f"({before} → {after}): the cells after it may be wrong"
                )
                before = after

    if findings.wrong or findings.leaks:
        lines = [f"{findings.cells} cells checked in state {state}"]
        if findings.wrong:
            lines += [f"{len(findings.wrong)} wrong answers:", *findings.wrong]
        if findings.leaks:
            lines += [f"{len(findings.leaks)} canaries leaked:", *findings.leaks]
        pytest.fail("\n".join(lines), pytrace=False)
