"""The staff list of the user's units (category, sending agency, leader flag), and an admin's edit of one person.

The same fields as the site config and ``deskaudit staff import``; every change goes to the change log, and a
person edited here is managed by the web (a config import leaves them alone unless it lists their code).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from audit.rules.scoring import CATEGORY_LABELS_VI, CLASSIFIED
from audit.services.staff_voice import VoiceError, new_staff_account
from models.access import ChangeLog, User
from models.enums import ChangeAction, StaffCategory
from models.org import Agency, Desk, Staff
from web.db import get_session
from web.passwords import hash_password, password_problem
from web.read import now_utc
from web.scope import ADMIN_ROLES, REVIEW_ROLES, can, roles_required, visible_unit_ids

bp = Blueprint("staff_page", __name__, url_prefix="/staff")
EDITABLE = ("category", "agency_id", "is_leader", "default_desk_id", "title", "email")


def _person(code: str) -> Staff:
    person = get_session().scalars(
        select(Staff).where(Staff.code == code, Staff.unit_id.in_(sorted(visible_unit_ids())))
        .options(joinedload(Staff.unit), joinedload(Staff.agency), joinedload(Staff.default_desk))).first()
    if person is None:
        abort(404)
    return person


@bp.get("")
@roles_required(*REVIEW_ROLES)
def index():
    people = get_session().scalars(
        select(Staff).where(Staff.active.is_(True), Staff.unit_id.in_(sorted(visible_unit_ids())))
        .options(joinedload(Staff.unit), joinedload(Staff.agency), joinedload(Staff.default_desk))
        .order_by(Staff.unit_id, Staff.code)).all()
    return render_template("staff/index.html", people=people, labels=CATEGORY_LABELS_VI, classified=CLASSIFIED,
                           can_admin=can(*ADMIN_ROLES))


def _render(person: Staff, *, error: str | None = None, status: int = 200, account_error: str | None = None,
            account_form: dict | None = None):
    db = get_session()
    desks = db.scalars(select(Desk).where(Desk.unit_id == person.unit_id, Desk.active.is_(True))
                       .order_by(Desk.code)).all()
    agencies = db.scalars(select(Agency).where(Agency.active.is_(True)).order_by(Agency.code)).all()
    changes = db.scalars(select(ChangeLog).where(ChangeLog.entity_type == "staff", ChangeLog.entity_key == person.code)
                         .order_by(ChangeLog.at.desc(), ChangeLog.id.desc()).limit(20)).all()
    account = db.scalars(select(User).where(User.staff_id == person.id)).first()
    return render_template("staff/edit.html", person=person, desks=desks, agencies=agencies, changes=changes,
                           labels=CATEGORY_LABELS_VI, categories=list(StaffCategory), error=error,
                           account=account, account_error=account_error, account_form=account_form or {}), status


@bp.get("/<code>/edit")
@roles_required(*ADMIN_ROLES)
def edit(code: str):
    return _render(_person(code))


@bp.post("/<code>/edit")
@roles_required(*ADMIN_ROLES)
def update(code: str):
    db = get_session()
    person = _person(code)
    form = request.form
    try:
        category = StaffCategory(form.get("category", ""))
    except ValueError:
        return _render(person, error=_("Loại cán bộ không hợp lệ."), status=422)
    agency_id = None
    if form.get("agency"):
        agency_id = db.scalar(select(Agency.id).where(Agency.code == form["agency"], Agency.active.is_(True)))
        if agency_id is None:
            return _render(person, error=_("Không có cơ quan quản lý mã %(code)s.", code=form["agency"]), status=422)
    desk_id = None
    if form.get("desk"):
        desk_id = db.scalar(select(Desk.id).where(Desk.code == form["desk"], Desk.unit_id == person.unit_id,
                                                  Desk.active.is_(True)))
        if desk_id is None:
            return _render(person, error=_("Quầy %(code)s không thuộc đơn vị này.", code=form["desk"]), status=422)
    title, email = (form.get("title") or "").strip() or None, (form.get("email") or "").strip() or None
    if len(title or "") > 255 or len(email or "") > 255:
        return _render(person, error=_("Chức vụ và thư điện tử tối đa 255 ký tự."), status=422)
    wanted = {"category": category, "agency_id": agency_id, "is_leader": bool(form.get("leader")),
              "default_desk_id": desk_id, "title": title, "email": email}
    changes = {name: [_plain(getattr(person, name)), _plain(value)] for name, value in wanted.items()
               if getattr(person, name) != value}
    if changes:
        for name, value in wanted.items():
            setattr(person, name, value)
        person.managed_by = "web"
        db.add(ChangeLog(at=now_utc(), actor=current_user.username, source="web", entity_type="staff",
                         entity_key=person.code, action=ChangeAction.UPDATE, changes=changes))
        db.commit()
        flash(_("Đã lưu %(name)s.", name=person.full_name))
    else:
        flash(_("Không có thay đổi."))
    return redirect(url_for(".index"))


@bp.post("/<code>/account")
@roles_required(*ADMIN_ROLES)
def create_account(code: str):
    """The official's own account (role staff), as `deskaudit users add NAME --role staff --staff CODE` makes it."""
    db = get_session()
    person = _person(code)
    form = {k: (request.form.get(k) or "").strip() for k in ("username", "email")}
    password = request.form.get("password") or ""
    problem = password_problem(password)
    if problem is None:
        try:
            user = new_staff_account(db, form["username"], hash_password(password), person.code,
                                     email=form["email"] or None)
        except VoiceError as error:
            problem = str(error)
    if problem is not None:
        db.rollback()
        return _render(_person(code), account_error=_("Không tạo được tài khoản: %(why)s", why=problem),
                       account_form=form, status=422)
    db.add(ChangeLog(at=now_utc(), actor=current_user.username, source="web", entity_type="user",
                     entity_key=user.username, action=ChangeAction.CREATE,
                     changes={"role": [None, "staff"], "staff": [None, person.code], "email": [None, user.email]}))
    db.commit()
    flash(_("Đã tạo tài khoản %(user)s cho %(name)s.", user=user.username, name=person.full_name))
    return redirect(url_for(".edit", code=person.code))


def _plain(value):
    return value.value if isinstance(value, StaffCategory) else value
