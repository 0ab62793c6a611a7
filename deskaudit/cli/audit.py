"""``deskaudit audit run`` and ``deskaudit findings``: propose findings for days, then review them."""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta, timezone

import click
from sqlalchemy import select

from deskaudit.cli.common import BadInput, database
from models.enums import DecisionAction, FindingStatus, local_zone
from models.findings import Finding
from models.org import Desk, Staff

SHOWN_IN = local_zone()
STATUS_VI = {"proposed": "đề xuất", "awaiting_explanation": "chờ giải trình", "confirmed": "đã xác nhận",
             "dismissed": "đã bác bỏ"}


def parse_day(value: str, what: str = "--day") -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{what} {value!r}: use YYYY-MM-DD") from None


@click.group(name="audit")
def audit_group() -> None:
    """Run the audit rules over recorded observations (findings for review, never deductions by themselves)."""


@audit_group.command(name="run")
@click.option("--day", "day_text", metavar="YYYY-MM-DD", help="The local day to audit.")
@click.option("--from", "from_text", metavar="YYYY-MM-DD", help="First day of a range (with --to).")
@click.option("--to", "to_text", metavar="YYYY-MM-DD", help="Last day of a range, inclusive.")
@click.option("--unit", "unit_code", metavar="CODE", help="Only this unit and the units below it.")
def run_(day_text: str | None, from_text: str | None, to_text: str | None, unit_code: str | None) -> None:
    """Propose findings for a day (or a range of days); re-running is safe and keeps every human decision."""
    from audit.services.audit_run import run_audit

    days = _days(day_text, from_text, to_text)
    now = datetime.now(timezone.utc)
    if days[-1] > now.astimezone(SHOWN_IN).date():
        raise BadInput(f"{days[-1].isoformat()} is in the future: there is nothing to audit yet")
    with database() as session:
        label = f"audit {unit_code or 'site'}"
        with click.progressbar(length=len(days), label=label, show_pos=True, file=sys.stderr) as bar:
            try:
                report = run_audit(session, days, now=now, unit_code=unit_code, progress=lambda _: bar.update(1))
            except LookupError as error:
                raise BadInput(str(error)) from None
    stored = report.stored
    click.echo(f"{len(report.days)} day(s), {report.desks} desk(s), {report.sessions} session(s), "
               f"{report.observations} observation(s)")
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(report.by_kind.items())) or "none"
    click.echo(f"findings proposed by the rules: {kinds}")
    click.echo(f"stored: {sum(stored.created.values())} new, {stored.updated} updated, {stored.unchanged} unchanged, "
               f"{stored.kept} already decided (left as they are), {stored.withdrawn} withdrawn")


def _days(day_text, from_text, to_text) -> list[date]:
    if day_text and (from_text or to_text):
        raise BadInput("give either --day or --from/--to, not both")
    if day_text:
        return [parse_day(day_text)]
    if not (from_text and to_text):
        raise BadInput("give --day YYYY-MM-DD, or --from and --to")
    first, last = parse_day(from_text, "--from"), parse_day(to_text, "--to")
    if last < first:
        raise BadInput(f"--to {last} is before --from {first}")
    if (last - first).days > 366:
        raise BadInput("at most 367 days per run")
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


@click.group()
def findings() -> None:
    """Review findings: ask for the official's explanation (giải trình), record it, confirm or dismiss."""


@findings.command(name="list")
@click.option("--unit", "unit_code", metavar="CODE", help="Only this unit and the units below it.")
@click.option("--month", metavar="YYYY-MM", help="Only this month.")
@click.option("--status", type=click.Choice([s.value for s in FindingStatus]), help="Only this status.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100000))
def list_(unit_code: str | None, month: str | None, status: str | None, limit: int) -> None:
    """One line per finding: id, status, day, desk, official, deduction proposed, summary."""
    from audit.services.daily_facts import unit_and_descendants

    with database() as session:
        query = (select(Finding, Desk.code, Staff.code).outerjoin(Desk, Finding.desk_id == Desk.id)
                 .outerjoin(Staff, Finding.staff_id == Staff.id).order_by(Finding.day.desc(), Finding.id.desc())
                 .limit(limit))
        if unit_code:
            try:
                query = query.where(Finding.unit_id.in_(unit_and_descendants(session, unit_code)))
            except LookupError as error:
                raise BadInput(str(error)) from None
        if month:
            first = _month_start(month)
            following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
            query = query.where(Finding.day >= first, Finding.day < following)
        if status:
            query = query.where(Finding.status == FindingStatus(status))
        rows = session.execute(query).all()
        if not rows:
            click.echo("no findings")
        for finding, desk, staff in rows:
            points = f"-{finding.proposed_deduction:g}" if finding.proposed_deduction else "-"
            click.echo(f"{finding.id:>6}  {STATUS_VI[finding.status.value]:<15} {finding.day:%d/%m/%Y} "
                       f"{desk or '-':<8} {staff or '(đơn vị)':<10} {points:>6}  {finding.summary}")


@findings.command()
@click.argument("finding_id", type=int)
def show(finding_id: int) -> None:
    """A finding with its evidence, explanations and every decision."""
    with database() as session:
        finding = session.get(Finding, finding_id)
        if finding is None:
            raise BadInput(f"no finding #{finding_id}")
        click.echo(f"#{finding.id} {finding.kind.value} — {STATUS_VI[finding.status.value]}")
        click.echo(f"  {finding.summary}")
        if finding.proposed_deduction is not None:
            click.echo(f"  checklist item {finding.checklist_item_number}: "
                       f"-{finding.proposed_deduction:g} if confirmed")
        for item in finding.evidence:
            click.echo(f"  evidence: observation {item.observation_id} {item.snapshot_path or ''}".rstrip())
        for explanation in finding.explanations:
            at = explanation.submitted_at.astimezone(SHOWN_IN).strftime("%d/%m/%Y %H:%M")
            click.echo(f"  explanation {at}: {explanation.text}")
        for decision in finding.decisions:
            at = decision.decided_at.astimezone(SHOWN_IN).strftime("%d/%m/%Y %H:%M")
            click.echo(f"  {at} {decision.action.value}: {decision.from_status.value} → {decision.to_status.value}"
                       f" (user {decision.decided_by_id}) {decision.reason or ''}".rstrip())


def _decide(action: DecisionAction, finding_id: int, username: str, reason: str | None) -> None:
    from audit.services.workflow import WorkflowError, decide, user_named

    with database() as session:
        try:
            finding = decide(session, finding_id, action, by=user_named(session, username),
                             now=datetime.now(timezone.utc), reason=reason)
        except WorkflowError as error:
            raise BadInput(str(error)) from None
        click.echo(f"finding #{finding.id}: {STATUS_VI[finding.status.value]}")


@findings.command(name="request")
@click.argument("finding_id", type=int)
@click.option("--by", "username", required=True, metavar="USER")
@click.option("--reason", default=None, help="What the official is asked to explain.")
def request_(finding_id: int, username: str, reason: str | None) -> None:
    """Ask the official for an explanation (proposed → awaiting explanation)."""
    _decide(DecisionAction.REQUEST_EXPLANATION, finding_id, username, reason)


@findings.command()
@click.argument("finding_id", type=int)
@click.option("--text", required=True, help="The official's explanation.")
@click.option("--by", "username", default=None, metavar="USER", help="Who recorded it.")
@click.option("--attachment", default=None, help="A document reference (e.g. a leave decision number).")
def explain(finding_id: int, text: str, username: str | None, attachment: str | None) -> None:
    """Record the official's explanation of a finding awaiting one."""
    from audit.services.workflow import WorkflowError, user_named
    from audit.services.workflow import explain as record

    with database() as session:
        try:
            user = user_named(session, username) if username else None
            record(session, finding_id, text, now=datetime.now(timezone.utc), by=user, attachment_ref=attachment)
        except WorkflowError as error:
            raise BadInput(str(error)) from None
        click.echo(f"finding #{finding_id}: explanation recorded")


for _name, _action, _help in (
        ("confirm", DecisionAction.CONFIRM, "Confirm after the explanation: the deduction then counts."),
        ("dismiss", DecisionAction.DISMISS, "Dismiss (e.g. the explanation holds): no deduction."),
        ("reopen", DecisionAction.REOPEN, "Reopen a decided finding (back to awaiting explanation).")):
    def _command(finding_id: int, username: str, reason: str, _action=_action) -> None:
        _decide(_action, finding_id, username, reason)

    _command.__doc__ = _help
    findings.command(name=_name)(click.option("--reason", required=True)(
        click.option("--by", "username", required=True, metavar="USER")(
            click.argument("finding_id", type=int)(_command))))


def _month_start(month: str) -> date:
    try:
        return datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        raise BadInput(f"--month {month!r}: use YYYY-MM") from None


__all__ = ["audit_group", "findings", "parse_day"]
