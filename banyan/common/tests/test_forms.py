"""The edge where a service's DomainError meets the page."""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from banyan.common.errors import DomainError
from banyan.common.forms import run_and_report


def _request():
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_a_one_button_post_reports_what_the_service_refused():
    request = _request()

    def refuse():
        raise DomainError("The minutes of this meeting are final.")

    assert run_and_report(request, refuse) == (False, None)
    assert [str(m) for m in get_messages(request)] == ["The minutes of this meeting are final."]


def test_a_one_button_post_passes_on_what_the_service_returned():
    request = _request()
    assert run_and_report(request, lambda: 3) == (True, 3)
    assert list(get_messages(request)) == []
