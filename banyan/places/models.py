"""The tree of places (district → street → community → L1 grid → L2 grid) and what stands in it."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _

from banyan.common.bilingual import BilingualName
from banyan.common.coordinates import coordinate_constraints
from banyan.common.ordering import node_sort_key
from banyan.common.versioning import Versioned


class NodeKind(models.TextChoices):
    DISTRICT = "district", _("District")
    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community")
    GRID_L1 = "grid_l1", _("First-level grid")
    GRID_L2 = "grid_l2", _("Second-level grid")


# Which kind may hang under which: the tree's only structural rule.
CHILD_KIND = {
    NodeKind.DISTRICT: NodeKind.STREET,
    NodeKind.STREET: NodeKind.COMMUNITY,
    NodeKind.COMMUNITY: NodeKind.GRID_L1,
    NodeKind.GRID_L1: NodeKind.GRID_L2,
}


class Node(models.Model):
    """One organisational unit. `path` is the materialised chain of ids ("1/4/9/"), so a
    subtree is one prefix match, and `community` is the tenant every row below carries."""

    kind = models.CharField(_("kind"), max_length=16, choices=NodeKind.choices)
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=32, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    community = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    geometry = models.JSONField(_("geometry (GeoJSON)"), null=True, blank=True)
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    sort_order = models.PositiveIntegerField(default=0)
    # The parent's key, then this node's (sort order, code): siblings in the order people
    # count them (第一网格 … 第八网格), the whole tree depth first. common.ordering.
    sort_key = models.CharField(max_length=255, blank=True, db_index=True, editable=False)

    class Meta:
        ordering = ["sort_key", "id"]
        indexes = [models.Index(fields=["community", "kind"])]
        constraints = coordinate_constraints("node")
        verbose_name = _("node")
        verbose_name_plural = _("nodes")

    def __str__(self) -> str:
        return self.name

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(p) for p in self.path.strip("/").split("/") if p][:-1]

    def is_within(self, other: Node) -> bool:
        return self.path.startswith(other.path)


def tree_sort_key(node: Node) -> str:
    """The sort key a node should have, from its parent's (already set) and its own fields;
    whoever writes a node's path writes this with it."""
    parent = node.parent  # the cached parent (the demo builder's is not saved yet), or None
    return node_sort_key(
        parent_key=parent.sort_key if parent is not None else "",
        sort_order=node.sort_order,
        code=node.code,
        name=node.name,
    )


class PropertyManagement(models.TextChoices):
    COMPANY = "company", _("Property company")
    SELF = "self", _("Self-managed by residents")
    NONE = "none", _("No property management")


class Compound(Versioned, models.Model):
    """小区: a residential compound in one L2 grid."""

    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="compounds")
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    year_built = models.PositiveSmallIntegerField(_("year built"), null=True, blank=True)
    property_management = models.CharField(
        _("property management"), max_length=16, choices=PropertyManagement.choices
    )
    management_company = models.CharField(_("property company"), max_length=100, blank=True)
    geometry = models.JSONField(_("geometry (GeoJSON)"), null=True, blank=True)
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        ordering = ["grid_id", "name"]
        indexes = [models.Index(fields=["community", "grid"])]
        constraints = coordinate_constraints("compound")
        verbose_name = _("compound")
        verbose_name_plural = _("compounds")

    def __str__(self) -> str:
        return self.name


class Building(Versioned, models.Model):
    """楼栋: one building in a compound, with its volunteer building head."""

    VERSION_DERIVED = frozenset({"sort_key"})

    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="buildings")
    number = models.CharField(_("building number"), max_length=32)
    # natural_key(number): 1栋, 2栋 … 10栋 (common.ordering), kept by the services.
    sort_key = models.CharField(max_length=64, blank=True, editable=False)
    era = models.CharField(_("era"), max_length=50, blank=True)
    year_built = models.PositiveSmallIntegerField(_("year built"), null=True, blank=True)
    floors = models.PositiveSmallIntegerField(_("floors"), default=1)
    units = models.PositiveSmallIntegerField(_("units (entrances)"), default=1)
    head = models.ForeignKey(
        "registry.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="headed_buildings",
        verbose_name=_("building head"),
    )
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        ordering = ["compound_id", "sort_key", "id"]
        indexes = [
            models.Index(fields=["community", "grid"]),
            models.Index(fields=["compound", "sort_key"]),
        ]
        constraints = coordinate_constraints("building")
        verbose_name = _("building")
        verbose_name_plural = _("buildings")

    def __str__(self) -> str:
        return building_label(self.compound.name, self.number)


def building_label(compound_name: str, number: str) -> str:
    """How a building is named everywhere: its compound, then its number (皮鞋厂小区 3栋)."""
    return f"{compound_name} {number}"


class ReferenceQuerySet(models.QuerySet):
    """Reference rows as a community sees them: the shared ones and its own."""

    def shared(self) -> ReferenceQuerySet:
        return self.filter(community__isnull=True)

    def for_community(self, community_id: int | None) -> ReferenceQuerySet:
        return self.filter(models.Q(community__isnull=True) | models.Q(community_id=community_id))

    def for_communities(self, community_ids: Iterable[int]) -> ReferenceQuerySet:
        return self.filter(
            models.Q(community__isnull=True) | models.Q(community_id__in=community_ids)
        )


class ReferenceRow(BilingualName, models.Model):
    """A shared or per-community reference row (a person category, a case category, a
    facility kind): data, not code. A row without a community is one every community
    uses; a community adds its own. `code` is unique among the shared rows and within
    each community; the name is Chinese, with an English one where someone gave it.

    It lives here, the lowest layer that knows what a community is (a Node). A concrete
    row's Meta names its constraints with `reference_constraints(prefix)`."""

    community = models.ForeignKey(
        Node,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when every community uses it."),
    )
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name (Chinese)"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=50, blank=True)

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return self.display_name


def reference_constraints(prefix: str) -> list[models.BaseConstraint]:
    """A code once per community, and once among the shared rows (NULLs are distinct)."""
    return [
        models.UniqueConstraint(fields=["community", "code"], name=f"{prefix}_code_unique"),
        models.UniqueConstraint(
            fields=["code"],
            condition=models.Q(community=None),
            name=f"{prefix}_shared_code_unique",
        ),
    ]


class FacilityKind(ReferenceRow):
    """Reference data a community can extend (activity venue, gate, wish tree …)."""

    class Meta(ReferenceRow.Meta):
        constraints = reference_constraints("facility_kind")
        verbose_name = _("facility kind")
        verbose_name_plural = _("facility kinds")


class Facility(Versioned, models.Model):
    """区域设施: a mapped facility at a node (and optionally in a compound)."""

    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="facilities")
    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, null=True, blank=True, related_name="facilities"
    )
    kind = models.ForeignKey(FacilityKind, on_delete=models.PROTECT, related_name="facilities")
    name = models.CharField(_("name"), max_length=100)
    note = models.CharField(_("note"), max_length=300, blank=True)
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        ordering = ["node_id", "name"]
        constraints = coordinate_constraints("facility")
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")

    def __str__(self) -> str:
        return self.name
