"""The harness end to end at tiny scale: one generated community, every scenario
requested over HTTP by the separate load process (here against the test server, since
the test database is not one gunicorn could open), query counts taken in-process.

Times are never asserted (STYLE.md): only that the results are complete and that query
counts do not grow with the page number.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from banyan.bench import harness, results
from banyan.demo.builder import build

TINY = harness.Options(
    server_workers=1, concurrency=2, warmup=1, repeat=2, login_repeat=1, seconds=0.5
)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_smoke_run_writes_every_scenario_with_its_query_count(live_server, tmp_path):
    build(seed=2019, communities=1, today=dt.date(2026, 6, 1))
    lines: list[str] = []
    data, path = harness.run(
        opts=TINY, out_dir=tmp_path, say=lines.append, server_url=live_server.url
    )

    written = json.loads(path.read_text())
    assert written == data
    assert path.name == f"{data['database']}-1.json"
    assert results.check(written) == []
    assert set(written["scenarios"]) == set(results.SCENARIOS)
    assert all(s["queries"] > 0 for s in written["scenarios"].values())
    assert written["rows"]["persons"] > 9000
    page1, deep = (written["scenarios"][f"household_list_l2_{p}"] for p in ("page1", "deep"))
    assert page1["queries"] == deep["queries"]
    table = (tmp_path / f"{data['database']}-1.txt").read_text()
    assert "household_list_l2_deep" in table and "query counts flat over pages: True" in table
    assert "plan of the person query behind person_lookup_id_number" in table
    assert any(line.startswith("household_detail") for line in lines)
