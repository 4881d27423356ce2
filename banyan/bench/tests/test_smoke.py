"""The harness end to end at tiny scale: one generated community with its casework and
party layers, every scenario requested over HTTP by the separate load process (the case
transition posted through its form), query counts taken in-process.

The server here is a thread of the test process serving banyan.bench.wsgi (the test
database is not one gunicorn could open); the data is committed once for the module
and removed with `reset()`, which keeps the reference data, as the demo's tests do. (A
`live_server` test would flush the database at its end, reference data included.)

Times are never asserted (STYLE.md): only that the results are complete and that query
counts do not grow with the page number.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connections
from django.test.testcases import LiveServerThread
from django.utils import timezone

from banyan.bench import harness, layers, results
from banyan.bench.wsgi import BenchHandler
from banyan.demo.builder import build, reset

TINY = harness.Options(
    server_workers=1, concurrency=2, warmup=1, repeat=2, login_repeat=1, seconds=0.5
)


@pytest.fixture(scope="module")
def district(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        conn = connections["default"]
        # Only ever a test database: reset() empties the one it is given.
        assert (
            conn.is_in_memory_db()
            if conn.vendor == "sqlite"
            else (str(conn.settings_dict["NAME"]).startswith("test_"))
        ), conn.settings_dict["NAME"]
        reset()
        build(seed=2019, communities=1, today=dt.date(2026, 6, 1))
        added = layers.add_missing(
            seed=2019, built=timezone.now(), say=lambda _line: None, volume=layers.SMOKE
        )
        assert set(added) == set(layers.LAYERS)
    yield
    with django_db_blocker.unblock():
        layers.remove()
        reset()


@pytest.fixture
def server(district, django_db_blocker):
    """The site with /bench/ping, in a thread; database access open while it runs."""
    conn = connections["default"]
    # An in-memory SQLite database exists only on this connection: share it, as
    # Django's LiveServerTestCase does.
    shared = {"default": conn} if conn.vendor == "sqlite" and conn.is_in_memory_db() else None
    with django_db_blocker.unblock():
        if shared:
            conn.inc_thread_sharing()
        thread = LiveServerThread(
            "127.0.0.1", lambda _handler: BenchHandler(), connections_override=shared, port=0
        )
        thread.daemon = True
        thread.start()
        thread.is_ready.wait()
        if thread.error:
            raise thread.error
        try:
            yield f"http://127.0.0.1:{thread.port}"
        finally:
            thread.terminate()
            if shared:
                conn.dec_thread_sharing()


@pytest.mark.django_db  # so that the test database is set up for the module's data
def test_a_smoke_run_writes_every_scenario_with_its_query_count(server, tmp_path):
    lines: list[str] = []
    data, path = harness.run(opts=TINY, out_dir=tmp_path, say=lines.append, server_url=server)

    written = json.loads(path.read_text())
    assert written == data
    assert path.name == f"{data['database']}-1.json"
    assert results.check(written) == []
    assert set(written["scenarios"]) == set(results.SCENARIOS)
    assert all(s["queries"] > 0 for s in written["scenarios"].values())
    assert written["rows"]["persons"] > 9000
    assert written["throughput"]["trivial_rps"] > 0
    page1, deep = (written["scenarios"][f"household_list_l2_{p}"] for p in ("page1", "deep"))
    assert page1["queries"] == deep["queries"]
    table = (tmp_path / f"{data['database']}-1.txt").read_text()
    assert "household_list_l2_deep" in table and "query counts flat over pages: True" in table
    assert "plan of the person query behind person_lookup_id_number" in table
    assert any(line.startswith("household_detail") for line in lines)
    # Issues 4 and 5: every casework and party scenario answered with its query count.
    for name in (
        "casework_my_work",
        "casework_case_transition",
        "open311_requests",
        "party_obligations_branch_api",
        "party_compliance_district",
    ):
        assert written["scenarios"][name]["queries"] > 0, name
    assert written["rows"]["cases"] > 0 and written["rows"]["party_contacts"] > 0
    # Each transition posted was recorded, and the steps were taken an even number of
    # times: the case is where it began.
    assert "transitions:" in table


@pytest.mark.django_db
def test_a_layer_already_present_is_not_added_again(district):
    assert layers.missing("casework") == [] and layers.missing("party") == []
    again = layers.add_missing(
        seed=2019, built=timezone.now(), say=lambda _line: None, volume=layers.SMOKE
    )
    assert again == {}
