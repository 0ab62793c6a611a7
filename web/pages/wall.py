"""The live desk wall, a desk's day timeline, the queue heatmap, and the blurred snapshots they show.

Every query is limited to the user's units; a desk, camera or observation of another unit is a 404.
Snapshots are stored already blurred; each view of an evidence snapshot is written to the access log.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from audit.rules import desk_status as live
from models.observing import Observation
from models.org import Camera, Desk
from web.cache import cached
from web.db import get_session
from web.i18n import local_datetime
from web.pages import wall_data as data
from web.pages.review_data import KIND_LABELS, STATUS_LABELS  # the findings pages' names, one wording
from web.read import (
    LATEST_SNAPSHOTS,
    data_dir,
    desk_in_scope,
    latest_snapshot,
    log_access,
    now_utc,
    scoped_or_404,
    stored_file,
    units_under,
    visible_units,
)

bp = Blueprint("wall", __name__, url_prefix="/wall")
REFRESH_SECONDS = 20
MAX_WEEKS = 52
HEALTH_LABELS = {"offline": _l("mất tín hiệu"), "frozen": _l("hình bị đứng"), "dark": _l("quá tối"),
                 "covered": _l("bị che"), "moved": _l("bị xoay lệch"), "error": _l("lỗi xử lý")}
STATE_LABELS = {"present": _l("Có người"), "absent": _l("Vắng"), "unknown": _l("Không xác định")}
WEEKDAY_LABELS = (_l("Thứ Hai"), _l("Thứ Ba"), _l("Thứ Tư"), _l("Thứ Năm"), _l("Thứ Sáu"), _l("Thứ Bảy"))


# --- the wall -------------------------------------------------------------------------------------


@bp.get("")
def index():
    code = request.args.get("unit", "")
    view = wall_view(units_under(code), code)
    return render_template("wall/index.html", grid=view.grid(), units=visible_units(), unit_code=code,
                           now=view.now, refresh_seconds=REFRESH_SECONDS)


@bp.get("/tiles")
def tiles():
    """The wall's tiles as JSON, for wall.js to refresh them in place."""
    view = wall_view(units_under(request.args.get("unit")), request.args.get("unit") or "")
    response = current_app.response_class(view.json(), mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


class WallView:
    """The wall of one set of units at one moment, in one language: its cards, their HTML grid and JSON."""

    def __init__(self, now: datetime, cards: list[dict]):
        self.now, self.cards = now, cards
        self._grid: Markup | None = None
        self._json: bytes | None = None

    def grid(self) -> Markup:
        if self._grid is None:
            groups: dict[tuple[str, str], list[dict]] = {}
            for card in self.cards:
                groups.setdefault((card["unit_code"], card["unit_name"]), []).append(card)
            self._grid = Markup(render_template("wall/_grid.html", groups=groups))
        return self._grid

    def json(self) -> bytes:
        if self._json is None:
            self._json = current_app.json.dumps({"generated_at": self.now.isoformat(),
                                                 "generated": local_datetime(self.now), "tiles": self.cards}).encode()
        return self._json


def wall_view(unit_ids: frozenset[int], code: str) -> WallView:
    """The wall of ``unit_ids`` now, or as computed a few seconds ago (``web.cache``: CACHE_SECONDS)."""
    def build() -> WallView:
        now = now_utc()
        snapshots = latest_snapshots()
        return WallView(now, [tile_view(t, snapshots) for t in data.desk_tiles(get_session(), unit_ids, now)])

    return cached("wall", (unit_ids, code, str(get_locale())), build)


def tile_view(tile: data.Tile, snapshots: dict[str, int]) -> dict:
    """A tile as the page and the JSON show it (labels in the user's language, local time)."""
    code = next((c for c in tile.cameras if c in snapshots), None)
    snapshot = url_for("wall.snapshot", camera_code=code, v=snapshots[code]) if code else None
    return {
        "desk_code": tile.desk_code, "desk_name": tile.desk_name, "field": tile.field,
        "unit_code": tile.unit_code, "unit_name": tile.unit_name,
        "status": tile.status, "status_text": status_text(tile), "minutes": tile.minutes, "problem": tile.problem,
        "queue": tile.queue, "open_alerts": tile.open_alerts, "cameras": list(tile.cameras),
        "last_observed_at": tile.last_observed_at.isoformat() if tile.last_observed_at else None,
        "last_observed": local_datetime(tile.last_observed_at),
        "snapshot_url": snapshot, "timeline_url": url_for("wall.desk_day", desk_code=tile.desk_code),
    }


def span_text(minutes: int | None) -> str:
    """A silence as people say it: minutes under two hours, hours under two days, then days."""
    if minutes is None:
        return "?"
    if minutes < 120:
        return _("%(n)s phút", n=minutes)
    if minutes < 48 * 60:
        return _("%(n)s giờ", n=minutes // 60)
    return _("%(n)s ngày", n=minutes // (24 * 60))


def status_text(tile: data.Tile) -> str:
    """The tile's status as people read it (the status itself is ``audit.rules.desk_status``)."""
    if tile.status == live.STAFFED:
        return _("Có người trực")
    if tile.status == live.UNATTENDED:
        return _("Không có người trực %(minutes)s phút", minutes=tile.minutes)
    if tile.status == live.AWAY:
        return _("Vắng %(minutes)s phút", minutes=tile.minutes) if tile.minutes is not None else _("Vắng quầy")
    if tile.status == live.EXCUSED:
        return _("Vắng có lý do")
    if tile.status == live.CAMERA_PROBLEM:
        if tile.problem == "none":
            return _("Camera có vấn đề: chưa có dữ liệu")
        if tile.problem == "stale":
            return _("Camera có vấn đề: không có dữ liệu mới %(span)s", span=span_text(tile.minutes))
        return _("Camera có vấn đề: %(health)s", health=HEALTH_LABELS.get(tile.problem, tile.problem))
    if tile.status == live.NO_CAMERA:
        return _("Chưa gắn camera")
    if tile.status == live.OFF_HOURS:
        return _("Ngoài giờ làm việc")
    return _("Chưa xác định")


# --- snapshots ------------------------------------------------------------------------------------


def latest_snapshots() -> dict[str, int]:
    """Camera code → modification time (s) of every stored latest snapshot (one directory scan per request)."""
    base = data_dir()
    if base is None:
        return {}
    try:
        with os.scandir(base / LATEST_SNAPSHOTS) as entries:
            return {e.name[:-4]: int(e.stat().st_mtime) for e in entries if e.name.endswith(".jpg") and e.is_file()}
    except (FileNotFoundError, NotADirectoryError):
        return {}


@bp.get("/snapshot/<camera_code>.jpg")
def snapshot(camera_code: str):
    """The camera's latest blurred snapshot; never cached (it changes every sample)."""
    session = get_session()
    camera = session.scalar(select(Camera).where(Camera.code == camera_code))
    scoped_or_404(camera)  # by the camera's unit: a room camera has no desk of its own
    path = latest_snapshot(camera.code)
    if path is None:
        abort(404)
    return _jpeg(path)


@bp.get("/evidence/<int:observation_id>.jpg")
def evidence(observation_id: int):
    """An observation's stored evidence snapshot; every view is written to the access log."""
    session = get_session()
    observation = session.get(Observation, observation_id)
    desk = scoped_or_404(session.get(Desk, observation.desk_id) if observation is not None else None)
    path = stored_file(observation.snapshot_path)
    if path is None:
        abort(404)
    log_access("evidence.view", "observation", observation.id, desk=desk.code, snapshot=observation.snapshot_path)
    session.commit()
    return _jpeg(path)


def _jpeg(path: Path):
    response = send_file(path, mimetype="image/jpeg", conditional=False, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


# --- one desk's day -------------------------------------------------------------------------------


@bp.get("/desk/<desk_code>")
def desk_day(desk_code: str):
    session = get_session()
    desk = desk_in_scope(desk_code)
    text = request.args.get("day")
    if text:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            abort(400, _("Ngày không hợp lệ: %(value)s (cần dạng YYYY-MM-DD).", value=text))
    else:
        day = data.latest_day(session, desk, now_utc())
    found = data.desk_day(session, desk, day)
    return render_template("wall/desk_day.html", desk=desk, d=found, svg=timeline_svg(found),
                           facts=found.facts, state_labels=STATE_LABELS, kind_labels=KIND_LABELS,
                           status_labels=STATUS_LABELS, hm=lambda at: at.astimezone(found.zone).strftime("%H:%M"))


SVG_WIDTH, BAND_TOP, BAND_HEIGHT, QUEUE_TOP, QUEUE_HEIGHT = 1000, 22, 36, 80, 90


def timeline_svg(day: data.DeskDay) -> dict:
    """Coordinates of the day's SVG: presence runs, sessions, unscheduled stretches, hour ticks, the queue area."""
    span = (day.end - day.start).total_seconds() or 1.0

    def x(at: datetime) -> float:
        return round(min(span, max(0.0, (at - day.start).total_seconds())) / span * SVG_WIDTH, 2)

    def box(a: datetime, b: datetime) -> dict:
        return {"x": x(a), "w": round(x(b) - x(a), 2),
                "label": f"{a.astimezone(day.zone):%H:%M}–{b.astimezone(day.zone):%H:%M}"}

    off, cursor = [], day.start
    for a, b in sorted(day.intervals):
        if a > cursor:
            off.append(box(cursor, min(a, day.end)))
        cursor = max(cursor, b)
    if cursor < day.end:
        off.append(box(cursor, day.end))
    peak = max([5] + [q for run in day.queue for _, q in run])
    bottom = QUEUE_TOP + QUEUE_HEIGHT

    def y(q: int) -> float:
        return round(bottom - q / peak * QUEUE_HEIGHT, 2)

    areas, lines = [], []
    for run in day.queue:
        points = " L ".join(f"{x(at)},{y(q)}" for at, q in run)
        lines.append(f"M {points}")
        areas.append(f"M {x(run[0][0])},{bottom} L {points} L {x(run[-1][0])},{bottom} Z")
    ticks, hour = [], day.start
    while hour <= day.end:
        ticks.append({"x": x(hour), "label": f"{hour.astimezone(day.zone):%H:%M}"})
        hour += timedelta(hours=1)
    return {
        "width": SVG_WIDTH, "height": bottom + 22, "band_top": BAND_TOP, "band_height": BAND_HEIGHT,
        "queue_top": QUEUE_TOP, "queue_bottom": bottom, "peak": peak, "peak_y": y(peak), "half_y": y(peak / 2),
        "segments": [{**box(a, b), "state": state} for a, b, state in day.segments],
        "sessions": [box(a, b) for a, b in day.intervals], "off": off, "ticks": ticks,
        "areas": areas, "lines": lines,
    }


# --- queue heatmap --------------------------------------------------------------------------------


@bp.get("/heatmap")
def heatmap():
    session = get_session()
    code = request.args.get("unit", "")
    text = request.args.get("weeks", "4")
    try:
        weeks = int(text)
    except ValueError:
        weeks = 0
    if not 1 <= weeks <= MAX_WEEKS:
        abort(400, _("Số tuần không hợp lệ: %(value)s (từ 1 đến %(max)s).", value=text, max=MAX_WEEKS))
    found = data.queue_heatmap(session, units_under(code), weeks, now_utc())
    peak = found.peak
    steps = [peak * i / 5 for i in range(6)]

    def level(value: float | None) -> str:
        if value is None:
            return "none"
        return f"h{min(4, int(value / peak * 5)) if peak else 0}"

    rows = [(WEEKDAY_LABELS[w], [(h, found.cells[(w, h)], level(found.cells[(w, h)])) for h in data.HEATMAP_HOURS])
            for w in data.HEATMAP_WEEKDAYS]
    legend = [(f"h{i}", steps[i], steps[i + 1]) for i in range(5)]
    return render_template("wall/heatmap.html", heatmap=found, rows=rows, hours=data.HEATMAP_HOURS, legend=legend,
                           units=visible_units(), unit_code=code, weeks=weeks)
