"""PDF basics shared by the audit's documents: A4 pages, Vietnamese-capable DejaVu fonts, tables, numbers."""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Literal, NamedTuple

from fpdf import FPDF
from fpdf.fonts import FontFace

FONT = "DejaVu"
SYSTEM_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
REGULAR, BOLD = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"
ITALIC = "DejaVuSans-Oblique.ttf"  # beside the regular file in matplotlib and fonts-dejavu; else upright
MARGIN_MM = 15
HEADING_FILL = (230, 230, 230)


class Margins(NamedTuple):
    """Page margins in millimetres."""

    left: float
    top: float
    right: float
    bottom: float


# Decree 30/2020/NĐ-CP, Appendix I: top and bottom 20–25 mm, left 30–35 mm, right 15–20 mm.
DECREE_30_MARGINS = Margins(left=30, top=20, right=15, bottom=20)


class FontMissing(RuntimeError):
    """No DejaVu Sans on this machine: Vietnamese text cannot be set without it."""


def font_candidates() -> list[Path]:
    """Folders that may hold DejaVu Sans: matplotlib's bundled fonts (found without importing it), then the system's."""
    folders = []
    spec = importlib.util.find_spec("matplotlib")
    if spec is not None and spec.submodule_search_locations:
        folders += [Path(where) / "mpl-data" / "fonts" / "ttf" for where in spec.submodule_search_locations]
    folders.append(SYSTEM_FONT_DIR)
    return folders


def font_files() -> tuple[Path, Path]:
    """The regular and bold DejaVu Sans files. Raises FontMissing naming every folder tried."""
    tried = font_candidates()
    for folder in tried:
        regular, bold = folder / REGULAR, folder / BOLD
        if regular.is_file() and bold.is_file():
            return regular, bold
    raise FontMissing(f"{REGULAR} and {BOLD} not found in {', '.join(str(f) for f in tried)}: install matplotlib "
                      "or the fonts-dejavu-core package")


class AuditPDF(FPDF):
    """An A4 portrait document with an optional diagonal mark (e.g. DỰ THẢO) and its page numbers: "Trang x/y" in
    the footer, or (``page_numbers="top"``, an administrative document under Decree 30/2020) the bare number
    centred in the top margin from page 2 on."""

    def __init__(self, title: str, *, watermark: str | None = None, margins: Margins | None = None,
                 page_numbers: Literal["footer", "top"] = "footer") -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        regular, bold = font_files()
        italic = regular.with_name(ITALIC)
        self.add_font(FONT, "", regular)
        self.add_font(FONT, "B", bold)
        self.add_font(FONT, "I", italic if italic.is_file() else regular)
        self.margins = margins or Margins(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM)
        self.set_margins(self.margins.left, self.margins.top, self.margins.right)
        self.set_auto_page_break(auto=True, margin=self.margins.bottom + (5 if page_numbers == "footer" else 0))
        self.set_title(title)
        self.set_creator("deskaudit")
        self.set_lang("vi")
        self.watermark = watermark
        self.page_numbers = page_numbers
        self.set_font(FONT, "", 11)

    def header(self) -> None:
        family, style, size = self.font_family, self.font_style, self.font_size_pt
        if self.page_numbers == "top" and self.page_no() > 1:
            self.set_font(FONT, "", 11)
            self.set_xy(self.l_margin, self.margins.top / 2 - 2.5)
            self.cell(self.usable_width, 5, str(self.page_no()), align="C")
            self.set_xy(self.l_margin, self.t_margin)
        if self.watermark:
            self.set_font(FONT, "B", 72)
            self.set_text_color(235, 190, 190)
            x_mid, y_mid = self.w / 2, self.h / 2
            width = self.get_string_width(self.watermark)
            with self.rotation(45, x_mid, y_mid):
                self.text(x_mid - width / 2, y_mid, self.watermark)
            self.set_text_color(0, 0, 0)
        self.set_font(family, style, size)

    def footer(self) -> None:
        if self.page_numbers != "footer":
            return
        self.set_y(-self.margins.bottom)
        self.set_font(FONT, "", 8)
        self.cell(0, 5, f"Trang {self.page_no()}/{{nb}}", align="C")

    @property
    def usable_width(self) -> float:
        return self.w - self.l_margin - self.r_margin


def new_pdf(title: str, *, watermark: str | None = None, margins: Margins | None = None,
            page_numbers: Literal["footer", "top"] = "footer") -> AuditPDF:
    """A new document with its first page added, DejaVu ("DejaVu", regular, bold and italic) at 11 pt."""
    pdf = AuditPDF(title, watermark=watermark, margins=margins, page_numbers=page_numbers)
    pdf.add_page()
    return pdf


def table(pdf: FPDF, headers: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float], *,
          align: Sequence[str] | None = None, font_size: float = 9, bold_rows: Sequence[int] = ()) -> None:
    """A bordered table across the page: bold shaded header (repeated on each new page), wrapped cells.

    Args:
        widths: relative column widths; the table spans the usable page width.
        align: per column "L", "C", "R" or "J" (default left).
        bold_rows: indexes of ``rows`` set in bold (e.g. a totals line).
    """
    if any(len(row) != len(headers) for row in rows):
        raise ValueError(f"every row needs {len(headers)} cells (one per header)")
    pdf.set_font(FONT, "", font_size)
    bold = FontFace(emphasis="BOLD")
    with pdf.table(col_widths=tuple(widths), width=pdf.w - pdf.l_margin - pdf.r_margin,
                   text_align=tuple(align or ["L"] * len(headers)), line_height=font_size * 0.5,
                   headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL), repeat_headings=1,
                   padding=1, align="LEFT") as grid:
        heading = grid.row()
        for text in headers:
            heading.cell(text, align="C")
        for index, cells in enumerate(rows):
            row = grid.row()
            for text in cells:
                row.cell(str(text), style=bold if index in bold_rows else None)


def heading(pdf: FPDF, text: str, *, size: float = 11) -> None:
    """A bold section heading on its own line."""
    pdf.set_font(FONT, "B", size)
    pdf.ln(2)
    pdf.multi_cell(0, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 11)


def labelled(pdf: FPDF, label: str, value: str, *, size: float = 11) -> None:
    """One "Label: value" line, the label bold, the value wrapped under the page width."""
    pdf.set_font(FONT, "B", size)
    width = pdf.get_string_width(label + ": ") + 1
    pdf.cell(width, size * 0.5, label + ":")
    pdf.set_font(FONT, "", size)
    pdf.multi_cell(0, size * 0.5, value, align="L", new_x="LMARGIN", new_y="NEXT")


def vn_number(value: Decimal | float | int, places: int | None = None) -> str:
    """A number as Vietnamese reports write it: decimal comma, no trailing zeros unless ``places`` is given."""
    number = Decimal(str(value))
    if places is not None:
        text = f"{number.quantize(Decimal(1).scaleb(-places)):f}"
    else:
        text = format(number.normalize(), "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    if text in ("-0", "-0.0"):
        text = text[1:]
    return text.replace(".", ",")
