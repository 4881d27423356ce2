"""No full ID number or phone in a log line or an error report (SECURITY.md 10, 21).

`ScrubPersonalData` is the one filter: LOGGING installs it on every handler (the
console, the optional file, runserver's access log `django.server`, and through them
`django.request`'s tracebacks), gunicorn's loggers get it from `GunicornLogger`, and
the Sentry events pass through `scrub_event` (the same masks) before they leave.

What it masks: 18-character ID-number shapes (17 digits and a digit or X) as
`5308************1X`, and mobile-phone shapes (1[3-9] and 9 more digits, with or
without +86 and separators) as `138****5678` — the masks of banyan.common.masking. A
record is formatted first, so a value inside any argument (a path, an exception, an
object's str) is caught, and the traceback text is scrubbed as well.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Mapping
from typing import Any

from .masking import mask_id_number, mask_phone

# Digit boundaries, not word boundaries: "q=53080219900101123X" and "id53080219900101123X"
# are both caught, a longer run of digits (an 20-digit id) is not an ID number.
_ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?![\dXx])")
_PHONE = re.compile(
    r"(?<!\d)(?P<prefix>(?:\+|%2[Bb]|00)?86[-\s]?)?"
    r"(?P<phone>1[3-9]\d[-\s]?\d{4}[-\s]?\d{4})(?!\d)"
)


def _mask_phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match["phone"])
    return (match["prefix"] or "") + mask_phone(digits)


def scrub(text: str) -> str:
    """`text` with every ID-number and phone shape masked."""
    if not text:
        return text
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m[0]), text)
    return _PHONE.sub(_mask_phone, text)


class ScrubPersonalData(logging.Filter):
    """Masks ID numbers and phones in a record's message, arguments, traceback and stack."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_banyan_scrubbed", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what there is, still masked
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = scrub(message), ()
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = scrub("".join(traceback.format_exception(*record.exc_info)).rstrip())
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        record._banyan_scrubbed = True
        return True


def _scrub_value(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, Mapping):
        return {k: _scrub_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_scrub_value(v) for v in value)
    return value


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sentry's before_send: every string of the event (message, exception values, the
    request's URL and query, breadcrumbs, tags) with the same masks."""
    return _scrub_value(event)


def init_sentry(dsn: str, *, environment: str = "", release: str = "", **options: Any) -> None:
    """Report errors to a Sentry-compatible service: no default PII, no local variables,
    no request bodies, and every event scrubbed before it is sent. `options` go to
    sentry_sdk.init as they are (a test's transport)."""
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=scrub_event,  # type: ignore[arg-type]
        before_breadcrumb=scrub_event,  # type: ignore[arg-type]
        **options,
    )


def logging_config(*, log_file: str = "", level: str = "INFO") -> dict[str, Any]:
    """Settings.LOGGING: every handler scrubs; errors (with tracebacks) and warnings from
    Django, the app and its libraries go to stderr and, if `log_file` is set, to that file
    (reopened when logrotate moves it)."""
    handlers: dict[str, Any] = {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["scrub"],
        },
        # runserver's access log (the request line carries the query string).
        "server": {
            "class": "logging.StreamHandler",
            "formatter": "server",
            "filters": ["scrub"],
        },
    }
    outputs = ["console"]
    if log_file:
        handlers["file"] = {
            "class": "logging.handlers.WatchedFileHandler",
            "filename": log_file,
            "formatter": "plain",
            "filters": ["scrub"],
        }
        outputs.append("file")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"scrub": {"()": "banyan.common.logging.ScrubPersonalData"}},
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
            "server": {
                "()": "django.utils.log.ServerFormatter",
                "format": "[{server_time}] {message}",
                "style": "{",
            },
        },
        "handlers": handlers,
        "root": {"handlers": outputs, "level": "WARNING"},
        "loggers": {
            # Replaces Django's defaults (a console only when DEBUG, mail to an empty ADMINS):
            # django.request's 5xx tracebacks and 4xx warnings reach the root's handlers.
            "django": {"handlers": [], "level": "INFO", "propagate": True},
            "django.server": {
                "handlers": ["server", *outputs[1:]],
                "level": "INFO",
                "propagate": False,
            },
            "banyan": {"handlers": [], "level": level, "propagate": True},
            "axes": {"handlers": [], "level": "WARNING", "propagate": True},
        },
    }
