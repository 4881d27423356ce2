"""The load process: requests the scenarios over HTTP and prints what it measured.

It runs apart from the app server and from the harness (`python -m banyan.bench.load`,
the plan as JSON on stdin, the results as JSON on stdout) and uses only the standard
library — `http.client` and threads — so it needs nothing installed and imports no
Django. Keep-alive is used where the server allows it (gunicorn's sync workers close
every connection, so there each request also pays for a TCP connect on loopback).

Latency: each scenario is requested `warmup` times, then `repeat` times one after
another (concurrency 1), and the time from sending the request to reading the last
byte of the body is kept. A scenario with `steps` posts a form as a browser does: the
CSRF token from its page, each step in turn (a move and its inverse), the redirect that
answers it followed untimed; only the POST is timed, and the steps are taken an even
number of times so the data ends as it began. Throughput: `concurrency` threads, each with its own
connection and credentials, request one target for `seconds` after one second of
warm-up; requests/s counts only 2xx answers.
"""

from __future__ import annotations

import http.client
import json
import math
import re
import sys
import threading
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

LOGIN_PATH = "/accounts/login/"
TOKEN_PATH = "/api/v1/auth/token"  # noqa: S105 - a URL path, not a secret
_CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
_VERSION = re.compile(rb'name="version" value="(\d+)"')


class Http:
    """One connection with a cookie jar; reconnects when the server closes."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.base = base
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        self.cookies: dict[str, str] = {}
        self.headers: dict[str, str] = {}
        self.last_location = ""

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, bytes]:
        sent = dict(self.headers)
        sent.update(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=sent)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionError, http.client.BadStatusLine):
                # A kept-alive connection the server had already closed: once more, fresh.
                self.conn.close()
                if attempt == 2:
                    raise
        self.last_location = response.headers.get("Location", "")
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _eq, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.will_close:
            self.conn.close()  # http.client opens a new one on the next request
        return response.status, data

    def close(self) -> None:
        self.conn.close()


def sign_in(http: Http, username: str, password: str) -> int:
    """The login form as a browser submits it (CSRF token from the page); the status."""
    status, page = http.request("GET", LOGIN_PATH)
    found = _CSRF.search(page)
    if status != 200 or found is None:
        raise RuntimeError(f"login page answered {status} without a CSRF token")
    form = urlencode(
        {
            "csrfmiddlewaretoken": found.group(1).decode(),
            "username": username,
            "password": password,
        }
    ).encode()
    status, _body = http.request(
        "POST",
        LOGIN_PATH,
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": http.base + LOGIN_PATH,
        },
    )
    return status


def api_token(http: Http, username: str, password: str) -> str:
    body = json.dumps({"username": username, "password": password}).encode()
    status, data = http.request(
        "POST", TOKEN_PATH, body=body, headers={"Content-Type": "application/json"}
    )
    if status != 200:
        raise RuntimeError(f"token request for {username} answered {status}")
    return json.loads(data)["token"]


_CREDENTIALS: dict[tuple[str, str], tuple[dict[str, str], dict[str, str]]] = {}
_LOCK = threading.Lock()


def client_for(plan: dict, scenario: dict, *, own_session: bool = False) -> Http:
    """A connection holding the scenario's credentials (a session or a bearer token).
    Each user signs in once per run; later clients reuse the cookies or the token. With
    `own_session` the client signs in for itself (a form's messages stay in its session)."""
    http = Http(plan["base"])
    auth, user = scenario["auth"], scenario.get("user")
    if auth not in ("session", "token"):
        return http
    if own_session and auth == "session":
        status = sign_in(http, str(user), plan["password"])
        if status != 302:
            raise RuntimeError(f"{user} could not sign in ({status})")
        return http
    with _LOCK:
        key = (auth, user)
        if key not in _CREDENTIALS:
            if auth == "session":
                status = sign_in(http, user, plan["password"])
                if status != 302:
                    raise RuntimeError(f"{user} could not sign in ({status})")
                _CREDENTIALS[key] = (dict(http.cookies), {})
            else:
                token = api_token(http, user, plan["password"])
                _CREDENTIALS[key] = ({}, {"Authorization": f"Bearer {token}"})
        cookies, headers = _CREDENTIALS[key]
    http.cookies.update(cookies)
    http.headers.update(headers)
    return http


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    pos = (len(ordered) - 1) * q
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


class Steps:
    """A form posted in turn to each of a scenario's steps, as a signed-in browser posts
    it: with the CSRF token and the object's version (the hidden field every edit form
    carries) of the page it was on, then following the redirect."""

    def __init__(self, http: Http, scenario: dict) -> None:
        self.http = http
        self.steps = scenario["steps"]
        self.page = scenario["form_page"]
        self.posted = 0
        self.token, self.version = self._token(self.page)

    def _token(self, path: str) -> tuple[str, str | None]:
        status, page = self.http.request("GET", path)
        found = _CSRF.search(page)
        if status != 200 or found is None:
            raise RuntimeError(f"{path} answered {status} without a CSRF token")
        version = _VERSION.search(page)
        return found.group(1).decode(), version.group(1).decode() if version else None

    def post(self) -> tuple[float, int, int]:
        path, fields = self.steps[self.posted % len(self.steps)]
        sent = [("csrfmiddlewaretoken", self.token), *parse_qsl(fields)]
        if self.version is not None:
            sent.append(("version", self.version))
        form = urlencode(sent).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": self.http.base + self.page,
        }
        start = time.perf_counter()
        status, body = self.http.request("POST", path, body=form, headers=headers)
        elapsed = time.perf_counter() - start
        self.posted += 1
        location = self.http.last_location
        if status == 302 and location:
            # Untimed, as the browser shows the page the move sends it to.
            self.token, self.version = self._token(urlsplit(location).path)
        return elapsed, status, len(body)

    def finish(self) -> None:
        """Back to the state the steps began from."""
        while self.posted % len(self.steps):
            self.post()


def one(
    http: Http, plan: dict, scenario: dict, steps: Steps | None = None
) -> tuple[float, int, int]:
    """Request the scenario once: (seconds, status, body bytes)."""
    if steps is not None:
        return steps.post()
    if scenario["auth"] == "login":
        # A fresh visitor each time: the form is fetched untimed, the sign-in is timed.
        http = Http(plan["base"])
        status, page = http.request("GET", LOGIN_PATH)
        found = _CSRF.search(page)
        assert found is not None, "no CSRF token on the login page"
        form = urlencode(
            {
                "csrfmiddlewaretoken": found.group(1).decode(),
                "username": scenario["user"],
                "password": plan["password"],
            }
        ).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": plan["base"] + LOGIN_PATH,
        }
        start = time.perf_counter()
        status, body = http.request("POST", LOGIN_PATH, body=form, headers=headers)
        elapsed = time.perf_counter() - start
        http.close()
        return elapsed, status, len(body)
    start = time.perf_counter()
    status, body = http.request(scenario.get("method", "GET"), scenario["path"])
    return time.perf_counter() - start, status, len(body)


def latency(plan: dict, scenario: dict) -> dict[str, Any]:
    http = client_for(plan, scenario, own_session=bool(scenario.get("steps")))
    steps = Steps(http, scenario) if scenario.get("steps") else None
    expect = scenario.get("expect", 200)
    repeat = scenario.get("repeat") or plan["repeat"]
    for _ in range(plan["warmup"]):
        _t, status, _n = one(http, plan, scenario, steps)
        if status != expect:
            raise RuntimeError(f"{scenario['name']}: {scenario['path']} answered {status}")
    times, sizes = [], []
    for _ in range(repeat):
        seconds, status, size = one(http, plan, scenario, steps)
        if status != expect:
            raise RuntimeError(f"{scenario['name']}: {scenario['path']} answered {status}")
        times.append(seconds * 1000)
        sizes.append(size)
    out = {
        "p50_ms": round(percentile(times, 0.50), 2),
        "p95_ms": round(percentile(times, 0.95), 2),
        "mean_ms": round(sum(times) / len(times), 2),
        "bytes": max(sizes),
        "samples": len(times),
    }
    if steps is not None:
        steps.finish()
        out["posted"] = steps.posted
    http.close()
    return out


def throughput(plan: dict, target: dict, seconds: float, concurrency: int) -> dict[str, Any]:
    """Requests/s (2xx only) with `concurrency` threads hammering one path."""
    clients = [client_for(plan, target) for _ in range(concurrency)]
    ok = [0] * concurrency
    failed = [0] * concurrency
    barrier = threading.Barrier(concurrency + 1)
    times: dict[str, float] = {}

    def work(i: int) -> None:
        http = clients[i]
        barrier.wait()
        counting = times["start"]
        end = times["end"]
        while True:
            now = time.perf_counter()
            if now >= end:
                break
            status, _body = http.request("GET", target["path"])
            if counting <= time.perf_counter() <= end:
                if 200 <= status < 300:
                    ok[i] += 1
                else:
                    failed[i] += 1
        http.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    now = time.perf_counter()
    times["start"] = now + 1.0  # one second of warm-up, not counted
    times["end"] = times["start"] + seconds
    barrier.wait()
    for t in threads:
        t.join()
    return {
        "rps": round(sum(ok) / seconds, 1),
        "errors": sum(failed),
        "seconds": seconds,
        "concurrency": concurrency,
    }


def run(plan: dict) -> dict[str, Any]:
    out: dict[str, Any] = {"scenarios": {}, "throughput": {}}
    for scenario in plan["scenarios"]:
        out["scenarios"][scenario["name"]] = latency(plan, scenario)
    tp = plan.get("throughput")
    if tp:
        for name, target in tp["targets"].items():
            out["throughput"][name] = throughput(
                plan, target, float(tp["seconds"]), int(tp["concurrency"])
            )
    return out


def main() -> None:
    plan = json.load(sys.stdin)
    json.dump(run(plan), sys.stdout)


if __name__ == "__main__":
    main()
