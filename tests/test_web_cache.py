"""The short-lived wall cache: shared by requests with the same units, language and filter, never across scopes."""

from __future__ import annotations

import threading
import time

import pytest

import web.cache
from test_pages_wall import WED, live_morning, local, presence, tile_of
from web.cache import TTLCache
from websupport import web_site  # noqa: F401  (fixture)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(web.cache.time, "monotonic", fake)
    return fake


def test_a_value_lives_for_its_seconds(clock):
    cache, built = TTLCache(5), []
    build = lambda: built.append(1) or len(built)  # noqa: E731
    assert cache.get("k", build) == 1 and cache.get("k", build) == 1
    assert cache.get("other", build) == 2
    clock.now += 4.9
    assert cache.get("k", build) == 1
    clock.now += 0.2
    assert cache.get("k", build) == 3  # expired: built again
    assert len(built) == 3


def test_at_most_max_entries_expired_ones_first(clock):
    cache = TTLCache(5, max_entries=3)
    cache.get("old", lambda: "old")
    clock.now += 10
    for key in ("a", "b", "c"):
        cache.get(key, lambda key=key: key)
    assert set(cache._values) == {"a", "b", "c"}  # the expired one made room first
    clock.now += 1
    cache.get("d", lambda: "d")
    assert set(cache._values) == {"b", "c", "d"}  # then the one expiring soonest


def test_concurrent_requests_build_once():
    cache, calls, started = TTLCache(60), [], threading.Event()

    def slow():
        calls.append(1)
        started.set()
        time.sleep(0.2)
        return "wall"

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get("k", slow))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["wall"] * 8 and len(calls) == 1


def test_a_failed_build_is_not_cached():
    cache = TTLCache(60)
    with pytest.raises(RuntimeError):
        cache.get("k", lambda: (_ for _ in ()).throw(RuntimeError("database down")))
    assert cache.get("k", lambda: "recovered") == "recovered"


def test_the_wall_is_shared_for_its_seconds_and_never_across_scopes(web_site, clock):
    live_morning(web_site)
    web_site.app.config["CACHE_SECONDS"] = 5

    def tiles(user, query=""):
        body = web_site.client(user).get("/wall/tiles" + query).get_json()
        return {t["desk_code"]: t["status"] for t in body["tiles"]}

    viewer, other, admin = tiles("xem-tv"), tiles("xem-dc"), tiles("admin")
    assert set(viewer) == {"TV-HT", "TV-DD", "TV-CT"} and set(other) == {"DC-HT", "DC-DD", "DC-XH"}
    assert set(admin) == set(viewer) | set(other)
    assert set(tiles("admin", "?unit=NA-TRUONGVINH")) == set(viewer)
    assert viewer["TV-HT"] == "staffed"
    english = web_site.client("xem-tv").get("/wall/tiles?lang=en").get_json()
    assert next(t for t in english["tiles"] if t["desk_code"] == "TV-DD")["status_text"].startswith("Unattended")

    presence(web_site, "TV-HT", local(WED, 8, 30), "absent", "present")  # the desk was left at 08:30
    assert tiles("xem-tv")["TV-HT"] == "staffed"  # within 5 s the shared result stands
    assert tiles("lanhdao-tv")["TV-HT"] == "staffed"  # another user with the same units shares it
    page = web_site.client("xem-tv").get("/wall").get_data(as_text=True)
    assert "status-staffed" in tile_of(page, "TV-HT")
    clock.now += 5.1
    assert tiles("xem-tv")["TV-HT"] == "unattended"
    assert "status-unattended" in tile_of(web_site.client("xem-tv").get("/wall").get_data(as_text=True), "TV-HT")
    assert tiles("admin")["TV-HT"] == "unattended"


def test_without_the_setting_every_request_is_fresh(web_site):
    live_morning(web_site)
    assert not web_site.app.config.get("CACHE_SECONDS")
    client = web_site.client("xem-tv")
    assert "status-staffed" in tile_of(client.get("/wall").get_data(as_text=True), "TV-HT")
    presence(web_site, "TV-HT", local(WED, 8, 30), "absent", "present")
    assert "status-unattended" in tile_of(client.get("/wall").get_data(as_text=True), "TV-HT")


def test_month_scores_are_shared_per_unit_and_month(web_site, clock):
    from sqlalchemy import update

    from models.scoring import Score

    web_site.app.config["CACHE_SECONDS"] = 5

    def totals(user):
        body = web_site.client(user).get("/api/v1/scores?month=2026-03&per_page=100").get_json()
        return {o["staff_code"]: o["total"] for o in body["items"]}, {u["unit_code"] for u in body["units"]}

    admin, (viewer, viewer_units), (other, other_units) = totals("admin")[0], totals("xem-tv"), totals("xem-dc")
    assert admin and viewer and other and set(admin) == set(viewer) | set(other)
    assert not set(viewer) & set(other) and viewer_units == {"NA-TRUONGVINH"} and other_units == {"NA-DIENCHAU"}
    with web_site.factory.begin() as session:
        session.execute(update(Score).where(Score.month == "2026-03").values(total=12))
    assert totals("xem-tv")[0] == viewer  # within 5 s the shared result stands
    clock.now += 5.1
    assert set(totals("xem-tv")[0].values()) == {12.0} and set(totals("admin")[0].values()) == {12.0}
