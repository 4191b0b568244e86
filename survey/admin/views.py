"""The secretariat's pages: the cycle overview, questionnaire editing, cycles, review,
States, users, the audit trail and the exports.

Every endpoint of the blueprint is for administrators only: the check runs before each
request (anonymous users are sent to sign in, others get 403), so no view can forget it.
Views load, validate the form, call one service and redirect.
"""

from __future__ import annotations

import io
import logging
import re
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from redis.exceptions import RedisError
from sqlalchemy.orm import selectinload
from werkzeug import Response as HttpResponse
from werkzeug.routing import BuildError

from survey.admin import forms, reminders
from survey.admin import services as admin_services
from survey.admin.audit_values import event_values
from survey.admin.progress import SORT_KEYS, cycle_progress, filter_and_sort, status_counts
from survey.auth import services as accounts
from survey.auth.models import Role, User
from survey.auth.tokens import LinkPurpose
from survey.core.audit import AuditEvent
from survey.core.audit_labels import action_label
from survey.core.db import db
from survey.core.errors import DomainError, render_error
from survey.core.i18n import day, isolate
from survey.core.mail import mail_configured
from survey.core.queues import redis_connection
from survey.cycles import services as cycles
from survey.cycles.models import ReportingCycle
from survey.exports import jobs as export_jobs
from survey.exports import stored
from survey.exports.documents import iter_json_chunks
from survey.exports.models import ExportKind, StoredExport
from survey.exports.tabular import export_file_name, iter_csv_chunks
from survey.questionnaires import editing
from survey.questionnaires.localized import localized
from survey.questionnaires.models import (
    Paragraph,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Section,
    VersionStatus,
)
from survey.questionnaires.outline import outline_of
from survey.questionnaires.services import dump_definition, export_definition
from survey.reports.national import current_locale
from survey.reports.pdf import PdfRenderError, RenderTimeout
from survey.responses import notices
from survey.responses import services as answering
from survey.responses.forms import section_form
from survey.responses.models import Response, ResponseStatus
from survey.responses.services import answer_token
from survey.states.models import ParticipantKind, RegionalGroup, State
from survey.states.services import alphabetical_key, localized_name, name_matches, state_name

log = logging.getLogger(__name__)

bp = Blueprint("admin", __name__, url_prefix="/admin")

USERS_PER_PAGE = 50
AUDIT_PER_PAGE = 50


@bp.before_request
def _secretariat_only() -> Any:
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not current_user.is_admin:
        abort(403)
    return None


# The audit trail's actions as people read them, on every page that lists events.
bp.add_app_template_global(action_label)


@bp.app_template_global()
def report_url(response_id: int) -> str | None:
    """The HTML report of a response, where the reports feature provides one."""
    for rule in current_app.url_map.iter_rules():
        if rule.rule == "/responses/<int:response_id>/report":
            try:
                return url_for(rule.endpoint, response_id=response_id)
            except BuildError:
                return None
    return None


def _invalid(template: str, **context: Any) -> tuple[str, int]:
    """The form again, with its errors and the input kept (nothing was changed)."""
    return render_template(template, **context), 422


# --- the overview ---------------------------------------------------------------------------

@bp.route("/")
def overview() -> str:
    """Every State's status and progress in a cycle, with a chart of the statuses."""
    all_cycles = _cycles()
    form = forms.OverviewFilterForm(all_cycles)
    valid = form.validate()
    current = cycles.current_cycle()
    cycle = next((c for c in all_cycles if valid and c.id == form.cycle.data), current)
    if cycle is None and all_cycles:
        cycle = all_cycles[0]
    if cycle is None:
        return render_template("admin/overview.html", cycle=None, form=form)
    form.cycle.data = cycle.id
    rows = cycle_progress(cycle)
    group = RegionalGroup(form.group.data) if valid and form.group.data else None
    status = ResponseStatus(form.status.data) if valid and form.status.data else None
    sort = form.sort.data if valid and form.sort.data in SORT_KEYS else "name"
    descending = valid and form.order.data == "desc"
    with_focal_point = ({"with": True, "without": False}.get(form.focal_point.data)
                        if valid else None)
    in_group = filter_and_sort(rows, group=group)
    shown = filter_and_sort(in_group, status=status, with_focal_point=with_focal_point,
                            sort=sort, descending=descending)
    nominations = db.session.scalar(sa.select(sa.func.count()).where(
        User.nomination_pending.is_(True)))
    return render_template(
        "admin/overview.html", cycle=cycle, form=form, rows=shown, total=len(rows),
        counts=status_counts(in_group), group=group, sort=sort, descending=descending,
        nominations=nominations,
        sort_url=lambda key: url_for(
            "admin.overview", cycle=cycle.id, status=form.status.data or None,
            group=form.group.data or None, focal_point=form.focal_point.data or None, sort=key,
            order="desc" if key == sort and not descending else "asc"))


def _cycles() -> list[ReportingCycle]:
    return list(db.session.scalars(sa.select(ReportingCycle).order_by(
        ReportingCycle.opens_on.desc(), ReportingCycle.id.desc()).limit(100)))


# --- questionnaires: browsing ---------------------------------------------------------------

@bp.route("/questionnaires")
def questionnaires() -> str:
    """Each questionnaire with its versions."""
    items = db.session.scalars(sa.select(Questionnaire).order_by(Questionnaire.title)).all()
    using: dict[int, list[ReportingCycle]] = {}
    for cycle in _cycles():
        using.setdefault(cycle.questionnaire_version_id, []).append(cycle)
    return render_template("admin/questionnaires.html", questionnaires=items, using=using,
                           draft_form=forms.ConfirmForm())


def _version_or_404(version_id: int) -> QuestionnaireVersion:
    version = db.session.get(QuestionnaireVersion, version_id)
    if version is None:
        abort(404)
    return version


@bp.route("/versions/<int:version_id>")
def version(version_id: int) -> str:
    """A version's sections, with how many paragraphs and questions each has."""
    version = _version_or_404(version_id)
    return render_template("admin/version.html", version=version, outline=outline_of(version),
                           draft=editing.draft_of(version.questionnaire_id),
                           draft_form=forms.ConfirmForm())


def _section_or_404(version: QuestionnaireVersion, key: str) -> Section:
    section = db.session.scalar(sa.select(Section).where(
        Section.version_id == version.id, Section.key == key))
    if section is None:
        abort(404)
    return section


@bp.route("/versions/<int:version_id>/sections/<key>")
def version_section(version_id: int, key: str) -> str:
    """A section's paragraphs, each text beside its questions, with the editing actions."""
    version = _version_or_404(version_id)
    _section_or_404(version, key)
    outline = outline_of(version)
    section = outline.sections_by_key[key]
    return render_template("admin/version_section.html", version=version, outline=outline,
                           section=section, move_form=forms.MoveForm())


@bp.route("/versions/<int:version_id>/definition.json")
def version_definition(version_id: int) -> HttpResponse:
    """The version as a JSON definition (the format `survey questionnaire import` reads)."""
    version = _version_or_404(version_id)
    name = f"{version.questionnaire.slug}-v{version.number}.json"
    return current_app.response_class(
        dump_definition(export_definition(version)), mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/versions/<int:version_id>/preview", defaults={"key": None})
@bp.route("/versions/<int:version_id>/preview/<key>")
def preview(version_id: int, key: str | None) -> str | HttpResponse:
    """A section as a focal point will see it (nothing entered is saved)."""
    version = _version_or_404(version_id)
    outline = outline_of(version)
    answerable = outline.answerable_sections()
    if not answerable:
        abort(404)
    if key is None:
        return redirect(url_for("admin.preview", version_id=version.id, key=answerable[0].key))
    section = outline.sections_by_key.get(key)
    if section is None or not section.has_questions:
        abort(404)
    top = outline.top_level(section.key)
    index = answerable.index(top)
    questions = list(section.all_questions())
    return render_template(
        "admin/preview.html", version=version, outline=outline, section=section,
        form=section_form(questions, {}), tokens={q.key: answer_token(None) for q in questions},
        answerable=answerable,
        previous_section=answerable[index - 1] if index > 0 else None,
        next_section=answerable[index + 1] if index + 1 < len(answerable) else None)


@bp.route("/versions/<int:version_id>/changes")
def version_changes(version_id: int) -> str:
    """What changed from the version this one was based on (or the one before it)."""
    version = _version_or_404(version_id)
    compared = editing.compared_version(version)
    diff = editing.diff_versions(compared, version) if compared else None
    return render_template("admin/changes.html", version=version, compared=compared, diff=diff)


# --- questionnaires: editing ----------------------------------------------------------------

@bp.route("/versions/<int:version_id>/draft", methods=["POST"])
def new_draft(version_id: int) -> HttpResponse:
    """Copy a published version into a new draft to edit."""
    version = _version_or_404(version_id)
    form = forms.ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        draft = editing.new_draft_from(version, actor=current_user)
    except editing.DraftExists as exc:
        flash(str(exc), "warning")
        return redirect(url_for("admin.version", version_id=exc.draft.id))
    except DomainError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.version", version_id=version.id))
    flash(_("Version %(n)d is a draft copy of version %(old)d: edit it, then publish it.",
            n=draft.number, old=version.number), "success")
    return redirect(url_for("admin.version", version_id=draft.id))


@bp.route("/versions/<int:version_id>/discard", methods=["GET", "POST"])
def discard_draft(version_id: int) -> str | HttpResponse:
    """Delete a draft version (after confirmation)."""
    version = _version_or_404(version_id)
    form = forms.ConfirmForm()
    if form.validate_on_submit():
        questionnaire_id = version.questionnaire_id
        try:
            editing.discard_draft(version, actor=current_user)
        except DomainError as exc:
            flash(str(exc), "error")
            return redirect(url_for("admin.version", version_id=version_id))
        flash(_("The draft has been discarded."), "success")
        return redirect(url_for("admin.questionnaires", _anchor=f"q-{questionnaire_id}"))
    return render_template("admin/confirm.html", form=form, version=version,
                           title=_("Discard draft version %(n)d", n=version.number),
                           message=_("Every change made in this draft will be lost."),
                           button=_("Discard the draft"),
                           back=url_for("admin.version", version_id=version.id))


def _question_or_404(version: QuestionnaireVersion, key: str) -> Question:
    question = editing.question_by_key(version, key)
    if question is None:
        abort(404)
    return question


def _back_to(question_or_paragraph: Question | Paragraph) -> str:
    version_id = question_or_paragraph.version_id
    section = db.session.get(Section, question_or_paragraph.section_id)
    top = section.parent.key if section.parent_id else section.key
    if isinstance(question_or_paragraph, Question):
        anchor = "q-" + question_or_paragraph.key.replace(".", "-")
    else:
        anchor = f"p{question_or_paragraph.number}"
    return url_for("admin.version_section", version_id=version_id, key=top, _anchor=anchor)


def _apply_edit_errors(form: forms.QuestionForm, exc: editing.InvalidEdit) -> list[str]:
    """Put the service's problems next to the fields; return those about no one field."""
    general = list(exc.errors)
    for name, messages in exc.field_errors.items():
        field = getattr(form, name, None)
        if field is None:
            general.extend(f"{name}: {m}" for m in messages)
        else:
            field.errors = [*field.errors, *messages]
    return general


@bp.route("/versions/<int:version_id>/questions/<key>/edit", methods=["GET", "POST"])
def edit_question(version_id: int, key: str) -> Any:
    """Change a question's type, wording, help, options, condition, requirement."""
    version = _version_or_404(version_id)
    question = _question_or_404(version, key)
    if not version.is_editable:
        flash(_("Version %(n)d is published and never changes. Make a new draft to edit it.",
                n=version.number), "warning")
        return redirect(_back_to(question))
    sources = [q for q in editing.siblings(question) if q.position < question.position]
    form = (forms.QuestionForm(sources=sources) if request.method == "POST"
            else forms.QuestionForm.from_question(question, sources=sources))
    context = {"version": version, "question": question, "form": form, "errors": []}
    if not form.validate_on_submit():
        if request.method == "POST":
            return _invalid("admin/question_form.html", **context)
        return render_template("admin/question_form.html", **context)
    try:
        editing.update_question(question, form.spec(), actor=current_user)
    except editing.InvalidEdit as exc:
        context["errors"] = _apply_edit_errors(form, exc)
        return _invalid("admin/question_form.html", **context)
    except DomainError as exc:
        flash(str(exc), "error")
        return redirect(_back_to(question))
    flash(_("The question %(key)s has been saved.", key=key), "success")
    return redirect(_back_to(question))


def _add_question(version: QuestionnaireVersion, place: Paragraph | Section) -> Any:
    sources = editing.siblings(place)
    form = forms.QuestionForm(sources=sources, adding=True)
    if request.method == "GET" and not form.key.data:
        prefix = f"p{place.number}." if isinstance(place, Paragraph) else f"{place.key}."
        form.key.data = prefix.lower()
    context = {"version": version, "place": place, "form": form, "errors": []}
    if not form.validate_on_submit():
        if request.method == "POST":
            return _invalid("admin/question_form.html", **context)
        return render_template("admin/question_form.html", **context)
    try:
        question = editing.add_question(place, form.spec(), actor=current_user)
    except editing.InvalidEdit as exc:
        context["errors"] = _apply_edit_errors(form, exc)
        return _invalid("admin/question_form.html", **context)
    except DomainError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.version", version_id=version.id))
    flash(_("The question %(key)s has been added.", key=question.key), "success")
    return redirect(_back_to(question))


def _paragraph_or_404(version: QuestionnaireVersion, number: int) -> Paragraph:
    paragraph = db.session.scalar(sa.select(Paragraph).where(
        Paragraph.version_id == version.id, Paragraph.number == number))
    if paragraph is None:
        abort(404)
    return paragraph


@bp.route("/versions/<int:version_id>/paragraphs/<int:number>/questions/new",
          methods=["GET", "POST"])
def add_question(version_id: int, number: int) -> Any:
    """Add a question at the end of a paragraph."""
    version = _version_or_404(version_id)
    return _add_question(version, _paragraph_or_404(version, number))


@bp.route("/versions/<int:version_id>/sections/<key>/questions/new", methods=["GET", "POST"])
def add_section_question(version_id: int, key: str) -> Any:
    """Add a question to a section's own part (outside its paragraphs: the general part)."""
    version = _version_or_404(version_id)
    return _add_question(version, _section_or_404(version, key))


@bp.route("/versions/<int:version_id>/questions/<key>/delete", methods=["GET", "POST"])
def delete_question(version_id: int, key: str) -> Any:
    """Remove a question from a draft (after confirmation); answers given to it stay."""
    version = _version_or_404(version_id)
    question = _question_or_404(version, key)
    form = forms.ConfirmForm()
    back = _back_to(question)
    if blocking := editing.dependents(question):
        # Said before anything is asked: a question others depend on cannot go yet.
        return render_template(
            "admin/confirm.html", form=None, version=version,
            title=_("Remove the question %(key)s", key=key), quote=question.label,
            message=editing.removal_blocked_message(question, blocking), back=back,
            links=[(q.key, q.label, _back_to(q)) for q in blocking]), \
            409 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            editing.delete_question(question, actor=current_user)
        except DomainError as exc:
            flash(str(exc), "error")
            return redirect(back)
        flash(_("The question %(key)s has been removed from the draft.", key=key), "success")
        return redirect(back)
    return render_template(
        "admin/confirm.html", form=form, version=version,
        title=_("Remove the question %(key)s", key=key), quote=question.label,
        message=_("Answers already given to it are kept: the States see them read-only under "
                  "“Answers to questions no longer asked”, and they are still exported."),
        button=_("Remove the question"), back=back)


@bp.route("/versions/<int:version_id>/questions/<key>/move", methods=["POST"])
def move_question(version_id: int, key: str) -> HttpResponse:
    """Move a question up or down within its paragraph."""
    version = _version_or_404(version_id)
    question = _question_or_404(version, key)
    form = forms.MoveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        editing.move_question(question, -1 if form.direction.data == "up" else 1,
                              actor=current_user)
    except DomainError as exc:
        flash(str(exc), "error")
    return redirect(_back_to(question))


@bp.route("/versions/<int:version_id>/paragraphs/<int:number>/edit", methods=["GET", "POST"])
def edit_paragraph(version_id: int, number: int) -> Any:
    """Mark a paragraph as committing States to act, or not, with the reason."""
    version = _version_or_404(version_id)
    paragraph = _paragraph_or_404(version, number)
    if not version.is_editable:
        flash(_("Version %(n)d is published and never changes. Make a new draft to edit it.",
                n=version.number), "warning")
        return redirect(_back_to(paragraph))
    form = forms.ParagraphForm(
        actionable=paragraph.actionable, reason=paragraph.actionable_reason)
    context = {"version": version, "paragraph": paragraph, "form": form, "errors": [],
               "question_count": len(editing.siblings(paragraph))}
    if not form.validate_on_submit():
        if request.method == "POST":
            return _invalid("admin/paragraph_form.html", **context)
        return render_template("admin/paragraph_form.html", **context)
    try:
        editing.set_paragraph_actionable(
            paragraph, form.actionable.data, form.reason.data, actor=current_user,
            remove_questions=form.remove_questions.data)
    except editing.InvalidEdit as exc:
        context["errors"] = exc.errors + [m for ms in exc.field_errors.values() for m in ms]
        return _invalid("admin/paragraph_form.html", **context)
    except DomainError as exc:
        flash(str(exc), "error")
        return redirect(_back_to(paragraph))
    flash(_("Paragraph %(n)d has been saved.", n=number), "success")
    return redirect(_back_to(paragraph))


@bp.route("/versions/<int:version_id>/sections/<key>/edit", methods=["GET", "POST"])
def edit_section(version_id: int, key: str) -> Any:
    """Change a section's title."""
    version = _version_or_404(version_id)
    section = _section_or_404(version, key)
    back = url_for("admin.version_section", version_id=version.id,
                   key=section.parent.key if section.parent_id else section.key)
    if not version.is_editable:
        flash(_("Version %(n)d is published and never changes. Make a new draft to edit it.",
                n=version.number), "warning")
        return redirect(back)
    form = forms.SectionTitleForm(title=section.title)
    context = {"version": version, "section": section, "form": form, "errors": [],
               "back": back}
    if not form.validate_on_submit():
        if request.method == "POST":
            return _invalid("admin/section_form.html", **context)
        return render_template("admin/section_form.html", **context)
    try:
        editing.rename_section(section, form.title.data, actor=current_user)
    except editing.InvalidEdit as exc:
        form.title.errors = [*form.title.errors, *exc.errors]
        return _invalid("admin/section_form.html", **context)
    except DomainError as exc:
        flash(str(exc), "error")
        return redirect(back)
    flash(_("The section's title has been saved."), "success")
    return redirect(back)


@bp.route("/versions/<int:version_id>/publish", methods=["GET", "POST"])
def publish(version_id: int) -> Any:
    """Show what changed since the version the draft was based on, then publish it."""
    version = _version_or_404(version_id)
    if not version.is_editable:
        flash(_("Version %(n)d is published already.", n=version.number), "warning")
        return redirect(url_for("admin.version", version_id=version.id))
    compared = editing.compared_version(version)
    diff = editing.diff_versions(compared, version) if compared else None
    movable = editing.cycles_to_move(version)
    form = forms.PublishForm(change_note=version.change_note or None)
    form.cycles.choices = forms.options((c.id, c.name) for c in movable)
    if request.method == "GET":
        form.cycles.data = [c.id for c in movable]
    impacts = {c.id: cycles.move_impact(c, version) for c in movable}
    base = (db.session.get(QuestionnaireVersion, version.based_on_id)
            if version.based_on_id is not None else None)
    context = {"version": version, "compared": compared, "base": base, "diff": diff,
               "form": form, "movable": movable, "impacts": impacts}
    if not form.validate_on_submit():
        if request.method == "POST":
            return _invalid("admin/publish.html", **context)
        return render_template("admin/publish.html", **context)
    chosen = [c for c in movable if c.id in (form.cycles.data or [])]
    try:
        editing.publish_draft(version, actor=current_user, change_note=form.change_note.data or "",
                              cycles=chosen)
    except DomainError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.publish", version_id=version.id))
    flash(_("Version %(n)d is published.", n=version.number), "success")
    for cycle in chosen:
        flash(_("“%(cycle)s” now uses version %(n)d; its answers carried over.",
                cycle=isolate(cycle.name), n=version.number), "success")
    return redirect(url_for("admin.version", version_id=version.id))


# --- cycles ---------------------------------------------------------------------------------

def _cycle_or_404(cycle_id: int) -> ReportingCycle:
    cycle = db.session.get(ReportingCycle, cycle_id)
    if cycle is None:
        abort(404)
    return cycle


def _published_versions() -> list[QuestionnaireVersion]:
    return list(db.session.scalars(
        sa.select(QuestionnaireVersion).where(
            QuestionnaireVersion.status == VersionStatus.PUBLISHED)
        .order_by(QuestionnaireVersion.questionnaire_id, QuestionnaireVersion.number.desc())))


def _version_choices(versions: list[QuestionnaireVersion]) -> list[Any]:
    return forms.options(
        (v.id, _("%(title)s — version %(n)d", title=isolate(v.questionnaire.title),
                 n=v.number))
        for v in versions)


@bp.route("/cycles")
def cycle_list() -> str:
    """The reporting cycles, latest first."""
    return render_template("admin/cycles.html", cycles=_cycles())


@bp.route("/cycles/new", methods=["GET", "POST"])
def new_cycle() -> Any:
    """Create a reporting cycle (planned: States cannot answer until it opens)."""
    form = forms.CycleForm()
    form.version.choices = _version_choices(_published_versions())
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("admin/cycle_form.html", form=form, cycle=None), status
    version = db.session.get(QuestionnaireVersion, form.version.data)
    try:
        cycle = cycles.create_cycle(form.name.data.strip(), form.slug.data, version,
                                    form.opens_on.data, form.closes_on.data, actor=current_user)
    except DomainError as exc:
        form.slug.errors = [*form.slug.errors, str(exc)]
        return _invalid("admin/cycle_form.html", form=form, cycle=None)
    flash(_("The reporting cycle has been created. Open it when States may start."), "success")
    return redirect(url_for("admin.cycle", cycle_id=cycle.id))


@bp.route("/cycles/<int:cycle_id>")
def cycle(cycle_id: int) -> str:
    """A cycle: its dates, status, questionnaire version, and its exports."""
    return _cycle_page(_cycle_or_404(cycle_id))


def _cycle_page(cycle: ReportingCycle, close_form: forms.CloseCycleForm | None = None,
                remind_form: forms.RemindForm | None = None) -> str:
    newer = [v for v in _published_versions()
             if v.questionnaire_id == cycle.questionnaire_version.questionnaire_id
             and v.id != cycle.questionnaire_version_id]
    # What closing would lock: the responses not yet submitted, by status.
    by_status = dict(db.session.execute(
        sa.select(Response.status, sa.func.count()).where(Response.cycle_id == cycle.id)
        .group_by(Response.status)).all())
    not_submitted = [(status, by_status[status]) for status in (
        ResponseStatus.NOT_STARTED, ResponseStatus.IN_PROGRESS, ResponseStatus.RETURNED)
        if by_status.get(status)]
    close_form = close_form or forms.CloseCycleForm(formdata=None)
    locked = sum(count for _status, count in not_submitted)
    if locked:
        close_form.confirm.label.text = ngettext(
            "I understand that closing locks editing for the %(num)d State whose response is "
            "not yet submitted",
            "I understand that closing locks editing for the %(num)d States whose responses "
            "are not yet submitted", locked)
    else:
        close_form.confirm.label.text = _(
            "I understand that closing locks editing for every State")
    remind_form = remind_form or forms.RemindForm(formdata=None, prefix=REMIND_PREFIX)
    remind_form.confirm.label.text = ngettext(
        "Mail a reminder to the focal points of the %(num)d State whose response is not yet "
        "submitted",
        "Mail a reminder to the focal points of the %(num)d States whose responses are not "
        "yet submitted", locked)
    return render_template("admin/cycle.html", cycle=cycle, action_form=forms.ConfirmForm(),
                           close_form=close_form, newer=newer, not_submitted=not_submitted,
                           remind_form=remind_form, mail=mail_configured(),
                           last_reminder=reminders.last_reminder(cycle))


# The cycle page's other form has a confirmation box too: ids and labels must not clash.
REMIND_PREFIX = "remind"


@bp.route("/cycles/<int:cycle_id>/remind", methods=["POST"])
def remind(cycle_id: int) -> Any:
    """Mail the focal points of every State still to finish, once the box is ticked."""
    cycle = _cycle_or_404(cycle_id)
    form = forms.RemindForm(prefix=REMIND_PREFIX)
    if not form.validate_on_submit():
        return _cycle_page(cycle, remind_form=form), 422
    try:
        reminded = reminders.remind_states(cycle, actor=current_user)
    except DomainError as exc:
        flash(str(exc), "error")
    else:
        _say_how_reminders_went(reminded)
    return redirect(url_for("admin.cycle", cycle_id=cycle.id))


def _say_how_reminders_went(reminded: reminders.Reminded) -> None:
    if reminded.mails:
        flash(ngettext("%(num)d reminder has been mailed.", "%(num)d reminders have been mailed.",
                       reminded.mails), "success")
    if reminded.failed:
        flash(ngettext("%(num)d reminder could not be sent: the mail server did not take it "
                       "(the log says why).",
                       "%(num)d reminders could not be sent: the mail server did not take them "
                       "(the log says why).", reminded.failed), "error")
    if reminded.without_focal_point:
        flash(ngettext("%(num)d State still to finish has no active focal point to remind: "
                       "the overview shows it among the States without one, with a link to "
                       "invite one.",
                       "%(num)d States still to finish have no active focal point to remind: "
                       "the overview shows them among the States without one, each with a "
                       "link to invite one.", reminded.without_focal_point), "warning")


@bp.route("/cycles/<int:cycle_id>/edit", methods=["GET", "POST"])
def edit_cycle(cycle_id: int) -> Any:
    """Rename a cycle or change its dates."""
    cycle = _cycle_or_404(cycle_id)
    form = forms.CycleEditForm(obj=cycle)
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("admin/cycle_form.html", form=form, cycle=cycle), status
    try:
        cycles.update_cycle(cycle, form.name.data, form.opens_on.data, form.closes_on.data,
                            actor=current_user)
    except DomainError as exc:
        form.closes_on.errors = [*form.closes_on.errors, str(exc)]
        return _invalid("admin/cycle_form.html", form=form, cycle=cycle)
    flash(_("The reporting cycle has been saved."), "success")
    return redirect(url_for("admin.cycle", cycle_id=cycle.id))


@bp.route("/cycles/<int:cycle_id>/<any(open, close):action>", methods=["POST"])
def cycle_status(cycle_id: int, action: str) -> Any:
    """Open a cycle (States may answer) or close it (editing locks for every State), once
    the administrator has ticked to confirm."""
    cycle = _cycle_or_404(cycle_id)
    if action == "close":
        close_form = forms.CloseCycleForm()
        if not close_form.validate_on_submit():
            return _cycle_page(cycle, close_form), 422
    elif not forms.ConfirmForm().validate_on_submit():
        abort(400)
    try:
        if action == "open":
            cycles.open_cycle(cycle, actor=current_user)
            flash(_("The reporting cycle is open: States can answer."), "success")
        else:
            cycles.close_cycle(cycle, actor=current_user)
            flash(_("The reporting cycle is closed: States can no longer edit, except those "
                    "given a later deadline."), "success")
    except DomainError as exc:
        flash(str(exc), "error")
    return redirect(url_for("admin.cycle", cycle_id=cycle.id))


@bp.route("/cycles/<int:cycle_id>/version", methods=["GET", "POST"])
def cycle_version(cycle_id: int) -> Any:
    """Move a cycle to another published version, after showing what happens to answers."""
    cycle = _cycle_or_404(cycle_id)
    versions = [v for v in _published_versions()
                if v.questionnaire_id == cycle.questionnaire_version.questionnaire_id
                and v.id != cycle.questionnaire_version_id]
    form = forms.CycleVersionForm()
    form.version.choices = _version_choices(versions)
    wanted = (form.version.data if request.method == "POST"
              else request.args.get("version", type=int))
    chosen = next((v for v in versions if v.id == wanted), versions[0] if versions else None)
    impact = cycles.move_impact(cycle, chosen) if chosen else None
    diff = editing.diff_versions(cycle.questionnaire_version, chosen) if chosen else None
    context = {"cycle": cycle, "form": form, "chosen": chosen, "impact": impact, "diff": diff}
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("admin/cycle_version.html", **context), status
    try:
        cycles.move_to_version(cycle, chosen, actor=current_user)
    except DomainError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.cycle", cycle_id=cycle.id))
    flash(_("The reporting cycle now uses version %(n)d; its answers carried over.",
            n=chosen.number), "success")
    return redirect(url_for("admin.cycle", cycle_id=cycle.id))


# --- exports --------------------------------------------------------------------------------

def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@bp.route("/cycles/<int:cycle_id>/answers.csv")
def export_csv(cycle_id: int) -> HttpResponse:
    """Every answer of the cycle, one row per State and question, streamed."""
    cycle = _cycle_or_404(cycle_id)
    log.info("CSV export of cycle %s by user %s", cycle.slug, current_user.id)
    return current_app.response_class(
        stream_with_context(iter_csv_chunks(cycle)), mimetype="text/csv",
        headers=_attachment(export_file_name(cycle, "csv")))


@bp.route("/cycles/<int:cycle_id>/answers.xlsx")
def export_xlsx(cycle_id: int) -> Any:
    """Every answer of the cycle as a workbook: a sheet per section, States, questions."""
    cycle = _cycle_or_404(cycle_id)
    log.info("XLSX export of cycle %s by user %s", cycle.slug, current_user.id)
    return _stored_file(cycle, ExportKind.XLSX)


@bp.route("/cycles/<int:cycle_id>/answers.json")
def export_json(cycle_id: int) -> HttpResponse:
    """Every answer of the cycle as one JSON document, streamed."""
    cycle = _cycle_or_404(cycle_id)
    log.info("JSON export of cycle %s by user %s", cycle.slug, current_user.id)
    return current_app.response_class(
        stream_with_context(iter_json_chunks(cycle)), mimetype="application/json",
        headers=_attachment(export_file_name(cycle, "json")))


@bp.route("/responses/<int:response_id>/answers.json")
def export_response_json(response_id: int) -> HttpResponse:
    """One State's answers as JSON."""
    response = _response_or_404(response_id)
    return current_app.response_class(
        stream_with_context(iter_json_chunks(response.cycle, response=response)),
        mimetype="application/json",
        headers=_attachment(export_file_name(response.cycle, "json", response.state.code)))


@bp.route("/cycles/<int:cycle_id>/synthesis.pdf")
def synthesis(cycle_id: int) -> Any:
    """The global synthesis of the cycle as a PDF (signed-off responses; ?scope=all for
    every response)."""
    cycle = _cycle_or_404(cycle_id)
    kind = (ExportKind.SYNTHESIS_ALL if request.args.get("scope") == "all"
            else ExportKind.SYNTHESIS_FINAL)
    log.info("Synthesis (%s) of cycle %s by user %s", kind.value, cycle.slug, current_user.id)
    return _stored_file(cycle, kind)


# The workbook and the synthesis take tens of seconds for all States: each is stored while
# the cycle's data is unchanged (survey.exports.stored) and, where Redis is configured, made
# by a worker while a progress page waits (survey.exports.jobs), as national reports are.

EXPORT_REFRESH_SECONDS = 3
EXPORT_KINDS = "any(xlsx, synthesis_final, synthesis_all)"  # ExportKind's values
_FINGERPRINT = re.compile(r"[0-9a-f]{32}")


def _export_download_url(cycle: ReportingCycle, kind: ExportKind,
                         export_id: int | None = None) -> str:
    """The file's address: with ``export_id``, that stored file (while it is kept)."""
    args: dict[str, Any] = {} if export_id is None else {"file": export_id}
    if kind is ExportKind.XLSX:
        return url_for("admin.export_xlsx", cycle_id=cycle.id, **args)
    if kind is ExportKind.SYNTHESIS_ALL:
        args["scope"] = "all"
    return url_for("admin.synthesis", cycle_id=cycle.id, **args)


def _file_locale(kind: ExportKind) -> str:
    return stored.file_locale(kind, current_locale())


def _stored_file(cycle: ReportingCycle, kind: ExportKind) -> Any:
    """The file asked for with ``?file=`` or stored for the data as it is now; else one a
    worker makes (to its progress page), or, without Redis, one made and stored now."""
    locale = _file_locale(kind)
    asked = request.args.get("file", type=int)
    chosen = stored.stored_export(cycle, kind, asked) if asked is not None else None
    if chosen is not None:
        return _send_export(cycle, chosen)
    fingerprint = stored.fingerprint(cycle, kind, locale)
    existing = stored.find_export(cycle, kind, locale, fingerprint)
    if existing is not None:
        return _send_export(cycle, existing)
    connection = redis_connection()
    if connection is not None:
        try:
            export_jobs.request_export(cycle, kind, locale, fingerprint, connection,
                                       requested_by_id=current_user.id)
        except RedisError:
            log.exception("export: cannot reach Redis; making the file in the request")
        else:
            return redirect(url_for("admin.export_progress", cycle_id=cycle.id,
                                    kind=kind.value, fingerprint=fingerprint), 303)
    try:
        made = stored.export_for_download(cycle, kind, locale, requested_by_id=current_user.id)
    except RenderTimeout:
        log.exception("synthesis of cycle %s took too long", cycle.slug)
        return render_error(503, _("Preparing the synthesis took too long. Try again in a "
                                   "moment; if it keeps failing, tell the technical team."))
    except PdfRenderError:
        log.exception("synthesis of cycle %s failed", cycle.slug)
        return render_error(500)
    return _send_export(cycle, made)


def _send_export(cycle: ReportingCycle, export: StoredExport) -> HttpResponse:
    sent = send_file(io.BytesIO(export.data), mimetype=stored.mimetype(export.kind),
                     as_attachment=True, download_name=stored.file_name(cycle, export.kind),
                     max_age=0)
    if export.page_count is not None:
        sent.headers["X-Report-Pages"] = str(export.page_count)
    return sent


def _export_or_404(cycle_id: int, kind: str,
                   fingerprint: str) -> tuple[ReportingCycle, ExportKind]:
    if not _FINGERPRINT.fullmatch(fingerprint):
        abort(404)
    return _cycle_or_404(cycle_id), ExportKind(kind)


@bp.route(f"/cycles/<int:cycle_id>/exports/<{EXPORT_KINDS}:kind>/<fingerprint>")
def export_progress(cycle_id: int, kind: str, fingerprint: str) -> Any:
    """Wait for a file a worker is making; then offer it."""
    cycle, export_kind = _export_or_404(cycle_id, kind, fingerprint)
    connection = redis_connection()
    if connection is None:
        return redirect(_export_download_url(cycle, export_kind))
    state = export_jobs.export_state(cycle, export_kind, _file_locale(export_kind), fingerprint,
                                     connection)
    if state.status == "missing":  # forgotten meanwhile: the file of the data as it is now
        return redirect(_export_download_url(cycle, export_kind), 303)
    return render_template(
        "admin/export_progress.html", cycle=cycle, kind=export_kind, state=state,
        fingerprint=fingerprint, refresh_seconds=EXPORT_REFRESH_SECONDS,
        download_url=_export_download_url(cycle, export_kind, state.export_id))


@bp.route(f"/cycles/<int:cycle_id>/exports/<{EXPORT_KINDS}:kind>/<fingerprint>/status")
def export_status(cycle_id: int, kind: str, fingerprint: str) -> HttpResponse:
    """Where the file stands, as JSON, for the progress page's script."""
    cycle, export_kind = _export_or_404(cycle_id, kind, fingerprint)
    state = export_jobs.export_state(cycle, export_kind, _file_locale(export_kind), fingerprint,
                                     redis_connection())
    body = state.as_json()
    body["download_url"] = _export_download_url(cycle, export_kind, state.export_id)
    return jsonify(body)


@bp.route(f"/cycles/<int:cycle_id>/exports/<{EXPORT_KINDS}:kind>/<fingerprint>/retry",
          methods=["POST"])
def export_retry(cycle_id: int, kind: str, fingerprint: str) -> HttpResponse:
    """Ask again for a file whose making failed."""
    cycle, export_kind = _export_or_404(cycle_id, kind, fingerprint)
    connection = redis_connection()
    if connection is not None:
        export_jobs.forget_failure(cycle, export_kind, _file_locale(export_kind), fingerprint,
                                   connection)
    log.info("%s export of cycle %s asked for again by user %s", export_kind.value, cycle.slug,
             current_user.id)
    return redirect(_export_download_url(cycle, export_kind), 303)


# --- review ---------------------------------------------------------------------------------

def _response_or_404(response_id: int) -> Response:
    response = db.session.get(Response, response_id)
    if response is None:
        abort(404)
    return response


def _review_page(response: Response, *, accept_form: forms.AcceptForm | None = None,
                 return_form: forms.ReturnForm | None = None,
                 deadline_form: forms.DeadlineForm | None = None) -> str:
    # Section titles in the page's language, as the State's own pages show them.
    outline = localized(answering.outline_for(response))
    values = answering.answer_values(response)
    return render_template(
        "admin/review.html", response=response, outline=outline,
        progress=answering.progress(outline, values),
        missing=answering.missing_required(outline, values),
        stale=cycles.stale_answers(response, outline),
        lock_reason=answering.lock_reason(response),
        # Returned now, could the State revise? Not after the cycle closed for it.
        cycle_lock_reason=answering.cycle_lock_reason(response),
        accept_form=accept_form or forms.AcceptForm(),
        return_form=return_form or forms.ReturnForm(),
        # A reminder, while the State has its response to finish and may still edit it.
        may_remind=(response.status in reminders.TO_FINISH
                    and answering.cycle_lock_reason(response) is None),
        mail=mail_configured(), action_form=forms.ConfirmForm(),
        focal_points=db.session.scalar(sa.select(sa.func.count()).where(
            User.state_id == response.state_id, User.role == Role.FOCAL_POINT,
            User.is_active.is_(True))),
        deadline_form=deadline_form or forms.DeadlineForm(
            extended_until=response.extended_until),
        history=db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.object_type == "response",
                                        AuditEvent.object_id == str(response.id))
            .order_by(AuditEvent.id.desc()).limit(20)).all())


@bp.route("/responses/<int:response_id>")
def review(response_id: int) -> str:
    """A State's response: where it stands, links to read it, accept or return it."""
    return _review_page(_response_or_404(response_id))


@bp.route("/responses/<int:response_id>/accept", methods=["POST"])
def accept(response_id: int) -> Any:
    """Accept a submitted response (final), once the administrator has ticked to confirm."""
    response = _response_or_404(response_id)
    form = forms.AcceptForm()
    if not form.validate_on_submit():
        return _review_page(response, accept_form=form), 422
    try:
        answering.accept_response(response, actor=current_user)
    except DomainError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()  # the State is told only what is so
        told = notices.tell_state_of_review(response)
        flash(_("The response of %(state)s is accepted.", state=state_name(response.state)),
              "success")
        _say_who_was_told(told)
    return redirect(url_for("admin.review", response_id=response.id))


@bp.route("/responses/<int:response_id>/return", methods=["POST"])
def return_for_revision(response_id: int) -> Any:
    """Return a submitted response to the State with a comment; it becomes editable."""
    response = _response_or_404(response_id)
    form = forms.ReturnForm()
    if not form.validate_on_submit():
        return _review_page(response, return_form=form), 422
    try:
        answering.return_response(response, form.comment.data, actor=current_user,
                                  revise_until=form.revise_until.data)
    except DomainError as exc:
        db.session.rollback()  # neither the deadline nor the return: one decision
        if exc.show_in(form):
            return _review_page(response, return_form=form), 422
        flash(str(exc), "error")
    else:
        db.session.commit()
        told = notices.tell_state_of_review(response)
        flash(_("The response has been returned to %(state)s with your comment.",
                state=state_name(response.state)), "success")
        _say_who_was_told(told)
    return redirect(url_for("admin.review", response_id=response.id))


def _say_who_was_told(focal_points: int) -> None:
    if focal_points:
        flash(ngettext("The State's focal point has been told by mail.",
                       "The State's %(num)d focal points have been told by mail.",
                       focal_points), "success")


@bp.route("/responses/<int:response_id>/remind", methods=["POST"])
def remind_state(response_id: int) -> Any:
    """Mail one State's focal points a reminder (from its review page)."""
    response = _response_or_404(response_id)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    try:
        reminded = reminders.remind_state(response, actor=current_user)
    except DomainError as exc:
        flash(str(exc), "error")
    else:
        _say_how_reminders_went(reminded)
    return redirect(url_for("admin.review", response_id=response.id))


@bp.route("/responses/<int:response_id>/deadline", methods=["POST"])
def extend_deadline(response_id: int) -> Any:
    """Give one State a later deadline (or remove it)."""
    response = _response_or_404(response_id)
    form = forms.DeadlineForm()
    if not form.validate_on_submit():
        return _review_page(response, deadline_form=form), 422
    try:
        cycles.extend_deadline(response, form.extended_until.data, actor=current_user)
    except DomainError as exc:
        form.extended_until.errors = [*form.extended_until.errors, str(exc)]
        return _review_page(response, deadline_form=form), 422
    if form.extended_until.data:
        flash(_("%(state)s may edit until %(day)s.", state=state_name(response.state),
                day=day(form.extended_until.data)), "success")
    else:
        flash(_("The extension has been removed."), "success")
    return redirect(url_for("admin.review", response_id=response.id))


# --- States ---------------------------------------------------------------------------------

def _states() -> list[State]:
    return list(db.session.scalars(sa.select(State).order_by(State.name)))


@bp.route("/states")
def states() -> str:
    """The participants (193 Member States and any others), filtered."""
    form = forms.StateFilterForm()
    query = sa.select(State)
    text = ""
    if form.validate():
        text = form.q.data or ""
        if form.group.data:
            query = query.where(State.regional_group == RegionalGroup(form.group.data))
        if form.kind.data:
            query = query.where(State.kind == ParticipantKind(form.kind.data))
    # Names are matched here, not in SQL: the database holds only the English name, and
    # there are some two hundred participants.
    shown = sorted((state for state in db.session.scalars(query) if name_matches(state, text)),
                   key=lambda s: alphabetical_key(state_name(s)))
    cycle = cycles.current_cycle()
    response_ids = dict(db.session.execute(sa.select(Response.state_id, Response.id).where(
        Response.cycle_id == cycle.id)).all()) if cycle else {}
    return render_template("admin/states.html", states=shown, form=form, cycle=cycle,
                           response_ids=response_ids)


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@bp.route("/states/new", methods=["GET", "POST"])
def new_state() -> Any:
    """Add a participant (an observer State, another participant)."""
    form = forms.ParticipantForm()
    locale = str(get_locale())
    candidates = [(code, localized_name(code, name, locale))
                  for code, name in admin_services.candidate_countries()]
    form.code.choices = forms.options([("", _("Choose…"))] + [
        (code, f"{name} ({code})")
        for code, name in sorted(candidates, key=lambda c: alphabetical_key(c[1]))])
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("admin/state_form.html", form=form), status
    try:
        state = admin_services.add_participant(
            form.code.data, ParticipantKind(form.kind.data),
            RegionalGroup(form.regional_group.data), name=form.name.data or "",
            actor=current_user)
    except DomainError as exc:
        form.code.errors = [*form.code.errors, str(exc)]
        return _invalid("admin/state_form.html", form=form)
    flash(_("%(name)s takes part now.", name=state_name(state)), "success")
    return redirect(url_for("admin.states", q=state.code))


# --- users ----------------------------------------------------------------------------------

@bp.route("/users")
def users() -> str:
    """Accounts, filtered by State, role and activity, a page at a time."""
    all_states = _states()
    form = forms.UserFilterForm(all_states)
    query = sa.select(User).outerjoin(State, User.state_id == State.id)
    if form.validate():
        if form.q.data:
            text = f"%{_like(form.q.data.strip())}%"
            query = query.where(sa.or_(User.email.ilike(text, escape="\\"),
                                       User.display_name.ilike(text, escape="\\")))
        if form.state.data:
            query = query.where(State.code == form.state.data)
        if form.role.data:
            query = query.where(User.role == Role(form.role.data))
        if form.active.data:
            query = query.where(User.is_active.is_(form.active.data == "yes"))
    page = max(1, request.args.get("page", 1, type=int) or 1)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    shown = db.session.scalars(
        query.order_by(State.name.is_(None).desc(), State.name, User.role, User.display_name,
                       User.id)
        .limit(USERS_PER_PAGE).offset((page - 1) * USERS_PER_PAGE)).all()
    pages = max(1, -(-total // USERS_PER_PAGE))
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    nominations = db.session.scalars(
        sa.select(User).where(User.nomination_pending.is_(True))
        .options(selectinload(User.invited_by)).order_by(User.created_at, User.id)).all()
    return render_template("admin/users.html", users=shown, form=form, page=page, pages=pages,
                           total=total, page_url=lambda n: url_for("admin.users", page=n, **args),
                           nominations=nominations)


def _state_by_code(code: str | None) -> State | None:
    if not code:
        return None
    return db.session.scalar(sa.select(State).where(State.code == code))


@bp.route("/users/invite", methods=["GET", "POST"])
def invite_user() -> Any:
    """Create an account and send (or show) its invitation link."""
    form = forms.InviteForm(_states())
    if request.method == "GET" and request.args.get("state"):
        form.state.data = request.args["state"]
        form.role.data = Role.FOCAL_POINT.value
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("admin/invite.html", form=form, link=None), status
    try:
        user, delivered = accounts.invite_user(
            form.email.data, form.display_name.data, Role(form.role.data),
            _state_by_code(form.state.data), actor=current_user, locale=form.locale.data)
    except DomainError as exc:
        exc.show_in(form, form.email)
        return _invalid("admin/invite.html", form=form, link=None)
    if delivered.mailed:
        flash(_("The invitation has been sent to %(email)s.", email=isolate(user.email)), "success")
        return redirect(url_for("admin.user", user_id=user.id))
    # No mail server: the link is shown once, here, for the secretariat to pass on.
    # A blank form for the next person: not the one just sent (formdata=None).
    return render_template("admin/invite.html", form=forms.InviteForm(_states(), formdata=None),
                           link=delivered.url, invited=user)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users/<int:user_id>")
def user(user_id: int) -> str:
    """An account: role, State, activity, and its latest changes."""
    account = _user_or_404(user_id)
    return _user_page(account)


def _user_page(account: User, role_form: forms.RoleForm | None = None,
               link: str | None = None, purpose: LinkPurpose = LinkPurpose.INVITATION,
               replaced: bool = False, active_form: forms.ActiveForm | None = None,
               link_form: forms.LinkForm | None = None) -> str:
    role_form = role_form or forms.RoleForm(
        _states(), formdata=None, role=account.role.value,
        state=account.state.code if account.state else "")
    events = db.session.scalars(sa.select(AuditEvent).where(
        sa.or_(sa.and_(AuditEvent.object_type == "user",
                       AuditEvent.object_id == str(account.id)),
               AuditEvent.actor_id == account.id))
        .order_by(AuditEvent.id.desc()).limit(20)).all()
    return render_template("admin/user.html", account=account, role_form=role_form,
                           active_form=active_form or forms.ActiveForm(formdata=None),
                           link_form=link_form or forms.LinkForm(formdata=None),
                           myself=account.id == current_user.id, events=events, link=link,
                           reset_link=purpose is LinkPurpose.PASSWORD_RESET, replaced=replaced)


@bp.route("/users/<int:user_id>/role", methods=["POST"])
def change_role(user_id: int) -> Any:
    """Give an account another role (and State); it is signed out everywhere."""
    account = _user_or_404(user_id)
    if account.id == current_user.id:  # one's own page offers no role form; said, not a 422
        flash(_("You cannot change your own role: ask another administrator."), "error")
        return redirect(url_for("admin.user", user_id=account.id))
    form = forms.RoleForm(_states())
    if not form.validate_on_submit():
        return _user_page(account, form), 422
    try:
        accounts.change_role(account, Role(form.role.data), _state_by_code(form.state.data),
                             actor=current_user)
    except DomainError as exc:
        exc.show_in(form, form.role)
        return _user_page(account, form), 422
    flash(_("The role has been changed; it applies from the user's next sign-in."), "success")
    return redirect(url_for("admin.user", user_id=account.id))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
def set_active(user_id: int) -> Any:
    """Deactivate an account (it cannot sign in; its answers and trail stay), once the
    administrator has ticked to confirm, or reactivate it."""
    account = _user_or_404(user_id)
    form = forms.ActiveForm()
    if account.id == current_user.id and form.active.data == "no":
        # One's own page offers no such button: said, not a box to tick for nothing.
        flash(_("You cannot deactivate your own account."), "error")
        return redirect(url_for("admin.user", user_id=account.id))
    if not form.validate_on_submit():
        if form.active.errors:
            abort(400)
        return _user_page(account, active_form=form), 422
    active = form.active.data == "yes"
    try:
        accounts.set_active(account, active, actor=current_user)
    except DomainError as exc:
        flash(str(exc), "error")
    else:
        flash(_("The account is active again.") if active
              else _("The account is deactivated: it cannot sign in."), "success")
    return redirect(url_for("admin.user", user_id=account.id))


@bp.route("/users/<int:user_id>/nomination", methods=["POST"])
def decide_nomination(user_id: int) -> Any:
    """Approve a focal point's nomination (the invitation is sent, or shown here when no
    mail server is configured) or decline it (the account stays inactive)."""
    account = _user_or_404(user_id)
    form = forms.NominationForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        if form.decision.data == "decline":
            accounts.decline_nomination(account, actor=current_user)
            flash(_("The nomination of %(name)s has been declined; no invitation is sent.",
                    name=isolate(account.display_name)), "success")
            return redirect(url_for("admin.users"))
        delivered = accounts.approve_nomination(account, actor=current_user)
    except DomainError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.user", user_id=account.id))
    if delivered.mailed:
        flash(_("The nomination is approved and the invitation has been sent to %(email)s.",
                email=isolate(account.email)), "success")
        return redirect(url_for("admin.user", user_id=account.id))
    # No mail server: the link is shown once, here, for the secretariat to pass on.
    return _user_page(account, link=delivered.url)


@bp.route("/users/<int:user_id>/link", methods=["POST"])
def new_link(user_id: int) -> Any:
    """Make a new invitation link (no password yet) or password-reset link for an account,
    once the administrator has ticked to confirm; earlier links stop working. Mailed, or shown
    here once when no mail server is configured."""
    account = _user_or_404(user_id)
    form = forms.LinkForm()
    if not form.validate_on_submit():
        return _user_page(account, link_form=form), 422
    try:
        purpose, delivered = accounts.make_new_link(account, actor=current_user)
    except DomainError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.user", user_id=account.id))
    if delivered.mailed:
        flash(_("A new link has been sent to %(email)s. Earlier links no longer work.",
                email=isolate(account.email)), "success")
        return redirect(url_for("admin.user", user_id=account.id))
    # No mail server: the link is shown once, here, for the secretariat to pass on.
    return _user_page(account, link=delivered.url, purpose=purpose, replaced=True)


# --- the audit trail ------------------------------------------------------------------------

@bp.route("/audit")
def audit() -> str:
    """Every change, newest first, searchable by State, user, object and dates."""
    all_states = _states()
    form = forms.AuditFilterForm(all_states, admin_services.OBJECT_TYPES)
    valid = form.validate()
    if valid and form.user.data and not db.session.scalar(
            sa.select(admin_services.people_named(form.user.data).exists())):
        form.user.errors = [_("No account's name or e-mail address contains this.")]
        valid = False
    args = {k: v for k, v in request.args.items() if k not in ("before", "after") and v}
    if not valid:
        # The unfiltered trail would pass for the results: only the error, by its field.
        return render_template("admin/audit.html", form=form, page=None, args=args)
    state = _state_by_code(form.state.data)
    criteria = admin_services.AuditFilter(
        state_id=state.id if state else None, actor=form.user.data or None,
        object_type=form.object_type.data or None, object_id=form.object_id.data or None,
        since=form.since.data, until=form.until.data)
    page = admin_services.search_audit(
        criteria, before=request.args.get("before", type=int),
        after=request.args.get("after", type=int), limit=AUDIT_PER_PAGE)
    states_by_id = {s.id: s for s in all_states}
    return render_template("admin/audit.html", form=form, page=page, states_by_id=states_by_id,
                           values_of={e.id: event_values(e.before, e.after) for e in page.events},
                           args=args, first_page=not request.args.get("before")
                           and not request.args.get("after"))
