"""Chinese is the default UI language: every translatable string has a translation."""

from __future__ import annotations

from django.core.management import call_command


def test_every_message_has_a_chinese_translation():
    # Raises CommandError (listing the msgids) when a string lacks a translation or the
    # catalogue is out of date with the source.
    call_command("make_translations", "--check")
