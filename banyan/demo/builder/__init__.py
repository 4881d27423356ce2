"""The demo community generator: 倒生根社区 as the seed article describes it, and as many
more plausible communities as a benchmark needs (a district is 100).

Everything is drawn from one `random.Random` per community, seeded from the run's seed
and the community's index, so the same seed gives the same people whatever the order or
the number of processes. Identities (birth dates, ID numbers) are fixed relative to
`BASE_DATE`; only "current" dates that must stay current for the demo to make sense
(the last household check, the 低保 validity window) follow the run date.

- layout.py   the article's figures, dates, the map, community and street names
- accounts.py the demo logins and their posts
- people.py   who lives in a household (the planner)
- plan.py     a whole community planned in memory as unsaved model instances
- sink.py     bulk writing: COPY on PostgreSQL, executemany on SQLite
- write.py    a planned community as rows, with its event stream
- run.py      `build` (in several processes on PostgreSQL) and `reset`
"""

from __future__ import annotations

from .accounts import DEMO_URL, DEMO_USERNAMES, PASSWORD, DemoAccount, DemoPost, demo_accounts
from .layout import BASE_DATE, community_names, street_names
from .people import CommunityPlan, Context
from .plan import plan_community, preview_people
from .run import DemoExists, build, default_workers, ensure_reference_data, reset

__all__ = [
    "BASE_DATE",
    "DEMO_URL",
    "DEMO_USERNAMES",
    "PASSWORD",
    "CommunityPlan",
    "Context",
    "DemoAccount",
    "DemoExists",
    "DemoPost",
    "build",
    "community_names",
    "default_workers",
    "demo_accounts",
    "ensure_reference_data",
    "plan_community",
    "preview_people",
    "reset",
    "street_names",
]
