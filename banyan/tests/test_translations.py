"""Chinese is the default UI language: every translatable string has a translation."""

from __future__ import annotations

from django.core.management import call_command


def test_every_message_has_a_chinese_translation():
    # Raises CommandError (listing the msgids) when a string lacks a translation or the
    # catalogue is out of date with the source.
    call_command("make_translations", "--check")


def test_one_english_word_two_chinese_ones_where_the_meaning_differs():
    # "Phone" is a number on a person's card (手机号) but a call as a case's channel or a
    # way of looking for a lost member (电话): pgettext keeps them apart.
    from django.utils import translation

    from banyan.casework.models import Channel
    from banyan.party.models import AttemptMethod
    from banyan.registry.models import Person

    with translation.override("zh-hans"):
        assert str(Person._meta.get_field("phone").verbose_name) == "手机号"
        assert str(Channel.PHONE.label) == "电话"
        assert str(AttemptMethod.PHONE.label) == "电话"
    with translation.override("en"):
        assert str(Channel.PHONE.label) == "Phone"


def test_words_that_mean_something_else_in_another_part_of_the_site():
    from django.utils import translation

    from banyan.accounts.models import Post
    from banyan.casework.models import Case, Meeting
    from banyan.party.models import Member, Registration, RegistrationState
    from banyan.registry.models import Household

    def label(model, field):
        return str(model._meta.get_field(field).verbose_name)

    with translation.override("zh-hans"):
        assert label(Post, "title") == "职务"  # a post holder's job title
        assert label(Case, "title") == "标题"
        assert label(Meeting, "title") == "会议主题"
        assert label(Household, "unit") == "单元"  # a building's entrance
        assert label(Member, "unit") == "工作单位"
        assert label(Registration, "unit") == "工作单位"
        assert str(RegistrationState.REJECTED.label) == "未通过"
