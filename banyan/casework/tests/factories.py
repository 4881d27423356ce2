"""Casework on top of the shared world (banyan.accounts.tests.factories)."""

from __future__ import annotations

from banyan.accounts.models import Post
from banyan.accounts.roles import Role
from banyan.accounts.tests.factories import make_post, make_user
from banyan.casework import services
from banyan.casework.models import Case, CaseCategory


def category(code: str = "roof_leak") -> CaseCategory:
    return CaseCategory.objects.get(code=code, community=None)


def add_centres(world) -> None:
    """window (service centre) and repairs (repair centre) in alice's community."""
    world.window = make_user("window", "窗口小李")
    make_post(world.window, Role.SERVICE_CENTRE, world.community)
    world.repairs = make_user("repairs", "维修老张")
    make_post(world.repairs, Role.REPAIR_CENTRE, world.community)


def open_case(world, *, code: str = "roof_leak", by=None, household=None) -> Case:
    """A case recorded in grid 1-1 by bob (accepted at once: he handles the grid)."""
    return services.case_create(
        actor=by or world.bob,
        category=category(code),
        description="屋顶漏水，雨天滴到床上",
        channel="visit",
        household=household or world.household_1_1,
        persons=[world.person_1_1],
    )


__all__ = ["Post", "add_centres", "category", "open_case"]
