"""The results file: its schema, its check, the machine it describes and the table.

The JSON follows the issue's schema exactly:
{"database", "communities", "rows": {...}, "scenarios": {"<name>": {"p50_ms", "p95_ms",
"queries", "bytes"}}, "throughput": {"api_households_rps", "trivial_rps", "ratio"},
"machine"}. Everything else a reader needs (server workers, concurrency, repeats, the
generator's time, the load on the machine) is in the table written next to it.

`python -m banyan.bench.check FILE` (CI) validates the shape and never a timing.
"""

from __future__ import annotations

import json
import math
import os
import platform
from pathlib import Path
from typing import Any

# Extend this list in every later issue: the check insists on each of them.
SCENARIOS = (
    "household_list_l2_page1",
    "household_list_l2_deep",
    "household_detail",
    "person_search_name",
    "person_lookup_id_number",
    "person_lookup_phone",
    "person_search_fragment",
    "tree_community",
    "api_households",
    "api_households_community",
    "api_person_detail",
    "login",
    # Issue 4: casework.
    "casework_my_work",
    "casework_overdue_community",
    "casework_case_detail",
    "casework_case_transition",
    "open311_requests",
    # Issue 5: the party organisation.
    "party_obligations_branch",
    "party_obligations_branch_api",
    "party_compliance_community",
    "party_compliance_district",
)
PAGES = (
    "household_list_l2_page1",
    "household_list_l2_deep",
    "household_detail",
    "person_search_name",
    "person_lookup_id_number",
    "person_lookup_phone",
    "person_search_fragment",
    "tree_community",
    "login",
    "casework_my_work",
    "casework_overdue_community",
    "casework_case_detail",
    "casework_case_transition",
    "open311_requests",
    "party_compliance_community",
)
LOOKUPS = ("person_lookup_id_number", "person_lookup_phone")
BRANCH_LISTS = ("party_obligations_branch", "party_obligations_branch_api")
DISTRICT_FIGURES = ("party_compliance_district",)
SCENARIO_KEYS = ("p50_ms", "p95_ms", "queries", "bytes")
THROUGHPUT_KEYS = ("api_households_rps", "trivial_rps", "ratio")
TOP_KEYS = ("database", "communities", "rows", "scenarios", "throughput", "machine")

# The targets (100 communities, PostgreSQL, 2 cores): shown, never asserted.
PAGE_P95_MS = 150
LOOKUP_P95_MS = 20
BRANCH_LIST_P95_MS = 100
DISTRICT_P95_MS = 1000
MIN_RATIO = 0.5


def check(data: Any) -> list[str]:
    """What is wrong with a results document (empty when it is well-formed)."""
    problems: list[str] = []
    if not isinstance(data, dict):
        return ["not a JSON object"]
    if set(data) != set(TOP_KEYS):
        problems.append(f"top-level keys {sorted(data)} != {sorted(TOP_KEYS)}")
    if data.get("database") not in ("postgresql", "sqlite"):
        problems.append(f"database: {data.get('database')!r}")
    if not isinstance(data.get("communities"), int) or data.get("communities", 0) < 1:
        problems.append("communities: not a positive integer")
    rows = data.get("rows")
    if not isinstance(rows, dict) or not rows.get("persons"):
        problems.append("rows: no persons counted")
    elif not all(isinstance(v, int) for v in rows.values()):
        problems.append("rows: counts must be integers")
    scenarios = data.get("scenarios")
    if not isinstance(scenarios, dict):
        problems.append("scenarios: missing")
        scenarios = {}
    for name in SCENARIOS:
        s = scenarios.get(name)
        if not isinstance(s, dict) or set(s) != set(SCENARIO_KEYS):
            problems.append(f"scenario {name}: keys {sorted(s) if isinstance(s, dict) else s}")
            continue
        for key in ("p50_ms", "p95_ms"):
            if not _number(s[key]) or s[key] < 0:
                problems.append(f"scenario {name}: {key} is not a time")
        if not isinstance(s["queries"], int) or s["queries"] < 1:
            problems.append(f"scenario {name}: queries is not a positive count")
        if not isinstance(s["bytes"], int) or s["bytes"] < 0:
            problems.append(f"scenario {name}: bytes is not a count")
    tp = data.get("throughput")
    if not isinstance(tp, dict) or set(tp) != set(THROUGHPUT_KEYS):
        problems.append(f"throughput: keys {sorted(tp) if isinstance(tp, dict) else tp}")
    elif not all(_number(tp[k]) and tp[k] >= 0 for k in THROUGHPUT_KEYS):
        problems.append("throughput: values must be non-negative numbers")
    if not isinstance(data.get("machine"), str) or not data.get("machine"):
        problems.append("machine: missing")
    return problems


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def check_file(path: Path) -> list[str]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        return [f"{path}: {err}"]
    return check(data)


# --- the machine --------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def ram_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return 0.0


def load_average() -> float:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return -1.0


def machine(database: str, server: str, load: str) -> str:
    """One line a reader can compare against their own machine."""
    return (
        f"{cpu_model()}, {os.cpu_count()} cores, {ram_gib()} GiB RAM, "
        f"{platform.system()} {platform.release()}; Python {platform.python_version()}; "
        f"{database}; {server}; {load}"
    )


# --- the table ----------------------------------------------------------------------


def target_of(name: str) -> tuple[str, float | None]:
    if name in LOOKUPS:
        return "p95 <= 20 ms", LOOKUP_P95_MS
    if name in BRANCH_LISTS:
        return "p95 <= 100 ms", BRANCH_LIST_P95_MS
    if name in DISTRICT_FIGURES:
        return "p95 <= 1 s", DISTRICT_P95_MS
    if name in PAGES:
        return "p95 <= 150 ms", PAGE_P95_MS
    return "", None


def table(data: dict[str, Any], details: dict[str, Any]) -> str:
    """The results as a table a person reads, with how they were taken."""
    lines = [
        f"Banyan benchmark: {data['database']}, {data['communities']} communities",
        "",
        f"{'scenario':<30} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'bytes':>8}  "
        f"{'target (100 communities, PostgreSQL)':<36}",
    ]
    for name, s in data["scenarios"].items():
        label, limit = target_of(name)
        verdict = ""
        if limit is not None:
            verdict = f"{label} {'met' if s['p95_ms'] <= limit else 'MISSED'}"
        lines.append(
            f"{name:<30} {s['p50_ms']:>8.1f} {s['p95_ms']:>8.1f} {s['queries']:>8} "
            f"{s['bytes']:>8}  {verdict}"
        )
    tp = data["throughput"]
    ratio_ok = "met" if tp["ratio"] >= MIN_RATIO else "MISSED"
    lines += [
        "",
        f"throughput at concurrency {details.get('concurrency')}: "
        f"API household list {tp['api_households_rps']:.1f} req/s, "
        f"trivial JSON view {tp['trivial_rps']:.1f} req/s, "
        f"ratio {tp['ratio']:.2f} (target >= {MIN_RATIO}: {ratio_ok})",
        "",
        "rows: " + ", ".join(f"{k} {v:,}" for k, v in data["rows"].items()),
        f"machine: {data['machine']}",
    ]
    for key, value in details.items():
        if key not in ("explain", "in-process"):
            lines.append(f"{key.replace('_', ' ')}: {value}")
    inside = details.get("in-process")
    if inside:
        lines += [
            "",
            "in-process (test Client, same database, median): where a request's time goes",
            f"{'scenario':<30} {'total ms':>9} {'SQL ms':>8} {'Python ms':>10}",
        ]
        for name, (wall, sql) in inside.items():
            lines.append(f"{name:<30} {wall:>9.1f} {sql:>8.1f} {wall - sql:>10.1f}")
    for name, plan in details.get("explain", {}).items():
        lines += ["", f"plan of the person query behind {name}:", plan]
    return "\n".join(lines) + "\n"
