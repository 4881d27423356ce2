"""The results file's shape, as CI checks it after `make bench-smoke` (never a timing)."""

from __future__ import annotations

import copy
import json

import pytest

from banyan.bench import check, results


def document() -> dict:
    scenario = {"p50_ms": 12.5, "p95_ms": 20.1, "queries": 9, "bytes": 4096}
    return {
        "database": "postgresql",
        "communities": 1,
        "rows": {"communities": 1, "households": 3991, "persons": 10041},
        "scenarios": {name: dict(scenario) for name in results.SCENARIOS},
        "throughput": {"api_households_rps": 120.0, "trivial_rps": 900.0, "ratio": 0.133},
        "machine": "AMD EPYC, 2 cores",
    }


def test_a_well_formed_document_passes():
    assert results.check(document()) == []


@pytest.mark.parametrize(
    "breakage",
    [
        lambda d: d["scenarios"].pop("login"),
        lambda d: d["scenarios"]["household_detail"].pop("queries"),
        lambda d: d["scenarios"]["household_detail"].update(queries=0),
        lambda d: d["scenarios"]["tree_community"].update(p95_ms="fast"),
        lambda d: d["throughput"].pop("ratio"),
        lambda d: d.update(extra=1),
        lambda d: d.update(database="oracle"),
        lambda d: d["rows"].update(persons=0),
        lambda d: d.update(machine=""),
    ],
)
def test_each_breakage_is_reported(breakage):
    data = copy.deepcopy(document())
    breakage(data)
    assert results.check(data) != []


def test_a_timing_is_never_judged():
    data = document()
    data["scenarios"]["household_detail"]["p95_ms"] = 99_999.0
    data["throughput"]["ratio"] = 0.0
    assert results.check(data) == []


def test_the_check_command_exits_by_the_shape(tmp_path, capsys):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(document()))
    bad.write_text("{not json")
    assert check.main([str(good)]) == 0
    assert check.main([str(good), str(bad)]) == 1
    assert check.main([]) == 2


def test_the_table_says_which_targets_are_missed():
    data = document()
    data["scenarios"]["person_lookup_phone"]["p95_ms"] = 25.0
    text = results.table(data, {"concurrency": 8, "explain": {"x": "Index Scan"}})
    phone = next(line for line in text.splitlines() if line.startswith("person_lookup_phone"))
    assert "MISSED" in phone
    detail = next(line for line in text.splitlines() if line.startswith("household_detail"))
    assert "met" in detail
    assert "ratio 0.13 (target >= 0.5: MISSED)" in text
    assert "Index Scan" in text
