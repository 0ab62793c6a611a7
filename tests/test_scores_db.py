"""Monthly scores from the database: findings, inspections, dossier statistics, sanctions, ranking, CLI."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from audit.rules.scoring import BadMonth
from audit.services.scores import add_sanction, compute_month, load_month
from fakecams import example_site_loader
from models.access import ChangeLog
from models.checklists import ChecklistItem, ChecklistTemplate, Inspection, InspectionResult
from models.enums import Classification as C
from models.enums import FindingKind, FindingStatus, InspectionStatus, ItemResult, ItemScope, SanctionLevel
from models.findings import Finding
from models.org import Desk, Staff, Unit
from models.scoring import DossierStat, Sanction, Score, ScoreDeduction

HN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 4, 2, 3, 0, tzinfo=timezone.utc)
MONTH = "2026-03"


def hn(y, m, d, hh=8, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=HN).astimezone(timezone.utc)


@pytest.fixture
def site(example_raw, write_config, session_for):
    # These tests seed findings and dossiers, not observations: the coverage check (tested in
    # tests/test_score_coverage.py) is off here.
    example_raw["scoring"] = {"min_observed_share": 0, "min_worked_share": 0}
    return example_site_loader(example_raw, write_config, session_for, hn(2026, 3, 1, 0))()


def ids(session, model, *codes):
    return [session.scalars(select(model.id).where(model.code == code)).one() for code in codes]


def staff(session, code) -> Staff:
    return session.scalars(select(Staff).where(Staff.code == code)).one()


def add_finding(session, code, day, status=FindingStatus.CONFIRMED, deduction="2", *, kind=FindingKind.LATE_ARRIVAL,
                minutes=12, summary=None, desk=True) -> Finding:
    official = staff(session, code)
    finding = Finding(fingerprint=f"{code}-{day}-{status}-{deduction}-{summary}", unit_id=official.unit_id,
                      desk_id=official.default_desk_id if desk else None, staff_id=official.id, day=day, kind=kind,
                      status=status, minutes=minutes, proposed_deduction=None if deduction is None else D(deduction),
                      rule_version="test", summary=summary)
    session.add(finding)
    session.flush()
    return finding


def add_stat(session, *, unit, desk=None, official=None, on_time=0, late=0, nyd=0, month=MONTH):
    [unit_id] = ids(session, Unit, unit)
    session.add(DossierStat(month=month, unit_id=unit_id, desk_id=ids(session, Desk, desk)[0] if desk else None,
                            staff_id=staff(session, official).id if official else None, received=on_time + late + nyd,
                            on_time=on_time, late=late, not_yet_due=nyd, imported_at=NOW))


def full_marks(session, *codes):
    """Every official given here gets a month's statistics with nothing late (70 task points)."""
    for code in codes:
        add_stat(session, unit=staff(session, code).unit.code, official=code, on_time=10)


def template(session) -> dict[int, ChecklistItem]:
    tpl = ChecklistTemplate(code="kiem-tra", version=1, name_vi="Kiểm tra công vụ", name_en="Inspection")
    spec = [(5, "Đeo thẻ công chức", D("2"), False, ItemScope.PERSONAL, True),
            (12, "Không nhũng nhiễu, gây phiền hà", None, True, ItemScope.PERSONAL, True),
            (13, "Niêm yết công khai TTHC", D("2"), False, ItemScope.UNIT, True),
            (15, "Lãnh đạo trực một cửa theo lịch", D("2"), False, ItemScope.UNIT, False),
            (18, "Bàn làm việc gọn gàng", D("0.5"), False, ItemScope.PERSONAL, True)]
    tpl.items = [ChecklistItem(number=n, text_vi=t, text_en=t, deduction=d, refer_discipline=r, scope=s,
                               per_occurrence=p) for n, t, d, r, s, p in spec]
    session.add(tpl)
    session.flush()
    return {item.number: item for item in tpl.items}


def inspect(session, items, unit, started_at, results, *, official=None, status=InspectionStatus.FINAL, ref=None):
    """An inspection with ``results``: (item number, staff code or None, result, occurrences)."""
    [unit_id] = ids(session, Unit, unit)
    inspection = Inspection(template_id=items[5].template_id, unit_id=unit_id, inspector_name="Sở Nội vụ",
                            record_number=ref, started_at=started_at, status=status,
                            staff_id=staff(session, official).id if official else None)
    inspection.results = [InspectionResult(item_id=items[n].id, staff_id=staff(session, who).id if who else None,
                                           result=result, occurrences=times) for n, who, result, times in results]
    session.add(inspection)
    session.flush()
    return inspection


def test_only_confirmed_findings_of_the_month_deduct(site):
    with site.begin() as session:
        late = add_finding(session, "CB-TV-01", date(2026, 3, 3))
        away = add_finding(session, "CB-TV-01", date(2026, 3, 31), deduction="3", kind=FindingKind.UNATTENDED,
                           summary="Vắng quầy 25 phút không lý do, quầy TV-HT, 31/03/2026")
        for status in (FindingStatus.PROPOSED, FindingStatus.AWAITING_EXPLANATION, FindingStatus.DISMISSED):
            add_finding(session, "CB-TV-01", date(2026, 3, 5), status=status)
        add_finding(session, "CB-TV-01", date(2026, 2, 28))  # another month
        add_finding(session, "CB-TV-01", date(2026, 4, 1))
        add_finding(session, "CB-TV-01", date(2026, 3, 6), deduction=None)  # confirmed without points: no line
        full_marks(session, "CB-TV-01")
        result = compute_month(session, MONTH, now=NOW)
    one = result.official("CB-TV-01")
    assert (one.raw, one.general, one.task, one.total) == (D("95.00"), D("28.50"), D("70.00"), D("98.50"))
    assert one.deductions == (
        (D("2.00"), f"Đi muộn 12 phút, quầy TV-HT, 03/03/2026 (phát hiện #{late.id})", late.id, None),
        (D("3.00"), f"Vắng quầy 25 phút không lý do, quầy TV-HT, 31/03/2026 (phát hiện #{away.id})", away.id, None))
    assert result.official("CB-TV-02").raw == D("100.00")


def test_final_inspections_deduct_personal_items_from_officials_and_unit_items_from_the_unit(site):
    with site.begin() as session:
        items = template(session)
        main = inspect(session, items, "NA-TRUONGVINH", hn(2026, 3, 10), official="CB-TV-02", ref="01/BB-SNV", results=[
            (5, None, ItemResult.FAIL, 1),  # no official on the result: the inspection's official
            (18, "CB-TV-03", ItemResult.FAIL, 2),
            (12, "CB-TV-01", ItemResult.FAIL, 1),  # refer for discipline: listed, 0 points
            (5, "CB-TV-04", ItemResult.PASS, 1),
            (13, None, ItemResult.FAIL, 1),
            (15, None, ItemResult.FAIL, 3)])  # not per occurrence: deducted once
        inspect(session, items, "NA-TRUONGVINH", hn(2026, 3, 12), status=InspectionStatus.DRAFT,
                results=[(5, "CB-TV-04", ItemResult.FAIL, 1), (13, None, ItemResult.FAIL, 1)])
        # local month edges: 1 March 00:30 and 31 March 23:30 are March, 1 April 00:10 is not
        inspect(session, items, "NA-TRUONGVINH", hn(2026, 3, 1, 0, 30), results=[(18, "CB-TV-04", ItemResult.FAIL, 1)])
        inspect(session, items, "NA-TRUONGVINH", hn(2026, 3, 31, 23, 30), results=[(5, "CB-TV-04", ItemResult.FAIL, 1)])
        inspect(session, items, "NA-TRUONGVINH", hn(2026, 4, 1, 0, 10), results=[(5, "CB-TV-04", ItemResult.FAIL, 4),
                                                                              (13, None, ItemResult.FAIL, 1)])
        full_marks(session, "CB-TV-01", "CB-TV-02", "CB-TV-03", "CB-TV-04")
        staff(session, "CB-TV-04").is_leader = False  # scored on dossiers here (a leader's task results: below)
        result_ids = {(r.item_id, r.staff_id): r.id for r in main.results}
        refer_id = result_ids[(items[12].id, staff(session, "CB-TV-01").id)]
        result = compute_month(session, MONTH, unit_code="NA-TRUONGVINH", now=NOW)
    raws = {o.code: o.raw for o in result.officials}
    assert raws == {"CB-TV-01": D("100.00"), "CB-TV-02": D("98.00"), "CB-TV-03": D("99.00"), "CB-TV-04": D("97.50")}
    [refer] = result.official("CB-TV-01").deductions
    assert refer == (D("0.00"), ("Biên bản kiểm tra 01/BB-SNV ngày 10/03/2026: không đạt mục 12 \"Không nhũng nhiễu, "
                                 f"gây phiền hà\" – chuyển xem xét kỷ luật (kết quả #{refer_id})"), None, refer_id)
    assert "mục 18 \"Bàn làm việc gọn gàng\" ×2" in result.official("CB-TV-03").deductions[0].reason
    [unit] = [u for u in result.units if u.code == "NA-TRUONGVINH"]
    assert unit.deduction_points == D("4.00")  # item 13 (2) + item 15 once (2); draft and April ignored
    totals = [o.total for o in result.officials]
    assert unit.mean == (sum(totals) / 4).quantize(D("0.01")) and unit.score == unit.mean - D("4.00")


def test_task_points_from_own_rows_and_desk_rows_shared_by_time_worked(site):
    with site.begin() as session:
        staff(session, "CB-TV-04").default_desk_id = staff(session, "CB-TV-01").default_desk_id  # two on TV-HT
        staff(session, "CB-TV-04").is_leader = False
        add_stat(session, unit="NA-TRUONGVINH", desk="TV-HT", on_time=10, late=2, nyd=3)
        add_stat(session, unit="NA-TRUONGVINH", desk="TV-HT", official="CB-TV-01", on_time=4)
        add_stat(session, unit="NA-TRUONGVINH", official="CB-TV-02", nyd=4)  # nothing due yet
        add_stat(session, unit="NA-TRUONGVINH", desk="TV-CT", on_time=9, month="2026-02")  # another month
        add_stat(session, unit="NA-TRUONGVINH", on_time=50)  # a unit row credits nobody
        result = compute_month(session, MONTH, unit_code="NA-TRUONGVINH", now=NOW)
    tasks = {o.code: o.task for o in result.officials}
    # TV-HT's row goes half and half (both rostered all month): CB-TV-01 has 4 + 6 products, 1 late →
    # progress 20 × (10 − ¼) / 10 = 19.50; CB-TV-04 has 6, 1 late → 20 × 5.75 / 6 = 19.17
    assert tasks == {"CB-TV-01": D("69.50"), "CB-TV-02": D("70.00"), "CB-TV-03": None, "CB-TV-04": D("69.17")}
    one = result.official("CB-TV-01")
    assert ("Kết quả thực hiện nhiệm vụ 69,50: số lượng 30,00 (10/10 sản phẩm hoàn thành), chất lượng 20,00 "
            "(0 không đạt), tiến độ 19,50 (1 lần chậm)") in one.notes
    assert any(n.startswith("Số liệu quầy TV-HT: tính 50 % theo thời gian trực thực tế (") for n in one.notes)
    three = result.official("CB-TV-03")
    assert (three.total, three.classification, three.eligible) == (None, None, None)
    assert three.notes == (("Chưa có số liệu giải quyết hồ sơ tháng 03/2026: chưa tính điểm kết quả thực hiện "
                            "nhiệm vụ, chưa xếp loại theo điểm"),)
    # a month is monitoring: its class is the level its points reach, the 20 % cap is the year's (test_annual)
    scored = [o for o in result.officials if o.total is not None]
    assert {o.classification for o in scored} == {C.EXCELLENT} and all(o.eligible for o in scored)
    assert not any("Giới hạn" in n or "giới hạn" in n for o in scored for n in o.notes)


def test_a_desk_row_goes_to_whoever_worked_the_desk_not_to_someone_on_leave(site):
    from audit.services.rosters import add_excuse

    with site.begin() as session:
        staff(session, "CB-TV-04").default_desk_id = staff(session, "CB-TV-01").default_desk_id
        staff(session, "CB-TV-04").is_leader = False
        add_excuse(session, "CB-TV-04", "leave", hn(2026, 3, 1, 0), hn(2026, 4, 1, 0), note="nghỉ thai sản")
        add_stat(session, unit="NA-TRUONGVINH", desk="TV-HT", on_time=10, late=2)
        result = compute_month(session, MONTH, unit_code="NA-TRUONGVINH", now=NOW)
    assert result.official("CB-TV-04").task is None  # nothing credited to the official on maternity leave
    assert result.official("CB-TV-01").task == D("69.17")  # the whole row: 12 products, 2 late → 20 × 11.5 / 12
    assert any("tính 100 %" in n for n in result.official("CB-TV-01").notes)


def test_objective_cause_exemptions_and_the_sites_weights(example_raw, write_config, session_for):
    from models.scoring import TaskExemption

    example_raw["scoring"] = {"min_observed_share": 0, "min_worked_share": 0,
                              "task_weights": {"quantity": 20, "quality": 20, "progress": 30}}
    weighted = example_site_loader(example_raw, write_config, session_for, hn(2026, 3, 1, 0))()
    with weighted.begin() as session:
        add_stat(session, unit="NA-DIENCHAU", official="CB-DC-01", on_time=0, late=4)
        add_stat(session, unit="NA-DIENCHAU", official="CB-DC-02", on_time=0, late=4)
        session.add(TaskExemption(staff_id=staff(session, "CB-DC-02").id, month=MONTH, late=3, failed=0,
                                  reference="CV 12/UBND-VP ngày 05/03/2026", created_at=NOW, created_by="tp"))
        result = compute_month(session, MONTH, unit_code="NA-DIENCHAU", now=NOW)
    assert result.official("CB-DC-01").task == D("62.50")  # 20 + 20 + 30 × ¾
    two = result.official("CB-DC-02")
    assert two.task == D("68.13")  # 1 late left after 3 exempted: 20 + 20 + 30 × (4 − ¼) / 4
    assert any("Miễn trừ do nguyên nhân khách quan theo CV 12/UBND-VP ngày 05/03/2026: 3 lần chậm" in n
               for n in two.notes)


def _stored(session):
    scores = session.execute(select(Score.id, Score.staff_id, Score.month, Score.discipline_raw, Score.general_points,
                                    Score.task_points, Score.total, Score.classification, Score.reprimanded,
                                    Score.emulation_eligible).order_by(Score.id)).all()
    lines = session.execute(select(ScoreDeduction.id, ScoreDeduction.score_id, ScoreDeduction.finding_id,
                                   ScoreDeduction.inspection_result_id, ScoreDeduction.points,
                                   ScoreDeduction.reason).order_by(ScoreDeduction.id)).all()
    return scores, lines


def test_recompute_is_idempotent_and_follows_decisions(site):
    with site.begin() as session:
        late = add_finding(session, "CB-DC-01", date(2026, 3, 3))
        add_finding(session, "CB-DC-01", date(2026, 3, 4), deduction="10", kind=FindingKind.ABSENT_SESSION)
        full_marks(session, "CB-DC-01", "CB-DC-02", "CB-DC-03")
        first = compute_month(session, MONTH, unit_code="NA-DIENCHAU", now=NOW)
    with site.begin() as session:
        before = _stored(session)
        again = compute_month(session, MONTH, unit_code="NA-DIENCHAU", now=NOW)
    with site.begin() as session:
        assert _stored(session) == before  # same rows, same ids
        assert again == first
        assert load_month(session, MONTH, "NA-DIENCHAU") == first  # what reports read back
        session.get(Finding, late.id).status = FindingStatus.DISMISSED  # decided after an explanation
        changed = compute_month(session, MONTH, unit_code="NA-DIENCHAU", now=NOW)
    assert changed.official("CB-DC-01").raw == D("90.00") and first.official("CB-DC-01").raw == D("88.00")
    with site.begin() as session:
        assert session.scalar(select(func.count()).select_from(Score)) == 3
        assert session.scalar(select(func.count()).select_from(ScoreDeduction)
                              .where(ScoreDeduction.finding_id == late.id)) == 0


def test_a_sanction_forces_not_completed_for_the_rest_of_its_year(site):
    with site.begin() as session:
        full_marks(session, "CB-DC-01", "CB-DC-02", "CB-DC-03")
        for month in ("2026-02", "2027-01"):
            for code in ("CB-DC-01", "CB-DC-02", "CB-DC-03"):
                add_stat(session, unit="NA-DIENCHAU", official=code, on_time=10, month=month)
        add_sanction(session, "CB-DC-02", SanctionLevel.REPRIMAND, date(2026, 3, 31), "15/QĐ-UBND",
                     note="vi phạm giờ giấc", actor="tccb", now=NOW)
        march = compute_month(session, MONTH, unit_code="NA-DIENCHAU", now=NOW)
        february = compute_month(session, "2026-02", unit_code="NA-DIENCHAU", now=NOW)
        next_year = compute_month(session, "2027-01", unit_code="NA-DIENCHAU", now=NOW)
        logged = session.scalars(select(ChangeLog).where(ChangeLog.entity_type == "sanction")).one()
    two = march.official("CB-DC-02")
    assert (two.total, two.classification, two.eligible, two.reprimanded) == (
        D("100.00"), C.NOT_COMPLETED, False, True)
    assert two.notes[0] == ("Bị kỷ luật khiển trách theo 15/QĐ-UBND ngày 31/03/2026 (vi phạm liên quan đến thi hành "
                            "công vụ): xếp loại Không hoàn thành nhiệm vụ (Nghị định 335/2025/NĐ-CP)")
    assert february.official("CB-DC-02").classification is not C.NOT_COMPLETED
    assert next_year.official("CB-DC-02").classification is not C.NOT_COMPLETED
    assert (logged.actor, logged.entity_key, logged.decision_ref) == ("tccb", "CB-DC-02", "15/QĐ-UBND")


def test_bad_sanctions_and_bad_scopes_write_nothing(site):
    with site.begin() as session:
        with pytest.raises(LookupError, match="'CB-XX'"):
            add_sanction(session, "CB-XX", "reprimand", date(2026, 3, 1), "1/QĐ")
        with pytest.raises(ValueError, match="'khien-trach'"):
            add_sanction(session, "CB-TV-01", "khien-trach", date(2026, 3, 1), "1/QĐ")
        with pytest.raises(ValueError, match="decision reference"):
            add_sanction(session, "CB-TV-01", "warning", date(2026, 3, 1), "  ")
        with pytest.raises(BadMonth, match="'2026-3'"):
            compute_month(session, "2026-3", now=NOW)
        with pytest.raises(LookupError, match="'NOPE'"):
            compute_month(session, MONTH, unit_code="NOPE", now=NOW)
        assert session.scalar(select(func.count()).select_from(Sanction)) == 0
        assert session.scalar(select(func.count()).select_from(Score)) == 0


def test_units_are_ranked_and_the_summary_line_matches_the_table(site):
    with site.begin() as session:
        items = template(session)
        add_finding(session, "CB-TV-01", date(2026, 3, 3), deduction="10")
        add_finding(session, "CB-DC-03", date(2026, 3, 9), deduction="5")
        add_stat(session, unit="NA-TRUONGVINH", official="CB-TV-01", on_time=7, late=3)
        add_stat(session, unit="NA-TRUONGVINH", official="CB-TV-02", on_time=5, late=5)
        add_stat(session, unit="NA-DIENCHAU", official="CB-DC-01", on_time=3, late=1)
        add_stat(session, unit="NA-DIENCHAU", official="CB-DC-02", late=2)
        add_stat(session, unit="NA-DIENCHAU", official="CB-DC-03", on_time=9, late=2)
        inspect(session, items, "NA-DIENCHAU", hn(2026, 3, 20), results=[(13, None, ItemResult.FAIL, 2)])
        result = compute_month(session, MONTH, now=NOW)
    units = {u.code: u for u in result.units}
    assert [u.code for u in result.units] == ["NA-TRUONGVINH", "NA-DIENCHAU", "NA"]
    assert units["NA"].rank is None and units["NA"].officials == 0
    tv, dc = units["NA-TRUONGVINH"], units["NA-DIENCHAU"]
    # Task results 30 + 20 + progress 20 × (products − ¼ × late) / products.
    # TV: 01 = 27.00 + 68.50 = 95.50, 02 = 30.00 + 67.50 = 97.50; 03 and 04 have no statistics
    assert (tv.officials, tv.scored, tv.mean, tv.score, tv.rank) == (4, 2, D("96.50"), D("96.50"), 1)
    # DC: 01 = 30 + 68.75 = 98.75, 02 = 30 + 65.00 = 95.00, 03 = 28.50 + 69.09 = 97.59 → mean 97.11, −4 → 93.11
    assert (dc.mean, dc.deduction_points, dc.score, dc.rank, dc.classification) == (
        D("97.11"), D("4.00"), D("93.11"), 2, C.EXCELLENT)
    assert result.summary_vi == "2/2 đơn vị xếp loại tốt, bình quân 94,81 điểm, cao nhất 96,50, thấp nhất 93,11"
    assert result.summary_en == "2/2 units rated good or better, mean 94.81 points, highest 96.50, lowest 93.11"
    with site() as session:
        assert load_month(session, MONTH) == result
        one_unit = load_month(session, MONTH, "NA-DIENCHAU")
    assert one_unit.summary_vi == "1/1 đơn vị xếp loại tốt, bình quân 93,11 điểm, cao nhất 93,11, thấp nhất 93,11"


def test_cli_compute_show_and_sanction(site, migrated_url, cli_runner, monkeypatch):
    from deskaudit.cli.scores import scores

    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    with site.begin() as session:
        late = add_finding(session, "CB-TV-01", date(2026, 3, 3))
        full_marks(session, "CB-TV-01", "CB-TV-02", "CB-DC-01")

    done = cli_runner.invoke(scores, ["show", MONTH])
    assert done.exit_code == 2 and "scores compute 2026-03" in done.output  # nothing stored yet

    done = cli_runner.invoke(scores, ["compute", MONTH])
    assert done.exit_code == 0, done.output
    assert "Xếp hạng đơn vị tháng 03/2026" in done.output
    assert "2/2 đơn vị xếp loại tốt, bình quân 99,85 điểm, cao nhất 100,00, thấp nhất 99,70" in done.output

    done = cli_runner.invoke(scores, ["show", MONTH, "--official", "CB-TV-01"])
    assert done.exit_code == 0, done.output
    assert f"  −2,00  Đi muộn 12 phút, quầy TV-HT, 03/03/2026 (phát hiện #{late.id})" in done.output
    assert "Tổng điểm:                          99,40" in done.output

    done = cli_runner.invoke(scores, ["sanction", "add", "CB-TV-02", "--level", "warning", "--date", "02/03/2026",
                                      "--decision", "7/QĐ-UBND"])
    assert done.exit_code == 0, done.output
    assert "cảnh cáo" in done.output and "Cần tính lại điểm các tháng: 2026-03" in done.output
    done = cli_runner.invoke(scores, ["compute", MONTH, "--unit", "NA-TRUONGVINH"])
    assert done.exit_code == 0 and "1/1 đơn vị xếp loại tốt" in done.output  # the unit score is made of points
    done = cli_runner.invoke(scores, ["show", MONTH, "--unit", "NA-TRUONGVINH"])
    [line] = [line for line in done.output.splitlines() if line.startswith("CB-TV-02")]
    assert line.endswith("100,00  không Không hoàn thành nhiệm vụ")

    for args, says in [(["compute", "2026-3"], "expected YYYY-MM"), (["compute", MONTH, "--unit", "NOPE"], "NOPE"),
                       (["show", MONTH, "--official", "CB-XX"], "CB-XX"),
                       (["sanction", "add", "CB-XX", "--level", "reprimand", "--date", "2026-03-02",
                         "--decision", "1"], "CB-XX"),
                       (["sanction", "add", "CB-TV-01", "--level", "reprimand", "--date", "2026-31-02",
                         "--decision", "1"], "--date")]:
        done = cli_runner.invoke(scores, args)
        assert done.exit_code == 2 and says in done.output, (args, done.output)
    with site() as session:
        assert session.scalar(select(func.count()).select_from(Sanction)) == 1


def test_the_manager_enters_the_general_parts_no_camera_sees(example_raw, write_config, session_for, migrated_url,
                                                            cli_runner, monkeypatch):
    from deskaudit.cli.scores import scores
    from models.scoring import ManagerAssessment

    example_raw["scoring"] = {"min_observed_share": 0, "min_worked_share": 0,
                              "general": {"discipline": 10, "ethics": 8, "capacity": 7, "innovation": 5}}
    split = example_site_loader(example_raw, write_config, session_for, hn(2026, 3, 1, 0))()
    with split.begin() as session:
        add_finding(session, "CB-DC-01", date(2026, 3, 3), deduction="10")
        full_marks(session, "CB-DC-01", "CB-DC-02")
        waiting = compute_month(session, MONTH, unit_code="NA-DIENCHAU", now=NOW)
    one = waiting.official("CB-DC-01")
    assert (one.general, one.task, one.total, one.classification) == (D("9.00"), D("70.00"), None, None)
    assert any(n.startswith("Tiêu chí chung: phần kỷ luật, kỷ cương 9,00/10,00 là đề xuất") for n in one.notes)

    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    done = cli_runner.invoke(scores, ["assess", "CB-DC-01", MONTH, "--ethics", "7,5", "--capacity", "6",
                                      "--innovation", "4", "--by", "gd-trungtam"])
    assert done.exit_code == 0, done.output
    for args, says in [(["assess", "CB-DC-01", MONTH, "--ethics", "9", "--by", "x"], "outside 0..8"),
                       (["assess", "CB-DC-01", MONTH, "--ethics", "tốt", "--by", "x"], "not a number"),
                       (["assess", "CB-DC-01", MONTH, "--leader-task", "60", "--by", "x"], "is not a leader"),
                       (["assess", "CB-DC-01", MONTH, "--by", "x"], "nothing to enter")]:
        done = cli_runner.invoke(scores, args)
        assert done.exit_code == 2 and says in done.output, (args, done.output)
    with split.begin() as session:
        assessed = compute_month(session, MONTH, unit_code="NA-DIENCHAU", now=NOW)
        row = session.scalars(select(ManagerAssessment)).one()
        assert (row.ethics, row.entered_by) == (D("7.50"), "gd-trungtam")
    one = assessed.official("CB-DC-01")
    assert (one.general, one.total) == (D("26.50"), D("96.50"))  # 9 + 7.5 + 6 + 4, + 70
    assert assessed.official("CB-DC-02").total is None  # nothing entered for CB-DC-02 yet


def test_a_leaders_task_results_are_the_managers_input(site, migrated_url, cli_runner, monkeypatch):
    from deskaudit.cli.scores import scores

    with site.begin() as session:
        waiting = compute_month(session, MONTH, unit_code="NA-TRUONGVINH", now=NOW)
    leader = waiting.official("CB-TV-04")
    assert (leader.task, leader.total) == (None, None)
    assert any(n.startswith("Lãnh đạo (Điều 15 Nghị định 335/2025/NĐ-CP)") for n in leader.notes)
    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    done = cli_runner.invoke(scores, ["assess", "CB-TV-04", MONTH, "--leader-task", "64.5", "--by", "ct-ubnd"])
    assert done.exit_code == 0, done.output
    with site.begin() as session:
        leader = compute_month(session, MONTH, unit_code="NA-TRUONGVINH", now=NOW).official("CB-TV-04")
    assert (leader.task, leader.total) == (D("64.50"), D("94.50"))
