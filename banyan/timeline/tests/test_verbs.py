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


# --- codes shown by their label, in the reader's language -------------------------------------


def test_a_code_is_shown_by_its_label_in_the_readers_language():
    from banyan.accounts.roles import Role
    from banyan.timeline.verbs import label

    with translation.override("en"):
        assert label(Role, "grid_manager") == "Second-level grid manager (网格员)"
    with translation.override("zh-hans"):
        assert label(Role, "grid_manager") == "网格员"


def test_a_label_stored_by_an_older_event_is_read_back_in_either_language():
    from banyan.accounts.roles import Role
    from banyan.timeline.verbs import label

    with translation.override("zh-hans"):
        assert label(Role, "Second-level grid manager (网格员)") == "网格员"
    with translation.override("en"):
        assert label(Role, "网格员") == "Second-level grid manager (网格员)"
        # Anything that is neither a code nor a label is shown as it was stored.
        assert label(Role, "网格长助理") == "网格长助理"
        assert label(Role, ["not", "a", "code"]) == ["not", "a", "code"]


def test_a_posts_event_names_its_role_in_the_readers_language():
    data = {"role": "grid_manager", "node": "第一网格", "user": "王芳"}
    old = {**data, "role": "Second-level grid manager (网格员)", "role_code": "grid_manager"}
    with translation.override("zh-hans"):
        for stored in (data, old):
            text = describe("post_granted", stored, "?")
            assert "网格员" in text and "Second-level" not in text, text
    with translation.override("en"):
        assert describe("post_revoked", data, "?") == (
            "Post revoked: Second-level grid manager (网格员) at 第一网格 from 王芳"
        )


def test_a_name_stored_with_its_english_is_shown_in_the_readers_language():
    data = {"name": "张三", "category": "低保", "category_en": "Subsistence allowance"}
    data["valid_from"] = "2026-01-01"
    with translation.override("en"):
        assert describe("category_added", data, "?") == (
            "张三: category Subsistence allowance from 2026-01-01"
        )
        # No English name (or an event written before): the Chinese one.
        assert "低保" in describe("category_added", {**data, "category_en": ""}, "?")
    with translation.override("zh-hans"):
        assert "低保" in describe("category_added", data, "?")


def test_party_events_show_their_codes_in_the_readers_language():
    contact = {"name": "李四", "kind": "call", "member_id": 1}
    with translation.override("en"):
        en = describe("party_contact", contact, "?")
        assert describe("party_settings_changed", {"value": True}, "?").endswith(": yes")
    with translation.override("zh-hans"):
        zh = describe("party_contact", contact, "?")
        # An older event kept the label in its writer's language.
        assert describe("party_contact", {**contact, "kind": en.split(" with ")[0]}, "?") == zh
        assert describe("party_settings_changed", {"value": False}, "?").endswith("否")
        assert describe("party_settings_changed", {"value": "no"}, "?").endswith("否")
    assert en == "Phone call with 李四" and "Phone" not in zh and "李四" in zh


def test_data_a_shaper_cannot_read_shows_the_summary_not_an_error():
    assert describe("household_visited", ["not", "a", "dict"], "summary") == "summary"
    with translation.override("en"):  # a value that is no code is shown as stored
        assert describe("case_assigned", {"case": 1, "route": 7}, "?") == "Case #1 routed to 7"
