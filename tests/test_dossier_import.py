"""One-stop dossier statistics: per official or desk, all rows or none, a re-import replaces the counts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from audit.files.dossiers import import_dossier_stats
from audit.files.tabular import ImportRejected
from fakecams import example_site_loader
from models.org import Desk, Staff, Unit
from models.scoring import DossierStat

DATA = Path(__file__).resolve().parent / "data"
NOW = datetime(2026, 4, 2, 3, 0, tzinfo=timezone.utc)


@pytest.fixture
def site(example_raw, write_config, session_for):
    return example_site_loader(example_raw, write_config, session_for, NOW - timedelta(days=60))()


def stats(factory) -> dict[tuple[str, str, str], tuple[int, int, int, int]]:
    """{(month, unit, staff or desk code): (received, on_time, late, not_yet_due)}."""
    with factory() as session:
        rows = session.execute(
            select(DossierStat, Unit.code, Staff.code, Desk.code).join(Unit, Unit.id == DossierStat.unit_id)
            .outerjoin(Staff, Staff.id == DossierStat.staff_id).outerjoin(Desk, Desk.id == DossierStat.desk_id)).all()
    return {(s.month, unit, staff or desk): (s.received, s.on_time, s.late, s.not_yet_due)
            for s, unit, staff, desk in rows}


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_per_official_and_per_desk_counts_with_their_units(site):
    with site.begin() as session:
        report = import_dossier_stats(session, DATA / "dossier-2026-03.csv", now=NOW)
    assert (report.rows_read, report.added, report.updated, report.unchanged) == (4, 4, 0, 0)
    assert stats(site) == {
        ("2026-03", "NA-TRUONGVINH", "CB-TV-01"): (120, 100, 2, 18),
        ("2026-03", "NA-TRUONGVINH", "CB-TV-02"): (85, 70, 5, 12),
        ("2026-03", "NA-TRUONGVINH", "TV-CT"): (40, 38, 0, 2),
        ("2026-03", "NA-DIENCHAU", "CB-DC-01"): (64, 60, 1, 3),
    }
    with site() as session:
        rows = session.scalars(select(DossierStat)).all()
    assert {(r.source_file, r.import_batch, r.imported_at) for r in rows} == {
        ("dossier-2026-03.csv", report.batch, NOW)}
    assert len(report.batch) == 32


def test_month_for_the_whole_file_unaccented_headers_and_a_reimport(site, tmp_path):
    first = write_xlsx(tmp_path / "thong-ke.xlsx", [
        ["ma can bo", "tiep nhan", "dung han", "tre han", "chua den han"],
        ["CB-TV-01", 10, 8, 1, 1],
        ["CB-TV-03", 0, 0, 0, 0],  # nothing received: still a month on record
        ["CB-TV-04", 5, 7, 0, 0],  # resolved more than received: dossiers from earlier months
    ])
    with site.begin() as session:
        before = import_dossier_stats(session, first, now=NOW, month="03/2026")
    again = write_xlsx(tmp_path / "thong-ke-2.xlsx", [
        ["Tháng", "Mã cán bộ", "Tiếp nhận", "Đúng hạn", "Trễ hạn", "Chưa đến hạn"],
        ["2026-03", "CB-TV-01", 12, 9, 2, 1],  # corrected
        [None, "CB-TV-03", 0, 0, 0, 0],  # blank month: the one given
        ["2026-03", "CB-TV-02", 3, 3, 0, 0],  # new
    ])
    later = NOW + timedelta(days=1)
    with site.begin() as session:
        report = import_dossier_stats(session, again, now=later, month="2026-03")
    assert (report.added, report.updated, report.unchanged) == (1, 1, 1)
    assert report.batch != before.batch
    assert stats(site) == {
        ("2026-03", "NA-TRUONGVINH", "CB-TV-01"): (12, 9, 2, 1),
        ("2026-03", "NA-TRUONGVINH", "CB-TV-02"): (3, 3, 0, 0),
        ("2026-03", "NA-TRUONGVINH", "CB-TV-03"): (0, 0, 0, 0),
        ("2026-03", "NA-TRUONGVINH", "CB-TV-04"): (5, 7, 0, 0),  # not in the second file: kept
    }
    with site() as session:
        stamped = {s.staff_id: (s.source_file, s.imported_at) for s in session.scalars(select(DossierStat))}
    assert sorted(stamped.values()) == sorted([("thong-ke-2.xlsx", later)] * 3 + [("thong-ke.xlsx", NOW)])


def test_every_bad_row_is_reported_and_nothing_is_written(site, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("month;staff;desk;received;on_time;late;not_yet_due\n"
                    "2026-03;CB-TV-01;;10;8;1;1\n"
                    "2026-03;CB-NOPE;;10;8;1;1\n"  # row 3: unknown official
                    "2026-03;CB-TV-02;;10;-1;1;1\n"  # row 4: negative
                    "2026-03;CB-TV-03;;10;8;1,5;1\n"  # row 5: not a whole number
                    "2026-03;CB-TV-04;TV-HT;10;8;1;1\n"  # row 6: both
                    "2026-03;;;10;8;1;1\n"  # row 7: neither
                    "2026-03;CB-TV-01;;10;8;1;1\n"  # row 8: duplicate of row 2
                    "2026-13;;TV-DD;1;1;0;0\n"  # row 9: no such month
                    "2026-03;;TV-NOPE;1;1;0;0\n", encoding="utf-8")  # row 10: unknown desk
    with site.begin() as session, pytest.raises(ImportRejected) as caught:
        import_dossier_stats(session, path, now=NOW)
    assert [(e.row, e.column) for e in caught.value.errors] == [
        (3, "staff"), (4, "on_time"), (5, "late"), (6, None), (7, None), (8, None), (9, "month"), (10, "desk")]
    message = str(caught.value)
    assert "bad.csv row 4, column on_time: '-1' is negative" in message
    assert "bad.csv row 8: duplicate of row 2" in message
    assert stats(site) == {}


def test_month_is_needed_and_must_agree(site, tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("staff,received,on_time,late,not_yet_due\nCB-TV-01,1,1,0,0\n", encoding="utf-8")
    with site.begin() as session, pytest.raises(ImportRejected, match="row 1, column month: missing column"):
        import_dossier_stats(session, path, now=NOW)
    path.write_text("month,desk,received,on_time,late,not_yet_due\n02/2026,TV-HT,1,1,0,0\n", encoding="utf-8")
    with site.begin() as session, pytest.raises(ImportRejected, match="'02/2026' differs from the month given"):
        import_dossier_stats(session, path, now=NOW, month="2026-03")
    path.write_text("month,received,on_time,late,not_yet_due\n2026-03,1,1,0,0\n", encoding="utf-8")
    with site.begin() as session, pytest.raises(ImportRejected, match="needs a staff"):
        import_dossier_stats(session, path, now=NOW)


def test_officials_who_have_left_keep_their_statistics(site, tmp_path):
    with site.begin() as session:
        session.scalars(select(Staff).filter_by(code="CB-TV-02")).one().active = False
    path = tmp_path / "s.csv"
    path.write_text("staff,received,on_time,late,not_yet_due\nCB-TV-02,4,4,0,0\n", encoding="utf-8")
    with site.begin() as session:
        import_dossier_stats(session, path, now=NOW, month="2026-02")
    assert stats(site) == {("2026-02", "NA-TRUONGVINH", "CB-TV-02"): (4, 4, 0, 0)}


def test_stats_cli(site, migrated_url, monkeypatch, cli_runner, tmp_path):
    from deskaudit.cli.roster import stats as stats_group

    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    result = cli_runner.invoke(stats_group, ["import", str(DATA / "dossier-2026-03.csv")])
    assert result.exit_code == 0, result.output
    assert "4 rows read, 4 added" in result.output
    bad = tmp_path / "bad.xlsx"
    write_xlsx(bad, [["desk", "received", "on_time", "late", "not_yet_due"], ["TV-HT", 1, 1, 0, 0],
                     ["TV-XX", 1, 1, 0, 0], ["TV-DD", "nhiều", 1, 0, 0]])
    result = cli_runner.invoke(stats_group, ["import", str(bad), "--month", "2026-04"])
    assert result.exit_code == 2
    assert "bad.xlsx row 3, column desk: no desk with code 'TV-XX'" in result.output
    assert "bad.xlsx row 4, column received: 'nhiều' is not a whole number" in result.output
    assert len(stats(site)) == 4  # nothing from the bad file
    result = cli_runner.invoke(stats_group, ["import", str(bad), "--month", "April"])
    assert result.exit_code == 2 and "'April' is not a month" in result.output
