"""The demo logins of DESIGN.md and the posts they hold (all in the first community)."""

from __future__ import annotations

from dataclasses import dataclass

from banyan.accounts.roles import Role

from .layout import L1_NAMES, L2_PER_L1, SEED_BIG_COMPOUND

PASSWORD = "banyan-demo"  # noqa: S105 - the documented demo password (DESIGN.md)
DEMO_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class DemoPost:
    role: str
    node: str  # "district", "community", an L1 code ("3"), an L2 code ("3-2"), or "building"
    title: str


@dataclass(frozen=True)
class DemoAccount:
    username: str
    description: str
    posts: tuple[DemoPost, ...]


def demo_accounts() -> list[DemoAccount]:
    """The demo logins of DESIGN.md, each with its posts (all in the first community)."""
    accounts = [
        DemoAccount(
            "secretary",
            "社区党总支书记、主任（兼第一网格网格长） community secretary / director",
            (
                DemoPost(Role.COMMUNITY_ADMIN, "community", "党总支书记、主任"),
                DemoPost(Role.GRID_LEADER, "1", "第一网格网格长"),
            ),
        ),
        DemoAccount(
            "district",
            "区委组织部 district viewer (aggregates only)",
            (DemoPost(Role.DISTRICT_VIEWER, "district", "区委组织部"),),
        ),
        DemoAccount(
            "window",
            "社区服务中心窗口 service-centre staff",
            (DemoPost(Role.SERVICE_CENTRE, "community", "社区服务中心窗口"),),
        ),
        DemoAccount(
            "repairs",
            "综合物业管理服务中心 property-repair centre",
            (DemoPost(Role.REPAIR_CENTRE, "community", "综合物业管理服务中心"),),
        ),
    ]
    for i, grid in enumerate(L1_NAMES, start=1):
        accounts.append(
            DemoAccount(
                f"leader{i}",
                f"{grid}网格长 L1 grid leader",
                (DemoPost(Role.GRID_LEADER, str(i), f"{grid}网格长"),),
            )
        )
    for i, grid in enumerate(L1_NAMES, start=1):
        for j in range(1, L2_PER_L1 + 1):
            accounts.append(
                DemoAccount(
                    f"manager{i}-{j}",
                    f"{grid}第{j}片区网格管理员 L2 grid manager",
                    (DemoPost(Role.GRID_MANAGER, f"{i}-{j}", f"{grid}第{j}片区网格员"),),
                )
            )
    for i, grid in enumerate(L1_NAMES, start=1):
        accounts.append(
            DemoAccount(
                f"branch{i}",
                f"第{i}党支部书记（{grid}） branch secretary",
                (DemoPost(Role.BRANCH_SECRETARY, str(i), f"第{i}党支部书记"),),
            )
        )
    accounts += [
        DemoAccount(
            "head1",
            f"{SEED_BIG_COMPOUND}楼栋长 building head",
            (DemoPost(Role.BUILDING_HEAD, "building", "楼栋长"),),
        ),
        DemoAccount(
            "member",
            "社区党员 party member",
            (DemoPost(Role.PARTY_MEMBER, "community", "党员"),),
        ),
        DemoAccount(
            "inservice",
            "在职党员（双报到） in-service party member",
            (DemoPost(Role.INSERVICE_MEMBER, "community", "在职党员"),),
        ),
        DemoAccount(
            "volunteer",
            "志愿者 volunteer",
            (DemoPost(Role.VOLUNTEER, "community", "志愿者"),),
        ),
    ]
    return accounts


DEMO_USERNAMES = [a.username for a in demo_accounts()]
