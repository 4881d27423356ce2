"""Server errors leave a traceback, and no log line or error report holds a full ID number
or phone (SECURITY.md 10, 21). Read through the handlers LOGGING really installs."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator

import pytest
from django.core.servers.basehttp import WSGIRequestHandler
from django.test import Client

from banyan.common.logging import ScrubPersonalData, scrub, scrub_event
from banyan.common.masking import mask_id_number, mask_phone

from .urls_raising import ID_NUMBER, PHONE

MASKED_ID = mask_id_number(ID_NUMBER)  # 5308************3X
MASKED_PHONE = mask_phone(PHONE)  # 138****5678


def _holds_personal_data(text: str) -> bool:
    digits = text.replace("-", "").replace(" ", "")
    return ID_NUMBER in text or ID_NUMBER.lower() in text or PHONE in digits


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """What the configured handlers (root's, django.server's) write, in one buffer."""
    buffer = io.StringIO()
    handlers = [
        h
        for name in ("", "django.server")
        for h in logging.getLogger(name).handlers
        if isinstance(h, logging.StreamHandler)
        and any(isinstance(f, ScrubPersonalData) for f in h.filters)
    ]
    assert handlers, "LOGGING installs no scrubbing stream handler"
    old = [h.setStream(buffer) for h in handlers]
    try:
        yield buffer
    finally:
        for handler, stream in zip(handlers, old, strict=True):
            handler.setStream(stream or sys.stderr)


def test_every_configured_handler_scrubs():
    from django.conf import settings

    config = settings.LOGGING
    assert config["handlers"]
    for name, handler in config["handlers"].items():
        assert "scrub" in handler.get("filters", []), name
    assert config["filters"]["scrub"]["()"] == "banyan.common.logging.ScrubPersonalData"
    # Django's own defaults (mail to an empty ADMINS, a console only when DEBUG) are replaced.
    assert config["loggers"]["django"]["handlers"] == []
    assert config["loggers"]["django.server"]["handlers"]


@pytest.mark.urls("banyan.common.tests.urls_raising")
def test_a_view_that_raises_leaves_a_scrubbed_traceback(db, log_output):
    client = Client(raise_request_exception=False)
    response = client.get(f"/boom/{ID_NUMBER}/", {"phone": PHONE})
    assert response.status_code == 500
    text = log_output.getvalue()
    assert "ERROR django.request Internal Server Error" in text
    assert "Traceback (most recent call last)" in text
    assert "ValueError: cannot read" in text
    assert MASKED_ID in text and MASKED_PHONE in text
    assert not _holds_personal_data(text)


def test_a_not_found_url_with_an_id_number_is_logged_masked(db, log_output):
    response = Client().get(f"/registry/persons/{ID_NUMBER}/")
    assert response.status_code == 404
    text = log_output.getvalue()
    assert "Not Found" in text and MASKED_ID in text
    assert not _holds_personal_data(text)


def test_runservers_access_log_masks_the_query_string(log_output):
    handler = WSGIRequestHandler.__new__(WSGIRequestHandler)
    handler.request = None
    for line in (
        f"GET /registry/search/?q={ID_NUMBER} HTTP/1.1",
        f"GET /api/v1/persons?q={PHONE} HTTP/1.1",
        f"GET /api/v1/persons?q=%2B86{PHONE} HTTP/1.1",
    ):
        handler.log_message('"%s" %s %s', line, "200", "512")
    text = log_output.getvalue()
    assert text.count("/registry/search/?q=") == 1 and MASKED_ID in text
    assert text.count(MASKED_PHONE) == 2
    assert not _holds_personal_data(text)


def test_the_sign_in_log_holds_no_typed_phone(db, log_output):
    Client().post("/accounts/login/", {"username": PHONE, "password": "x"}, REMOTE_ADDR="10.0.0.9")
    text = log_output.getvalue()
    assert "login failed" in text
    assert not _holds_personal_data(text)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (ID_NUMBER, MASKED_ID),
        (ID_NUMBER.lower(), mask_id_number(ID_NUMBER.lower())),
        (f"q={ID_NUMBER}&x=1", f"q={MASKED_ID}&x=1"),
        (f"id{ID_NUMBER}end", f"id{MASKED_ID}end"),
        (PHONE, MASKED_PHONE),
        (f"+86{PHONE}", f"+86{MASKED_PHONE}"),
        (f"86-{PHONE}", f"86-{MASKED_PHONE}"),
        (f"%2B86{PHONE}", f"%2B86{MASKED_PHONE}"),
        ("138 1234 5678", MASKED_PHONE),
        ("138-1234-5678", MASKED_PHONE),
        (f"tel:{PHONE},", f"tel:{MASKED_PHONE},"),
        # Not personal shapes: left alone.
        ("12812345678", "12812345678"),
        ("99999999999999999999", "99999999999999999999"),
        ("2026-12-03 17:20:20,116", "2026-12-03 17:20:20,116"),
        ("", ""),
    ],
)
def test_scrub_masks_the_shapes_and_nothing_else(raw, clean):
    assert scrub(raw) == clean


def test_the_filter_masks_arguments_exceptions_and_stacks():
    try:
        raise RuntimeError(f"person {ID_NUMBER}")
    except RuntimeError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "banyan.x",
        logging.ERROR,
        __file__,
        1,
        "looked up %s by %r",
        (PHONE, {"id": ID_NUMBER}),
        exc_info,
        sinfo=f"Stack: {PHONE}",
    )
    assert ScrubPersonalData().filter(record)
    text = logging.Formatter().format(record)
    assert "Traceback" in text and "RuntimeError: person " + MASKED_ID in text
    assert MASKED_PHONE in text
    assert not _holds_personal_data(text)


def test_a_record_with_a_bad_format_string_is_still_logged_masked():
    record = logging.LogRecord("banyan.x", logging.WARNING, __file__, 1, "%d %s", (PHONE,), None)
    assert ScrubPersonalData().filter(record)
    text = record.getMessage()
    assert MASKED_PHONE in text and not _holds_personal_data(text)


def test_scrub_event_masks_every_string_of_a_sentry_event():
    event = {
        "message": f"lookup {ID_NUMBER}",
        "exception": {"values": [{"type": "ValueError", "value": f"bad {PHONE}"}]},
        "request": {
            "url": f"https://x/registry/search/?q={ID_NUMBER}",
            "query_string": f"q={PHONE}",
        },
        "breadcrumbs": {"values": [{"message": f"GET /persons?q={PHONE}", "level": "info"}]},
        "extra": {"n": 3, "ok": True},
    }
    clean = scrub_event(event, {})
    assert not _holds_personal_data(repr(clean))
    assert clean["extra"] == {"n": 3, "ok": True}
    assert MASKED_ID in clean["message"]


@pytest.mark.urls("banyan.common.tests.urls_raising")
def test_errors_reach_sentry_scrubbed_and_without_pii(db):
    import sentry_sdk
    from sentry_sdk.transport import Transport

    from banyan.common.logging import init_sentry

    sent: list[dict] = []

    class Capture(Transport):
        def capture_envelope(self, envelope):  # type: ignore[no-untyped-def]
            for item in envelope.items:
                if item.type == "event":
                    sent.append(item.payload.json)

    init_sentry("https://public@sentry.example.invalid/1", transport=Capture)
    try:
        client = Client(raise_request_exception=False, HTTP_COOKIE="sessionid=abc")
        assert client.get(f"/boom/{ID_NUMBER}/", {"phone": PHONE}).status_code == 500
        sentry_sdk.flush()
    finally:
        sentry_sdk.init()  # no DSN: reporting off again for the other tests
    assert sent, "no event reached the transport"
    text = repr(sent)
    assert "ValueError" in text
    assert MASKED_ID in text
    assert not _holds_personal_data(text)
    assert "sessionid" not in text and "abc" not in repr(sent[0].get("request", {}))
    frames = sent[0]["exception"]["values"][-1]["stacktrace"]["frames"]
    assert all("vars" not in frame for frame in frames)


def test_gunicorns_logs_are_scrubbed_too(tmp_path):
    from gunicorn.config import Config

    from banyan.common.gunicorn_logging import Logger

    access, error = tmp_path / "access.log", tmp_path / "error.log"
    cfg = Config()
    cfg.set("accesslog", str(access))
    cfg.set("errorlog", str(error))
    cfg.set("logger_class", "banyan.common.gunicorn_logging.Logger")
    logger = Logger(cfg)
    logger.access_log.info('"GET /registry/search/?q=%s HTTP/1.1" 200', ID_NUMBER)
    logger.error("worker failed on %s", PHONE)
    for handler in (*logger.access_log.handlers, *logger.error_log.handlers):
        handler.flush()
    text = access.read_text() + error.read_text()
    assert MASKED_ID in text and MASKED_PHONE in text
    assert not _holds_personal_data(text)


def test_the_repository_gunicorn_config_names_the_scrubbing_logger():
    from pathlib import Path

    conf = Path(__file__).resolve().parents[3] / "gunicorn.conf.py"
    namespace: dict = {}
    exec(compile(conf.read_text(), str(conf), "exec"), namespace)  # noqa: S102 - our own file
    assert namespace["logger_class"] == "banyan.common.gunicorn_logging.Logger"
