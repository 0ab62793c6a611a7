"""Settings (admins only): working hours as decided, alert thresholds per unit and desk, dated overrides.

Every change is written with the decision reference (số quyết định) into the change log, with the same
entity names the config import uses, because a changed rule changes people's scores.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from audit.rules.thresholds import FIELDS
from audit.services.thresholds import desk_thresholds, unit_thresholds
from models.access import ChangeLog
from models.alerts import AlertThreshold
from models.enums import ChangeAction, OverrideKind
from models.hours import HoursOverride, HoursProfile
from models.org import Desk, Unit
from web.db import get_session
from web.read import now_utc
from web.scope import ADMIN_ROLES, can, visible_unit_ids

bp = Blueprint("settings_page", __name__, url_prefix="/settings")
LIMITS = {"unattended_minutes": (1, 480), "unattended_queue_min": (1, 500), "camera_fault_minutes": (1, 1440),
          "long_queue_length": (1, 500), "long_queue_minutes": (1, 480), "escalate_after_minutes": (1, 1440)}
FIELD_LABELS = {
    "unattended_minutes": _l("Quầy vắng người quá (phút)"),
    "unattended_queue_min": _l("Số người chờ tối thiểu khi quầy vắng"),
    "camera_fault_minutes": _l("Camera gặp sự cố quá (phút)"),
    "long_queue_length": _l("Hàng chờ dài từ (người)"),
    "long_queue_minutes": _l("Hàng chờ dài kéo dài (phút)"),
    "escalate_after_minutes": _l("Nâng mức cảnh báo nếu chưa tiếp nhận sau (phút)"),
}
OVERRIDE_KINDS = {"holiday": _l("Ngày nghỉ"), "makeup_workday": _l("Ngày làm bù"),
                  "custom_hours": _l("Giờ làm việc đặc biệt")}
WEEKDAYS = (_l("Thứ Hai"), _l("Thứ Ba"), _l("Thứ Tư"), _l("Thứ Năm"), _l("Thứ Sáu"), _l("Thứ Bảy"), _l("Chủ nhật"))
ACTIONS = {"create": _l("Tạo mới"), "update": _l("Sửa"), "delete": _l("Xoá"), "deactivate": _l("Ngừng dùng"),
           "reactivate": _l("Dùng lại")}
HHMM = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")


class FormError(ValueError):
    """A submitted value is not acceptable; the message names the field for the user."""


@bp.before_request
def admins_only():
    if not can(*ADMIN_ROLES):
        abort(403)


@bp.context_processor
def labels():
    return {"FIELDS": FIELDS, "FIELD_LABELS": FIELD_LABELS, "OVERRIDE_KINDS": OVERRIDE_KINDS, "ACTIONS": ACTIONS,
            "LIMITS": LIMITS}


def _log(entity: str, key: str, action: ChangeAction, changes: dict, decision: str, note: str | None) -> None:
    get_session().add(ChangeLog(at=now_utc(), actor=current_user.username, source="web",
                                entity_type=entity, entity_key=key, action=action, decision_ref=decision, note=note,
                                changes={k: [b, a] for k, (b, a) in changes.items()}))


# -- pages --------------------------------------------------------------------------------------------
@bp.get("")
def index():
    return _render_index()


def _render_index(override_form: dict | None = None, override_error: str | None = None, status: int = 200):
    db = get_session()
    visible = sorted(visible_unit_ids())
    units = db.scalars(select(Unit).where(Unit.id.in_(visible)).order_by(Unit.code)).all()
    desks = db.scalars(select(Desk).where(Desk.unit_id.in_(visible), Desk.active.is_(True))
                       .options(joinedload(Desk.unit)).order_by(Desk.code)).all()
    profiles = db.scalars(select(HoursProfile).options(selectinload(HoursProfile.sessions))
                          .order_by(HoursProfile.code)).all()
    rows = {(r.unit_id, r.desk_id): r for r in db.scalars(select(AlertThreshold))}
    overrides = db.execute(
        select(HoursOverride, Unit.code).outerjoin(Unit, HoursOverride.unit_id == Unit.id)
        .where(or_(HoursOverride.unit_id.in_(visible), HoursOverride.unit_id.is_(None)))
        .order_by(HoursOverride.day.desc(), Unit.code).limit(300)).all()
    changes = db.scalars(select(ChangeLog).where(ChangeLog.entity_type.in_(
        ("alert_thresholds", "hours_override", "hours_profile"))).order_by(ChangeLog.at.desc(), ChangeLog.id.desc())
        .limit(20)).all()
    site = _values(rows.get((None, None)))
    by_desk = desk_thresholds(db, desks)
    threshold_rows = [{"scope": "site", "code": None, "name": _("Toàn hệ thống (mặc định)"), "own": site,
                       "effective": site}]
    threshold_rows += [{"scope": "unit", "code": u.code, "name": u.name, "own": _values(rows.get((u.id, None))),
                        "effective": effective.as_dict()} for u, effective in zip(units, unit_thresholds(db, units))]
    threshold_rows += [{"scope": "desk", "code": d.code, "name": f"{d.name} · {d.unit.code}",
                        "own": _values(rows.get((None, d.id))), "effective": by_desk[d.id].as_dict()}
                       for d in desks]
    return render_template(
        "settings/index.html", profiles=[_profile_view(p, units, desks) for p in profiles],
        threshold_rows=threshold_rows, overrides=overrides, changes=changes, units=units,
        override_form=override_form or {}, override_error=override_error), status


@bp.route("/thresholds/<scope>/<code>", methods=["GET", "POST"])
def thresholds(scope: str, code: str):
    db = get_session()
    target = _threshold_target(scope, code)
    lookup = {"unit_id": target.id, "desk_id": None} if scope == "unit" else {"unit_id": None, "desk_id": target.id}
    row = db.scalars(select(AlertThreshold).filter_by(**lookup)).one_or_none()
    [inherited] = unit_thresholds(db, [target.parent if scope == "unit" else target.unit])
    inherited = inherited.as_dict()
    form = {name: "" if getattr(row, name, None) is None else str(getattr(row, name)) for name in FIELDS}
    form.update(decision_ref="", note="")
    error = None
    if request.method == "POST":
        form = {name: (request.form.get(name) or "").strip() for name in (*FIELDS, "decision_ref", "note")}
        try:
            wanted = _threshold_values(form)
            if _write_thresholds(row, lookup, wanted, key=f"{scope} {target.code}", decision=form["decision_ref"],
                                 note=form["note"] or None):
                db.commit()
                flash(_("Đã lưu ngưỡng cảnh báo của %(name)s.", name=target.code))
            else:
                flash(_("Không có thay đổi nào."))
            return redirect(url_for(".index", _anchor="nguong-canh-bao"))
        except FormError as problem:
            error = str(problem)
    return render_template("settings/thresholds.html", scope=scope, target=target, form=form, error=error,
                           inherited=inherited), (422 if error else 200)


@bp.post("/overrides")
def add_override():
    db = get_session()
    form = {k: (request.form.get(k) or "").strip() for k in ("unit", "kind", "day", "sessions", "decision_ref", "note")}
    try:
        every_unit = form["unit"] == EVERY_UNIT
        unit = None if every_unit else db.scalars(select(Unit).where(
            Unit.code == form["unit"], Unit.id.in_(sorted(visible_unit_ids())))).first()
        if unit is None and not every_unit:
            raise FormError(_("Chọn một đơn vị."))
        try:
            kind = OverrideKind(form["kind"])
        except ValueError:
            raise FormError(_("Loại ngoại lệ không hợp lệ.")) from None
        day = _parse_day(form["day"])
        sessions = parse_sessions(form["sessions"])
        if kind is OverrideKind.CUSTOM_HOURS and not sessions:
            raise FormError(_("Giờ làm việc đặc biệt cần ít nhất một khung giờ, ví dụ 07:30-11:30."))
        if kind is not OverrideKind.CUSTOM_HOURS and sessions:
            raise FormError(_("Chỉ nhập khung giờ cho loại \"Giờ làm việc đặc biệt\"."))
        decision = _decision(form["decision_ref"])
        unit_id = unit.id if unit is not None else None
        taken = db.scalars(select(HoursOverride).where(
            HoursOverride.unit_id.is_(None) if unit_id is None else HoursOverride.unit_id == unit_id,
            HoursOverride.day == day)).first()
        if taken is not None:
            raise FormError(_("Đơn vị %(unit)s đã có ngoại lệ ngày %(day)s.", unit=_unit_label(unit),
                              day=day.strftime("%d/%m/%Y")))
    except FormError as problem:
        return _render_index(override_form=form, override_error=str(problem), status=422)
    note = form["note"][:2000] or None
    db.add(HoursOverride(unit_id=unit_id, day=day, kind=kind, sessions=sessions or None, decision_ref=decision,
                         note=note))
    changes = {"sessions": (None, sessions or None), "decision_ref": (None, decision), "note": (None, note)}
    _log("hours_override", f"{unit.code if unit else EVERY_UNIT} {day.isoformat()} {kind.value}", ChangeAction.CREATE,
         {k: v for k, v in changes.items() if v[1] is not None}, decision, note)
    db.commit()
    flash(_("Đã thêm ngoại lệ ngày %(day)s cho %(unit)s.", day=day.strftime("%d/%m/%Y"), unit=_unit_label(unit)))
    return redirect(url_for(".index", _anchor="ngay-ngoai-le"))


# -- helpers ------------------------------------------------------------------------------------------
EVERY_UNIT = "*"  # the form's value for a day of every unit (a national day announced after the shipped table)


def _unit_label(unit: Unit | None) -> str:
    return unit.code if unit is not None else _("tất cả đơn vị")


def _values(row: AlertThreshold | None) -> dict:
    return {name: getattr(row, name) if row is not None else None for name in FIELDS}


def _threshold_target(scope: str, code: str):
    model = {"unit": Unit, "desk": Desk}.get(scope)
    if model is None:
        abort(404)
    unit_column = Unit.id if model is Unit else Desk.unit_id
    target = get_session().scalars(select(model).where(model.code == code,
                                                       unit_column.in_(sorted(visible_unit_ids())))).first()
    if target is None:
        abort(404)
    return target


def _threshold_values(form: dict) -> dict:
    """The six values (None = inherit); a bad one raises FormError naming the field."""
    values = {}
    for name in FIELDS:
        raw, (low, high) = form[name], LIMITS[name]
        if raw == "":
            values[name] = None
            continue
        if not re.fullmatch(r"\d{1,5}", raw) or not low <= int(raw) <= high:
            raise FormError(_("%(field)s: nhập số nguyên từ %(low)d đến %(high)d, hoặc để trống để kế thừa.",
                              field=FIELD_LABELS[name], low=low, high=high))
        values[name] = int(raw)
    _decision(form["decision_ref"])
    return values


def _write_thresholds(row, lookup: dict, wanted: dict, *, key: str, decision: str, note: str | None) -> bool:
    """Create, update or (all inherited) delete the scope's row; one change-log entry; False if nothing changed."""
    db = get_session()
    before = _values(row)
    changes = {name: (before[name], wanted[name]) for name in FIELDS if before[name] != wanted[name]}
    if not changes:
        return False
    if all(value is None for value in wanted.values()):
        db.delete(row)
        action = ChangeAction.DELETE
    elif row is None:
        db.add(AlertThreshold(**lookup, **wanted))
        action = ChangeAction.CREATE
    else:
        for name, (_before, after) in changes.items():
            setattr(row, name, after)
        action = ChangeAction.UPDATE
    _log("alert_thresholds", key, action, changes, decision, note)
    return True


def _decision(raw: str) -> str:
    if not raw:
        raise FormError(_("Nhập số quyết định (căn cứ của thay đổi)."))
    if len(raw) > 255:
        raise FormError(_("Số quyết định dài quá 255 ký tự."))
    return raw


def _parse_day(raw: str) -> date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    raise FormError(_("Ngày \"%(value)s\" không hợp lệ: nhập theo dạng dd/mm/yyyy.", value=raw[:20]))


def parse_sessions(raw: str) -> list[list[str]]:
    """'07:30-11:30, 13:00-17:00' → [['07:30', '11:30'], ['13:00', '17:00']]: in time order, no overlap."""
    sessions: list[list[str]] = []
    for part in (p.strip() for p in re.split(r"[,;\n]+", raw) if p.strip()):
        bounds = [b.strip() for b in re.split(r"\s*[-–]\s*", part)]
        if len(bounds) != 2 or not all(HHMM.fullmatch(b) for b in bounds):
            raise FormError(_("Khung giờ \"%(value)s\" không hợp lệ: nhập theo dạng HH:MM-HH:MM.", value=part[:40]))
        start, end = bounds
        if start >= end:
            raise FormError(_("Khung giờ %(value)s kết thúc trước khi bắt đầu.", value=part))
        if sessions and start < sessions[-1][1]:
            raise FormError(_("Khung giờ %(value)s trùng hoặc đứng trước khung giờ liền trước.", value=part))
        sessions.append([start, end])
    return sessions


def _profile_view(profile: HoursProfile, units: list[Unit], desks: list[Desk]) -> dict:
    """A profile as the page shows it: the latest decision's seasons, weekdays grouped by identical sessions,
    the earlier decisions (each still applies to its own days), who uses it."""
    seasons: dict[tuple, dict[int, list[str]]] = {}
    saturday: dict[tuple, list[str]] = {}
    decisions = sorted({(s.effective_from, s.decision_ref) for s in profile.sessions},
                       key=lambda d: d[0] or date.min)
    latest = decisions[-1][0] if decisions else None
    for s in profile.sessions:
        if s.effective_from != latest:
            continue
        key = (s.season, s.season_from, s.season_to)
        span = f"{s.start_time:%H:%M}–{s.end_time:%H:%M}"
        seasons.setdefault(key, {})
        if s.flagged_desks_only:
            saturday.setdefault(key, []).append(span)
        else:
            seasons[key].setdefault(s.weekday, []).append(span)
    views = []
    for (name, start, end), days in seasons.items():
        groups: dict[tuple, list[int]] = {}
        for weekday in sorted(days):
            groups.setdefault(tuple(days[weekday]), []).append(weekday)
        views.append({"name": name, "from": _month_day(start), "to": _month_day(end),
                      "rows": [(_weekdays(wd), ", ".join(spans)) for spans, wd in groups.items()],
                      "saturday": ", ".join(saturday.get((name, start, end), []))})
    return {"profile": profile, "seasons": views, "earlier": [d for d in decisions if d[0] != latest],
            "units": [u.code for u in units if u.hours_profile_id == profile.id],
            "desks": [d.code for d in desks if d.hours_profile_id == profile.id]}


def _weekdays(days: list[int]) -> str:
    """[0, 1, 2, 3, 4] → 'Thứ Hai – Thứ Sáu'; runs shorter than three days are listed."""
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = [f"{WEEKDAYS[r[0]]} – {WEEKDAYS[r[-1]]}" if len(r) >= 3 else ", ".join(str(WEEKDAYS[d]) for d in r)
             for r in runs]
    return ", ".join(parts)


def _month_day(value: str) -> str:
    month, day = value.split("-")
    return f"{day}/{month}"
