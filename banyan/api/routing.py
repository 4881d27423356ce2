"""A ninja Router whose operations list, in the schema, every error they can answer.

The errors come from the API's edges, not from each endpoint, so they are added here in
one place from what an operation is (its path, methods, inputs and authentication)
rather than written out at each route:

    every operation       400  a broken domain rule, or a control character in the input
    with any input        422  payload validation (ErrorOut, every refused input in `errors`)
    authenticated         401  no token, or one that is revoked or expired
    scoped                403  the post may not do this (or a session write without CSRF)
                          404  outside the caller's scope, or missing (never a 403)
    with a path id        404  missing
    PATCH, /transitions   409  the object changed meanwhile (a stale edit, a move already made)

Every router is scoped (its operations read or change resident data through the scope)
except the API's own default router, which holds the token operations.

An endpoint declares its successes and anything else it answers itself (429 for the
token's lockout); a status it declares is kept as it is.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ninja import Router as NinjaRouter
from ninja.constants import NOT_SET

from .schemas import ErrorOut


def error_statuses(
    path: str, methods: list[str], view_func: Callable, *, authenticated: bool, scoped: bool
) -> list[int]:
    """The error statuses an operation can answer (the table in the module docstring)."""
    statuses = [400]
    if len(inspect.signature(view_func).parameters) > 1:  # more than the request
        statuses.append(422)
    if authenticated:
        statuses.append(401)
    if authenticated and scoped:
        statuses += [403, 404]
    elif "{" in path:
        statuses.append(404)
    if "PATCH" in methods or path.rstrip("/").endswith("/transitions"):
        statuses.append(409)
    return statuses


def with_errors(
    response: Any,
    path: str,
    methods: list[str],
    view_func: Callable,
    *,
    authenticated: bool,
    scoped: bool,
) -> dict[Any, Any]:
    declared: dict[Any, Any]
    if response is NOT_SET:
        declared = {200: NOT_SET}
    elif isinstance(response, dict):
        declared = dict(response)
    else:
        declared = {200: response}
    statuses = error_statuses(path, methods, view_func, authenticated=authenticated, scoped=scoped)
    for status in statuses:
        declared.setdefault(status, ErrorOut)
    return declared


class Router(NinjaRouter):
    def __init__(self, *args: Any, scoped: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scoped = scoped

    def add_api_operation(
        self,
        path: str,
        methods: list[str],
        view_func: Callable,
        *,
        auth: Any = NOT_SET,
        response: Any = NOT_SET,
        **kwargs: Any,
    ) -> None:
        # auth=None is a public operation; NOT_SET inherits the API's (a token or a session).
        response = with_errors(
            response,
            path,
            methods,
            view_func,
            authenticated=auth is not None,
            scoped=self.scoped,
        )
        super().add_api_operation(path, methods, view_func, auth=auth, response=response, **kwargs)
