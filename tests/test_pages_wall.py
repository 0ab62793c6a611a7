"""The desk wall, the desk day timeline, the queue heatmap and the snapshots they serve, as users of each role see
them."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from fakecams import observe
from websupport import web_site  # noqa: F401  (fixture)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
USERS = ("admin", "thanhtra", "lanhdao-tv", "xem-tv", "xem-dc")
TV_USERS, DC_USERS = {"admin", "thanhtra", "lanhdao-tv", "xem-tv"}, {"admin", "thanhtra", "xem-dc"}
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def local(day: date, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=VN)


WED = date(2026, 4, 1)  # the morning after the seeded history (which ends on 31/03/2026)
NOW = local(WED, 9, 0)


def set_clock(site, at: datetime) -> None:
    site.app.config["CLOCK"] = lambda: at


def presence(site, desk_code: str, at: datetime, state: str, previous: str | None = None) -> None:
    from models.enums import PresenceState
    from models.observing import PresenceEvent
    from models.org import Desk

    with site.factory.begin() as session:
        desk = session.scalars(select(Desk).filter_by(code=desk_code)).one()
        session.add(PresenceEvent(desk_id=desk.id, camera_id=desk.cameras[0].id, at=at, state=PresenceState(state),
                                  previous_state=PresenceState(previous) if previous else None, reason="test"))


def add_alert(site, desk_code: str, opened_at: datetime, *, status: str = "open") -> int:
    from models.alerts import Alert
    from models.enums import AlertKind, AlertStatus, Severity
    from models.org import Desk

    with site.factory.begin() as session:
        desk = session.scalars(select(Desk).filter_by(code=desk_code)).one()
        alert = Alert(unit_id=desk.unit_id, desk_id=desk.id, kind=AlertKind.UNATTENDED, severity=Severity.WARNING,
                      status=AlertStatus(status), condition_key=f"desk:{desk.id}:unattended:{opened_at.isoformat()}",
                      opened_at=opened_at, message=f"Quầy {desk.code} không có người")
        session.add(alert)
        session.flush()
        return alert.id


def write_file(site, relative: str, content: bytes = JPEG) -> Path:
    path = Path(site.app.config["DATA_DIR"]) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def evidence_observation(site, camera_code: str, relative: str | None) -> int:
    """The latest seeded observation of ``camera_code``, given a stored evidence snapshot at ``relative``."""
    from models.observing import Observation
    from models.org import Camera

    with site.factory.begin() as session:
        camera = session.scalars(select(Camera).filter_by(code=camera_code)).one()
        observation = session.scalars(select(Observation).where(Observation.camera_id == camera.id)
                                      .order_by(Observation.slot_at.desc()).limit(1)).one()
        observation.snapshot_path = relative
        return observation.id


def live_morning(site) -> None:
    """Wednesday 01/04/2026 up to 09:00: one desk staffed, one unattended, one camera offline, one desk briefly away."""
    observe(site.factory, "TV-HT-CAM", local(WED, 8), local(WED, 8, 59, 30), queue=2)
    presence(site, "TV-HT", local(WED, 8), "present", "absent")
    observe(site.factory, "TV-DD-CAM", local(WED, 8), local(WED, 8, 29, 30))
    observe(site.factory, "TV-DD-CAM", local(WED, 8, 30), local(WED, 8, 59, 30), presence="absent", queue=3)
    presence(site, "TV-DD", local(WED, 8), "present", "absent")
    presence(site, "TV-DD", local(WED, 8, 30), "absent", "present")
    observe(site.factory, "TV-CT-CAM", local(WED, 8), local(WED, 8, 59), health="offline", every_s=60)
    observe(site.factory, "DC-DD-CAM", local(WED, 8), local(WED, 8, 49, 30))
    observe(site.factory, "DC-DD-CAM", local(WED, 8, 50), local(WED, 8, 59, 30), presence="absent", queue=1)
    presence(site, "DC-DD", local(WED, 8, 50), "absent", "present")
    observe(site.factory, "DC-XH-CAM", local(WED, 8), local(WED, 8, 59, 30))
    add_alert(site, "TV-DD", local(WED, 8, 46))
    add_alert(site, "TV-DD", local(WED, 7, 46), status="acknowledged")
    add_alert(site, "TV-HT", local(WED, 7), status="resolved")
    set_clock(site, NOW)


# --- authorisation matrix -------------------------------------------------------------------------

ALL = dict.fromkeys(USERS, 200)
TV_ONLY = {u: (200 if u in TV_USERS else 404) for u in USERS}
DC_ONLY = {u: (200 if u in DC_USERS else 404) for u in USERS}
NOWHERE = dict.fromkeys(USERS, 404)
MATRIX = [
    ("/wall", ALL),
    ("/wall?unit=NA", {**ALL, "lanhdao-tv": 404, "xem-tv": 404, "xem-dc": 404}),
    ("/wall?unit=NA-TRUONGVINH", TV_ONLY),
    ("/wall?unit=NA-DIENCHAU", DC_ONLY),
    ("/wall?unit=NOWHERE", NOWHERE),
    ("/wall/tiles", ALL),
    ("/wall/tiles?unit=NA-DIENCHAU", DC_ONLY),
    ("/wall/snapshot/TV-HT-CAM.jpg", TV_ONLY),
    ("/wall/snapshot/DC-HT-CAM.jpg", DC_ONLY),
    ("/wall/snapshot/TV-DD-CAM.jpg", NOWHERE),  # in scope for some, but no snapshot stored
    ("/wall/snapshot/NO-SUCH-CAM.jpg", NOWHERE),
    ("/wall/desk/TV-HT", TV_ONLY),
    ("/wall/desk/DC-HT", DC_ONLY),
    ("/wall/desk/TV-DD?day=2026-03-31", TV_ONLY),
    ("/wall/desk/TV-DD?day=31-03-2026", {u: (400 if u in TV_USERS else 404) for u in USERS}),
    ("/wall/desk/NO-SUCH-DESK", NOWHERE),
    ("/wall/evidence/{tv}.jpg", TV_ONLY),
    ("/wall/evidence/{dc}.jpg", DC_ONLY),
    ("/wall/evidence/999999999.jpg", NOWHERE),
    ("/wall/heatmap", ALL),
    ("/wall/heatmap?unit=NA-TRUONGVINH&weeks=2", TV_ONLY),
    ("/wall/heatmap?unit=NA-DIENCHAU", DC_ONLY),
    ("/wall/heatmap?weeks=0", dict.fromkeys(USERS, 400)),
    ("/wall/heatmap?weeks=many", dict.fromkeys(USERS, 400)),
]


@pytest.mark.parametrize("user", USERS)
def test_authorisation_matrix(web_site, user):
    write_file(web_site, "snapshots/latest/TV-HT-CAM.jpg")
    write_file(web_site, "snapshots/latest/DC-HT-CAM.jpg")
    ids = {"tv": evidence_observation(web_site, "TV-HT-CAM", "snapshots/evidence/TV-HT-CAM/a.jpg"),
           "dc": evidence_observation(web_site, "DC-HT-CAM", "snapshots/evidence/DC-HT-CAM/b.jpg")}
    write_file(web_site, "snapshots/evidence/TV-HT-CAM/a.jpg")
    write_file(web_site, "snapshots/evidence/DC-HT-CAM/b.jpg")
    client = web_site.client(user)
    for route, expected in MATRIX:
        path = route.format(**ids)
        assert client.get(path).status_code == expected[user], (user, path)


def test_anonymous_is_sent_to_sign_in(web_site):
    client = web_site.client()
    for route in ("/wall", "/wall/tiles", "/wall/snapshot/TV-HT-CAM.jpg", "/wall/desk/TV-HT", "/wall/heatmap",
                  "/wall/evidence/1.jpg"):
        response = client.get(route)
        assert response.status_code == 302 and "/login" in response.headers["Location"], route


# --- the wall -------------------------------------------------------------------------------------


def tile_of(page: str, desk: str) -> str:
    start = page.index(f'data-desk="{desk}"')
    return page[page.rindex("<article", 0, start):page.index("</article>", start)]


@pytest.mark.parametrize("minutes, vi, en", [(0, "0 phút", "0 min"), (119, "119 phút", "119 min"),
                                              (120, "2 giờ", "2 h"), (48 * 60 - 1, "47 giờ", "47 h"),
                                              (48 * 60, "2 ngày", "2 days"), (351_224, "243 ngày", "243 days")])
def test_a_long_silence_reads_in_hours_or_days(web_site, minutes, vi, en):
    from web.pages.wall import span_text

    for query, expected in (("/", vi), ("/?lang=en", en)):
        with web_site.app.test_request_context(query):
            assert span_text(minutes) == expected


def test_tiles_show_staffed_unattended_and_camera_problems(web_site):
    live_morning(web_site)
    page = web_site.client("thanhtra").get("/wall").get_data(as_text=True)
    staffed, unattended = tile_of(page, "TV-HT"), tile_of(page, "TV-DD")
    assert "status-staffed" in staffed and "Có người trực" in staffed
    assert re.search(r'data-field="queue">2<', staffed)
    assert "01/04/2026 08:59" in staffed  # time of the last observation, local
    assert 'href="/wall/desk/TV-HT"' in staffed
    assert "status-unattended" in unattended and "Không có người trực 30 phút" in unattended
    assert re.search(r'data-field="alerts">2<', unattended)  # open and acknowledged; the resolved one is not counted
    assert re.search(r'data-field="queue">3<', unattended)
    offline = tile_of(page, "TV-CT")
    assert "status-camera_problem" in offline and "mất tín hiệu" in offline
    silent = tile_of(page, "DC-HT")  # nothing since 31/03: more than 3 × cadence without a sample in working hours
    assert "status-camera_problem" in silent and "không có dữ liệu mới" in silent
    assert re.search(r"không có dữ liệu mới \d+ giờ<", silent), silent  # last seen 31/03 16:59, hours ago
    away = tile_of(page, "DC-DD")  # absent 10 min, under the 15 min threshold
    assert "status-away" in away and "Vắng 10 phút" in away
    headings = [m.start() for m in re.finditer(r"<h2>", page)]
    assert len(headings) == 2  # one section per commune, by unit code, each with its desks
    assert headings[0] < page.index('data-desk="DC-HT"') < headings[1] < page.index('data-desk="TV-HT"')
    assert "<small>NA-DIENCHAU</small>" in page[headings[0]:headings[1]]


def test_threshold_and_working_hours_change_the_status(web_site):
    from models.alerts import AlertThreshold
    from models.org import Desk

    live_morning(web_site)
    with web_site.factory.begin() as session:
        desk = session.scalars(select(Desk).filter_by(code="TV-DD")).one()
        session.add(AlertThreshold(desk_id=desk.id, unattended_minutes=45))
    tiles = {t["desk_code"]: t for t in web_site.client("admin").get("/wall/tiles").get_json()["tiles"]}
    assert (tiles["TV-DD"]["status"], tiles["TV-DD"]["minutes"]) == ("away", 30)  # 30 min is under its own 45
    set_clock(web_site, local(WED, 12, 15))  # lunch: nobody is expected, a silent camera is no problem
    tiles = {t["desk_code"]: t for t in web_site.client("admin").get("/wall/tiles").get_json()["tiles"]}
    assert tiles["TV-HT"]["status"] == "off_hours" and tiles["DC-HT"]["status"] == "off_hours"
    assert tiles["TV-CT"]["status"] == "camera_problem"  # its last sample said offline
    set_clock(web_site, local(WED, 13, 10))  # absent since 08:30: minutes count scheduled time only
    observe(web_site.factory, "TV-DD-CAM", local(WED, 9), local(WED, 13, 10), presence="absent", every_s=30)
    tiles = {t["desk_code"]: t for t in web_site.client("admin").get("/wall/tiles").get_json()["tiles"]}
    assert (tiles["TV-DD"]["status"], tiles["TV-DD"]["minutes"]) == ("unattended", 3 * 60 + 10)


def test_a_desk_whose_official_is_on_leave_is_excused_not_unattended(web_site):
    from audit.services.rosters import add_excuse
    from schedules.alerting.store import AlertBook

    live_morning(web_site)  # TV-DD: nobody there since 08:30, people waiting
    with web_site.factory.begin() as session:
        add_excuse(session, "CB-TV-02", "nghỉ phép", local(WED, 7, 30), local(WED, 11, 30), note="Phép năm")
    page = web_site.client("lanhdao-tv").get("/wall").get_data(as_text=True)
    excused = tile_of(page, "TV-DD")
    assert "status-excused" in excused and "Vắng có lý do" in excused and "status-unattended" not in excused
    assert "status-staffed" in tile_of(page, "TV-HT")  # the others are judged as before
    english = web_site.client("lanhdao-tv").get("/wall/tiles?lang=en").get_json()
    tile = next(t for t in english["tiles"] if t["desk_code"] == "TV-DD")
    assert (tile["status"], tile["status_text"]) == ("excused", "Excused absence")
    with web_site.factory.begin() as session:
        evaluation = AlertBook().evaluate(session, NOW)
    assert not [c for c in evaluation.conditions if c.desk_id == tile_desk_id(web_site, "TV-DD")]  # no alert either
    assert evaluation.desk_states[("NA-TRUONGVINH", "TV-DD")]["status"] == "excused"


def tile_desk_id(site, code: str) -> int:
    from models.org import Desk

    with site.factory() as session:
        return session.scalars(select(Desk.id).filter_by(code=code)).one()


def test_the_wall_and_the_mqtt_desk_state_say_the_same(web_site):
    from schedules.alerting.store import AlertBook

    live_morning(web_site)
    tiles = {t["desk_code"]: t["status"] for t in web_site.client("admin").get("/wall/tiles").get_json()["tiles"]}
    with web_site.factory.begin() as session:
        states = AlertBook().evaluate(session, NOW).desk_states
    assert {desk: state["status"] for (_, desk), state in states.items()} == tiles
    assert tiles == {"TV-HT": "staffed", "TV-DD": "unattended", "TV-CT": "camera_problem", "DC-HT": "camera_problem",
                     "DC-DD": "away", "DC-XH": "unknown"}  # DC-XH: no change today; the last, on 31/03, to unknown


def test_tiles_json_is_limited_to_the_users_units(web_site):
    live_morning(web_site)
    write_file(web_site, "snapshots/latest/TV-HT-CAM.jpg")
    response = web_site.client("xem-tv").get("/wall/tiles")
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert {t["desk_code"] for t in body["tiles"]} == {"TV-HT", "TV-DD", "TV-CT"}
    assert body["generated"] == "01/04/2026 09:00"
    tile = next(t for t in body["tiles"] if t["desk_code"] == "TV-HT")
    assert tile["status"] == "staffed" and tile["queue"] == 2 and tile["open_alerts"] == 0
    assert tile["snapshot_url"].startswith("/wall/snapshot/TV-HT-CAM.jpg?v=")
    assert tile["timeline_url"] == "/wall/desk/TV-HT" and tile["last_observed"] == "01/04/2026 08:59"
    assert next(t for t in body["tiles"] if t["desk_code"] == "TV-DD")["snapshot_url"] is None
    assert "source_url" not in str(body) and "file:" not in str(body)  # never the camera URL
    everyone = web_site.client("admin").get("/wall/tiles?unit=NA-DIENCHAU").get_json()
    assert {t["unit_code"] for t in everyone["tiles"]} == {"NA-DIENCHAU"}
    english = web_site.client("xem-tv").get("/wall/tiles?lang=en").get_json()
    assert next(t for t in english["tiles"] if t["desk_code"] == "TV-DD")["minutes"] == 30


def test_wall_page_refreshes_through_an_external_script(web_site):
    page = web_site.client("xem-tv").get("/wall").get_data(as_text=True)
    assert 'data-tiles-url="/wall/tiles"' in page and 'data-refresh-seconds="20"' in page
    assert '<script src="/static/wall.js">' in page
    assert not re.search(r"<script>|<script [^>]*>[^<]+</script>|\sstyle=|\son[a-z]+=", page)  # CSP: nothing inline
    script = web_site.client("xem-tv").get("/static/wall.js").get_data(as_text=True)
    assert 'getAttribute("data-tiles-url")' in script and "setInterval" in script  # the page's URL keeps the filter
    filtered = web_site.client("admin").get("/wall?unit=NA-DIENCHAU").get_data(as_text=True)
    assert 'data-tiles-url="/wall/tiles?unit=NA-DIENCHAU"' in filtered and 'data-desk="TV-HT"' not in filtered


# --- snapshots and evidence -----------------------------------------------------------------------


def test_snapshot_is_served_uncached_and_only_in_scope(web_site):
    write_file(web_site, "snapshots/latest/TV-HT-CAM.jpg")
    client = web_site.client("lanhdao-tv")
    response = client.get("/wall/snapshot/TV-HT-CAM.jpg")
    assert response.status_code == 200 and response.data == JPEG
    assert response.mimetype == "image/jpeg" and response.headers["Cache-Control"] == "no-store"
    assert client.get("/wall/snapshot/TV-DD-CAM.jpg").status_code == 404  # not written yet
    write_file(web_site, "snapshots/latest/DC-HT-CAM.jpg")
    assert client.get("/wall/snapshot/DC-HT-CAM.jpg").status_code == 404  # exists, but another commune's
    assert client.get("/wall/snapshot/..%2F..%2Fsecret.jpg").status_code == 404


def test_evidence_views_are_logged(web_site):
    from models.access import AccessLog

    tv = evidence_observation(web_site, "TV-HT-CAM", "snapshots/evidence/TV-HT-CAM/2026-03-31/100000.jpg")
    write_file(web_site, "snapshots/evidence/TV-HT-CAM/2026-03-31/100000.jpg")
    client = web_site.client("xem-tv")
    for _ in range(2):
        response = client.get(f"/wall/evidence/{tv}.jpg")
        assert response.status_code == 200 and response.data == JPEG
        assert response.headers["Cache-Control"] == "no-store"
    assert web_site.client("xem-dc").get(f"/wall/evidence/{tv}.jpg").status_code == 404
    with web_site.factory() as session:
        rows = session.scalars(select(AccessLog).where(AccessLog.action == "evidence.view")).all()
    assert [(r.username, r.object_type, r.object_id) for r in rows] == [("xem-tv", "observation", str(tv))] * 2
    assert rows[0].user_id is not None and rows[0].detail["desk"] == "TV-HT"
    escaping = evidence_observation(web_site, "TV-DD-CAM", "../outside.jpg")
    write_file(web_site, "../outside.jpg")
    assert client.get(f"/wall/evidence/{escaping}.jpg").status_code == 404  # never a file outside the data dir
    missing = evidence_observation(web_site, "TV-CT-CAM", "snapshots/evidence/TV-CT-CAM/gone.jpg")
    assert client.get(f"/wall/evidence/{missing}.jpg").status_code == 404
    with web_site.factory() as session:
        assert len(session.scalars(select(AccessLog)).all()) == 2  # refusals are not views


# --- the desk's day -------------------------------------------------------------------------------

THU = date(2026, 4, 2)


def scripted_day(site) -> None:
    """Thursday 02/04/2026 at TV-HT: present 07:30–08:30, absent –09:00, camera offline –09:30, present –11:00."""
    observe(site.factory, "TV-HT-CAM", local(THU, 7, 30), local(THU, 8, 29, 30), queue=1)
    observe(site.factory, "TV-HT-CAM", local(THU, 8, 30), local(THU, 8, 59, 30), presence="absent", queue=4)
    observe(site.factory, "TV-HT-CAM", local(THU, 9), local(THU, 9, 29, 30), health="offline")
    observe(site.factory, "TV-HT-CAM", local(THU, 9, 30), local(THU, 10, 58), queue=2)  # stands for 2 min: to 11:00


def test_timeline_of_a_scripted_day(web_site):
    scripted_day(web_site)
    set_clock(web_site, local(THU, 18))
    client = web_site.client("xem-tv")
    page = client.get("/wall/desk/TV-HT").get_data(as_text=True)  # default: the latest day with observations
    assert "02/04/2026" in page
    segments = re.findall(r'class="seg seg-(\w+)"', page)
    assert segments == ["unknown", "present", "absent", "unknown", "present", "unknown"]
    assert len(re.findall(r'<rect class="session"', page)) == 2  # 07:30–11:30, 13:00–17:00
    assert len(re.findall(r'<rect class="off"', page)) == 2  # 07:00–07:30, 11:30–13:00
    assert "07:30–08:30" in page and "08:30–09:00" in page and "11:00–17:00" in page
    assert len(re.findall(r'class="queue-area"', page)) == 2  # two unbroken runs of queue counts
    facts = dict(re.findall(r'data-fact="([\w-]+)">([^<]*)<', page))
    assert facts["scheduled"] == "480 phút" and facts["present"] == "150 phút" and facts["absent"] == "30 phút"
    assert facts["unknown"] == "300 phút" and facts["staffed-rate"] == "83,3 %"
    assert (facts["first-seen"], facts["last-seen"], facts["longest-absence"]) == ("07:30", "11:00", "30 phút")
    assert 'rel="prev" href="/wall/desk/TV-HT?day=2026-03-31"' in page and 'rel="next"' not in page
    english = client.get("/wall/desk/TV-HT?day=2026-04-02&lang=en").get_data(as_text=True)
    assert re.search(r'data-fact="staffed-rate">83\.3 %<', english)


def test_day_links_findings_and_evidence(web_site):
    from models.findings import Finding
    from models.org import Desk

    with web_site.factory() as session:
        day = date(2026, 3, 31)
        desk_id = session.scalars(select(Finding.desk_id).where(Finding.desk_id.is_not(None), Finding.day == day)
                                  .order_by(Finding.id)).first()
        code = session.get(Desk, desk_id).code
        ids = session.scalars(select(Finding.id).where(Finding.desk_id == desk_id, Finding.day == day)).all()
        kinds = set(session.scalars(select(Finding.kind).where(Finding.id.in_(ids))))
    camera = f"{code}-CAM"
    observation = evidence_observation(web_site, camera, f"snapshots/evidence/{camera}/x.jpg")
    page = web_site.client("admin").get(f"/wall/desk/{code}?day={day.isoformat()}").get_data(as_text=True)
    assert sorted(int(i) for i in re.findall(r'href="/findings/(\d+)"', page)) == sorted(ids)
    from web.pages.review_data import KIND_LABELS

    for kind in kinds:  # the same names as the findings pages
        assert f'">{KIND_LABELS[kind]}</a>' in page
    assert f'src="/wall/evidence/{observation}.jpg"' in page
    assert 'rel="next"' not in page and 'rel="prev"' in page
    empty = web_site.client("admin").get(f"/wall/desk/{code}?day=2026-03-01").get_data(as_text=True)
    assert "Không có phát hiện nào" in empty and "seg seg-unknown" in empty
    assert 'rel="next" href="/wall/desk/' in empty  # the next day with observations


def test_bad_day_is_a_clear_error(web_site):
    response = web_site.client("admin").get("/wall/desk/TV-HT?day=31/03/2026")
    assert response.status_code == 400 and "31/03/2026" in response.get_data(as_text=True)


# --- heatmap --------------------------------------------------------------------------------------

MON, TUE, THU_AFTER = date(2026, 5, 4), date(2026, 5, 5), date(2026, 5, 7)
WED_BEFORE, SAT_BEFORE = date(2026, 4, 29), date(2026, 5, 2)


def cell(page: str, weekday: int, hour: int) -> str:
    rows = re.findall(r"<tr>\s*<th scope=\"row\">.*?</tr>", page, re.S)
    return re.search(rf'<td class="(\w+)" data-hour="{hour}">([^<]*)</td>', rows[weekday]).group(1, 2)


def test_heatmap_means_for_a_known_week(web_site):
    observe(web_site.factory, "TV-HT-CAM", local(MON, 8), local(MON, 8, 59, 30), queue=2)
    observe(web_site.factory, "TV-DD-CAM", local(MON, 8), local(MON, 8, 59, 30), queue=5)
    observe(web_site.factory, "TV-HT-CAM", local(MON, 10), local(MON, 10, 30), health="offline")
    observe(web_site.factory, "TV-HT-CAM", local(MON, 18), local(MON, 18, 10), queue=7)  # after 17:59: not shown
    observe(web_site.factory, "TV-HT-CAM", local(TUE, 9), local(TUE, 9, 29, 30), queue=1)
    observe(web_site.factory, "TV-HT-CAM", local(TUE, 9, 30), local(TUE, 9, 59, 30), queue=4)
    observe(web_site.factory, "TV-CT-CAM", local(SAT_BEFORE, 10), local(SAT_BEFORE, 10, 59), queue=3, every_s=60)
    observe(web_site.factory, "TV-HT-CAM", local(THU_AFTER, 8), local(THU_AFTER, 8, 30), queue=9)  # after now
    observe(web_site.factory, "DC-HT-CAM", local(MON, 8), local(MON, 8, 59, 30), queue=10)
    # time-weighted: TV-CT samples once a minute, TV-HT twice; each stands for its camera's cadence
    observe(web_site.factory, "TV-CT-CAM", local(WED_BEFORE, 14), local(WED_BEFORE, 14, 59), queue=6, every_s=60)
    observe(web_site.factory, "TV-HT-CAM", local(WED_BEFORE, 14), local(WED_BEFORE, 14, 59, 30), queue=0)
    set_clock(web_site, local(date(2026, 5, 6), 12))
    page = web_site.client("xem-tv").get("/wall/heatmap?weeks=1").get_data(as_text=True)
    assert "29/04/2026" in page and "05/05/2026" in page  # the week up to the latest observation
    assert cell(page, 0, 8) == ("h4", "3,5")  # Monday 08:00: (2 + 5) / 2 desks; Diễn Châu is not in scope
    assert cell(page, 1, 9) == ("h3", "2,5")
    assert cell(page, 5, 10) == ("h4", "3,0")
    assert cell(page, 2, 14) == ("h4", "3,0")  # (6 × 60 s × 60) / (60 × 60 s + 120 × 30 s), not 360 / 180 samples
    assert cell(page, 0, 10) == ("none", "—")  # camera offline: no queue known
    assert cell(page, 3, 8) == ("none", "—")  # Thursday 07/05 lies after now
    assert "18:00" not in page and "Chủ nhật" not in page
    everyone = web_site.client("admin").get("/wall/heatmap?weeks=1").get_data(as_text=True)
    assert cell(everyone, 0, 8)[1] == "5,7"  # (2 + 5 + 10) / 3
    english = web_site.client("admin").get("/wall/heatmap?weeks=1&lang=en").get_data(as_text=True)
    assert cell(english, 0, 8)[1] == "5.7"
    dc = web_site.client("admin").get("/wall/heatmap?weeks=1&unit=NA-DIENCHAU").get_data(as_text=True)
    assert cell(dc, 0, 8)[1] == "10,0" and cell(dc, 1, 9)[1] == "—"
    longer = web_site.client("xem-tv").get("/wall/heatmap?weeks=6").get_data(as_text=True)
    assert "25/03/2026" in longer and cell(longer, 1, 9)[1] != "—"  # six weeks reach the seeded March days


def test_heatmap_without_observations(web_site):
    from sqlalchemy import delete

    from models.observing import Observation

    with web_site.factory.begin() as session:
        session.execute(delete(Observation))
    page = web_site.client("xem-dc").get("/wall/heatmap").get_data(as_text=True)
    assert "Chưa có số liệu hàng chờ" in page
    assert '<td class="h' not in page and page.count('<td class="none"') == 6 * 11
