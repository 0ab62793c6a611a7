"""The form of an inspection record (biên bản) under Decree 30/2020/NĐ-CP on administrative documents: the
place-and-date line, the header's bodies and the legal basis, as pure text rules."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

DEFAULT_INSPECTING_BODY = "Đoàn kiểm tra công vụ"
# Commune-level words left out of a place name, unless the name is a number ("Phường 3", Decree 30 App. I).
COMMUNE_WORDS = ("Phường", "Xã", "Thị trấn", "Đặc khu")
STATUTES = (  # the default "Căn cứ" lines of every record ([inspection] legal_basis)
    ("Nghị định số 118/2025/NĐ-CP ngày 09 tháng 6 năm 2025 của Chính phủ về thực hiện thủ tục hành chính theo cơ "
     "chế một cửa, một cửa liên thông tại Bộ phận Một cửa và Cổng Dịch vụ công quốc gia"),
    ("Nghị định số 335/2025/NĐ-CP ngày 21 tháng 12 năm 2025 của Chính phủ quy định về đánh giá, xếp loại chất "
     "lượng đối với cơ quan hành chính nhà nước và công chức"),
)


def date_line(day: date) -> str:
    """"ngày 05 tháng 3 năm 2026": a day below 10 and the months 1 and 2 take a leading zero (Decree 30/2020,
    Appendix I), so that nothing can be written in front of them later."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def place_from_address(address: str | None) -> str | None:
    """The place name an address gives: its first part without "Phường"/"Xã"/"Thị trấn"/"Đặc khu", unless what
    follows is a number ("Phường Trường Vinh, tỉnh Nghệ An" → "Trường Vinh"; "Phường 3, …" stays)."""
    first = (address or "").split(",")[0].strip()
    for word in COMMUNE_WORDS:
        match = re.fullmatch(rf"{word}\s+(.+)", first, flags=re.IGNORECASE)
        if match and not match.group(1)[0].isdigit():
            return match.group(1).strip()
    return first or None


def place_and_date(place: str, day: date) -> str:
    """The line under the national motto: "Trường Vinh, ngày 05 tháng 3 năm 2026"."""
    return f"{place}, {date_line(day)}"


@dataclass(frozen=True)
class UnitForm:
    """What a unit says about the records made of it (its config's ``place_name``, ``superior``,
    ``inspecting_body``), with its name and address for the fallbacks."""

    name: str
    address: str | None = None
    place_name: str | None = None
    superior: str | None = None
    inspecting_body: str | None = None


@dataclass(frozen=True)
class RecordHeading:
    """The bodies of the top-left header, in capitals, and the place of the date line."""

    superior: str | None
    issuer: str
    place: str


def record_heading(chain: Sequence[UnitForm]) -> RecordHeading:
    """The header of a record of ``chain[0]`` (the inspected unit; then each unit above it, nearest first).

    The inspecting body and its superior are the nearest unit's that names them, so a province sets them once
    for every unit below it; no inspecting body: "ĐOÀN KIỂM TRA CÔNG VỤ"; no superior: no superior line (the
    parent unit's own name is not taken: the inspecting body is seldom the inspected unit). The place is the
    inspected unit's ``place_name``, else its address's commune (``place_from_address``), else its name.
    """
    if not chain:
        raise ValueError("record_heading needs the inspected unit")
    unit = chain[0]
    superior = next((u.superior for u in chain if u.superior), None)
    issuer = next((u.inspecting_body for u in chain if u.inspecting_body), DEFAULT_INSPECTING_BODY)
    place = unit.place_name or place_from_address(unit.address) or unit.name
    return RecordHeading(superior.upper() if superior else None, issuer.upper(), place)


def basis_lines(statutes: Sequence[str], basis: str | None) -> list[str]:
    """The "Căn cứ …" lines: each statute, then the inspection's own basis (its decision or plan); each line ends
    with ";" and the last with "." (Decree 30/2020, Appendix I)."""
    texts = [t for t in (*statutes, basis or "") if t and t.strip()]
    lines = []
    for index, text in enumerate(texts):
        text = text.strip().rstrip(";.,").strip()
        if not text.lower().startswith("căn cứ"):
            text = f"Căn cứ {text}"
        lines.append(text + ("." if index == len(texts) - 1 else ";"))
    return lines
