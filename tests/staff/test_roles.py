"""Role × route matrix: every /staff/ view is reachable exactly by its declared role and above."""

import re

from portal.extensions import db
from portal.models import Referral, RelayRequest, Tip
from portal.models.staff import ROLE_ORDER, StaffUser
from portal.organisations import services as org_services
from tests.helpers import form_tokens, submit_report
from tests.staff.helpers import sign_in, staff_client


def _staff_rules(app):
    """(url rule, method, view) for every staff rule; session-ending ones last."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/staff/"):
            continue
        view = app.view_functions[rule.endpoint]
        if getattr(view, "staff_public", False):
            continue
        for method in ("GET", "POST"):
            if method in rule.methods:
                found.append((rule, method, view))
    return sorted(found, key=lambda item: "logout" in item[0].endpoint)


def _url(rule, ids):
    """The rule with every placeholder filled: real ids where they exist, else 1."""
    return re.sub(
        r"<(?:[^:>]+:)?([^>]+)>", lambda match: str(ids.get(match.group(1), 1)), rule.rule
    )


def _granted(client_role, view_role):
    return ROLE_ORDER.index(client_role) >= ROLE_ORDER.index(view_role)


def test_every_staff_route_is_granted_exactly_to_its_role_and_above(app, client):
    submit_report(client, "drugs", country="ID", description="Jual sabu, WA 0812-3456-7890")
    clients = {role: staff_client(app, role, f"matrix-{role}") for role in ROLE_ORDER}
    with app.app_context():
        tip_id = db.session.scalar(db.select(Tip.id))
        analyst_id = db.session.scalar(
            db.select(StaffUser.id).where(StaffUser.username == "matrix-analyst")
        )
        # A referral and a relayed question of this tip, so their URLs name real rows (a
        # row that does not exist is a 404 before any role check).
        partner = org_services.create(
            org_services.OrgFields("roles-partner", "Partner", "ngo", "ID")
        )
        referral = Referral(tip_id=tip_id, from_org_id=partner.id, to_org_id=partner.id)
        relay = RelayRequest(tip_id=tip_id, org_id=partner.id, body="?")
        db.session.add_all([referral, relay])
        db.session.commit()
        more = {"referral_id": referral.id, "relay_id": relay.id}
    # Account actions point at the analyst, whose own turn comes first.
    ids = {"tip_id": tip_id, "user_id": analyst_id, **more}
    rules = _staff_rules(app)
    assert any(view.staff_role == "admin" for _, _, view in rules)

    checked = 0
    for role in ROLE_ORDER:  # analyst, supervisor, admin: admin actions run last
        web = clients[role]
        token = form_tokens(web.get("/staff/account").text)["csrf_token"]
        for rule, method, view in rules:
            assert getattr(view, "staff_role", None), f"{rule.endpoint} declares no role"
            url = _url(rule, ids)
            if method == "GET":
                response = web.get(url)
            else:
                response = web.post(url, data={"csrf_token": token})
            response.close()  # streamed exports end here, inside this request's context
            where = f"{role} {method} {url} -> {response.status_code}"
            if _granted(role, view.staff_role):
                assert response.status_code not in (401, 403), where
                signed_out = response.status_code == 302 and response.headers[
                    "Location"
                ].startswith("/staff/login")
                assert not signed_out, where
            else:
                assert response.status_code == 403, where
            checked += 1
            if "logout" in rule.endpoint:
                # Signing out ends this client's session; sign in again for the next rule.
                assert sign_in(web, app, f"matrix-{role}").status_code == 303
                token = form_tokens(web.get("/staff/account").text)["csrf_token"]
    assert checked == 3 * len(rules)
