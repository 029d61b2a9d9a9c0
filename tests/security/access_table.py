"""The expected answer of every route for every role, in one table.

Key: "METHOD /rule". Value: who gets through —
  "public"  everyone, logged in or not;
  "login"   any logged-in user (anonymous users are sent to the login page);
  letters   only these roles: E enterprise, R researcher, B broker, A admin
            (anonymous users go to the login page, other roles get 403).
A route missing from this table, or an entry without a route, fails the suite: adding a route
means deciding here who may use it.
"""

ACCESS = {
    "GET /": "public",
    "GET /admin/": "A",
    "GET /admin/organizations": "A",
    "GET /admin/organizations/<int:org_id>/edit": "A",
    "POST /admin/organizations/<int:org_id>/edit": "A",
    "GET /admin/organizations/new": "A",
    "POST /admin/organizations/new": "A",
    "GET /admin/taxonomy": "A",
    "POST /admin/taxonomy": "A",
    "POST /admin/taxonomy/<int:term_id>/active": "A",
    "GET /admin/users": "A",
    "POST /admin/users/<int:user_id>/active": "A",
    "POST /admin/users/<int:user_id>/membership": "A",
    "GET /admin/users/new": "A",
    "POST /admin/users/new": "A",
    "GET /auth/login": "public",
    "POST /auth/login": "public",
    "POST /auth/logout": "login",
    "GET /auth/password": "login",
    "POST /auth/password": "login",
    "GET /auth/register": "public",
    "POST /auth/register": "public",
    "GET /broker/": "BA",
    "GET /broker/assignments": "A",
    "POST /broker/assignments": "A",
    "POST /broker/assignments/<int:assignment_id>/delete": "A",
    "GET /broker/events": "BA",
    "GET /broker/events/<int:event_id>": "BA",
    "POST /broker/events/<int:event_id>/attach": "BA",
    "POST /broker/events/<int:event_id>/detach": "BA",
    "GET /broker/events/<int:event_id>/edit": "BA",
    "POST /broker/events/<int:event_id>/edit": "BA",
    "POST /broker/events/<int:event_id>/pairs": "BA",
    "GET /broker/events/new": "BA",
    "POST /broker/events/new": "BA",
    "GET /broker/mine": "ER",
    "GET /broker/pairs/new": "BA",
    "POST /broker/pairs/new": "BA",
    "GET /broker/pipeline": "BA",
    "GET /broker/stats": "BA",
    "GET /broker/stats/<int:broker_id>": "A",
    "GET /broker/suggestions/<int:suggestion_id>": "BA",
    "POST /broker/suggestions/<int:suggestion_id>/accept": "BA",
    "POST /broker/suggestions/<int:suggestion_id>/assign": "A",
    "POST /broker/suggestions/<int:suggestion_id>/claim": "BA",
    "POST /broker/suggestions/<int:suggestion_id>/event": "BA",
    "POST /broker/suggestions/<int:suggestion_id>/follow-ups": "BA",
    "POST /broker/suggestions/<int:suggestion_id>/introduce": "BA",
    "POST /broker/suggestions/<int:suggestion_id>/move": "BA",
    "POST /broker/suggestions/<int:suggestion_id>/reject": "BA",
    "POST /broker/suggestions/<int:suggestion_id>/respond": "login",
    "GET /contracts/": "BA",
    "GET /contracts/<int:contract_id>": "BA",
    "GET /contracts/<int:contract_id>/edit": "BA",
    "POST /contracts/<int:contract_id>/edit": "BA",
    "POST /contracts/<int:contract_id>/void": "BA",
    "GET /contracts/audit": "A",
    "GET /contracts/new": "BA",
    "POST /contracts/new": "BA",
    "GET /dashboard": "login",
    "GET /matches/admin/index": "A",
    "POST /matches/admin/index/refit": "A",
    "GET /matches/admin/index/status.json": "A",
    "POST /matches/admin/terms": "A",
    "POST /matches/admin/terms/<int:term_id>/delete": "A",
    "GET /matches/need/<int:need_id>": "login",
    "GET /matches/result/<int:result_id>": "login",
    "GET /needs/": "public",
    "GET /needs/<int:need_id>": "public",
    "GET /needs/<int:need_id>/edit": "EA",
    "POST /needs/<int:need_id>/edit": "EA",
    "POST /needs/<int:need_id>/status": "EA",
    "GET /needs/import": "A",
    "POST /needs/import": "A",
    "GET /needs/import/<int:batch_id>": "A",
    "POST /needs/import/<int:batch_id>/confirm": "A",
    "GET /needs/import/<int:batch_id>/status": "A",
    "GET /needs/import/template": "A",
    "GET /needs/mine": "E",
    "GET /needs/new": "E",
    "POST /needs/new": "E",
    "GET /notifications/": "login",
    "POST /notifications/<int:note_id>/read": "login",
    "POST /notifications/read-all": "login",
    "GET /reports/": "A",
    "GET /reports/export": "A",
    "GET /results/": "public",
    "GET /results/<int:result_id>": "public",
    "GET /results/<int:result_id>/edit": "RA",
    "POST /results/<int:result_id>/edit": "RA",
    "POST /results/<int:result_id>/status": "RA",
    "GET /results/mine": "R",
    "GET /results/new": "R",
    "POST /results/new": "R",
    "GET /zones/": "public",
    "GET /zones/<int:zone_id>": "public",
    "GET /zones/<int:zone_id>/edit": "A",
    "POST /zones/<int:zone_id>/edit": "A",
    "GET /zones/manage": "A",
    "POST /zones/manage": "A",
}

ROLE_CODES = {"enterprise": "E", "researcher": "R", "broker": "B", "admin": "A"}


def allowed(expected, role):
    """Does this role get through a route with this table entry?"""
    if expected == "public":
        return True
    if role is None:
        return False
    return expected == "login" or ROLE_CODES[role] in expected
