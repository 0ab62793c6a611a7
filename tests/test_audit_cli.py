"""From a seeded month to the monthly report, through the command line: seed, audit, review, report."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest
from pypdf import PdfReader

from deskaudit.cli import cli

pytestmark = pytest.mark.slow
UNTIL = "2026-03-31"


def run(cli_runner, *args, input=None, code=0):
    result = cli_runner.invoke(cli, list(args), input=input)
    assert result.exit_code == code, result.output
    return result.output


def vi(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}".replace(".", ",")


def expected_summary(units: pd.DataFrame) -> str:
    ranked = units[units["rank"].notna()]
    scores = [Decimal(str(s)) for s in ranked["score"]]
    good = int(ranked["class"].isin(["good", "excellent"]).sum())
    mean = sum(scores) / len(scores)
    return (f"{good}/{len(scores)} đơn vị xếp loại tốt, bình quân {vi(mean)} điểm, "
            f"cao nhất {vi(max(scores))}, thấp nhất {vi(min(scores))}")


def test_seed_audit_review_and_report_a_month(cli_runner, tmp_path):
    out = run(cli_runner, "demo", "seed", "--days", "22", "--until", UNTIL)
    assert "22 ngày làm việc" in out and "inspection records: 2" in out
    again = run(cli_runner, "demo", "seed", "--days", "22", "--until", UNTIL)  # re-seeding replaces, never doubles
    assert "inspection records" not in again
    assert len(run(cli_runner, "inspection", "list").strip().splitlines()) == 2
    out = run(cli_runner, "audit", "run", "--from", "2026-03-01", "--to", UNTIL)
    created = int(re.search(r"stored: (\d+) new", out)[1])
    assert created > 20
    again = run(cli_runner, "audit", "run", "--from", "2026-03-01", "--to", UNTIL)
    assert f"stored: 0 new, 0 updated, {created} unchanged" in again

    xlsx, pdf = tmp_path / "thang-03.xlsx", tmp_path / "thang-03.pdf"
    out = run(cli_runner, "report", "month", "2026-03", "--xlsx", str(xlsx), "--pdf", str(pdf))
    sheets = pd.read_excel(xlsx, sheet_name=None)
    assert list(sheets) == ["summary", "units", "desks", "officials", "findings"]
    findings, units, officials = sheets["findings"], sheets["units"], sheets["officials"]
    assert len(findings) == created and set(findings["status"]) == {"proposed"}
    assert {"late_arrival", "camera_gap"} <= set(findings["kind"])
    assert findings[findings["kind"] == "camera_gap"]["staff_code"].isna().all()  # never personal
    summary = dict(zip(sheets["summary"]["key"], sheets["summary"]["value"]))
    assert summary["summary_vi"] == expected_summary(units) and summary["summary_vi"] in out
    assert len(sheets["desks"]) == 6 and (sheets["desks"]["scheduled_hours"] > 0).all()
    # nothing confirmed yet: proposals cost nothing (the seeded inspection records may)
    assert not officials["deductions"].fillna("").str.contains("phát hiện").any()
    before = officials.set_index("staff_code")["discipline_raw"]
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "BÁO CÁO KẾT QUẢ GIÁM SÁT BỘ PHẬN MỘT CỬA" in text and summary["summary_vi"] in text

    # Review one late arrival through the explanation workflow; the score then counts it.
    run(cli_runner, "users", "add", "thanhtra", "--role", "inspector", "--unit", "NA", "--password-stdin",
        input="mat-khau-dai-du-12\n")
    late = findings[findings["kind"] == "late_arrival"].iloc[0]
    finding_id, official = str(late["id"]), late["staff_code"]
    run(cli_runner, "findings", "confirm", finding_id, "--by", "thanhtra", "--reason", "x", code=2)  # ask first
    run(cli_runner, "findings", "request", finding_id, "--by", "thanhtra")
    run(cli_runner, "findings", "explain", finding_id, "--text", "Xe hỏng trên đường đi làm")
    out = run(cli_runner, "findings", "confirm", finding_id, "--by", "thanhtra", "--reason", "Không có giấy tờ")
    assert "đã xác nhận" in out
    shown = run(cli_runner, "findings", "show", finding_id)
    assert "Xe hỏng trên đường đi làm" in shown and "awaiting_explanation → confirmed" in shown
    rerun = run(cli_runner, "audit", "run", "--from", "2026-03-01", "--to", UNTIL)
    assert "1 already decided" in rerun

    run(cli_runner, "report", "month", "2026-03", "--xlsx", str(xlsx))
    sheets = pd.read_excel(xlsx, sheet_name=None)
    row = sheets["officials"].set_index("staff_code").loc[official]
    assert row["discipline_raw"] == before[official] - 2 and row["findings_confirmed"] == 1
    assert f"(phát hiện #{finding_id})" in row["deductions"]
    summary = dict(zip(sheets["summary"]["key"], sheets["summary"]["value"]))
    assert summary["summary_vi"] == expected_summary(sheets["units"])


def test_bad_input_is_refused_and_writes_nothing(cli_runner, tmp_path):
    run(cli_runner, "demo", "--no-serve", "--history-days", "0")
    assert "use YYYY-MM-DD" in run(cli_runner, "audit", "run", "--day", "2026-02-30", code=2)
    assert "no unit with code 'NOPE'" in run(cli_runner, "audit", "run", "--day", "2026-03-02", "--unit", "NOPE",
                                             code=2)
    assert "either --day or --from/--to" in run(cli_runner, "audit", "run", "--day", "2026-03-02", "--from",
                                                "2026-03-01", "--to", "2026-03-03", code=2)
    assert "in the future" in run(cli_runner, "audit", "run", "--day", "2099-01-01", code=2)
    out = tmp_path / "r.xlsx"
    assert "YYYY-MM" in run(cli_runner, "report", "month", "2026-13", "--xlsx", str(out), code=2)
    assert ".xlsx" in run(cli_runner, "report", "month", "2026-03", "--xlsx", str(tmp_path / "r.txt"), code=2)
    assert "does not exist" in run(cli_runner, "report", "month", "2026-03", "--xlsx", str(tmp_path / "no" / "r.xlsx"),
                                   code=2)
    assert not out.exists()
    assert "no active user 'nobody'" in run(cli_runner, "findings", "request", "4242", "--by", "nobody", code=2)
