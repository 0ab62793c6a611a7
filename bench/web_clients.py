"""The clients of bench/web_load.py: keep-alive connections as signed-in users, the request mix, the load
loop and its report."""

from __future__ import annotations

import http.client
import re
import threading
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

import numpy as np

from audit.rules.national_days import public_holiday

MIX = (("/wall", 10), ("/wall/tiles", 20), ("/api/v1/desks", 10), ("/api/v1/alerts?status=open", 15),
       ("/api/v1/findings?month=", 15), ("/api/v1/observations", 20), ("/api/v1/scores?month=", 10))


def echo(text: str) -> None:
    print(text, flush=True)


# --- clients ----------------------------------------------------------------------------------------


class Client:
    """One keep-alive connection as one user: a session cookie (signed in through /login) or a bearer token."""

    def __init__(self, base: str, who: str, *, token: str | None = None):
        parts = urlsplit(base)
        self.host, self.port, self.who, self.token = parts.hostname, parts.port, who, token
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def request(self, path: str, *, method: str = "GET", body: str | None = None) -> tuple[int, bytes, dict]:
        headers = {"Accept": "text/html,application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()  # the next request opens a new connection
            raise
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, data, dict(response.headers)

    def sign_in(self, username: str, password: str) -> None:
        status, page, _ = self.request("/login")
        token = re.search(rb'name="csrf_token" value="([^"]+)"', page)
        if status != 200 or token is None:
            raise RuntimeError(f"GET /login answered {status} without a CSRF token")
        form = urlencode({"username": username, "password": password, "csrf_token": token.group(1).decode()})
        status, _, headers = self.request("/login", method="POST", body=form)
        if status != 302 or "/login" in headers.get("Location", "/login"):
            raise RuntimeError(f"signing in as {username} failed: POST /login answered {status}")

    def close(self) -> None:
        self.conn.close()


# --- the request mix --------------------------------------------------------------------------------


class Requests:
    """Paths for each endpoint of the mix, with parameters drawn from what the database holds."""

    def __init__(self, info: dict, viewer_unit: str):
        self.desks = {"admin": [d for d, _ in info["desk_units"]],
                      "viewer": [d for d, u in info["desk_units"] if u == viewer_unit]}
        first, last = info["first"].date(), info["last"].date()
        self.days = [first + timedelta(days=k) for k in range((last - first).days + 1)]
        self.days = [d for d in self.days if d.weekday() < 5 and public_holiday(d) is None]
        self.months = sorted({f"{d:%Y-%m}" for d in self.days})
        self.score_month = info["score_month"] or self.months[-1]

    def path(self, endpoint: str, who: str, rng: np.random.Generator) -> str:
        if endpoint == "/api/v1/findings?month=":
            return endpoint + self.months[int(rng.integers(len(self.months)))]
        if endpoint == "/api/v1/scores?month=":
            return endpoint + self.score_month
        if endpoint == "/api/v1/observations":
            desks = self.desks[who]
            day: date = self.days[int(rng.integers(len(self.days)))]
            return (f"{endpoint}?desk={desks[int(rng.integers(len(desks)))]}&from={day.isoformat()}T00:00:00"
                    f"&to={(day + timedelta(days=1)).isoformat()}T00:00:00")
        return endpoint


def probe(admin: Client, requests: Requests, rng) -> tuple[list[str], list[str]]:
    """The endpoints that exist (anything but a 404 for the admin) and those that do not."""
    present, missing = [], []
    for endpoint, _ in MIX:
        status, _, _ = admin.request(requests.path(endpoint, "admin", rng))
        (missing if status == 404 else present).append(endpoint)
    return present, missing


def alone(clients: dict[str, Client], endpoints: list[str], requests: Requests, rng, rounds: int) -> dict:
    """Each endpoint on its own, one request at a time, for both users: the latency without queueing (ms)."""
    found = defaultdict(list)
    for _ in range(rounds):
        for endpoint in endpoints:
            for who, client in clients.items():
                started = time.perf_counter()
                client.request(requests.path(endpoint, who, rng))
                found[endpoint].append((time.perf_counter() - started) * 1000)
    return {endpoint: float(np.median(values)) for endpoint, values in found.items()}


def load(clients: list[Client], endpoints: list[str], requests: Requests, seconds: float, think_ms: float,
         seed: int) -> tuple[list, float]:
    """Every client in its own thread, requests back to back (or ``think_ms`` apart on average) until time is up."""
    weights = np.array([w for e, w in MIX if e in endpoints], dtype=float)
    weights /= weights.sum()
    records: list[tuple[str, str, float, int | None, str | None]] = []
    lock, start_gate = threading.Lock(), threading.Barrier(len(clients) + 1)
    deadline = [0.0]

    def work(index: int, client: Client) -> None:
        rng = np.random.default_rng([seed, index])
        mine = []
        start_gate.wait()
        while time.perf_counter() < deadline[0]:
            endpoint = endpoints[int(rng.choice(len(endpoints), p=weights))]
            path = requests.path(endpoint, client.who, rng)
            started = time.perf_counter()
            status, problem = None, None
            try:
                status, _, _ = client.request(path)
            except Exception as error:  # noqa: BLE001  (every failure is a recorded error, never a crash)
                problem = f"{type(error).__name__}: {error}"
            mine.append((endpoint, client.who, (time.perf_counter() - started) * 1000, status, problem))
            if think_ms:
                time.sleep(rng.exponential(think_ms / 1000))
        with lock:
            records.extend(mine)

    threads = [threading.Thread(target=work, args=(i, c), daemon=True) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + seconds
    began = time.perf_counter()
    start_gate.wait()
    for thread in threads:
        thread.join()
    return records, time.perf_counter() - began


# --- the report -------------------------------------------------------------------------------------


def summarise(records: list, elapsed: float, endpoints: list[str], alone_ms: dict) -> dict:
    def stats(rows) -> dict:
        ms = np.array([r[2] for r in rows]) if rows else np.array([np.nan])
        bad = [r for r in rows if r[4] is not None or not 200 <= r[3] < 300]
        return {"count": len(rows), "p50": float(np.percentile(ms, 50)), "p95": float(np.percentile(ms, 95)),
                "max": float(np.max(ms)), "errors": len(bad)}

    table = {e: {**stats([r for r in records if r[0] == e]), "alone_p50": alone_ms.get(e),
                 **{f"{who}_p95": stats([r for r in records if r[0] == e and r[1] == who])["p95"]
                    for who in ("admin", "viewer")}}
             for e in endpoints}
    problems = Counter(r[4] or f"HTTP {r[3]} {r[0]}" for r in records if r[4] is not None or not 200 <= r[3] < 300)
    return {"endpoints": table, "all": stats(records), "requests_per_s": len(records) / elapsed,
            "elapsed_s": elapsed, "problems": dict(problems.most_common(10))}


def print_table(summary: dict) -> None:
    echo(f"\n{'endpoint':32} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'errors':>7} "
         f"{'alone p50':>10} {'p95 admin':>10} {'p95 viewer':>11}")
    for endpoint, row in summary["endpoints"].items():
        alone_p50 = f"{row['alone_p50']:.1f}" if row["alone_p50"] is not None else "–"
        echo(f"{endpoint:32} {row['count']:7d} {row['p50']:8.1f} {row['p95']:8.1f} {row['max']:8.1f} "
             f"{row['errors']:7d} {alone_p50:>10} {row['admin_p95']:10.1f} {row['viewer_p95']:11.1f}")
    overall = summary["all"]
    echo(f"{'all':32} {overall['count']:7d} {overall['p50']:8.1f} {overall['p95']:8.1f} {overall['max']:8.1f} "
         f"{overall['errors']:7d}")
    echo(f"\n{summary['requests_per_s']:.1f} requests/s over {summary['elapsed_s']:.1f} s; "
         f"errors: {overall['errors']}")
    for problem, count in summary["problems"].items():
        echo(f"  {count} × {problem}")


