"""The API's one error shape, `ErrorOut` {"detail", "field", "errors"}, for every failure:
a broken domain rule (400), a missing or wrong token (401), a post that may not (403),
outside the scope (404), payload validation (422, with every refused input in `errors`),
and what Django answers around ninja under /api/ (an unknown URL, a server error).

Messages are in the request's language, like the pages: pydantic's English messages are
replaced by ours for the error types a client meets (missing, too long, out of range, not
a number, not a date, not a choice); any other keeps pydantic's text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja.parser import Parser

from banyan.common.middleware import megabytes


def _messages() -> dict[int, str]:
    return {
        400: _("The request is not valid."),
        401: _("Sign in first: send a bearer token from POST /api/v1/auth/token."),
        403: _("Your post does not allow this."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        413: _("The request is too large: at most %(mb)s MB may be sent at once.")
        % {"mb": megabytes(settings.BANYAN_MAX_REQUEST_BYTES)},
        429: _("Too many requests. Try again later."),
        500: _("Server error. It has been recorded; try again later."),
    }


def message(status: int) -> str:
    return _messages().get(status, _("The request is not valid."))


def body(detail: str, field: str | None = None, errors: list[dict] | None = None) -> dict:
    out: dict[str, Any] = {"detail": detail, "field": field}
    if errors is not None:
        out["errors"] = errors
    return out


class ObjectBodyParser(Parser):
    """Every JSON body is an object: a list or a bare value would otherwise be read as an
    object with no fields (an empty PATCH answering 200). Refused here, ninja answers 400."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise ValueError("the body is not a JSON object")
        return data


def error_response(request: HttpRequest, status: int, detail: str) -> HttpResponse:
    """Errors Django answers under /api/ before or after ninja (banyan.common.error_pages)."""
    return JsonResponse(body(message(status)), status=status)


# --- validation (422) ---------------------------------------------------------------------


def field_name(loc: Sequence[Any]) -> str | None:
    """("body", "payload", "members", 0, "name") → "members.0.name"; ("query", "limit") →
    "limit": the name the client sent, without where ninja found it."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form", "file"):
        source = parts.pop(0)
        # A JSON body is an argument (`payload`) whose fields are the client's names; an
        # error about the body as a whole names no field.
        if source == "body" and parts and isinstance(parts[0], str):
            parts.pop(0)
    return ".".join(str(p) for p in parts) or None


def _expected(ctx: dict[str, Any]) -> str:
    return str(ctx.get("expected", "")).replace("'", "")


def field_message(error: dict[str, Any]) -> str:
    """One pydantic error, said in the request's language."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    simple = {
        "missing": _("This field is required."),
        "string_type": _("Give text."),
        "int_parsing": _("Give a whole number."),
        "int_type": _("Give a whole number."),
        "int_from_float": _("Give a whole number."),
        "float_parsing": _("Give a number."),
        "float_type": _("Give a number."),
        "decimal_parsing": _("Give a number."),
        "decimal_type": _("Give a number."),
        "finite_number": _("Give a finite number."),
        "bool_parsing": _("Use true or false."),
        "bool_type": _("Use true or false."),
        "date_parsing": _("Give a date as YYYY-MM-DD."),
        "date_from_datetime_parsing": _("Give a date as YYYY-MM-DD."),
        "date_from_datetime_inexact": _("Give a date as YYYY-MM-DD."),
        "date_type": _("Give a date as YYYY-MM-DD."),
        "datetime_parsing": _("Give a date and time (ISO 8601)."),
        "datetime_from_date_parsing": _("Give a date and time (ISO 8601)."),
        "datetime_type": _("Give a date and time (ISO 8601)."),
        "dict_type": _("Give an object."),
        "model_type": _("Give an object."),
        "model_attributes_type": _("Give an object."),
        "list_type": _("Give a list."),
        "json_invalid": _("The body is not valid JSON."),
        "extra_forbidden": _("Unknown field."),
    }
    if kind in simple:
        return simple[kind]
    bounded = {
        "string_too_long": _("At most %(n)s characters."),
        "string_too_short": _("At least %(n)s characters."),
        "too_long": _("At most %(n)s items."),
        "too_short": _("At least %(n)s items."),
        "less_than_equal": _("At most %(n)s."),
        "less_than": _("Less than %(n)s."),
        "greater_than_equal": _("At least %(n)s."),
        "greater_than": _("More than %(n)s."),
    }
    if kind in bounded:
        limit = next(
            (ctx[k] for k in ("max_length", "min_length", "le", "lt", "ge", "gt") if k in ctx),
            "",
        )
        return bounded[kind] % {"n": limit}
    if kind in ("literal_error", "enum"):
        return _("Not a valid choice; use one of %(choices)s.") % {"choices": _expected(ctx)}
    text = str(error.get("msg", "")) or _("Not valid.")
    return text.removeprefix("Value error, ")


def validation_body(errors: list[dict[str, Any]]) -> dict:
    """The 422 body: the first refused input as `detail`/`field`, all of them in `errors`."""
    items = [{"field": field_name(e.get("loc", ())), "detail": field_message(e)} for e in errors]
    if not items:
        return body(message(400), None, [])
    return body(items[0]["detail"], items[0]["field"], items)
