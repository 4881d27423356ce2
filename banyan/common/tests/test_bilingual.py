"""Reference rows are named in Chinese, and in English where someone gave an English name."""

from __future__ import annotations

from django.utils import translation

from banyan.casework.models import CaseCategory
from banyan.party.models import Rule
from banyan.places.models import FacilityKind
from banyan.registry.models import Category


def test_the_name_follows_the_page_language_when_there_is_an_english_one():
    for model in (Category, CaseCategory, FacilityKind, Rule):
        row = model(name="低保户", name_en="Subsistence allowance")
        unnamed = model(name="低保户", name_en="")
        with translation.override("en"):
            assert row.display_name == "Subsistence allowance", model
            assert unnamed.display_name == "低保户", model
        with translation.override("zh-hans"):
            assert row.display_name == "低保户", model
            assert str(row).startswith("低保户"), model
