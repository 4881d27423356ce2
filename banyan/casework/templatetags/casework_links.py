"""Links into the service loop from pages other apps own (the header, the grid page),
so that those pages need one line each and no casework code in their views.

    {% load casework_links %}{% my_work_link %}     in the header menu
    {% load casework_links %}{% grid_panel node %}  on a tree node's page
"""

from __future__ import annotations

from django import template

from banyan.casework import staff_selectors

register = template.Library()


@register.inclusion_tag("casework/_my_work_link.html", takes_context=True)
def my_work_link(context) -> dict:
    """ "My work" with the number of overdue cases (one COUNT query), for posts that see
    cases; nothing for the rest."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not staff_selectors.can_see_cases(user):
        return {"show": False}
    return {"show": True, "overdue": staff_selectors.overdue_count(user=user)}


@register.inclusion_tag("casework/_grid_panel.html", takes_context=True)
def grid_panel(context, node) -> dict:
    """Open, overdue and waiting cases under a node the page already loaded through the
    scope, with links to my work, the case list and the households not visited."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"panel": None}
    panel = staff_selectors.grid_panel(user=user, node=node)
    return {
        "panel": panel,
        "my_overdue": staff_selectors.overdue_count(user=user) if panel else 0,
    }
