"""Person categories, case categories and facility kinds are one kind of row: shared or a
community's own (places.models.ReferenceRow)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from banyan.casework.models import CaseCategory
from banyan.places.models import FacilityKind, ReferenceRow
from banyan.registry.models import Category

EXTRA = {
    Category: {},
    CaseCategory: {"kind": "request", "default_route": "window", "deadline_hours": 24},
    FacilityKind: {},
}
MODELS = list(EXTRA)


def _row(model, community, code: str, name: str = "甲", name_en: str = ""):
    return model.objects.create(
        community=community, code=code, name=name, name_en=name_en, **EXTRA[model]
    )


@pytest.mark.parametrize("model", MODELS)
def test_a_community_sees_the_shared_rows_and_its_own_only(world, model):
    assert issubclass(model, ReferenceRow)
    shared = set(model.objects.filter(community=None))
    mine = _row(model, world.community, "mine_only")
    theirs = _row(model, world.other_community, "theirs_only")
    assert shared, "the migrations seed shared rows"
    assert set(model.objects.shared()) == shared
    assert set(model.objects.for_community(world.community.pk)) == shared | {mine}
    assert set(model.objects.for_communities([world.other_community.pk])) == shared | {theirs}
    assert set(model.objects.for_communities([world.community.pk, world.other_community.pk])) == (
        shared | {mine, theirs}
    )
    assert set(model.objects.for_communities([])) == shared


@pytest.mark.parametrize("model", MODELS)
def test_a_code_is_once_shared_and_once_per_community(world, model):
    code = model.objects.filter(community=None).first().code
    _row(model, world.community, code)  # a community may reuse a shared code
    _row(model, world.other_community, code)
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(model, world.community, code)
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(model, None, code)


@pytest.mark.parametrize("model", MODELS)
def test_the_name_follows_the_language(world, model):
    row = _row(model, world.community, "bilingual", name="活动室", name_en="Activity room")
    bare = _row(model, world.community, "chinese_only", name="门岗")
    with translation.override("en"):
        assert (str(row), str(bare)) == ("Activity room", "门岗")
    with translation.override("zh-hans"):
        assert (str(row), str(bare)) == ("活动室", "门岗")
