"""Roster and excused-absence files: Vietnamese headers, all-or-nothing imports, exports that re-import unchanged."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import select

from audit.files.rosters import export_roster, import_excuses, import_roster
from audit.files.tabular import Column, ImportRejected, TableError, read_table, write_table
from fakecams import example_site_loader
from models.enums import AbsenceKind
from models.hours import ExcusedAbsence, RosterEntry

HN = ZoneInfo("Asia/Ho_Chi_Minh")
MON = date(2026, 3, 2)
DATA = Path(__file__).resolve().parent / "data"


def hn(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=HN).astimezone(timezone.utc)


@pytest.fixture
def site(example_raw, write_config, session_for):
    return example_site_loader(example_raw, write_config, session_for, hn(MON, 0) - timedelta(days=30))()


def entries(factory) -> list[tuple[str, str, date, str]]:
    with factory() as session:
        rows = session.execute(select(RosterEntry).order_by(RosterEntry.day, RosterEntry.id)).scalars().all()
        return sorted((e.staff.code, e.desk.code, e.day, str(e.session)) for e in rows)


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


VI_ROSTER = [
    ("CB-DC-01", "DC-HT", MON + timedelta(days=1), "morning"),
    ("CB-TV-01", "TV-HT", MON, "morning"),
    ("CB-TV-02", "TV-DD", MON, "all_day"),
    ("CB-TV-03", "TV-HT", MON, "afternoon"),
    ("CB-TV-04", "TV-CT", MON + timedelta(days=1), "all_day"),
]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_vietnamese_file_imports_and_its_export_reimports_unchanged(site, tmp_path, suffix):
    with site.begin() as session:
        report = import_roster(session, DATA / "roster-vi.csv")
    assert (report.rows_read, report.added, report.unchanged, report.replaced) == (5, 5, 0, 0)
    assert entries(site) == sorted(VI_ROSTER)
    with site.begin() as session:
        out = tmp_path / f"export{suffix}"
        assert export_roster(session, out, MON, MON + timedelta(days=6)) == 5
        again = import_roster(session, out)
    assert (again.rows_read, again.added, again.unchanged) == (5, 0, 5)
    assert entries(site) == sorted(VI_ROSTER)
    table = read_table(out, [Column("staff"), Column("date"), Column("session")])
    assert {(r["staff"], r["date"], r["session"]) for r in table.rows} >= {("CB-TV-01", "2026-03-02", "morning")}
    if suffix == ".xlsx":  # real date cells, so Excel sorts and filters them as dates
        cell = openpyxl.load_workbook(out).active["D2"]
        assert cell.value == datetime(2026, 3, 2) and "DD/MM/YYYY" in cell.number_format


def test_xlsx_with_a_title_block_date_cells_and_a_named_sheet(site, tmp_path):
    path = tmp_path / "lich-truc.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Ghi chú"
    sheet = book.create_sheet("Tháng 3")
    for row in [["LỊCH TRỰC BỘ PHẬN MỘT CỬA THÁNG 3/2026"], [],
                ["STT", "ma can bo", "QUẦY", "Ngày", "buổi"],
                [1, "CB-TV-01", "TV-HT", datetime(2026, 3, 2), "chiều"],
                [2, "CB-TV-02", "TV-DD", "2026-03-03", "Sáng"]]:
        sheet.append(row)
    book.save(path)
    with site.begin() as session:
        with pytest.raises(TableError, match="no sheet 'Tháng 4'"):
            import_roster(session, path, sheet="Tháng 4")
        report = import_roster(session, path, sheet="Tháng 3")
    assert report.added == 2
    assert entries(site) == [("CB-TV-01", "TV-HT", MON, "afternoon"),
                             ("CB-TV-02", "TV-DD", MON + timedelta(days=1), "morning")]


def test_three_bad_rows_among_good_ones_are_all_reported_and_nothing_is_written(site, tmp_path):
    path = write_xlsx(tmp_path / "roster.xlsx", [
        ["staff", "desk", "date", "session"],
        ["CB-TV-01", "TV-HT", "2026-03-02", "morning"],
        ["CB-TV-02", "TV-DD", "02/03/2026", "afternoon"],
        ["CB-XX-99", "TV-HT", "2026-03-03", "morning"],  # row 4: unknown official
        ["CB-TV-03", "TV-CT", "2026-03-03", "sáng"],
        ["CB-TV-04", "TV-CT", "2026-03-03", "evening"],  # row 6: not a session
        ["CB-TV-01", "TV-HT", "31/02/2026", "chiều"],  # row 7: not a date
        ["CB-DC-01", "DC-HT", "2026-03-03", "all_day"],
    ])
    with site.begin() as session, pytest.raises(ImportRejected) as caught:
        import_roster(session, path)
    assert [(e.row, e.column) for e in caught.value.errors] == [(4, "staff"), (6, "session"), (7, "date")]
    message = str(caught.value)
    assert "roster.xlsx row 7, column date: '31/02/2026' is not a date" in message
    assert "roster.xlsx row 4, column staff: no official with code 'CB-XX-99'" in message
    assert "3 errors, nothing imported" in message
    assert entries(site) == []


def test_duplicates_and_an_official_on_two_desks_are_refused(site, tmp_path):
    path = write_csv(tmp_path / "r.csv", "staff,desk,date,session\n"
                     "CB-TV-01,TV-HT,2026-03-02,morning\n"
                     "CB-TV-01,TV-HT,2026-03-02,morning\n"  # row 3: duplicate
                     "CB-TV-01,TV-DD,2026-03-02,all_day\n"  # row 4: Hoa on two desks that morning
                     "CB-TV-02,TV-DD,2026-03-02,all_day\n"
                     "CB-TV-02,TV-DD,2026-03-02,afternoon\n")  # row 6: overlaps row 5
    with site.begin() as session, pytest.raises(ImportRejected) as caught:
        import_roster(session, path)
    assert [(e.row, e.message.split(":")[0]) for e in caught.value.errors] == [
        (3, "duplicate of row 2"), (4, "CB-TV-01 is on two desks buổi sáng 02/03/2026"),
        (6, "afternoon overlaps row 5 (all_day) for CB-TV-02 at TV-DD")]
    assert entries(site) == []


def test_replace_keeps_the_file_for_the_desks_and_days_it_covers(site, tmp_path):
    with site.begin() as session:
        import_roster(session, write_csv(tmp_path / "first.csv", "staff;desk;date;session\n"
                                         "CB-TV-01;TV-HT;2026-03-02;morning\n"
                                         "CB-TV-03;TV-HT;2026-03-02;afternoon\n"
                                         "CB-TV-03;TV-HT;2026-03-03;afternoon\n"))
    change = write_csv(tmp_path / "change.csv", "staff,desk,date,session\n"
                       "CB-TV-01,TV-HT,2026-03-02,all_day\n"
                       "CB-TV-03,TV-DD,2026-03-02,afternoon\n")
    with site.begin() as session, pytest.raises(ImportRejected, match="already rostered at TV-HT buổi chiều"):
        import_roster(session, change)  # without replace Hằng would be on two desks on Monday afternoon
    with site.begin() as session:
        report = import_roster(session, change, replace=True)
    assert (report.added, report.unchanged, report.replaced) == (2, 0, 2)
    assert entries(site) == [("CB-TV-01", "TV-HT", MON, "all_day"), ("CB-TV-03", "TV-DD", MON, "afternoon"),
                             ("CB-TV-03", "TV-HT", MON + timedelta(days=1), "afternoon")]  # Tuesday not in the file


def test_export_of_one_unit(site, tmp_path):
    with site.begin() as session:
        import_roster(session, DATA / "roster-vi.csv")
        assert export_roster(session, tmp_path / "dc.csv", MON, MON + timedelta(days=6), unit_code="NA-DIENCHAU") == 1
        assert export_roster(session, tmp_path / "all.csv", MON, MON, unit_code="NA") == 3
        with pytest.raises(LookupError, match="NOPE"):
            export_roster(session, tmp_path / "x.csv", MON, MON, unit_code="NOPE")
    assert "CB-DC-01,Hồ Thị Lan,DC-HT,2026-03-03,morning" in (tmp_path / "dc.csv").read_text(encoding="utf-8-sig")


def test_files_that_are_not_tables(site, tmp_path):
    with site.begin() as session:
        with pytest.raises(TableError, match=re.escape("unsupported file type '.ods'")):
            import_roster(session, write_csv(tmp_path / "r.ods", "x"))
        (tmp_path / "latin.csv").write_bytes("staff,desk,date,session\nCB,Hà,x,y\n".encode("cp1258"))
        with pytest.raises(TableError, match="not UTF-8"):
            import_roster(session, tmp_path / "latin.csv")
        with pytest.raises(TableError, match="not a readable XLSX workbook"):
            import_roster(session, write_csv(tmp_path / "r.xlsx", "staff,desk,date,session\n"))
        with pytest.raises(ImportRejected, match="row 1, column session: missing column"):
            import_roster(session, write_csv(tmp_path / "r.csv", "staff,desk,date\nCB-TV-01,TV-HT,2026-03-02\n"))
    with pytest.raises(TableError, match=re.escape("'.txt'")):
        write_table(tmp_path / "x.txt", ["a"], [])


def test_excused_absence_import_whole_days_and_times(site, tmp_path):
    path = write_xlsx(tmp_path / "nghi.xlsx", [
        ["Mã cán bộ", "Loại", "Từ", "Đến", "Số văn bản", "Ghi chú"],
        ["CB-TV-01", "nghỉ phép", "02/03/2026", "03/03/2026", None, "phép năm"],
        ["CB-TV-02", "Công tác", "2026-03-02 13:30", "2026-03-02 17:00", "GĐ 15/GĐ-TTPVHCC", None],
        ["CB-TV-03", "om", datetime(2026, 3, 4), datetime(2026, 3, 4), None, None],
    ])
    with site.begin() as session:
        report = import_excuses(session, path, created_by="can-bo-to-chuc")
    assert (report.rows_read, report.added, report.unchanged) == (3, 3, 0)
    with site() as session:
        rows = {(a.staff.code, a.kind, a.starts_at, a.ends_at, a.document_ref, a.created_by)
                for a in session.scalars(select(ExcusedAbsence))}
    assert rows == {
        ("CB-TV-01", AbsenceKind.LEAVE, hn(MON, 0), hn(MON + timedelta(days=2), 0), None, "can-bo-to-chuc"),
        ("CB-TV-02", AbsenceKind.OFFICIAL_TRIP, hn(MON, 13, 30), hn(MON, 17), "GĐ 15/GĐ-TTPVHCC", "can-bo-to-chuc"),
        ("CB-TV-03", AbsenceKind.SICK, hn(MON + timedelta(days=2), 0), hn(MON + timedelta(days=3), 0), None,
         "can-bo-to-chuc"),
    }
    assert hn(MON, 0) == datetime(2026, 3, 1, 17, 0, tzinfo=timezone.utc)  # stored UTC
    with site.begin() as session:
        assert import_excuses(session, path).unchanged == 3


def test_excused_absence_import_is_all_or_nothing(site, tmp_path):
    path = write_csv(tmp_path / "leave.csv", "staff,kind,from,to,document\n"
                     "CB-TV-01,leave,2026-03-02,2026-03-02,\n"
                     "CB-TV-02,official_trip,2026-03-02 08:00,2026-03-02 11:00,\n"  # no written assignment
                     "CB-TV-03,holiday,2026-03-02,2026-03-02,\n"  # unknown kind
                     "CB-TV-04,leave,2026-03-03 10:00,2026-03-03 09:00,\n"  # ends first
                     "CB-TV-01,leave,2026-03-02,2026-03-02,\n")  # duplicate
    with site.begin() as session, pytest.raises(ImportRejected) as caught:
        import_excuses(session, path)
    assert [(e.row, e.column) for e in caught.value.errors] == [(3, "document"), (4, "kind"), (5, "to"), (6, None)]
    with site() as session:
        assert session.scalars(select(ExcusedAbsence)).all() == []


# --- command line ------------------------------------------------------------------------------

@pytest.fixture
def cli_env(site, migrated_url, monkeypatch):
    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    return site


def test_roster_cli_import_show_export(cli_env, cli_runner, tmp_path):
    from deskaudit.cli.roster import roster

    result = cli_runner.invoke(roster, ["import", str(DATA / "roster-vi.csv")])
    assert result.exit_code == 0, result.output
    assert "5 rows read, 5 added" in result.output
    result = cli_runner.invoke(roster, ["pattern", "add", "CB-DC-02", "--desks", "DC-DD,DC-XH", "--every", "7",
                                        "--from", "02/03/2026"])
    assert result.exit_code == 0, result.output
    result = cli_runner.invoke(roster, ["show", "--day", "2026-03-02", "--unit", "NA-TRUONGVINH"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "TV-HT        sáng   CB-TV-01 Nguyễn Thị Hoa" in lines
    assert "TV-HT        chiều  CB-TV-03 Lê Thị Thu Hằng" in lines
    assert "TV-CT        sáng   CB-TV-03 Lê Thị Thu Hằng" in lines
    assert "TV-CT        chiều  — không ai / nobody" in lines  # Hằng is at TV-HT that afternoon
    out = tmp_path / "out.xlsx"
    result = cli_runner.invoke(roster, ["export", str(out), "--from", "2026-03-01", "--to", "2026-03-31"])
    assert result.exit_code == 0 and "5 dòng" in result.output


def test_roster_cli_bad_file_is_exit_2_with_every_error(cli_env, cli_runner, tmp_path):
    from deskaudit.cli.roster import roster

    path = write_csv(tmp_path / "bad.csv", "staff,desk,date,session\nCB-TV-01,TV-HT,2026-03-02,morning\n"
                     "CB-X,TV-HT,2026-03-02,morning\nCB-TV-02,TV-ZZ,2026-03-02,morning\n")
    result = cli_runner.invoke(roster, ["import", str(path)])
    assert result.exit_code == 2
    assert "bad.csv row 3, column staff" in result.output and "bad.csv row 4, column desk" in result.output
    assert entries(cli_env) == []
    assert cli_runner.invoke(roster, ["export", str(tmp_path / "x.csv"), "--from", "31/02/2026",
                                      "--to", "2026-03-31"]).exit_code == 2
    assert cli_runner.invoke(roster, ["export", str(tmp_path / "x.csv"), "--from", "2026-03-01",
                                      "--to", "2026-03-31", "--unit", "NOPE"]).exit_code == 2
    result = cli_runner.invoke(roster, ["pattern", "add", "CB-TV-04", "--desks", "TV-HT,NOPE", "--from", "2026-03-02"])
    assert result.exit_code == 2 and "'NOPE'" in result.output


def test_leave_cli_add_import_list(cli_env, cli_runner, tmp_path):
    from deskaudit.cli.roster import leave

    result = cli_runner.invoke(leave, ["add", "CB-TV-01", "--kind", "nghỉ phép", "--from", "02/03/2026",
                                       "--to", "02/03/2026", "--note", "việc gia đình"])
    assert result.exit_code == 0, result.output
    assert "02/03/2026 00:00 – 03/03/2026 00:00" in result.output
    result = cli_runner.invoke(leave, ["add", "CB-TV-02", "--kind", "công tác", "--from", "2026-03-02 13:30",
                                       "--to", "2026-03-02 17:00"])
    assert result.exit_code == 2 and "written assignment" in result.output
    path = write_csv(tmp_path / "leave.csv", "staff,kind,from,to,document\n"
                     "CB-DC-01,training,2026-03-03,2026-03-05,QĐ 7/QĐ-UBND\n")
    assert cli_runner.invoke(leave, ["import", str(path)]).exit_code == 0
    result = cli_runner.invoke(leave, ["list", "--from", "2026-03-01", "--to", "2026-03-31", "--unit", "NA-TRUONGVINH"])
    assert result.exit_code == 0, result.output
    [line] = result.output.splitlines()
    assert "CB-TV-01" in line and "nghỉ phép" in line and "việc gia đình" in line
    result = cli_runner.invoke(leave, ["list", "--from", "2026-03-01", "--to", "2026-03-31"])
    assert len(result.output.splitlines()) == 2 and "QĐ 7/QĐ-UBND" in result.output
    result = cli_runner.invoke(leave, ["import",
                                       str(write_csv(tmp_path / "x.csv", "staff,kind,from,to\nCB-X,leave,1,2\n"))])
    assert result.exit_code == 2 and "x.csv row 2, column staff" in result.output


def test_show_marks_excused_officials(cli_env, cli_runner):
    from deskaudit.cli.roster import leave, roster

    assert cli_runner.invoke(leave, ["add", "CB-TV-02", "--kind", "ốm", "--from", "2026-03-02 13:00",
                                     "--to", "2026-03-02 17:00"]).exit_code == 0
    lines = cli_runner.invoke(roster, ["show", "--day", "02/03/2026", "--unit", "NA-TRUONGVINH"]).output.splitlines()
    assert "TV-DD        sáng   CB-TV-02 Trần Văn Minh" in lines
    assert "TV-DD        chiều  CB-TV-02 Trần Văn Minh (ốm)" in lines
