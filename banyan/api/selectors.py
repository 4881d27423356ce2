"""Reads only the API offers, scoped exactly like the apps' own selectors.

Endpoints never touch `Model.objects`; the few lists no app selector provides yet live
here, each filtered through `Scope.filter` first. Move them to the owning app's
`selectors.py` when a page needs them too.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from banyan.accounts.roles import Cap
from banyan.accounts.scope import get_scope
from banyan.places.models import Node
from banyan.registry.models import Person

User = AbstractBaseUser | AnonymousUser


def person_list(
    *,
    user: User,
    node: Node | None = None,
    compound_id: int | None = None,
    building_id: int | None = None,
    household_id: int | None = None,
    q: str = "",
    status: str | None = None,
) -> QuerySet[Person]:
    """Persons in the user's scope, optionally narrowed; narrowing never widens.

    `status` None means every status (moved-out and deceased persons stay on record).
    """
    qs = get_scope(user).filter(
        Person.objects.all(), Cap.VIEW_REGISTRY, building="household__building_id"
    )
    if status:
        qs = qs.filter(status=status)
    if node is not None:
        qs = qs.filter(grid__path__startswith=node.path)
    if compound_id is not None:
        qs = qs.filter(household__building__compound_id=compound_id)
    if building_id is not None:
        qs = qs.filter(household__building_id=building_id)
    if household_id is not None:
        qs = qs.filter(household_id=household_id)
    if q:
        qs = qs.filter(name__icontains=q)
    return qs.select_related("household").order_by("household_id", "id")
