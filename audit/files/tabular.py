"""CSV and XLSX tables in and out: rows of strings with their source row numbers, and errors that name them."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

SUFFIXES = (".csv", ".xlsx")  # what write_table writes
READ_SUFFIXES = (".csv", ".xlsx", ".xls")  # the one-stop software still exports Excel 97–2003 files
HEADER_SEARCH_ROWS = 20  # exports of one-stop software often put a title block above the header


class TableError(ValueError):
    """A file that cannot be read as a table at all (format, encoding, sheet, missing columns)."""


@dataclass(frozen=True)
class RowError:
    """One problem in one cell (or one row when ``column`` is None) of a source file."""

    row: int
    column: str | None
    message: str

    def render(self, source: str) -> str:
        where = f"{source} row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class ImportRejected(Exception):
    """An import refused as a whole: ``errors`` lists every bad row; nothing was written."""

    def __init__(self, source: str, errors: Sequence[RowError]):
        self.source = source
        self.errors = sorted(errors, key=lambda e: (e.row, e.column or ""))
        n = len(self.errors)
        lines = [e.render(source) for e in self.errors]
        summary = (f"{source}: {n} lỗi, không nhập dòng nào / "
                   f"{n} error{'s' if n != 1 else ''}, nothing imported")
        super().__init__("\n".join([*lines, summary]))


@dataclass(frozen=True)
class Column:
    """A column the caller expects, by canonical name and accepted header aliases."""

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = True


@dataclass(frozen=True)
class Row:
    """One data row: trimmed cell text by canonical column name ('' for blank) and its source row number."""

    number: int
    values: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> str:
        return self.values.get(name, "")


@dataclass(frozen=True)
class Table:
    """The rows of a file, the canonical columns its header had, and the name used in messages."""

    source: str
    columns: frozenset[str]
    rows: list[Row]


def header_key(text: str) -> str:
    """Header text folded for matching: trimmed, case- and accent-insensitive, '_'/'-' as spaces."""
    text = unicodedata.normalize("NFD", str(text).strip().casefold().replace("đ", "d"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return " ".join(re.sub(r"[_\-]+", " ", text).split())


def cell_text(value: object) -> str:
    """A cell as text: Excel dates as YYYY-MM-DD (HH:MM), whole numbers without '.0', blanks as ''."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M" if value.second == 0 else "%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _csv_records(path: Path) -> list[list[object]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise TableError(f"{path.name}: not UTF-8 text (byte {error.start}); save it as CSV UTF-8") from None
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _xlsx_records(path: Path, sheet: str | None) -> list[list[object]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise TableError(f"{path.name}: not a readable XLSX workbook ({error})") from None
    try:
        if sheet is None:
            ws = book.worksheets[0]
        elif sheet in book.sheetnames:
            ws = book[sheet]
        else:
            raise TableError(f"{path.name}: no sheet {sheet!r} (sheets: {', '.join(book.sheetnames)})")
        return [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        book.close()


def _xls_records(path: Path, sheet: str | None) -> list[list[object]]:
    import xlrd

    try:
        book = xlrd.open_workbook(str(path))
    except (xlrd.XLRDError, OSError, ValueError, AssertionError) as error:
        raise TableError(f"{path.name}: not a readable XLS workbook ({error})") from None
    names = book.sheet_names()
    if sheet is not None and sheet not in names:
        raise TableError(f"{path.name}: no sheet {sheet!r} (sheets: {', '.join(names)})")
    ws = book.sheet_by_name(sheet) if sheet is not None else book.sheet_by_index(0)
    records = []
    for r in range(ws.nrows):
        record: list[object] = []
        for c in range(ws.ncols):
            cell = ws.cell(r, c)
            if cell.ctype == xlrd.XL_CELL_DATE:
                record.append(xlrd.xldate_as_datetime(cell.value, book.datemode))
            elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                record.append(None)
            else:
                record.append(cell.value)
        records.append(record)
    return records


def read_records(path: str | Path, sheet: str | None = None) -> list[list[object]]:
    """Every row of a CSV, XLSX or XLS file as raw cell values (what read_table reads its header and rows from).

    Raises:
        TableError: unknown suffix, missing or unreadable file, missing sheet.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in READ_SUFFIXES:
        raise TableError(f"{path.name}: unsupported file type {path.suffix or '(none)'!r}; use .csv, .xlsx or .xls")
    if not path.is_file():
        raise TableError(f"{path}: file not found")
    if suffix == ".csv":
        return _csv_records(path)
    return _xlsx_records(path, sheet) if suffix == ".xlsx" else _xls_records(path, sheet)


def two_row_header(top: list[object], bottom: list[object]) -> list[str]:
    """One header from a two-row header with merged group cells: a group label ("Đã giải quyết") spans the
    blank cells to its right that have a sub-header below; each column reads "group sub-header"."""
    width = max(len(top), len(bottom))
    texts = []
    group = ""
    for i in range(width):
        upper = cell_text(top[i]) if i < len(top) else ""
        lower = cell_text(bottom[i]) if i < len(bottom) else ""
        if upper:
            group = upper if lower else ""
            texts.append(f"{upper} {lower}".strip())
        else:
            texts.append(f"{group} {lower}".strip() if lower else "")
            if not lower:
                group = ""
    return texts


def _match_header(record: list[object], columns: Sequence[Column]) -> dict[int, str]:
    wanted = {}
    for column in columns:
        for alias in (column.name, *column.aliases):
            wanted.setdefault(header_key(alias), column.name)
    return {i: wanted[header_key(cell_text(v))] for i, v in enumerate(record)
            if header_key(cell_text(v)) in wanted}


def read_table(path: str | Path, columns: Sequence[Column], *, sheet: str | None = None,
               source: str | None = None) -> Table:
    """Read a CSV (UTF-8, BOM optional, ',' or ';'), XLSX or XLS (first or named sheet) into rows.

    The header is the first row (within the first 20) that names every required column, or the first two
    rows that do together (``two_row_header``); columns the caller did not ask for are ignored, blank rows
    skipped. Row numbers are the file's own (header on row 1 → first data row 2).

    Raises:
        TableError: unknown suffix, unreadable file, missing sheet.
        ImportRejected: a required column is missing or named twice.
    """
    path = Path(path)
    source = source or path.name
    records = read_records(path, sheet)
    required = {c.name for c in columns if c.required}
    header_at, found = None, {}
    for index, record in enumerate(records[:HEADER_SEARCH_ROWS]):
        found = _match_header(record, columns)
        if required <= set(found.values()):
            header_at = index
            break
        if index + 1 < len(records):  # a two-row header: merged groups above their sub-headers
            found = _match_header(list(two_row_header(record, records[index + 1])), columns)
            if required <= set(found.values()):
                header_at = index + 1
                break
    if header_at is None:
        first = next((i for i, r in enumerate(records) if any(cell_text(v) for v in r)), 0)
        found = _match_header(records[first], columns) if records else {}
        errors = [RowError(first + 1, c.name, "missing column (accepted headers: "
                           + ", ".join(repr(a) for a in (c.name, *c.aliases)) + ")")
                  for c in columns if c.required and c.name not in found.values()]
        raise ImportRejected(source, errors)
    seen: dict[str, int] = {}
    errors = []
    for index, name in found.items():
        if name in seen:
            errors.append(RowError(header_at + 1, name,
                                   f"column given twice (headers {seen[name] + 1} and {index + 1})"))
        seen[name] = index
    if errors:
        raise ImportRejected(source, errors)
    rows = []
    for number, record in enumerate(records[header_at + 1:], start=header_at + 2):
        values = {name: cell_text(record[i]) if i < len(record) else "" for i, name in found.items()}
        if any(values.values()):
            rows.append(Row(number, values))
    return Table(source, frozenset(found.values()), rows)


# --- values ------------------------------------------------------------------------------------

_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
_DATETIME_FORMATS = ("%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%Y-%m-%dT%H:%M",
                     "%Y-%m-%dT%H:%M:%S")


def parse_date(text: str) -> date:
    """YYYY-MM-DD or dd/mm/yyyy; raises ValueError naming the text."""
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date (YYYY-MM-DD or dd/mm/yyyy)")


def parse_datetime(text: str) -> datetime:
    """'YYYY-MM-DD HH:MM' or 'dd/mm/yyyy HH:MM' (seconds optional), naive; raises ValueError naming the text."""
    for fmt in _DATETIME_FORMATS:
        try:
            return datetime.strptime(" ".join(text.split()), fmt)
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date and time (YYYY-MM-DD HH:MM or dd/mm/yyyy HH:MM)")


def parse_date_or_datetime(text: str) -> date | datetime:
    """A bare date or a date-time (naive), whichever the text is."""
    try:
        return parse_date(text)
    except ValueError:
        pass
    try:
        return parse_datetime(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date or a date and time "
                         "(YYYY-MM-DD, dd/mm/yyyy, YYYY-MM-DD HH:MM or dd/mm/yyyy HH:MM)") from None


def parse_month(text: str) -> str:
    """YYYY-MM or MM/YYYY (or an Excel date cell on the 1st) → 'YYYY-MM'; raises ValueError."""
    text = text.strip()
    match = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-01)?", text) or re.fullmatch(r"(\d{1,2})/(\d{4})", text)
    if match:
        year, month = match.groups() if "-" in text else match.groups()[::-1]
        if 1 <= int(month) <= 12:
            return f"{int(year):04d}-{int(month):02d}"
    raise ValueError(f"{text!r} is not a month (YYYY-MM or MM/YYYY)")


def parse_count(text: str) -> int:
    """A non-negative whole number; raises ValueError naming the text."""
    text = text.strip()
    if re.fullmatch(r"[+-]?\d+", text):
        value = int(text)
        if value < 0:
            raise ValueError(f"{text!r} is negative (a count must be 0 or more)")
        return value
    raise ValueError(f"{text!r} is not a whole number" if text else "empty (a count is required)")


# --- writing -----------------------------------------------------------------------------------

def write_table(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[object]], *,
                sheet: str = "Sheet1") -> int:
    """Write rows to CSV (UTF-8 with BOM, so Excel shows Vietnamese) or XLSX by suffix; returns the row count.

    Dates become real date cells in XLSX and YYYY-MM-DD in CSV.

    Raises:
        TableError: the suffix is neither .csv nor .xlsx.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise TableError(f"{path.name}: unsupported file type {path.suffix or '(none)'!r}; use .csv or .xlsx")
    rows = [list(r) for r in rows]
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows([cell_text(v) for v in r] for r in rows)
        return len(rows)
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(list(header))
    for r in rows:
        ws.append(r)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, datetime):
                cell.number_format = "DD/MM/YYYY HH:MM"
            elif isinstance(cell.value, date):
                cell.number_format = "DD/MM/YYYY"
    book.save(path)
    return len(rows)


def write_frames(path: str | Path, frames: dict[str, object]) -> None:
    """Write pandas frames to one XLSX, a sheet each in order; header row frozen, columns sized to content."""
    import pandas as pd

    with pd.ExcelWriter(Path(path), engine="openpyxl") as writer:
        for name, frame in frames.items():
            frame.to_excel(writer, sheet_name=name, index=False)  # type: ignore[attr-defined]
            sheet = writer.sheets[name]
            sheet.freeze_panes = "A2"
            for column in sheet.columns:
                width = max((len(str(c.value)) for c in column if c.value is not None), default=8)
                sheet.column_dimensions[column[0].column_letter].width = min(60, max(8, width + 2))
