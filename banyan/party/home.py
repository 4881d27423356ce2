"""The party's card on a user's home page: the care obligations their posts answer for,
overdue and due this week (registered in PartyConfig.ready(); banyan.common.home)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

from banyan.accounts.roles import Cap
from banyan.accounts.scope import get_scope
from banyan.common.home import Card

from . import selectors
from .obligations import OVERDUE

SHOWN = 5  # rows of each list on the card; the whole list is one tap away


def answers_for_a_rule(request: HttpRequest) -> bool:
    """Whether one of the user's posts is the post a care rule in force names (a branch
    secretary under the default rules): the card is theirs even when nothing is due."""
    scope = get_scope(request.user)
    if not scope.can(Cap.VIEW_PARTY):
        return False
    today = timezone.localdate()
    posts = {(post.role, post.community_id) for post in scope.posts}
    versions = selectors.rule_versions({community for _role, community in posts})
    return any(
        v.active and v.in_force(today) and v.responsible_role == role
        for role, community in posts
        for v in versions.get(community, [])
    )


def obligations_card(request: HttpRequest) -> Card | None:
    if not answers_for_a_rule(request):
        return None
    today = timezone.localdate()
    items = selectors.obligations_due(user=request.user, mine=True, today=today)
    overdue = [i for i in items if i.status == OVERDUE]
    soon = [i for i in items if i.status != OVERDUE]
    return Card(
        "party/_home_card.html",
        {
            "overdue": overdue[:SHOWN],
            "soon": soon[:SHOWN],
            "n_overdue": len(overdue),
            "n_soon": len(soon),
            "today": today,
        },
        order=10,
    )
