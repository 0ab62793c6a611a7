"""The annual classification from stored months, and the month lock with its amendments (database and CLI)."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal as D

import pandas as pd
import pytest
from sqlalchemy import func, select

from audit.files.annual_report import year_json
from audit.rules.annual import ELIGIBLE_VI, NO_PERIOD_VI
from audit.rules.scoring import BadMonth
from audit.services.annual import load_year
from audit.services.score_locks import LockRefused, lock_month
from audit.services.scores import add_sanction, compute_month, load_month
from fakecams import example_site_loader
from models.access import ChangeLog
from models.enums import FindingKind, SanctionLevel, StaffCategory
from models.org import Unit
from models.scoring import DossierStat, Score, ScoreAmendment, ScoreLock
from test_scores_db import add_finding, staff

MONTHS = ("2026-01", "2026-02", "2026-03")
APRIL = datetime(2026, 4, 2, 3, 0, tzinfo=timezone.utc)
DC = ("CB-DC-01", "CB-DC-02", "CB-DC-03")
GROUP = {"id": "tu-phap", "name": "Tư pháp – Hộ tịch", "staff": ["CB-TV-01", "CB-DC-01"]}


def make_site(example_raw, write_config, session_for, **scoring):
    # Stored months are seeded without observations: the coverage check is off unless a test turns it on.
    example_raw["scoring"] = {"min_observed_share": 0, "min_worked_share": 0, **scoring}
    return example_site_loader(example_raw, write_config, session_for,
                               datetime(2026, 1, 1, tzinfo=timezone.utc))()


@pytest.fixture
def site(example_raw, write_config, session_for):
    return make_site(example_raw, write_config, session_for, groups=[GROUP])


def a_year(session, *, late: dict[str, int] | None = None, overdue: dict[str, int] | None = None):
    """Three computed months: every official but CB-TV-03 and CB-TV-04 has 10 dossiers due, all on time but for
    ``late`` (resolved late) and ``overdue`` (unresolved past the limit)."""
    late, overdue = late or {}, overdue or {}
    for month in MONTHS:
        for code in ("CB-TV-01", "CB-TV-02", *DC):
            official = staff(session, code)
            session.add(DossierStat(month=month, unit_id=official.unit_id, staff_id=official.id, received=10,
                                    on_time=10 - late.get(code, 0) - overdue.get(code, 0), late=late.get(code, 0),
                                    pending_overdue=overdue.get(code, 0), not_yet_due=0, imported_at=APRIL))
        compute_month(session, month, now=APRIL)


def test_each_official_once_with_a_class_or_a_reason(site):
    with site.begin() as session:
        staff(session, "CB-DC-03").category = StaffCategory.VIEN_CHUC
        add_sanction(session, "CB-DC-02", SanctionLevel.REPRIMAND, date(2026, 2, 10), "5/QĐ-UBND", now=APRIL)
        add_sanction(session, "CB-TV-01", SanctionLevel.WARNING, date(2026, 2, 10), "6/QĐ-UBND", duty_related=False,
                     now=APRIL)
        add_sanction(session, "CB-TV-02", SanctionLevel.REPRIMAND, date(2025, 12, 20), "9/QĐ-UBND", now=APRIL)
        a_year(session, late={"CB-TV-01": 4})
        # CB-TV-02 moves to Diễn Châu after the year's months were computed: one official, one line, new unit
        staff(session, "CB-TV-02").unit_id = session.scalars(select(Unit.id).where(Unit.code == "NA-DIENCHAU")).one()
        result = year_json(load_year(session, 2026))
    codes = [o["staff_code"] for o in result["officials"]]
    assert sorted(codes) == ["CB-DC-01", "CB-DC-02", "CB-DC-03", "CB-TV-01", "CB-TV-02", "CB-TV-03", "CB-TV-04"]
    assert len(set(codes)) == len(codes) and result["year"] == 2026
    by = {o["staff_code"]: o for o in result["officials"]}
    assert by["CB-TV-02"]["unit_code"] == "NA-DIENCHAU" and by["CB-TV-02"]["months_evaluated"] == 3
    assert by["CB-TV-02"]["class"] == "Hoàn thành xuất sắc nhiệm vụ"  # a 2025 sanction is another year's
    # 6 on time, 4 late: 30 + 20 + 20 × (10 − 1) / 10 = 68, + 30; a sanction not related to public duty forces nothing
    assert (by["CB-TV-01"]["score"], by["CB-TV-01"]["class"], by["CB-TV-01"]["reason"]) == (
        98.0, "Hoàn thành xuất sắc nhiệm vụ", None)
    assert by["CB-DC-02"]["class"] == "Không hoàn thành nhiệm vụ" and "5/QĐ-UBND" in by["CB-DC-02"]["reason"]
    assert by["CB-DC-03"]["class"] is None and "Viên chức" in by["CB-DC-03"]["reason"]
    assert (by["CB-TV-03"]["class"], by["CB-TV-03"]["reason"], by["CB-TV-03"]["months_evaluated"],
            by["CB-TV-03"]["months_recorded"]) == (None, NO_PERIOD_VI, 0, 3)
    assert by["CB-DC-01"]["emulation"] == ELIGIBLE_VI
    assert set(by["CB-DC-01"]["coverage"]) == {"scheduled_hours", "worked_hours", "observed_hours", "worked_share",
                                               "observed_share"}
    assert all(set(u) == {"unit_code", "officials", "desk_discipline_index"} for u in result["units"])


def test_over_the_cap_is_a_list_for_a_person_by_agency_and_group(site):
    with site.begin() as session:
        a_year(session)
        result = load_year(session, 2026)
    over = {r.official.code: r.over_cap for r in result.officials if r.over_cap}
    # Each commune employs its own: no one rated "tốt" in either, so no "xuất sắc" fits in the unit's pool;
    # the Tư pháp group spans both communes.
    assert set(over) == {"CB-TV-01", "CB-TV-02", "CB-DC-01", "CB-DC-02", "CB-DC-03"}
    assert any("(nhóm Tư pháp – Hộ tịch)" in line for line in over["CB-DC-01"])
    assert not any("nhóm" in line for line in over["CB-DC-02"])
    assert all(r.label == "Hoàn thành xuất sắc nhiệm vụ" for r in result.officials if r.over_cap)  # no demotion
    assert any("cap_pool = \"good\"" in line and "Tư pháp – Hộ tịch (2 người)" in line for line in result.choices.words)


def test_the_cap_pool_setting_has_its_effect(example_raw, write_config, session_for):
    site = make_site(example_raw, write_config, session_for, cap_pool="good_or_better")
    with site.begin() as session:
        # Diễn Châu: 5 rated good or better would allow 1; it has 3 officials, so still 0 (good) or 0 (good + exc.)
        # 2 of 10 unresolved past the limit: 24 + 16 + 16 + 30 = 86, "tốt"
        a_year(session, overdue={"CB-DC-02": 2, "CB-DC-03": 2})
        result = load_year(session, 2026, "NA-DIENCHAU")
    [line] = result.over_cap
    assert "từ Hoàn thành tốt nhiệm vụ trở lên" in line and "tối đa 0 (cơ sở tính: 3 người)" in line
    assert any("cap_pool = \"good_or_better\"" in w for w in result.choices.words)


def test_a_year_without_data_is_an_empty_list_and_exit_0(site, migrated_url, cli_runner, monkeypatch, tmp_path):
    from deskaudit.cli.scores import scores

    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    done = cli_runner.invoke(scores, ["year", "2025", "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["officials"] == [] and json.loads(done.stdout)["year"] == 2025
    assert "Chưa có kết quả theo dõi, đánh giá nào của năm 2025" in done.stderr
    done = cli_runner.invoke(scores, ["year", "2025"])
    assert done.exit_code == 0 and "Chưa có kết quả" in done.output
    for args, says in [(["year", "26x"], "expected YYYY"), (["year", "2026", "--unit", "NOPE"], "NOPE")]:
        done = cli_runner.invoke(scores, args)
        assert done.exit_code == 2 and says in done.output, (args, done.output)


def test_cli_year_text_json_and_xlsx_write_no_score(site, migrated_url, cli_runner, monkeypatch, tmp_path):
    from deskaudit.cli.scores import scores

    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    with site.begin() as session:
        a_year(session)
    with site() as session:
        stored = session.execute(select(Score.id, Score.computed_at).order_by(Score.id)).all()
    book = tmp_path / "nam-2026.xlsx"
    done = cli_runner.invoke(scores, ["year", "2026", "--unit", "NA-TRUONGVINH", "--xlsx", str(book)])
    assert done.exit_code == 0, done.output
    assert "Xếp loại chất lượng năm 2026 — NA-TRUONGVINH" in done.output
    assert "Chỉ số chấp hành kỷ luật, kỷ cương tại quầy (không phải xếp loại đơn vị)" in done.output
    assert "Cần người có thẩm quyền quyết định:" in done.output
    sheets = pd.read_excel(book, sheet_name=None)
    assert list(sheets) == ["summary", "officials", "units"]
    assert sorted(sheets["officials"]["staff_code"]) == ["CB-TV-01", "CB-TV-02", "CB-TV-03", "CB-TV-04"]
    assert "class" not in sheets["units"].columns and "desk_discipline_index" in sheets["units"].columns
    done = cli_runner.invoke(scores, ["year", "2026", "--json"])
    assert done.exit_code == 0 and len(json.loads(done.stdout)["officials"]) == 7
    with site() as session:
        assert session.execute(select(Score.id, Score.computed_at).order_by(Score.id)).all() == stored


def test_a_locked_month_keeps_who_and_when_and_later_changes_are_amendments(site):
    with site.begin() as session:
        a_year(session)
        [tv] = lock_month(session, "2026-03", unit_code="NA-TRUONGVINH", by="gd-trungtam", now=APRIL,
                          note="họp 01/04")
        assert (tv.unit_code, tv.locked_by, tv.locked_at) == ("NA-TRUONGVINH", "gd-trungtam", APRIL)
        assert lock_month(session, "2026-03", unit_code="NA-TRUONGVINH", by="x", now=APRIL) == []  # already
        log = session.scalars(select(ChangeLog).where(ChangeLog.entity_type == "score_lock")).one()
        assert (log.actor, log.entity_key, log.note) == ("gd-trungtam", "2026-03", "họp 01/04")
    with site.begin() as session:
        late = add_finding(session, "CB-TV-01", date(2026, 3, 12), deduction="4", kind=FindingKind.ABSENT_SESSION,
                           summary="Vắng cả buổi chiều 12/03/2026")  # confirmed after the lock
        add_finding(session, "CB-DC-01", date(2026, 3, 12), deduction="4")  # Diễn Châu is not locked
        later = datetime(2026, 4, 20, 2, 0, tzinfo=timezone.utc)
        result = compute_month(session, "2026-03", now=later, by="ttr-so")
        again = compute_month(session, "2026-03", now=later, by="ttr-so")
    [amendment] = result.official("CB-TV-01").amendments
    assert amendment == again.official("CB-TV-01").amendments[0] and len(again.official("CB-TV-01").amendments) == 1
    assert amendment.startswith("Điều chỉnh sau khi chốt, 09:00 20/04/2026, người tính lại ttr-so: ")
    assert "điểm kỷ luật 100,00 → 96,00" in amendment and "tổng điểm 100,00 → 98,80" in amendment
    assert f"thêm khoản trừ −4,00: Vắng cả buổi chiều 12/03/2026 (phát hiện #{late.id})" in amendment
    assert result.official("CB-DC-01").amendments == () and result.official("CB-TV-02").amendments == ()
    with site() as session:
        shown = load_month(session, "2026-03", "NA-TRUONGVINH")
        assert shown.official("CB-TV-01").amendments == (amendment,)
        assert [lock.unit_code for lock in shown.locks] == ["NA-TRUONGVINH"]
        stored = session.scalars(select(ScoreAmendment)).one()
        assert stored.changes["total"] == ["100.00", "98.80"] and stored.by == "ttr-so"


def test_a_month_is_locked_only_when_over_and_scored(site):
    with site.begin() as session:
        with pytest.raises(LockRefused, match="not over yet"):
            lock_month(session, "2026-04", by="x", now=APRIL)
        with pytest.raises(LockRefused, match="no scores stored for 2026-03 in NA-DIENCHAU, NA-TRUONGVINH"):
            lock_month(session, "2026-03", by="x", now=APRIL)
        assert session.scalar(select(func.count()).select_from(ScoreLock)) == 0


def test_cli_lock_and_show(site, migrated_url, cli_runner, monkeypatch):
    from deskaudit.cli.scores import scores

    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    with site.begin() as session:
        a_year(session)
    done = cli_runner.invoke(scores, ["lock", "2026-03", "--by", "gd-trungtam"])
    assert done.exit_code == 0, done.output
    assert "Đã chốt kết quả tháng 03/2026 cho 3 đơn vị: NA, NA-DIENCHAU, NA-TRUONGVINH" in done.output
    done = cli_runner.invoke(scores, ["show", "2026-03", "--unit", "NA-DIENCHAU"])
    assert "NA-DIENCHAU: đã chốt kết quả lúc" in done.output and "người chốt gd-trungtam" in done.output
    with site.begin() as session:
        add_finding(session, "CB-DC-02", date(2026, 3, 5))
    done = cli_runner.invoke(scores, ["compute", "2026-03", "--by", "ttr-so"])
    assert done.exit_code == 0 and "1 cán bộ có điều chỉnh sau khi chốt" in done.output
    done = cli_runner.invoke(scores, ["show", "2026-03", "--official", "CB-DC-02"])
    assert "Điều chỉnh sau khi chốt" in done.output and "người tính lại ttr-so" in done.output
    done = cli_runner.invoke(scores, ["lock", "2026-13", "--by", "x"])
    assert done.exit_code == 2 and "expected YYYY-MM" in done.output


def test_a_quarterly_site_monitors_by_quarter(example_raw, write_config, session_for, migrated_url, cli_runner,
                                              monkeypatch):
    from deskaudit.cli.scores import scores
    from test_scores_db import add_stat

    quarterly = make_site(example_raw, write_config, session_for, period="quarter")
    with quarterly.begin() as session:
        for month, late in (("2026-01", 0), ("2026-02", 2), ("2026-03", 2)):
            add_stat(session, unit="NA-DIENCHAU", official="CB-DC-01", on_time=10 - late, late=late, month=month)
        add_finding(session, "CB-DC-01", date(2026, 1, 12), deduction="2")
        add_finding(session, "CB-DC-01", date(2026, 3, 30), deduction="3")
        add_finding(session, "CB-DC-01", date(2026, 4, 1), deduction="9")  # the next quarter
        with pytest.raises(BadMonth, match=r"this site monitors by quarter .* use e\.g\. 2026-Q1"):
            compute_month(session, "2026-03", now=APRIL)
        result = compute_month(session, "2026-Q1", unit_code="NA-DIENCHAU", now=APRIL)
    one = result.official("CB-DC-01")
    # 30 products, 4 late: 30 + 20 + 20 × (30 − 1) / 30 = 69.33; discipline 100 − 5 → 28.50
    assert (one.raw, one.task, one.total) == (D("95.00"), D("69.33"), D("97.83"))
    assert any("(30/30 sản phẩm hoàn thành)" in n for n in one.notes)
    with quarterly() as session:
        assert set(session.scalars(select(Score.month))) == {"2026-Q1"}
        year = load_year(session, 2026, "NA-DIENCHAU")
    assert {r.official.code: r.periods_evaluated for r in year.officials}["CB-DC-01"] == 1
    assert any("theo quý ([scoring] period = \"quarter\")" in w for w in year.choices.words)
    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    done = cli_runner.invoke(scores, ["lock", "2026-Q1", "--by", "gd", "--unit", "NA-DIENCHAU"])
    assert done.exit_code == 0 and "quý I/2026" in done.output, done.output
    done = cli_runner.invoke(scores, ["compute", "2026-02"])
    assert done.exit_code == 2 and "monitors by quarter" in done.output


def test_a_monthly_site_refuses_a_quarter(site):
    with site.begin() as session, pytest.raises(BadMonth, match=r"this site monitors by month .* use e\.g\. 2026-01"):
        compute_month(session, "2026-Q1", now=APRIL)


def test_the_report_of_a_quarter(example_raw, write_config, session_for):
    from audit.files.month_report import build_month_report

    quarterly = make_site(example_raw, write_config, session_for, period="quarter")
    with quarterly.begin() as session:
        report = build_month_report(session, "2026-Q1", now=APRIL, unit_code="NA-DIENCHAU", compute=True)
    assert report.month == "2026-Q1" and len(report.officials) == 3
    assert any("theo quý" in part for part in report.choices.split("; "))


def test_cli_flags_have_their_effect(site, migrated_url, cli_runner, monkeypatch):
    """--not-duty-related, lock --note and assess --note are kept and change what they say they change."""
    from deskaudit.cli.scores import scores
    from models.scoring import ManagerAssessment, Sanction

    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    for code, extra in (("CB-DC-01", ["--not-duty-related"]), ("CB-DC-02", [])):
        done = cli_runner.invoke(scores, ["sanction", "add", code, "--level", "warning", "--date", "2026-02-10",
                                          "--decision", f"8/QĐ-{code}", *extra])
        assert done.exit_code == 0, done.output
    with site.begin() as session:
        a_year(session)
        assert {s.decision_ref: s.duty_related for s in session.scalars(select(Sanction))} == {
            "8/QĐ-CB-DC-01": False, "8/QĐ-CB-DC-02": True}
    year = json.loads(cli_runner.invoke(scores, ["year", "2026", "--json", "--unit", "NA-DIENCHAU"]).stdout)
    by = {o["staff_code"]: o["class"] for o in year["officials"]}
    assert by["CB-DC-01"] == "Hoàn thành xuất sắc nhiệm vụ" and by["CB-DC-02"] == "Không hoàn thành nhiệm vụ"
    done = cli_runner.invoke(scores, ["lock", "2026-03", "--by", "gd", "--unit", "NA-DIENCHAU", "--note", "họp 2/4"])
    assert done.exit_code == 0, done.output
    done = cli_runner.invoke(scores, ["assess", "CB-TV-04", "2026-03", "--leader-task", "60", "--note", "theo báo cáo",
                                      "--by", "ct"])
    assert done.exit_code == 0, done.output
    with site() as session:
        assert session.scalars(select(ScoreLock.note)).one() == "họp 2/4"
        assert session.scalars(select(ManagerAssessment.note)).one() == "theo báo cáo"
