"""The case workflow is one table: the page's actions, the API's transitions and the
schema's description of them are built from it, and a new row shows up in all three."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.urls import reverse

from banyan.api.routers import casework as api_casework
from banyan.api.schemas_casework import TransitionIn
from banyan.casework import forms, services
from banyan.casework.views import cases as case_views
from banyan.casework.workflow import ACTIONS, DISPUTE_ACTIONS, HANDLE, MOVES, Move, Param, State
from banyan.party import views as party_views
from banyan.party.workflow import MOVES as TRACING_MOVES

from .factories import add_centres, open_case

PONDER = Move(
    "Ponder",
    frozenset({State.ACCEPTED}),
    State.ACCEPTED,
    service="case_ponder",
    params=(Param("note", "what was pondered"), Param("photos", api=None)),
    caps=HANDLE,
    form="NoteOnlyForm",
    done="Pondered.",
)


def _described(description: str) -> list[str]:
    return re.findall(r"^- `(\w+)`", description, flags=re.MULTILINE)


def test_every_row_is_on_the_pages_and_the_api_and_nothing_else_is():
    web = {step.web or action for action, step in ACTIONS.items() if step.web is not None}
    api = {step.api or action for action, step in ACTIONS.items() if step.api is not None}
    assert set(case_views.MOVE_ACTIONS) == web - {"auto_close"}
    assert set(api_casework.TRANSITIONS) == api - {"auto_close"}
    assert set(case_views.DISPUTE_ACTIONS) == set(DISPUTE_ACTIONS)
    # Every move but the daily job's is offered on both.
    for action, step in MOVES.items():
        if action != "auto_close":
            assert (step.web or action) in case_views.MOVE_ACTIONS
            assert (step.api or action) in api_casework.TRANSITIONS
    assert "auto_close" not in case_views.MOVE_ACTIONS | api_casework.TRANSITIONS


def test_the_schema_describes_each_transition_once(client):
    schema = client.get("/api/v1/openapi.json").json()
    description = schema["paths"]["/api/v1/cases/{id}/transitions"]["post"]["description"]
    described = _described(description)
    assert sorted(described) == sorted(api_casework.TRANSITIONS)
    assert "- `mark_duplicate`: `original` (a case id)" in description
    assert "- `edit_public_text`: `public_text` (" in description


def test_a_new_row_shows_up_on_the_pages_in_the_api_and_in_its_description(monkeypatch):
    table = {**ACTIONS, "ponder": PONDER}
    web = case_views.web_actions(table)
    api = api_casework.transitions(table)
    assert set(web) == set(case_views.MOVE_ACTIONS) | {"ponder"}
    assert set(api) == set(api_casework.TRANSITIONS) | {"ponder"}
    assert web["ponder"].form is forms.NoteOnlyForm
    assert web["ponder"].label == "Ponder" and web["ponder"].done == "Pondered."
    assert "- `ponder`: `note` (what was pondered)\n" in api_casework.describe(table)
    assert "photos" not in api_casework.describe({"ponder": PONDER})

    calls = []
    monkeypatch.setattr(services, "case_ponder", lambda **kw: calls.append(kw), raising=False)
    user, case = SimpleNamespace(name="u"), SimpleNamespace(pk=1)
    web["ponder"].call(SimpleNamespace(user=user), case, {"note": "a", "photos": [], "version": 4})
    api["ponder"](user, case, TransitionIn(action="ponder", note="b", version=5))
    assert calls == [
        {"actor": user, "case": case, "note": "a", "photos": [], "version": 4},
        {"actor": user, "case": case, "note": "b", "version": 5},
    ]


def test_fixed_keywords_and_unversioned_rows_reach_the_service(monkeypatch):
    calls = []
    monkeypatch.setattr(services, "case_public_text_hide", lambda **kw: calls.append(kw))
    user, case = SimpleNamespace(), SimpleNamespace()
    case_views.MOVE_ACTIONS["hide_public_text"].call(SimpleNamespace(user=user), case, {})
    api_casework.TRANSITIONS["show_public_text"](user, case, TransitionIn(version=3))
    assert calls == [
        {"actor": user, "case": case, "hidden": True},
        {"actor": user, "case": case, "hidden": False},
    ]


@pytest.mark.django_db
def test_a_new_row_is_a_working_page_action(client, world, monkeypatch):
    add_centres(world)
    case = open_case(world)
    row = Move(**{**PONDER.__dict__, "params": (Param("note"),)})
    monkeypatch.setitem(
        case_views.MOVE_ACTIONS, "ponder", case_views.web_actions({"ponder": row})["ponder"]
    )
    calls = []
    monkeypatch.setattr(
        services, "case_ponder", lambda **kw: calls.append(kw) or kw["case"], raising=False
    )
    client.force_login(world.bob)
    page = client.get(reverse("casework:case-detail", args=[case.pk]))
    assert "ponder" in {m["action"] for m in page.context["moves"]}
    url = reverse("casework:case-move", args=[case.pk, "ponder"])
    r = client.post(url, {"note": "想一想", "version": case.version})
    assert r.status_code == 302 and r["Location"] == reverse("casework:case-detail", args=[case.pk])
    assert calls == [{"actor": world.bob, "case": case, "note": "想一想", "version": 1}]


def test_the_tracing_pages_are_built_from_the_party_table():
    assert set(party_views.TRACING_FORMS) == set(TRACING_MOVES)
    for action, move in TRACING_MOVES.items():
        assert party_views.TRACING_FORMS[action].__name__ == move.form
        assert party_views._tracing_service(action).__name__ == move.service
        reverse(f"party:tracing-{action.replace('_', '-')}", args=[1])
