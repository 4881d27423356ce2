"""Event sentences: made when shown, in the reader's language, with plural forms."""

from __future__ import annotations

from django.utils import translation

from banyan.timeline.verbs import describe


def test_counted_sentences_take_the_plural_form_of_their_count():
    with translation.override("en"):
        assert describe("meeting_closed", {"title": "Nov", "items": 1}, "?") == (
            "Minutes of Nov made final (1 item)"
        )
        assert describe("meeting_closed", {"title": "Nov", "items": 3}, "?") == (
            "Minutes of Nov made final (3 items)"
        )
        assert describe("household_split", {"count": 1, "label": "A"}, "?").startswith(
            "1 member split off"
        )
    with translation.override("zh-hans"):
        assert describe("meeting_closed", {"title": "十一月例会", "items": 2}, "?") == (
            "十一月例会纪要已定稿（2个议题）"
        )


def test_an_event_whose_data_does_not_fit_its_sentence_falls_back():
    assert describe("meeting_closed", {"title": "Nov"}, "fallback") == "fallback"
    assert describe("no_such_verb", {}, "fallback") == "fallback"
