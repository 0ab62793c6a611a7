"""Who is expected at which desk (entries > rotations > usual desk) and excused absence, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from audit.services.rosters import (
    InvalidExcuse,
    InvalidPattern,
    UnknownDesk,
    UnknownStaff,
    absence_kind,
    add_excuse,
    add_pattern,
    excuses,
    expected_staff,
    pattern_desk,
)
from fakecams import example_site_loader
from models.enums import AbsenceKind
from models.enums import Session as DaySession
from models.hours import ExcusedAbsence, RosterEntry
from models.org import Desk, Staff

HN = ZoneInfo("Asia/Ho_Chi_Minh")
MON = date(2026, 3, 2)  # a Monday


def hn(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=HN).astimezone(timezone.utc)


@pytest.mark.parametrize("day, desk", [
    (MON - timedelta(days=1), None),  # before the rotation starts
    (MON, "A"), (MON + timedelta(days=6), "A"),
    (MON + timedelta(days=7), "B"), (MON + timedelta(days=13), "B"),
    (MON + timedelta(days=14), "C"),
    (MON + timedelta(days=21), "A"),  # back to the first desk
    (date(2026, 4, 30), None),  # after it ends
])
def test_weekly_rotation_across_three_desks(day, desk):
    assert pattern_desk(MON, 7, ["A", "B", "C"], day, ends_on=date(2026, 4, 29)) == desk


def test_rotation_needs_a_period():
    with pytest.raises(ValueError, match="0 days"):
        pattern_desk(MON, 0, ["A"], MON)


@pytest.fixture
def site(example_raw, write_config, session_for):
    return example_site_loader(example_raw, write_config, session_for, hn(MON, 0) - timedelta(days=30))()


def ids(session, model, *codes):
    found = dict(session.execute(select(model.code, model.id).where(model.code.in_(codes))).all())
    return [found[c] for c in codes]


def expected_codes(session, first, last=None, desks=("TV-HT", "TV-DD", "TV-CT")):
    """{(desk code, day, half): sorted staff codes} for the desks of Trường Vinh."""
    desk_ids = dict(session.execute(select(Desk.id, Desk.code).where(Desk.code.in_(desks))).all())
    staff = dict(session.execute(select(Staff.id, Staff.code)).all())
    found = expected_staff(session, desk_ids, first, last or first)
    return {(desk_ids[d], day, half): sorted(staff[s] for s in who) for (d, day, half), who in found.items()}


def test_usual_desks_when_nothing_is_rostered(site):
    with site() as session:
        found = expected_codes(session, MON)
    assert found == {
        ("TV-HT", MON, "morning"): ["CB-TV-01"], ("TV-HT", MON, "afternoon"): ["CB-TV-01"],
        ("TV-DD", MON, "morning"): ["CB-TV-02"], ("TV-DD", MON, "afternoon"): ["CB-TV-02"],
        ("TV-CT", MON, "morning"): ["CB-TV-03"], ("TV-CT", MON, "afternoon"): ["CB-TV-03"],
    }


def test_entry_beats_rotation_beats_usual_desk(site):
    tue, wed, thu = MON + timedelta(days=1), MON + timedelta(days=2), MON + timedelta(days=3)
    with site.begin() as session:
        add_pattern(session, "CB-TV-04", ["TV-HT", "TV-DD", "TV-CT"], 7, MON)  # the deputy rotates weekly
        bao, _hoa, minh, hang = ids(session, Staff, "CB-TV-04", "CB-TV-01", "CB-TV-02", "CB-TV-03")
        ht, dd, ct = ids(session, Desk, "TV-HT", "TV-DD", "TV-CT")
        session.add_all([
            RosterEntry(staff_id=hang, desk_id=ht, day=tue, session=DaySession.MORNING),  # Hằng covers TV-HT
            RosterEntry(staff_id=minh, desk_id=ct, day=wed, session=DaySession.ALL_DAY),  # Minh at TV-CT all day
            RosterEntry(staff_id=bao, desk_id=dd, day=thu, session=DaySession.MORNING),  # Bảo's own entry wins
        ])
    with site() as session:
        found = expected_codes(session, MON, MON + timedelta(days=14))

    # The rotation puts Bảo at TV-HT the first week: Hoa, its usual holder, is not expected there.
    assert found[("TV-HT", MON, "morning")] == found[("TV-HT", MON, "afternoon")] == ["CB-TV-04"]
    assert found[("TV-DD", MON, "morning")] == ["CB-TV-02"]
    # Tuesday morning the entry beats the rotation; Hằng, rostered away, is not expected at her own desk.
    assert found[("TV-HT", tue, "morning")] == ["CB-TV-03"]
    assert found[("TV-HT", tue, "afternoon")] == ["CB-TV-04"]
    assert found[("TV-CT", tue, "morning")] == []
    assert found[("TV-CT", tue, "afternoon")] == ["CB-TV-03"]
    # all_day covers both halves, at the desk and away from Minh's usual desk.
    assert found[("TV-CT", wed, "morning")] == found[("TV-CT", wed, "afternoon")] == ["CB-TV-02"]
    assert found[("TV-DD", wed, "morning")] == found[("TV-DD", wed, "afternoon")] == []
    # Bảo's own entry at TV-DD outranks his rotation: TV-HT falls back to Hoa that morning only.
    assert found[("TV-DD", thu, "morning")] == ["CB-TV-04"]
    assert found[("TV-HT", thu, "morning")] == ["CB-TV-01"]
    assert found[("TV-HT", thu, "afternoon")] == ["CB-TV-04"]
    # Week two: TV-DD; week three: TV-CT.
    assert found[("TV-DD", MON + timedelta(days=7), "morning")] == ["CB-TV-04"]
    assert found[("TV-HT", MON + timedelta(days=7), "morning")] == ["CB-TV-01"]
    assert found[("TV-CT", MON + timedelta(days=14), "afternoon")] == ["CB-TV-04"]
    assert len(found) == 3 * 15 * 2  # every desk, day and half is a key


def test_entry_on_a_desk_outside_the_question_still_takes_the_usual_holder_away(site):
    with site.begin() as session:
        [hoa] = ids(session, Staff, "CB-TV-01")
        [dc] = ids(session, Desk, "DC-HT")
        session.add(RosterEntry(staff_id=hoa, desk_id=dc, day=MON, session=DaySession.AFTERNOON))
    with site() as session:
        found = expected_codes(session, MON, desks=("TV-HT",))
    assert found == {("TV-HT", MON, "morning"): ["CB-TV-01"], ("TV-HT", MON, "afternoon"): []}


def test_only_active_officials_are_expected(site):
    with site.begin() as session:
        minh = session.scalars(select(Staff).filter_by(code="CB-TV-02")).one()
        [ht] = ids(session, Desk, "TV-HT")
        session.add(RosterEntry(staff_id=minh.id, desk_id=ht, day=MON, session=DaySession.MORNING))
        minh.active = False
    with site() as session:
        found = expected_codes(session, MON)
    assert found[("TV-DD", MON, "morning")] == []
    assert found[("TV-HT", MON, "morning")] == ["CB-TV-01"]  # the inactive official's entry counts for nothing


def test_a_bounded_number_of_queries_whatever_the_desks_and_days(site):
    with site.begin() as session:
        add_pattern(session, "CB-TV-04", ["TV-HT", "DC-DD"], 7, MON)
    statements = []
    with site() as session:
        every_desk = list(session.scalars(select(Desk.id)))
        engine = session.get_bind()
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            expected_staff(session, every_desk[:1], MON, MON)
            one = len(statements)
            statements.clear()
            found = expected_staff(session, every_desk, MON, MON + timedelta(days=21))
            many = len(statements)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
    assert one == many <= 4
    assert len(found) == 6 * 22 * 2


def test_adding_a_rotation_checks_its_desks(site):
    with site.begin() as session:
        with pytest.raises(UnknownDesk, match="'TV-XX'"):
            add_pattern(session, "CB-TV-04", ["TV-HT", "TV-XX"], 7, MON)
        with pytest.raises(UnknownStaff, match="'CB-NOPE'"):
            add_pattern(session, "CB-NOPE", ["TV-HT"], 7, MON)
        with pytest.raises(InvalidPattern, match="0 days"):
            add_pattern(session, "CB-TV-04", ["TV-HT"], 0, MON)
        with pytest.raises(InvalidPattern, match="before it starts"):
            add_pattern(session, "CB-TV-04", ["TV-HT"], 7, MON, MON - timedelta(days=1))
        made = add_pattern(session, "CB-TV-04", ["TV-HT", " TV-DD "], 14, MON)
        assert (made.desk_sequence, made.period_days, made.ends_on) == (["TV-HT", "TV-DD"], 14, None)


def test_excuses_overlapping_a_window_sorted_and_in_utc(site):
    with site.begin() as session:
        add_excuse(session, "CB-TV-01", "nghỉ phép", hn(MON, 13), hn(MON, 17), None, "việc gia đình", "test")
        add_excuse(session, "CB-TV-01", AbsenceKind.OFFICIAL_TRIP, hn(MON, 7, 30), hn(MON, 9, 30),
                   "GĐ 12/GĐ-TTPVHCC", None, "test")
        add_excuse(session, "CB-TV-02", "ốm", hn(MON, 7, 30), hn(MON, 11, 30), None, None, "test")
        hoa, minh, hang = ids(session, Staff, "CB-TV-01", "CB-TV-02", "CB-TV-03")
    with site() as session:
        morning = excuses(session, [hoa, minh, hang], hn(MON, 9), hn(MON, 12))
        day = excuses(session, [hoa], hn(MON, 0), hn(MON + timedelta(days=1), 0))
        edge = excuses(session, [hoa], hn(MON, 9, 30), hn(MON, 13))  # touches both ends: no overlap
    assert sorted(morning) == [hoa, minh]
    [trip] = morning[hoa]
    assert (trip.kind, trip.starts_at, trip.ends_at, trip.document_ref) == (
        AbsenceKind.OFFICIAL_TRIP, hn(MON, 7, 30), hn(MON, 9, 30), "GĐ 12/GĐ-TTPVHCC")
    assert trip.starts_at.tzinfo is not None and trip.starts_at.utcoffset() == timedelta(0)
    assert [e.kind for e in day[hoa]] == [AbsenceKind.OFFICIAL_TRIP, AbsenceKind.LEAVE]
    assert edge == {}


def test_an_excuse_is_checked_before_it_is_stored(site):
    with site.begin() as session:
        with pytest.raises(UnknownStaff, match="'CB-NOPE'"):
            add_excuse(session, "CB-NOPE", "leave", hn(MON, 8), hn(MON, 9))
        with pytest.raises(InvalidExcuse, match="before or when it starts"):
            add_excuse(session, "CB-TV-01", "leave", hn(MON, 9), hn(MON, 9))
        with pytest.raises(InvalidExcuse, match="'holiday' is not an absence kind"):
            add_excuse(session, "CB-TV-01", "holiday", hn(MON, 8), hn(MON, 9))
        with pytest.raises(InvalidExcuse, match="written assignment"):  # công tác needs a document
            add_excuse(session, "CB-TV-01", "công tác", hn(MON, 8), hn(MON, 9), "  ")
        with pytest.raises(InvalidExcuse, match="written assignment"):
            add_excuse(session, "CB-TV-01", "dao tao", hn(MON, 8), hn(MON, 9))
        with pytest.raises(InvalidExcuse, match="time zone"):
            add_excuse(session, "CB-TV-01", "leave", datetime(2026, 3, 2, 8), datetime(2026, 3, 2, 9))
        session.scalars(select(Staff).filter_by(code="CB-TV-03")).one().active = False
        with pytest.raises(UnknownStaff, match="inactive"):
            add_excuse(session, "CB-TV-03", "leave", hn(MON, 8), hn(MON, 9))
    with site() as session:
        assert session.scalars(select(ExcusedAbsence)).all() == []


@pytest.mark.parametrize("text, kind", [
    ("leave", AbsenceKind.LEAVE), ("Nghỉ phép", AbsenceKind.LEAVE), ("nghi phep", AbsenceKind.LEAVE),
    ("official_trip", AbsenceKind.OFFICIAL_TRIP), ("Công tác", AbsenceKind.OFFICIAL_TRIP),
    ("đào tạo", AbsenceKind.TRAINING), ("ốm", AbsenceKind.SICK), ("khác", AbsenceKind.OTHER),
])
def test_absence_kinds_in_both_languages(text, kind):
    assert absence_kind(text) == kind
