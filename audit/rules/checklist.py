"""The default inspection checklist (18 items, docs/INSPECTIONS.md) and how a deduction reads. Pure: no database."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from models.enums import FindingKind, ItemScope

DEFAULT_TEMPLATE_CODE = "mot-cua-mac-dinh"
DEFAULT_TEMPLATE_NAME_VI = "Kiểm tra công vụ tại Bộ phận Một cửa (mặc định)"
DEFAULT_TEMPLATE_NAME_EN = "Civil-service inspection of a one-stop desk (default)"


@dataclass(frozen=True)
class ItemSpec:
    """One checklist item before it is stored: ``deduction`` None means "refer for discipline" (C)."""

    number: int
    text_vi: str
    text_en: str
    deduction: Decimal | None
    scope: ItemScope = ItemScope.PERSONAL
    refer_discipline: bool = False
    camera_finding_kind: FindingKind | None = None


class Deducting(Protocol):
    """What a deduction label needs of an item (a stored ``ChecklistItem`` or an ``ItemSpec``)."""

    deduction: Decimal | None
    refer_discipline: bool


_P, _U = ItemScope.PERSONAL, ItemScope.UNIT

DEFAULT_ITEMS: tuple[ItemSpec, ...] = (
    ItemSpec(1, "Có mặt tại quầy đúng giờ", "At the desk on time", Decimal("2"),
             camera_finding_kind=FindingKind.LATE_ARRIVAL),
    ItemSpec(2, "Không vắng quầy quá 15 phút khi không có lý do", "Not away from the desk > 15 min without reason",
             Decimal("3"),
             camera_finding_kind=FindingKind.UNATTENDED),
    ItemSpec(3, "Không vắng cả buổi khi không có lý do", "Not absent a whole session without reason", Decimal("10"),
             camera_finding_kind=FindingKind.ABSENT_SESSION),
    ItemSpec(4, "Không về sớm", "Does not leave early", Decimal("2"), camera_finding_kind=FindingKind.EARLY_LEAVE),
    ItemSpec(5, "Đeo thẻ công chức", "Wears name badge", Decimal("2")),
    ItemSpec(6, "Trang phục đúng quy định", "Proper dress", Decimal("1")),
    ItemSpec(7, "Biển tên, chức danh tại quầy", "Nameplate and title at the desk", Decimal("1")),
    ItemSpec(8, "Không dùng điện thoại, chơi game việc riêng khi có người dân chờ",
             "No personal phone/games while citizens wait", Decimal("3")),
    ItemSpec(9, "Không hút thuốc", "No smoking", Decimal("3")),
    ItemSpec(10, "Không uống rượu bia trong giờ, nghỉ trưa", "No alcohol in hours or at lunch", Decimal("10")),
    ItemSpec(11, "Thái độ lịch sự, không hách dịch (“6 biết”)",
             'Courtesy ("6 biết": greet, smile, listen, guide, thank, apologise)', Decimal("5")),
    ItemSpec(12, "Không nhũng nhiễu, gây phiền hà", "No harassment or bribes", None, refer_discipline=True),
    ItemSpec(13, "Niêm yết công khai TTHC, phí, thời hạn, đường dây nóng (“5 công khai”)",
             "Procedures, fees, deadlines, officer, hotline posted", Decimal("2"), scope=_U),
    ItemSpec(14, "Hồ sơ trễ hạn có Phiếu xin lỗi", "Apology slip for each late dossier", Decimal("2")),
    ItemSpec(15, "Lãnh đạo trực một cửa theo lịch", "Leader on duty per roster", Decimal("2"), scope=_U),
    ItemSpec(16, "Mở thêm quầy khi hàng chờ dài", "Extra desk opened when the queue is long", Decimal("1"), scope=_U),
    ItemSpec(17, "Máy lấy số, đánh giá hài lòng hoạt động", "Ticket and satisfaction devices working",
             Decimal("1"), scope=_U),
    ItemSpec(18, "Bàn làm việc gọn gàng", "Tidy desk", Decimal("0.5")),
)

# Camera kinds that have no item of their own: a queue left waiting is still an unattended desk;
# a camera gap is the unit's equipment problem, never an official's deduction.
KIND_ALIASES = {FindingKind.UNATTENDED_QUEUE: FindingKind.UNATTENDED}


def deduction_label(item: Deducting, *, decimal_comma: bool = True) -> str:
    """How an item's deduction reads in lists: "−2", "−0,5", or "C" (refer for discipline)."""
    if item.deduction is None:
        return "C" if item.refer_discipline else "0"
    return "−" + format_points(item.deduction, decimal_comma=decimal_comma)


def format_points(value: Decimal, *, decimal_comma: bool = True) -> str:
    """A points value without trailing zeros: 2, 0,5, 84,92 (decimal comma, as Vietnamese reports write)."""
    text = format(Decimal(value).normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",") if decimal_comma else text
