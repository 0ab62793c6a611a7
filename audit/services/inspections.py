"""Inspections (kiểm tra công vụ): record a visit's checklist results, finalize the record, derive deductions."""

from __future__ import annotations

import json
import shutil
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from audit.rules.checklist import format_points
from audit.rules.scoring import BadMonth, month_window
from audit.services.checklists import active_template, ensure_default_template, item_by_number
from audit.services.daily_facts import unit_and_descendants
from audit.services.record_form import default_basis
from audit.services.staff_voice import VoiceError, open_for_replies
from models.access import User
from models.checklists import ChecklistItem, ChecklistTemplate, Inspection, InspectionResult
from models.enums import InspectionStatus, ItemResult, ItemScope, local_zone
from models.org import Desk, Staff, Unit

LOCAL = local_zone()
PHOTO_KINDS = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png"}
RESULT_WORDS = {
    "pass": ItemResult.PASS, "đạt": ItemResult.PASS,
    "fail": ItemResult.FAIL, "không đạt": ItemResult.FAIL,
    "na": ItemResult.NOT_APPLICABLE, "n/a": ItemResult.NOT_APPLICABLE,
    "not_applicable": ItemResult.NOT_APPLICABLE, "không áp dụng": ItemResult.NOT_APPLICABLE,
}
FILE_KEYS = {"unit", "desk", "staff", "inspector", "started_at", "ended_at", "record_number", "basis", "note", "items"}
BASIS_LIMIT = 1000
ITEM_KEYS = {"number", "result", "occurrences", "note", "photos", "staff"}


class InspectionError(ValueError):
    """An inspection that cannot be recorded or changed as asked; the message names the value and where."""


@dataclass(frozen=True)
class ItemOutcome:
    """What the inspector found for one checklist item (for one official, for personal items)."""

    number: int
    result: ItemResult | str
    occurrences: int = 1
    note: str | None = None
    photos: Sequence[Path | str] = ()
    staff_code: str | None = None


class Deduction(NamedTuple):
    """Points an inspection result takes off: ``staff_id`` None for unit items."""

    result: InspectionResult
    staff_id: int | None
    points: Decimal
    reason: str


@dataclass(frozen=True)
class _Planned:
    item: ChecklistItem
    staff: Staff | None
    result: ItemResult
    occurrences: int
    note: str | None
    photos: tuple[Path | str, ...]  # Path: a file to copy in; str: a photo this inspection already holds


def parse_result(value: ItemResult | str, where: str = "result") -> ItemResult:
    """pass/fail/na, or đạt / không đạt / không áp dụng (any case), as an ``ItemResult``."""
    if isinstance(value, ItemResult):
        return value
    if isinstance(value, str):
        word = " ".join(unicodedata.normalize("NFC", value).strip().lower().split())
        if word in RESULT_WORDS:
            return RESULT_WORDS[word]
    raise InspectionError(f"{where}: {value!r} is not one of pass, fail, na, đạt, không đạt, không áp dụng")


def record_inspection(session: Session, *, unit_code: str, inspector_name: str, started_at: datetime,
                      outcomes: Sequence[ItemOutcome], desk_code: str | None = None, staff_code: str | None = None,
                      ended_at: datetime | None = None, note: str | None = None, record_number: str | None = None,
                      inspector_user_id: int | None = None, template: ChecklistTemplate | None = None,
                      photo_dir: Path | None = None, basis: str | None = None) -> Inspection:
    """Store a DRAFT inspection with one result per given item; items not given are not recorded.

    Photos are copied into ``photo_dir/inspections/<id>/`` and stored relative to ``photo_dir``. ``basis``: the
    inspection's decision or plan (the record's last "Căn cứ" line); none or blank: the site's
    ``[inspection] basis``.

    Raises:
        InspectionError: any invalid value, found before anything is written; a photo that cannot be
            copied leaves no file behind (the caller's transaction rolls the row back).
    """
    _require_aware(started_at, "started_at")
    if ended_at is not None:
        _require_aware(ended_at, "ended_at")
        if ended_at < started_at:
            raise InspectionError(f"ended_at {ended_at.isoformat()} is before started_at {started_at.isoformat()}")
    if not (inspector_name or "").strip():
        raise InspectionError("inspector: the inspector's name is required")
    basis = (basis or "").strip() or default_basis(session)
    if basis is not None and len(basis) > BASIS_LIMIT:
        raise InspectionError(f"basis: {len(basis)} characters, at most {BASIS_LIMIT}")
    unit, scope = _unit_scope(session, unit_code)
    desk = _desk(session, desk_code, unit, scope)
    staff = _staff(session, staff_code, unit, scope, "staff")
    if inspector_user_id is not None and session.get(User, inspector_user_id) is None:
        raise InspectionError(f"inspector_user_id: no user with id {inspector_user_id}")
    if template is None:
        template = active_template(session) or ensure_default_template(session)
    planned = _plan(session, template, outcomes, staff, unit, scope, photo_dir, kept=())
    inspection = Inspection(
        template_id=template.id, unit_id=unit.id, desk_id=desk.id if desk else None,
        staff_id=staff.id if staff else None, inspector_id=inspector_user_id, inspector_name=inspector_name.strip(),
        record_number=record_number, started_at=started_at, ended_at=ended_at, status=InspectionStatus.DRAFT,
        note=note, basis=basis,
    )
    session.add(inspection)
    session.flush()
    _store(session, inspection, planned, photo_dir)
    return inspection


def update_outcomes(session: Session, inspection_id: int, outcomes: Sequence[ItemOutcome], *,
                    photo_dir: Path | None = None) -> Inspection:
    """Replace every result of a DRAFT inspection; a photo may be a new file or a path it already holds.

    Raises:
        InspectionError: the inspection is FINAL (a signed record is never changed), or an outcome is invalid.
    """
    inspection = get_inspection(session, inspection_id)
    if inspection.status == InspectionStatus.FINAL:
        raise InspectionError(f"inspection {inspection.id} ({_label(inspection)}) is final: it cannot be changed")
    template = session.get(ChecklistTemplate, inspection.template_id)
    unit = session.get(Unit, inspection.unit_id)
    staff = session.get(Staff, inspection.staff_id) if inspection.staff_id else None
    kept = tuple(path for result in inspection.results for path in (result.photo_paths or ()))
    planned = _plan(session, template, outcomes, staff, unit, unit_and_descendants(session, unit.code), photo_dir, kept)
    inspection.results.clear()
    session.flush()  # old rows go first: the new ones may reuse the same (item, official)
    _store(session, inspection, planned, photo_dir)
    return inspection


def finalize(session: Session, inspection_id: int, now: datetime) -> Inspection:
    """Mark an inspection FINAL (signed): from then on it is immutable; its results count for scores once each
    inspected official has replied or the reply day (``[scoring] explanation_days`` working days on) has passed.

    Raises:
        InspectionError: no such inspection, already final, no results, or ``now`` before the visit began.
    """
    _require_aware(now, "now")
    inspection = get_inspection(session, inspection_id)
    if inspection.status == InspectionStatus.FINAL:
        raise InspectionError(f"inspection {inspection.id} ({_label(inspection)}) is already final")
    if not inspection.results:
        raise InspectionError(f"inspection {inspection.id} ({_label(inspection)}) has no item results: "
                              "record at least one before finalizing")
    if now < inspection.started_at:
        raise InspectionError(f"inspection {inspection.id} starts at {inspection.started_at.isoformat()}, "
                              f"after {now.isoformat()}: it cannot be finalized before it took place")
    inspection.status = InspectionStatus.FINAL
    inspection.updated_at = now
    try:
        open_for_replies(session, inspection, now)  # the inspected officials' right of reply, and its day
    except VoiceError as error:
        raise InspectionError(f"inspection {inspection.id}: {error}") from None
    session.flush()
    return inspection


def get_inspection(session: Session, inspection_id: int) -> Inspection:
    """The inspection with that id. Raises InspectionError when there is none."""
    inspection = session.get(Inspection, inspection_id)
    if inspection is None:
        raise InspectionError(f"no inspection with id {inspection_id}")
    return inspection


def inspections_in(session: Session, *, unit_code: str | None = None, month: str | None = None) -> list[Inspection]:
    """Inspections of ``unit_code`` (and the units below it) started in local month ``YYYY-MM``, oldest first."""
    query = select(Inspection).order_by(Inspection.started_at, Inspection.id)
    if unit_code is not None:
        query = query.where(Inspection.unit_id.in_(_unit_scope(session, unit_code)[1]))
    if month is not None:
        first, after = _month_bounds(month)
        query = query.where(Inspection.started_at >= first, Inspection.started_at < after)
    return list(session.scalars(query))


def deductions_of(inspection: Inspection) -> list[Deduction]:
    """Deductions of an inspection's FAIL results: item deduction × occurrences, officials for personal items.

    Item 12-style items (no deduction, refer for discipline) give 0 points and say so in the reason.
    Draft or final alike: the caller decides which inspections count.
    """
    session = object_session(inspection)
    if session is None:
        raise InspectionError(f"inspection {inspection.id} is detached from its database session")
    items = {item.id: item for item in session.get(ChecklistTemplate, inspection.template_id).items}
    unit = session.get(Unit, inspection.unit_id)
    day = inspection.started_at.astimezone(local_zone(unit.timezone)).strftime("%d/%m/%Y")
    found = []
    for result in sorted(inspection.results, key=lambda r: (items[r.item_id].number, r.staff_id or 0)):
        if result.result != ItemResult.FAIL:
            continue
        item = items[result.item_id]
        staff_id = None if item.scope == ItemScope.UNIT else (result.staff_id or inspection.staff_id)
        head = f"Biên bản kiểm tra {_label(inspection)} ngày {day}, mục {item.number}: {item.text_vi}"
        if item.deduction is None:
            points = Decimal("0")
            tail = "đề nghị xem xét kỷ luật (refer for discipline)" if item.refer_discipline else "không trừ điểm"
        else:
            times = result.occurrences if item.per_occurrence else 1
            points = item.deduction * times
            tail = f"{result.occurrences} lần × {format_points(item.deduction)} điểm" if item.per_occurrence \
                else f"{format_points(item.deduction)} điểm"
        found.append(Deduction(result, staff_id, points, f"{head} — {tail}"))
    return found


def load_inspection_file(path: Path | str) -> dict[str, Any]:
    """Read an inspection from TOML or JSON into keyword arguments of ``record_inspection``.

    Times are "YYYY-MM-DD HH:MM" in local time (the site's zone) or ISO 8601 with an offset; photo paths are
    relative to the file. Raises InspectionError naming the file and the key.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InspectionError(f"{path}: cannot read: {error}") from None
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            raw = tomllib.loads(text)
        elif suffix == ".json":
            raw = json.loads(text)
        else:
            raise InspectionError(f"{path}: expected a .toml or .json file")
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
        raise InspectionError(f"{path}: not valid {suffix[1:].upper()}: {error}") from None
    if not isinstance(raw, dict):
        raise InspectionError(f"{path}: expected a table of keys at the top")
    _reject_unknown(raw, FILE_KEYS, str(path))
    at = f"{path}: "
    items = raw.get("items", [])
    if not isinstance(items, list):
        raise InspectionError(f"{at}items: expected a list of [[items]] tables")
    return {
        "unit_code": _text(raw, "unit", at, required=True),
        "desk_code": _text(raw, "desk", at),
        "staff_code": _text(raw, "staff", at),
        "inspector_name": _text(raw, "inspector", at, required=True),
        "started_at": _when(raw.get("started_at"), f"{at}started_at", required=True),
        "ended_at": _when(raw.get("ended_at"), f"{at}ended_at"),
        "record_number": _text(raw, "record_number", at),
        "basis": _text(raw, "basis", at),
        "note": _text(raw, "note", at),
        "outcomes": [_outcome(entry, f"{path}: items[{index}]", path.parent) for index, entry in enumerate(items)],
    }


# --- validation ------------------------------------------------------------------------------

def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InspectionError(f"{name}: {value!r} must be a timezone-aware datetime")


def _unit_scope(session: Session, code: str) -> tuple[Unit, list[int]]:
    unit = session.scalars(select(Unit).where(Unit.code == code)).one_or_none()
    if unit is None:
        raise InspectionError(f"unit: no unit with code {code!r}")
    return unit, unit_and_descendants(session, code)


def _desk(session: Session, code: str | None, unit: Unit, scope: list[int]) -> Desk | None:
    if code is None:
        return None
    desk = session.scalars(select(Desk).where(Desk.code == code)).one_or_none()
    if desk is None:
        raise InspectionError(f"desk: no desk with code {code!r}")
    if desk.unit_id not in scope:
        raise InspectionError(f"desk: {code!r} belongs to unit {desk.unit.code!r}, not to {unit.code!r} or below it")
    return desk


def _staff(session: Session, code: str | None, unit: Unit, scope: list[int], where: str) -> Staff | None:
    if code is None:
        return None
    staff = session.scalars(select(Staff).where(Staff.code == code)).one_or_none()
    if staff is None:
        raise InspectionError(f"{where}: no official with code {code!r}")
    if staff.unit_id not in scope:
        raise InspectionError(f"{where}: official {code!r} belongs to unit {staff.unit.code!r}, "
                              f"not to {unit.code!r} or below it")
    return staff


def _plan(session: Session, template: ChecklistTemplate, outcomes: Sequence[ItemOutcome], staff: Staff | None,
          unit: Unit, scope: list[int], photo_dir: Path | None, kept: tuple[str, ...]) -> list[_Planned]:
    """Check every outcome against the template and the unit before anything is written."""
    planned, seen = [], {}
    for index, outcome in enumerate(outcomes):
        number = outcome.number
        if isinstance(number, bool) or not isinstance(number, int):
            raise InspectionError(f"outcomes[{index}]: item number {number!r} is not a whole number")
        item = item_by_number(template, number)
        if item is None:
            numbers = sorted(i.number for i in template.items)
            known = f"items {numbers[0]}–{numbers[-1]}" if numbers else "no items"
            raise InspectionError(f"item {number}: not in checklist {template.code!r} version {template.version} "
                                  f"({known})")
        where = f"item {number}"
        result = parse_result(outcome.result, f"{where}: result")
        occurrences = outcome.occurrences
        if isinstance(occurrences, bool) or not isinstance(occurrences, int) or occurrences < 1:
            raise InspectionError(f"{where}: occurrences {occurrences!r} must be a whole number ≥ 1")
        named = _staff(session, outcome.staff_code, unit, scope, f"{where}: staff")
        if item.scope == ItemScope.UNIT:
            if named is not None:
                raise InspectionError(f"{where} ({item.text_vi}) is a unit item: it must not name an official "
                                      f"(got {outcome.staff_code!r})")
            official = None
        else:
            official = named or staff
            if result == ItemResult.FAIL and official is None:
                raise InspectionError(f"{where} ({item.text_vi}) failed but names no official: give the item's "
                                      "staff or the inspection's staff")
        key = (number, official.id if official else None)
        if key in seen:
            who = f"official {official.code!r}" if official else ("the unit" if item.scope == ItemScope.UNIT
                                                                   else "no official")
            raise InspectionError(f"{where}: given twice for {who} (outcomes[{seen[key]}] and outcomes[{index}])")
        seen[key] = index
        photos = tuple(_photo(photo, kept, photo_dir, where) for photo in outcome.photos)
        planned.append(_Planned(item, official, result, occurrences, outcome.note, photos))
    return planned


def _photo(photo: Path | str, kept: tuple[str, ...], photo_dir: Path | None, where: str) -> Path | str:
    if isinstance(photo, str) and photo in kept:
        return photo
    path = Path(photo)
    if photo_dir is None:
        raise InspectionError(f"{where}: photo {str(path)!r} given but there is no photo directory to keep it in")
    if not path.is_file():
        raise InspectionError(f"{where}: photo {str(path)!r} does not exist")
    with path.open("rb") as handle:
        head = handle.read(8)
    if not any(head.startswith(magic) for magic in PHOTO_KINDS):
        raise InspectionError(f"{where}: photo {str(path)!r} is not a JPEG or PNG image")
    return path


def _store(session: Session, inspection: Inspection, planned: list[_Planned], photo_dir: Path | None) -> None:
    """Add the result rows and copy new photos in; on any failure remove what was copied."""
    folder = Path(photo_dir) / "inspections" / str(inspection.id) if photo_dir is not None else None
    copied: list[Path] = []
    made_folder = folder is not None and not folder.exists()
    try:
        for plan in planned:
            stored = []
            for photo in plan.photos:
                if isinstance(photo, str):
                    stored.append(photo)
                    continue
                target = _free_name(folder, f"{plan.item.number:02d}", _kind(photo))
                folder.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(photo, target)
                copied.append(target)
                stored.append(target.relative_to(photo_dir).as_posix())
            inspection.results.append(InspectionResult(
                item_id=plan.item.id, staff_id=plan.staff.id if plan.staff else None, result=plan.result,
                occurrences=plan.occurrences, note=plan.note, photo_paths=stored or None))
        session.flush()
    except BaseException as error:
        for path in copied:
            path.unlink(missing_ok=True)
        if made_folder and folder.exists() and not any(folder.iterdir()):
            folder.rmdir()
        if isinstance(error, OSError):
            raise InspectionError(f"inspection photos: cannot copy into {folder}: {error}") from None
        raise


def _kind(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(8)
    return next(kind for magic, kind in PHOTO_KINDS.items() if head.startswith(magic))


def _free_name(folder: Path, stem: str, ext: str) -> Path:
    n = 1
    while folder.exists() and any(folder.glob(f"{stem}-{n}.*")):
        n += 1
    return folder / f"{stem}-{n}.{ext}"


def _label(inspection: Inspection) -> str:
    return f"số {inspection.record_number}" if inspection.record_number else f"#{inspection.id}"


def _month_bounds(month: str) -> tuple[datetime, datetime]:
    try:
        return month_window(month, LOCAL)
    except BadMonth:
        raise InspectionError(f"month: {month!r} is not YYYY-MM") from None


# --- input files -----------------------------------------------------------------------------

def _reject_unknown(raw: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise InspectionError(f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")


def _text(raw: dict, key: str, at: str, *, required: bool = False) -> str | None:
    value = raw.get(key)
    if value is None:
        if required:
            raise InspectionError(f"{at}{key}: required")
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise InspectionError(f"{at}{key}: expected text, got {value!r}")
    return value.strip() or None


def _when(value: Any, where: str, *, required: bool = False) -> datetime | None:
    if value is None:
        if required:
            raise InspectionError(f"{where}: required")
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InspectionError(f"{where}: {value!r} is not 'YYYY-MM-DD HH:MM' or ISO 8601 with an offset") from None
    if not isinstance(value, datetime):
        raise InspectionError(f"{where}: {value!r} is not a date and time")
    return value.replace(tzinfo=LOCAL) if value.tzinfo is None else value


def _outcome(entry: Any, where: str, base: Path) -> ItemOutcome:
    if not isinstance(entry, dict):
        raise InspectionError(f"{where}: expected a table with number and result")
    _reject_unknown(entry, ITEM_KEYS, where)
    if "number" not in entry or "result" not in entry:
        raise InspectionError(f"{where}: {'number' if 'number' not in entry else 'result'} is required")
    number = entry["number"]
    if isinstance(number, bool) or not isinstance(number, int):
        raise InspectionError(f"{where}.number: {number!r} is not a whole number")
    at = f"{where}."
    occurrences = entry.get("occurrences", 1)
    if isinstance(occurrences, bool) or not isinstance(occurrences, int) or occurrences < 1:
        raise InspectionError(f"{at}occurrences: {occurrences!r} must be a whole number ≥ 1")
    photos = entry.get("photos", [])
    if not isinstance(photos, list) or not all(isinstance(p, str) and p.strip() for p in photos):
        raise InspectionError(f"{at}photos: expected a list of file paths")
    return ItemOutcome(number=number, result=parse_result(entry["result"], f"{at}result"), occurrences=occurrences,
                       note=_text(entry, "note", at), staff_code=_text(entry, "staff", at),
                       photos=tuple(base / p for p in photos))
