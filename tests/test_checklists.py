"""The default checklist (18 items, docs/INSPECTIONS.md), its idempotent creation and the camera-finding mapping."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from audit.rules.checklist import DEFAULT_ITEMS, DEFAULT_TEMPLATE_CODE, deduction_label
from audit.services.checklists import active_template, ensure_default_template, item_for_finding
from models.checklists import ChecklistItem, ChecklistTemplate
from models.enums import FindingKind, ItemScope

DOMAIN_TABLE = [  # number, Vietnamese, deduction (None = C), scope
    (1, "Có mặt tại quầy đúng giờ", "2", "personal"),
    (2, "Không vắng quầy quá 15 phút khi không có lý do", "3", "personal"),
    (3, "Không vắng cả buổi khi không có lý do", "10", "personal"),
    (4, "Không về sớm", "2", "personal"),
    (5, "Đeo thẻ công chức", "2", "personal"),
    (6, "Trang phục đúng quy định", "1", "personal"),
    (7, "Biển tên, chức danh tại quầy", "1", "personal"),
    (8, "Không dùng điện thoại, chơi game việc riêng khi có người dân chờ", "3", "personal"),
    (9, "Không hút thuốc", "3", "personal"),
    (10, "Không uống rượu bia trong giờ, nghỉ trưa", "10", "personal"),
    (11, "Thái độ lịch sự, không hách dịch (“6 biết”)", "5", "personal"),
    (12, "Không nhũng nhiễu, gây phiền hà", None, "personal"),
    (13, "Niêm yết công khai TTHC, phí, thời hạn, đường dây nóng (“5 công khai”)", "2", "unit"),
    (14, "Hồ sơ trễ hạn có Phiếu xin lỗi", "2", "personal"),
    (15, "Lãnh đạo trực một cửa theo lịch", "2", "unit"),
    (16, "Mở thêm quầy khi hàng chờ dài", "1", "unit"),
    (17, "Máy lấy số, đánh giá hài lòng hoạt động", "1", "unit"),
    (18, "Bàn làm việc gọn gàng", "0.5", "personal"),
]


def test_the_default_items_are_domain_md_s_table():
    assert [(s.number, s.text_vi, None if s.deduction is None else str(s.deduction), s.scope.value)
            for s in DEFAULT_ITEMS] == DOMAIN_TABLE
    assert [s.number for s in DEFAULT_ITEMS if s.refer_discipline] == [12]
    assert DEFAULT_ITEMS[13].text_en == "Apology slip for each late dossier"
    assert DEFAULT_ITEMS[10].text_en == 'Courtesy ("6 biết": greet, smile, listen, guide, thank, apologise)'
    assert {s.number: s.camera_finding_kind for s in DEFAULT_ITEMS if s.camera_finding_kind} == {
        1: FindingKind.LATE_ARRIVAL, 2: FindingKind.UNATTENDED, 3: FindingKind.ABSENT_SESSION,
        4: FindingKind.EARLY_LEAVE}


def test_ensure_creates_version_1_once(session_for):
    with session_for.begin() as session:
        first = ensure_default_template(session)
        assert (first.code, first.version, first.active) == (DEFAULT_TEMPLATE_CODE, 1, True)
    with session_for.begin() as session:
        again = ensure_default_template(session)
        assert again.id == first.id
        assert session.scalar(select(func.count()).select_from(ChecklistTemplate)) == 1
        assert session.scalar(select(func.count()).select_from(ChecklistItem)) == 18
        stored = {i.number: i for i in again.items}
        assert stored[12].deduction is None and stored[12].refer_discipline
        assert stored[18].deduction == Decimal("0.5") and stored[14].per_occurrence
        assert [n for n, i in stored.items() if i.scope == ItemScope.UNIT] == [13, 15, 16, 17]
        assert [deduction_label(stored[n]) for n in (1, 12, 18)] == ["−2", "C", "−0,5"]


def test_ensure_never_alters_an_existing_version_and_a_newer_version_wins(session_for):
    with session_for.begin() as session:
        v1 = ensure_default_template(session)
        v1.items[0].deduction = Decimal("4")  # a unit's own decision, stored in place for this test
    with session_for.begin() as session:
        assert ensure_default_template(session).items[0].deduction == Decimal("4")
        v2 = ChecklistTemplate(code=DEFAULT_TEMPLATE_CODE, version=2, name_vi="Bộ tiêu chí 2026", name_en="2026 set",
                               decision_ref="QĐ 12/QĐ-UBND", active=True,
                               items=[ChecklistItem(number=1, text_vi="Có mặt tại quầy đúng giờ", text_en="On time",
                                                    deduction=Decimal("1"), scope=ItemScope.PERSONAL,
                                                    camera_finding_kind=FindingKind.LATE_ARRIVAL)])
        session.add(v2)
    with session_for.begin() as session:
        assert active_template(session).version == 2
        assert ensure_default_template(session).version == 2
        assert item_for_finding(session, FindingKind.LATE_ARRIVAL).deduction == Decimal("1")
        assert item_for_finding(session, FindingKind.EARLY_LEAVE) is None  # version 2 has no such item


@pytest.mark.parametrize("kind, number", [
    (FindingKind.LATE_ARRIVAL, 1), (FindingKind.UNATTENDED, 2), (FindingKind.UNATTENDED_QUEUE, 2),
    (FindingKind.ABSENT_SESSION, 3), (FindingKind.EARLY_LEAVE, 4), (FindingKind.CAMERA_GAP, None),
])
def test_camera_findings_map_to_items(session_for, kind, number):
    with session_for.begin() as session:
        assert active_template(session) is None
        item = item_for_finding(session, kind)  # creates the default template on first use
        assert (item.number if item else None) == number
        assert active_template(session) is not None


def test_no_item_when_every_version_is_deactivated(session_for):
    with session_for.begin() as session:
        ensure_default_template(session).active = False
    with session_for.begin() as session:
        assert item_for_finding(session, FindingKind.LATE_ARRIVAL) is None
        assert session.scalar(select(func.count()).select_from(ChecklistTemplate)) == 1
