"""The one-stop software's own export: a title block, a two-row merged header, officer accounts or names, a total
row, .xlsx and .xls; aliases from accounts to staff codes; broken headers and unknown officers refused."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
import xlwt
from sqlalchemy import func, select

from audit.files.dossiers import import_dossier_stats
from audit.files.tabular import ImportRejected
from audit.services.scores import compute_month
from audit.services.task_results import add_alias
from fakecams import example_site_loader
from models.org import Staff
from models.scoring import DossierStat

NOW = datetime(2026, 4, 2, 3, 0, tzinfo=timezone.utc)
TITLE = ["TÌNH HÌNH GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH THÁNG 03/2026", None, None, None, None, None, None, None]
TOP = ["STT", "Tài khoản", "Tiếp nhận", "Đã giải quyết", None, None, "Đang giải quyết", None]
SUB = [None, None, None, "Trước hạn", "Đúng hạn", "Quá hạn", "Trong hạn", "Quá hạn"]
MERGES = ("A3:A4", "B3:B4", "C3:C4", "D3:F3", "G3:H3")  # 1-based, as Excel shows them
BODY = [
    [1, "hoa.nt", 30, 5, 20, 2, 1, 2],  # an account, aliased to CB-TV-01
    [2, "Trần Văn Minh", 12, 0, 10, 0, 2, 0],  # a full name that fits one official
    [3, "CB-DC-01", 9, 1, 6, 1, 0, 1],  # a staff code
    [None, "Tổng cộng", 51, 6, 36, 3, 3, 3],  # the export's total row
]


@pytest.fixture
def site(example_raw, write_config, session_for):
    factory = example_site_loader(example_raw, write_config, session_for, NOW - timedelta(days=60))()
    with factory.begin() as session:
        add_alias(session, "hoa.nt", "CB-TV-01", now=NOW)
    return factory


def export_xlsx(path: Path, top=TOP, sub=SUB, body=BODY) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (TITLE, [None] * 8, top, sub, *body):
        sheet.append(row)
    for cells in MERGES:
        sheet.merge_cells(cells)
    book.save(path)
    return path


def export_xls(path: Path) -> Path:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    sheet.write_merge(0, 0, 0, 7, TITLE[0])
    for c in range(3):
        sheet.write_merge(2, 3, c, c, TOP[c])
    sheet.write_merge(2, 2, 3, 5, TOP[3])
    sheet.write_merge(2, 2, 6, 7, TOP[6])
    for c, text in enumerate(SUB):
        if text:
            sheet.write(3, c, text)
    for r, row in enumerate(BODY, start=4):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    book.save(str(path))
    return path


def counts(factory) -> dict[str, tuple[int, ...]]:
    with factory() as session:
        rows = session.execute(select(DossierStat, Staff.code).join(Staff, Staff.id == DossierStat.staff_id)).all()
    return {code: (s.received, s.early, s.on_time, s.late, s.not_yet_due, s.pending_overdue) for s, code in rows}


EXPECTED = {"CB-TV-01": (30, 5, 20, 2, 1, 2), "CB-TV-02": (12, 0, 10, 0, 2, 0), "CB-DC-01": (9, 1, 6, 1, 0, 1)}


@pytest.mark.parametrize("kind", ["xlsx", "xls"])
def test_the_export_is_read_as_it_comes(site, tmp_path, kind):
    path = (export_xlsx if kind == "xlsx" else export_xls)(tmp_path / f"tthc-2026-03.{kind}")
    with site.begin() as session:
        report = import_dossier_stats(session, path, now=NOW, month="2026-03")
    assert (report.rows_read, report.added) == (3, 3)  # the total row is not an official
    assert counts(site) == EXPECTED


def test_unresolved_overdue_counts_as_overdue_in_the_task_results(site, tmp_path):
    with site.begin() as session:
        import_dossier_stats(session, export_xlsx(tmp_path / "tthc.xlsx"), now=NOW, month="2026-03")
        result = compute_month(session, "2026-03", now=NOW)
    # CB-TV-01: 27 resolved (2 late) + 2 unresolved overdue = 29 due, 27 done:
    # 30 × 27/29 + 20 × 27/29 + 20 × (27 − 2 × ¼)/29 = 27.93 + 18.62 + 18.28
    assert result.official("CB-TV-01").task == D("64.83")
    assert any("(27/29 sản phẩm hoàn thành)" in n and "(2 lần chậm, 2 quá hạn chưa giải quyết)" in n
               for n in result.official("CB-TV-01").notes)


def test_a_broken_two_row_header_names_row_and_column_and_imports_nothing(site, tmp_path):
    sub = [None, None, None, "Trước hạn", "Đúng hạn", "Quá hạn", "Trong hạn", "Khác"]
    with site.begin() as session, pytest.raises(ImportRejected) as rejected:
        import_dossier_stats(session, export_xlsx(tmp_path / "broken.xlsx", sub=sub), now=NOW, month="2026-03")
    text = str(rejected.value)
    assert "broken.xlsx row 4, column H: sub-header 'Khác' under 'Đang giải quyết'" in text
    assert "broken.xlsx row 4, column G: group 'Đang giải quyết' has no sub-header 'Quá hạn'" in text
    with site() as session:
        assert session.scalar(select(func.count()).select_from(DossierStat)) == 0


def test_an_unknown_or_ambiguous_officer_names_row_and_column(site, tmp_path):
    body = [[1, "lan.ht", 3, 0, 3, 0, 0, 0], *BODY[1:]]
    with site.begin() as session:
        staff = session.scalars(select(Staff).where(Staff.code == "CB-DC-02")).one()
        staff.full_name = "Trần Văn Minh"  # two officials of that name
    with site.begin() as session, pytest.raises(ImportRejected) as rejected:
        import_dossier_stats(session, export_xlsx(tmp_path / "who.xlsx", body=body), now=NOW, month="2026-03")
    text = str(rejected.value)
    assert ("who.xlsx row 5, column staff: no official with code, account or name 'lan.ht' (add one: deskaudit "
            "stats alias add 'lan.ht' STAFF)") in text
    assert "who.xlsx row 6, column staff: name 'Trần Văn Minh' fits CB-DC-02, CB-TV-02: add an alias" in text
    with site() as session:
        assert session.scalar(select(func.count()).select_from(DossierStat)) == 0


def test_a_reception_row_is_judged_on_reception(site, tmp_path):
    path = tmp_path / "tiep-nhan.csv"
    path.write_text("staff,vai trò,tiếp nhận,đúng hạn,trễ hạn,chưa đến hạn,tiếp nhận quá hạn\n"
                    "CB-TV-03,Tiếp nhận,40,10,12,18,0\n"
                    "CB-TV-02,giải quyết,40,10,12,18,0\n", encoding="utf-8")
    with site.begin() as session:
        import_dossier_stats(session, path, now=NOW, month="2026-03")
        result = compute_month(session, "2026-03", now=NOW)
    assert result.official("CB-TV-03").task == D("70.00")  # the processing delays are not the receiver's
    assert result.official("CB-TV-02").task < D("70.00")
    bad = tmp_path / "bad-role.csv"
    bad.write_text("staff,vai trò,tiếp nhận,đúng hạn,trễ hạn,chưa đến hạn\nCB-TV-03,thủ quỹ,1,1,0,0\n",
                   encoding="utf-8")
    with site.begin() as session, pytest.raises(ImportRejected, match="row 2, column role: 'thủ quỹ'"):
        import_dossier_stats(session, bad, now=NOW, month="2026-03")


def test_aliases_are_one_per_account(site):
    with site.begin() as session:
        assert add_alias(session, "HOA.NT ", "CB-TV-01", now=NOW).shown == "hoa.nt"  # the same one again
        with pytest.raises(ValueError, match=r"alias 'hoa\.nt' already names CB-TV-01"):
            add_alias(session, "hoa.nt", "CB-TV-02", now=NOW)
        with pytest.raises(LookupError, match="'CB-XX'"):
            add_alias(session, "x", "CB-XX", now=NOW)


def test_cli_alias_and_exemption(site, migrated_url, cli_runner, monkeypatch, tmp_path):
    from deskaudit.cli.roster import stats
    from models.access import ChangeLog
    from models.scoring import TaskExemption

    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    done = cli_runner.invoke(stats, ["alias", "add", "Nguyễn Đình Khoa (Tư pháp)", "CB-DC-02"])
    assert done.exit_code == 0, done.output
    listed = cli_runner.invoke(stats, ["alias", "list"]).output
    assert "hoa.nt" in listed and "Nguyễn Đình Khoa (Tư pháp)" in listed and "CB-DC-02" in listed
    done = cli_runner.invoke(stats, ["exempt", "CB-TV-01", "--month", "2026-03", "--late", "2", "--ref",
                                     "CV 12/UBND-VP ngày 05/03/2026", "--note", "mất điện", "--by", "tp"])
    assert done.exit_code == 0, done.output
    assert "2 lần chậm, 0 sản phẩm không đạt" in done.output
    for args, says in [(["exempt", "CB-TV-01", "--month", "2026-03", "--late", "1", "--ref", " "], "reference"),
                       (["exempt", "CB-TV-01", "--month", "2026-03", "--ref", "CV 1"], "at least one"),
                       (["exempt", "CB-XX", "--month", "2026-03", "--late", "1", "--ref", "CV 1"], "CB-XX"),
                       (["alias", "add", "hoa.nt", "CB-DC-01"], "already names CB-TV-01")]:
        done = cli_runner.invoke(stats, args)
        assert done.exit_code == 2 and says in done.output, (args, done.output)
    with site() as session:
        [item] = session.scalars(select(TaskExemption)).all()
        assert (item.late, item.reference, item.created_by) == (2, "CV 12/UBND-VP ngày 05/03/2026", "tp")
        assert session.scalar(select(func.count()).select_from(ChangeLog)
                              .where(ChangeLog.entity_type == "task_exemption")) == 1


def test_a_file_that_is_not_an_xls_workbook_is_refused(site, tmp_path):
    from audit.files.tabular import TableError

    fake = tmp_path / "tthc.xls"
    fake.write_bytes(b"<html>not a workbook</html>")
    with site.begin() as session, pytest.raises(TableError, match=r"tthc\.xls: not a readable XLS workbook"):
        import_dossier_stats(session, fake, now=NOW, month="2026-03")
    with site() as session:
        assert session.scalar(select(func.count()).select_from(DossierStat)) == 0


def test_cli_exempt_failed_products(site, migrated_url, cli_runner, monkeypatch):
    from deskaudit.cli.roster import stats

    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    with site.begin() as session:
        official = session.scalars(select(Staff).where(Staff.code == "CB-DC-01")).one()
        session.add(DossierStat(month="2026-03", unit_id=official.unit_id, staff_id=official.id, received=10,
                                on_time=10, late=0, not_yet_due=0, failed=2, imported_at=NOW))
    done = cli_runner.invoke(stats, ["exempt", "CB-DC-01", "--month", "2026-03", "--failed", "2", "--ref", "CV 3"])
    assert done.exit_code == 0, done.output
    with site.begin() as session:
        assert compute_month(session, "2026-03", unit_code="NA-DIENCHAU", now=NOW).official("CB-DC-01").task == D("70")
