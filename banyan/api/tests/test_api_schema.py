"""The OpenAPI schema lists every status each operation answers, and every error has the
one documented shape (`ErrorOut`): checked on the schema, then against real answers."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from banyan.accounts.tokens import token_issue

from .conftest import API, ApiClient


@pytest.fixture
def schema(client, db) -> dict[str, Any]:
    r = client.get(f"{API}/openapi.json")
    assert r.status_code == 200
    return r.json()


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
    ]


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def conforms(value: Any, node: dict[str, Any], schema: dict[str, Any]) -> bool:
    """Does `value` match this JSON-schema node? (The subset pydantic writes, and strictly:
    an object may carry no key its schema does not name.)"""
    node = _resolve(schema, node)
    if "anyOf" in node:
        return any(conforms(value, option, schema) for option in node["anyOf"])
    kind = node.get("type")
    if kind == "object":
        props = node.get("properties", {})
        return (
            isinstance(value, dict)
            and set(node.get("required", [])) <= set(value)
            and set(value) <= set(props)
            and all(conforms(v, props[k], schema) for k, v in value.items())
        )
    if kind == "array":
        return isinstance(value, list) and all(conforms(v, node["items"], schema) for v in value)
    checks = {
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "null": lambda v: v is None,
        "boolean": lambda v: isinstance(v, bool),
    }
    return checks[kind](value) if kind in checks else True


def _error_schema(op: dict[str, Any], status: int) -> dict[str, Any]:
    return op["responses"][str(status)]["content"]["application/json"]["schema"]


# --- the schema -----------------------------------------------------------------------------


def test_every_operation_lists_the_errors_it_can_answer(schema):
    missing = []
    for method, path, op in _operations(schema):
        documented = {int(s) for s in op["responses"]}
        expected = {400}
        if op.get("parameters") or op.get("requestBody"):
            expected.add(422)
        if op.get("security"):
            expected.add(401)
            if not path.startswith(f"{API}/auth/"):
                expected |= {403, 404}
        if method == "PATCH" or path.endswith("/transitions"):
            expected.add(409)
        if expected - documented:
            missing.append((method, path, sorted(expected - documented)))
        assert any(200 <= s < 300 for s in documented), (method, path)
    assert missing == []
    assert len(_operations(schema)) >= 40


def test_every_error_is_documented_with_the_one_shape(schema):
    """ErrorOut everywhere; a stale edit's 409 is ErrorOut with the version now and what
    changed added (ConflictOut), so a client reading ErrorOut reads it too."""
    others = []
    for method, path, op in _operations(schema):
        for status in op["responses"]:
            if int(status) >= 400:
                error = _error_schema(op, int(status))
                # One schema, or a choice of them (a transition's 409: stale or refused).
                refs = {e.get("$ref", "") for e in error.get("anyOf", [error])}
                allowed = {"#/components/schemas/ErrorOut"}
                if status == "409":
                    allowed.add("#/components/schemas/ConflictOut")
                if not refs <= allowed:
                    others.append((method, path, status, sorted(refs)))
    assert others == []
    error = schema["components"]["schemas"]["ErrorOut"]
    assert set(error["properties"]) == {"detail", "field", "errors"}
    assert error["required"] == ["detail"]
    conflict = schema["components"]["schemas"]["ConflictOut"]
    assert set(conflict["properties"]) == {*error["properties"], "version", "changed"}
    assert set(conflict["required"]) == {"detail", "version", "changed"}


def test_the_token_lockout_is_documented(schema):
    assert "429" in schema["paths"][f"{API}/auth/token"]["post"]["responses"]


# --- real answers ---------------------------------------------------------------------------


def _path(template: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, template)


def test_every_operation_answers_only_what_it_documents(schema, tree, as_user):
    """Each operation, probed the ways a client gets it wrong: no token, a token without a
    post, ids that do not exist or are not numbers, a bad page size, an empty or broken
    body. Every answer's status is documented, and every error has the documented shape."""
    anonymous = ApiClient()
    undocumented, misshapen, seen = [], [], set()

    def check(method: str, path: str, op: dict[str, Any], response: Any, how: str) -> None:
        status = response.status_code
        seen.add(status)
        if str(status) not in op["responses"]:
            undocumented.append((method, path, how, status, response.content[:120]))
        elif status >= 400 and not conforms(response.json(), _error_schema(op, status), schema):
            misshapen.append((method, path, how, status, response.content[:120]))

    def send(client: ApiClient, method: str, url: str, body: Any = None, raw: str = "") -> Any:
        if method == "GET":
            return client.client.get(url)
        if method == "DELETE":
            return client.client.delete(url)
        data = raw if raw else json.dumps(body if body is not None else {})
        return getattr(client.client, method.lower())(url, data, content_type="application/json")

    for method, path, op in _operations(schema):
        if path == f"{API}/auth/token" and method == "POST":
            continue  # a sign-in; its answers are tested in test_api_auth.py
        # Fresh tokens each time: DELETE /auth/token revokes the one it is sent with.
        alice, eve = as_user("alice"), as_user("eve")
        real = _path(path, str(tree.home_1_1.household.pk))
        check(method, path, op, send(anonymous, method, real), "anonymous")
        check(method, path, op, send(eve, method, real), "no post")
        check(method, path, op, send(alice, method, _path(path, "999999")), "unknown id")
        if "{" in path:
            check(method, path, op, send(alice, method, _path(path, "abc")), "id not a number")
        if method == "GET" and any(p["name"] == "limit" for p in op.get("parameters", [])):
            check(method, path, op, alice.client.get(real, {"limit": "x"}), "limit not a number")
            check(method, path, op, alice.client.get(real, {"limit": 10**6}), "limit too big")
        if op.get("requestBody"):
            check(method, path, op, send(alice, method, real), "empty body")
            check(method, path, op, send(alice, method, real, raw="{"), "broken JSON")
            check(method, path, op, send(alice, method, real, body=[1]), "a list for a body")
    assert undocumented == []
    assert misshapen == []
    assert {200, 204, 400, 401, 404, 422} <= seen  # the probes reached every layer


def test_a_validation_error_has_the_documented_shape(schema, tree, as_user):
    r = as_user("bob").post("/compounds", {"grid": tree.l2_1_1.pk, "name": "x" * 500})
    assert r.status_code == 422
    op = schema["paths"][f"{API}/compounds"]["post"]
    body = r.json()
    assert conforms(body, _error_schema(op, 422), schema)
    fields = {e["field"]: e["detail"] for e in body["errors"]}
    assert {"name", "property_management"} <= set(fields)
    assert (body["field"], body["detail"]) == next(
        (e["field"], e["detail"]) for e in body["errors"]
    )
    # In the request's language, like the pages: Chinese by default.
    assert fields["property_management"] == "此项为必填项。"
    assert fields["name"] == "最多100个字符。"


def test_a_validation_error_speaks_english_when_asked(tree):
    client = Client(headers={"Authorization": f"Bearer {token_issue(user=tree.bob)}"})
    r = client.get(f"{API}/nodes", {"limit": 501}, headers={"Accept-Language": "en"})
    assert r.status_code == 422
    assert r.json() == {
        "detail": "At most 500.",
        "field": "limit",
        "errors": [{"field": "limit", "detail": "At most 500."}],
    }


def test_path_and_query_errors_name_the_parameter(tree, as_user):
    bob = as_user("bob")
    assert bob.get("/nodes/abc").json()["field"] == "id"
    assert bob.get("/nodes", {"offset": -1}).json()["field"] == "offset"
    assert bob.get("/cases", {"state": "nonsense"}).json()["field"] == "state"


def test_a_domain_error_and_a_broken_body_have_the_same_shape(schema, tree, as_user):
    bob = as_user("bob")
    op = schema["paths"][f"{API}/compounds/{{id}}"]["patch"]
    r = bob.client.patch(
        f"{API}/compounds/{tree.home_1_1.compound.pk}", "{", content_type="application/json"
    )
    assert r.status_code == 400
    assert conforms(r.json(), _error_schema(op, 400), schema)
    assert r.json()["field"] is None
    # A list is not a patch with nothing in it.
    for not_an_object in ([1], [], "name", 1):
        r = bob.patch(f"/compounds/{tree.home_1_1.compound.pk}", not_an_object)
        assert r.status_code == 400, not_an_object
        assert r.json() == {"detail": "请求正文必须是一个 JSON 对象。", "field": None}


def test_unauthenticated_and_not_found_answers_have_the_shape(schema, tree, anonymous, as_user):
    op = schema["paths"][f"{API}/nodes/{{id}}"]["get"]
    r = anonymous.get(f"/nodes/{tree.l2_1_1.pk}")
    assert r.status_code == 401 and conforms(r.json(), _error_schema(op, 401), schema)
    r = as_user("charlie").get(f"/nodes/{tree.l2_1_1.pk}")
    assert r.status_code == 404 and conforms(r.json(), _error_schema(op, 404), schema)
    assert r.json()["detail"] == "未找到。"
