"""Posts (岗位) and what each one may do: read this table to know who sees what.

Scope (where) comes from the post's node; capability (what) from this table.
A capability not listed for a role is denied.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from banyan.places.models import NodeKind


class Role(models.TextChoices):
    DISTRICT_VIEWER = "district_viewer", _("District viewer (区委组织部)")
    COMMUNITY_ADMIN = "community_admin", _("Community secretary / director")
    SERVICE_CENTRE = "service_centre", _("Service-centre staff (窗口)")
    REPAIR_CENTRE = "repair_centre", _("Property-repair centre staff")
    GRID_LEADER = "grid_leader", _("First-level grid leader (网格长)")
    GRID_MANAGER = "grid_manager", _("Second-level grid manager (网格员)")
    BUILDING_HEAD = "building_head", _("Building head (楼栋长)")
    BRANCH_SECRETARY = "branch_secretary", _("Branch secretary (支部书记)")
    PARTY_MEMBER = "party_member", _("Party member")
    INSERVICE_MEMBER = "inservice_member", _("In-service party member (在职党员)")
    VOLUNTEER = "volunteer", _("Volunteer")


class Cap:
    VIEW_AGGREGATES = "view_aggregates"  # counts per node, never a household
    VIEW_REGISTRY = "view_registry"  # households and persons, with the reduced field set
    VIEW_FULL_RECORD = "view_full_record"  # all non-sensitive fields: birth dates, masked IDs
    VIEW_SENSITIVE = "view_sensitive"  # 低保, disability and other sensitive categories
    EDIT_REGISTRY = "edit_registry"
    REVEAL_PII = "reveal_pii"  # unmask an ID number or phone, logged
    MANAGE_POSTS = "manage_posts"
    MANAGE_PLACES = "manage_places"  # compounds, buildings, facilities
    VIEW_CASES = "view_cases"  # needs, repairs, hazards, disputes (narrowed by CASE_ROUTES)
    # A case's own record: its title and description, the reporter, the people it
    # concerns, its photos and internal history; of a dispute, its parties, mediation
    # sessions and agreement. Without it a post sees a case's category, place and state
    # (and reads in full only what its holder reported).
    VIEW_CASE_RECORD = "view_case_record"
    HANDLE_CASES = "handle_cases"  # accept, route, resolve … cases
    REPORT_CASES = "report_cases"  # record a case for a resident (building heads too)
    CHAIR_MEETINGS = "chair_meetings"  # committee meetings and their decisions
    # Party data follows the party tree: a branch's rows are seen from posts whose subtree
    # holds the node the branch is bound to (banyan.party.selectors), never by home grid.
    VIEW_PARTY = "view_party"  # party members, contacts, themed days, tracing cases
    MANAGE_PARTY = "manage_party"  # log contacts, keep members, hold themed days, trace
    PARTY_FIGURES = "party_figures"  # care compliance and counts per branch, never a member
    PARTY_ADMIN = "party_admin"  # care rules, branches, in-service approvals, party settings
    # Whether a household has party members, and nothing else; only where the community's
    # party settings allow it (banyan.party.models.PartySettings).
    VIEW_PARTY_PRESENCE = "view_party_presence"


_CASEWORK = {Cap.VIEW_CASES, Cap.VIEW_CASE_RECORD, Cap.HANDLE_CASES, Cap.REPORT_CASES}
_REGISTRY_READ = {Cap.VIEW_AGGREGATES, Cap.VIEW_REGISTRY, Cap.VIEW_FULL_RECORD}
_GRID_WORKER = {
    *_REGISTRY_READ,
    *_CASEWORK,
    Cap.VIEW_SENSITIVE,
    Cap.EDIT_REGISTRY,
    Cap.REVEAL_PII,
    Cap.MANAGE_PLACES,
}
_ALL = {*_GRID_WORKER, Cap.MANAGE_POSTS, Cap.CHAIR_MEETINGS}
_PARTY_WORK = {Cap.VIEW_PARTY, Cap.MANAGE_PARTY, Cap.PARTY_FIGURES}

CAPABILITIES: dict[str, frozenset[str]] = {
    Role.DISTRICT_VIEWER: frozenset({Cap.VIEW_AGGREGATES, Cap.PARTY_FIGURES}),
    Role.COMMUNITY_ADMIN: frozenset({*_ALL, *_PARTY_WORK, Cap.PARTY_ADMIN}),
    # The window handles paperwork (低保 applications, certificates): it reads the
    # whole registry and may reveal, but does not edit it; of the cases it sees those
    # routed to the window (CASE_ROUTES).
    Role.SERVICE_CENTRE: frozenset(
        {*_REGISTRY_READ, *_CASEWORK, Cap.VIEW_SENSITIVE, Cap.REVEAL_PII}
    ),
    # The repair centre sees the repairs routed to it, never the registry.
    Role.REPAIR_CENTRE: frozenset({Cap.VIEW_CASES, Cap.VIEW_CASE_RECORD, Cap.HANDLE_CASES}),
    Role.GRID_LEADER: frozenset({*_GRID_WORKER, Cap.VIEW_PARTY_PRESENCE}),
    Role.GRID_MANAGER: frozenset({*_GRID_WORKER, Cap.VIEW_PARTY_PRESENCE}),
    # A volunteer resident: who lives in their building, room by room, what they report
    # for it and the state of its cases; never a case's record (a dispute's parties,
    # mediation and agreement above all).
    Role.BUILDING_HEAD: frozenset({Cap.VIEW_REGISTRY, Cap.VIEW_CASES, Cap.REPORT_CASES}),
    # The branch's members wherever they live (the party tree); of the registry, the
    # branch's grid without sensitive categories or reveals.
    Role.BRANCH_SECRETARY: frozenset({*_REGISTRY_READ, *_PARTY_WORK}),
    Role.PARTY_MEMBER: frozenset(),
    Role.INSERVICE_MEMBER: frozenset(),
    Role.VOLUNTEER: frozenset(),
}

# Posts that see only the cases routed to them, whatever else lies in their scope.
CASE_ROUTES: dict[str, str] = {
    Role.SERVICE_CENTRE: "window",
    Role.REPAIR_CENTRE: "repair",
}

# Where each role's post may sit in the tree.
ROLE_NODE_KINDS: dict[str, frozenset[str]] = {
    Role.DISTRICT_VIEWER: frozenset({NodeKind.DISTRICT, NodeKind.STREET}),
    Role.COMMUNITY_ADMIN: frozenset({NodeKind.COMMUNITY}),
    Role.SERVICE_CENTRE: frozenset({NodeKind.COMMUNITY}),
    Role.REPAIR_CENTRE: frozenset({NodeKind.COMMUNITY}),
    Role.GRID_LEADER: frozenset({NodeKind.GRID_L1}),
    Role.GRID_MANAGER: frozenset({NodeKind.GRID_L2}),
    Role.BUILDING_HEAD: frozenset({NodeKind.GRID_L2}),
    Role.BRANCH_SECRETARY: frozenset({NodeKind.GRID_L1}),
    Role.PARTY_MEMBER: frozenset({NodeKind.COMMUNITY}),
    Role.INSERVICE_MEMBER: frozenset({NodeKind.COMMUNITY}),
    Role.VOLUNTEER: frozenset({NodeKind.COMMUNITY}),
}

# Roles whose post is bound to one building rather than a whole node.
BUILDING_ROLES = frozenset({Role.BUILDING_HEAD})
