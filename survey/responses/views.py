"""A State's response: the dashboard, section pages, autosave, history and sign-off."""

from __future__ import annotations

import io
import json
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
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from markupsafe import Markup, escape
from werkzeug import Response as HttpResponse

from survey.auth.models import ContributorSection, Role, User
from survey.auth.services import invite_user
from survey.core.access import Permission, response_or_404
from survey.core.audit_labels import action_label
from survey.core.db import db
from survey.core.errors import DomainError, csrf_refused
from survey.core.i18n import isolate, lang_span
from survey.cycles.services import current_cycle, stale_answers, value_text
from survey.exports.tabular import XLSX_MIMETYPE
from survey.questionnaires.localized import localized
from survey.questionnaires.outline import Outline, QuestionItem, SectionItem
from survey.reports.jobs import prepare_report
from survey.reports.national import current_locale
from survey.responses import notices, services, workbook
from survey.responses.forms import (
    SignOffForm,
    TeamInviteForm,
    WorkbookUploadForm,
    field_id,
    section_form,
    submitted_value,
)
from survey.responses.models import Response
from survey.responses.services import Authorisation, Change, answer_token
from survey.states.services import state_name

bp = Blueprint("responses", __name__)
bp.add_app_template_global(field_id)
bp.add_app_template_global(action_label)  # the dashboard's recent changes


@bp.route("/dashboard")
@login_required
def dashboard() -> HttpResponse:
    """The user's State's response to the current cycle."""
    cycle = current_cycle()
    if current_user.is_admin or cycle is None:
        abort(404)
    response = db.session.scalar(sa.select(Response).where(
        Response.cycle_id == cycle.id, Response.state_id == current_user.state_id))
    if response is None:
        abort(404)
    return redirect(url_for("responses.overview", response_id=response.id))


@bp.route("/responses/<int:response_id>")
@login_required
def overview(response_id: int) -> str:
    """Progress by section, status, deadline, recent changes, and the next steps."""
    response = response_or_404(response_id)
    outline = localized(services.outline_for(response))
    values = services.answer_values(response)
    progress = services.progress(outline, values)
    return render_template(
        "responses/overview.html", response=response, outline=outline, progress=progress,
        missing=services.missing_required(outline, values),
        lock_reason=services.lock_reason(response),
        days_left=services.days_to_deadline(response),
        recent=services.recent_changes(response),
        may_submit=current_user.role is Role.FOCAL_POINT,
        editable_keys=_editable_keys(response, outline),
        stale=stale_answers(response, outline))


def _editable_keys(response: Response, outline: Outline) -> set[str]:
    return {s.key for s in outline.answerable_sections()
            if services.may_edit(current_user, response, s)}


def _section_or_404(outline: Outline, key: str) -> SectionItem:
    section = outline.sections_by_key.get(key)
    if section is None or not section.has_questions:
        abort(404)
    return section


def _section_as_stored(response_id: int, key: str) -> tuple[
        Response, Outline, SectionItem, list[QuestionItem], dict[str, Any], dict[str, str]]:
    """A section of a response the user may read (else 404): the response, its outline, the
    section, its questions, their stored answers (with authors) and base tokens."""
    response = response_or_404(response_id)
    outline = localized(services.outline_for(response))
    section = _section_or_404(outline, key)
    questions = list(section.all_questions())
    answers = services.answers_of(response, [q.key for q in questions], with_authors=True)
    tokens = {q.key: answer_token(answers.get(q.key)) for q in questions}
    return response, outline, section, questions, answers, tokens


@bp.route("/responses/<int:response_id>/sections/<key>", methods=["GET", "POST"])
@login_required
def section(response_id: int, key: str) -> str | HttpResponse:
    """One section (or subsection): each paragraph's text beside its questions."""
    response, outline, section, questions, answers, tokens = _section_as_stored(
        response_id, key)
    values = {k: a.value for k, a in answers.items()}
    editable = services.may_edit(current_user, response, section)
    conflicts: dict[str, services.Conflict] = {}

    if request.method == "POST":
        if not editable:
            return _refused_post(response, outline, section, questions, tokens, answers)
        form = section_form(questions, values, formdata=request.form)
        form.validate()
        # Only the questions the page showed (each carries its base token); invalid
        # answers are not saved and stay in the form with their message.
        changes = [Change(q.key, submitted_value(q, form), request.form["base." + q.key])
                   for q in questions
                   if "base." + q.key in request.form and not form[q.key].errors]
        try:
            outcome = services.save_answers(response, changes, actor=current_user)
        except DomainError as exc:
            flash(str(exc), "error")
            return redirect(url_for("responses.section", response_id=response.id, key=key))
        tokens.update(outcome.saved)
        for key_, message in outcome.errors.items():
            form[key_].errors.append(message)
        for conflict in outcome.conflicts:
            conflicts[conflict.key] = conflict
            # Saving again with the current token keeps the user's version, deliberately.
            tokens[conflict.key] = conflict.token
        if not conflicts and not any(form[q.key].errors for q in questions):
            flash(_("Your answers are saved."), "success")
            return redirect(url_for("responses.section", response_id=response.id, key=key))
        # A 200: what could be saved is saved (the unit of work commits); the page shows
        # the rest next to the fields.
        return render_template(
            "responses/section.html", **_section_context(
                response, outline, section, form, tokens, conflicts, editable, answers))

    form = section_form(questions, values)
    return render_template("responses/section.html", **_section_context(
        response, outline, section, form, tokens, conflicts, editable, answers))


def _refused_post(response: Response, outline: Outline, section: SectionItem,
                  questions: list[QuestionItem], tokens: dict[str, str],
                  answers: dict) -> tuple[str, int]:
    """A post to a section the user may no longer edit: a 409 page saying why, with the text
    they typed (not saved) to copy, when the response was locked while they answered."""
    if services.lock_reason(response) is None or not services.may_edit_when_open(
            current_user, response, section):
        abort(403)  # never theirs to edit: nothing of theirs to give back
    values = {k: a.value for k, a in answers.items()}
    # What the post gave that differs from the stored answers: the words typed, the labels
    # of the options chosen.
    posted = section_form(questions, values, formdata=request.form)
    not_saved = [(q, value_text(q, sent)) for q in questions
                 if (sent := submitted_value(q, posted)) not in (None, "", [])
                 and str(sent).strip() and sent != values.get(q.key)]
    page = render_template("responses/section.html", **_section_context(
        response, outline, section, section_form(questions, values), tokens, {}, False,
        answers), not_saved=not_saved)
    return page, 409


@bp.errorhandler(CSRFError)
def stale_section_post(exc: CSRFError) -> tuple[str, int] | HttpResponse:
    """A section page posted with a CSRF token its session no longer has, without JavaScript:
    typically a page opened before its user signed in again (signing in renews the token).

    The post came with this user's session cookie (SameSite keeps it off other sites' posts),
    so its answers are given back in the form, not saved: the user checks them and saves
    again. They keep the revisions they were based on, so that a colleague's change made
    meanwhile still comes back as a conflict. Only the user who opened the page gets them
    back, not someone else who has signed in on that computer since."""
    if (request.endpoint != "responses.section" or request.method != "POST"
            or not current_user.is_authenticated
            or request.form.get("opened_by") != str(current_user.id)):
        return csrf_refused()  # not this user's page: nothing of it is shown back
    args = request.view_args or {}
    response, outline, section, questions, answers, tokens = _section_as_stored(
        args["response_id"], args["key"])
    if not services.may_edit(current_user, response, section):
        return _refused_post(response, outline, section, questions, tokens, answers)
    values = {k: a.value for k, a in answers.items()}
    form = section_form(questions, values, formdata=request.form)
    tokens.update({q.key: request.form["base." + q.key] for q in questions
                   if "base." + q.key in request.form})
    page = render_template("responses/section.html", stale_post=True, **_section_context(
        response, outline, section, form, tokens, {}, True, answers))
    return page, 400


def _section_context(response: Response, outline: Outline, section: SectionItem, form: Any,
                     tokens: dict[str, str], conflicts: dict[str, services.Conflict],
                     editable: bool, answers: dict) -> dict[str, Any]:
    answerable = outline.answerable_sections()
    top = outline.top_level(section.key)
    index = answerable.index(top)
    values = {k: a.value for k, a in answers.items()}
    return {
        "response": response, "outline": outline, "section": section, "top": top,
        "form": form, "tokens": tokens, "conflicts": conflicts, "editable": editable,
        "answers": answers,
        "progress": services.section_progress(section, values),
        "left_to_answer": {p.number: services.left_to_answer(p, values)
                           for p in section.all_paragraphs()},
        "lock_reason": services.lock_reason(response),
        "previous_section": answerable[index - 1] if index > 0 else None,
        "next_section": answerable[index + 1] if index + 1 < len(answerable) else None,
        "autosave_url": url_for("responses.autosave", response_id=response.id),
        "autosave_messages": _autosave_messages() if editable else {},
    }


def _autosave_messages() -> dict[str, str]:
    """What the autosave script says, in the user's language."""
    return {
        "unsaved": _("Changes not saved yet…"),
        "saving": _("Saving…"),
        "savedAt": _("Saved at"),
        # A text's length as the user types (placeholders kept, filled by the script).
        "charCount": _("%(count)s of %(limit)s characters"),
        "charOver": _("%(count)s characters: %(over)s over the limit of %(limit)s. Shorten "
                      "the text; nothing of it is lost."),
        "leftToAnswer": _("Left to answer: %(num)s"),
        # The section's progress line, recounted after each save (placeholders kept).
        "progress": _("%(done)d of %(required)d required questions answered; %(answered)d of "
                      "%(total)d questions answered in all."),
        "complete": _("Complete"),
        "retrying": _("Not saved — retrying"),
        "offline": _("You are offline. Your answers are kept in this browser and will be "
                     "saved when the connection returns."),
        "signedOut": _("Not saved: you have been signed out. Sign in again in another tab; "
                       "your answers are kept in this browser and will be saved then."),
        "locked": _("Not saved: the response is locked."),
        "otherUser": _("Not saved: someone else has signed in on this computer. Your answers "
                       "are kept in this browser; sign in again as yourself to save them."),
        "reload": _("Reload the page to continue; your answers are kept in this browser."),
        "someNotSaved": _("Some answers were not saved; see the messages next to them."),
        "changedBy": _("Changed meanwhile by"),
        "theirVersion": _("Their version:"),
        "yourVersion": _("Your version is in the field above and has not been saved. "
                         "Choose which to keep:"),
        "keepMine": _("Keep my version"),
        "useTheirs": _("Use their version"),
        "theirsKept": _("Their version is kept."),
        "restored": _("Answers not yet saved from your last visit were restored; "
                      "saving them now."),
    }


@bp.route("/responses/<int:response_id>/autosave", methods=["POST"])
@login_required
def autosave(response_id: int) -> tuple[HttpResponse, int]:
    """Save changed answers sent by the page's script, as JSON."""
    response = response_or_404(response_id, Permission.EDIT)
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or not isinstance(payload.get("changes"), list):
        return jsonify(error=_("The request could not be understood.")), 400
    if len(payload["changes"]) > current_app.config["MAX_FORM_PARTS"]:
        abort(413)
    try:
        changes = [Change(str(item["key"]), item.get("value"), str(item.get("base", "")))
                   for item in payload["changes"] if isinstance(item, dict) and "key" in item]
    except (TypeError, KeyError):
        return jsonify(error=_("The request could not be understood.")), 400
    # Before saving: a save expires the response, and reading its outline would reload it.
    outline = localized(services.outline_for(response))
    try:
        outcome = services.save_answers(response, changes, actor=current_user)
    except DomainError as exc:
        return jsonify(error=str(exc), locked=True), 409
    body = {
        "saved": outcome.saved,
        "errors": outcome.errors,
        "conflicts": [{
            "key": c.key,
            "yours": c.yours,
            "theirs": c.theirs,
            "theirs_text": _display(outline.questions_by_key[c.key], c.theirs),
            "token": c.token,
            "changed_by": c.changed_by,
            "changed_at": c.changed_at.isoformat() if c.changed_at else None,
        } for c in outcome.conflicts],
    }
    return jsonify(body), 200


def _display(question: QuestionItem, value: Any) -> str:
    if value is None:
        return _("(no answer)")
    if isinstance(value, list):
        return "; ".join(question.option_label(v) for v in value)
    if question.is_choice:
        return question.option_label(value)
    return str(value)


def _display_marked(question: QuestionItem, value: Any) -> Markup:
    """As _display, for a page: each option label marked with its language."""
    if value is None or not question.is_choice:
        return escape(_display(question, value))
    chosen = value if isinstance(value, list) else [value]
    return Markup("; ").join(lang_span(o.label, o.lang) for o in map(question.option, chosen))


@bp.route("/responses/<int:response_id>/answers/<key>/history")
@login_required
def history(response_id: int, key: str) -> str:
    """Who changed an answer, when, and each earlier value."""
    response = response_or_404(response_id)
    outline = localized(services.outline_for(response))
    question = outline.questions_by_key.get(key)
    events = services.answer_history(response, key)
    if question is None and not events:
        abort(404)
    section = outline.top_level(question.section_key) if question else None
    return render_template(
        "responses/history.html", response=response, question=question, key=key,
        section_title=section.title if section else None,
        section_title_lang=section.title_lang if section else None,
        section_key=section.key if section else None,
        events=events, display=(lambda v: _display_marked(question, v)) if question else str,
        may_restore=bool(section and services.may_edit(current_user, response, section)),
        # The answer as this page shows it: a restore refused if someone saved it since.
        base=services.answer_token(services.answers_of(response, [key]).get(key)))


@bp.route("/responses/<int:response_id>/answers/<key>/restore", methods=["POST"])
@login_required
def restore(response_id: int, key: str) -> HttpResponse:
    """Make an earlier version of an answer the current one."""
    response = response_or_404(response_id, Permission.EDIT)
    outline = services.outline_for(response)
    question = outline.questions_by_key.get(key)
    if question is None:
        abort(404)
    if not services.may_edit(current_user, response,
                             outline.sections_by_key[question.section_key]):
        abort(403)
    try:
        event_id = int(request.form.get("event_id", ""))
        outcome = services.restore_answer(response, key, event_id, actor=current_user,
                                          base=request.form.get("base"))
    except ValueError:
        abort(400)
    except DomainError as exc:
        flash(str(exc), "error")
        return redirect(url_for("responses.history", response_id=response.id, key=key))
    if outcome.conflicts:
        conflict = outcome.conflicts[0]
        flash(_("%(name)s changed this answer after you opened its history. Nothing was "
                "restored: look at the versions again, then choose.",
                name=isolate(conflict.changed_by)), "error")
        return redirect(url_for("responses.history", response_id=response.id, key=key))
    if outcome.errors:
        flash(_("This version cannot be restored: %(reason)s", reason=outcome.errors[key]),
              "error")
        return redirect(url_for("responses.history", response_id=response.id, key=key))
    flash(_("The earlier version is now the current answer."), "success")
    return redirect(url_for("responses.section", response_id=response.id,
                            key=outline.top_level(question.section_key).key,
                            _anchor=field_id(key)))


@bp.route("/responses/<int:response_id>/submit", methods=["GET", "POST"])
@login_required
def submit(response_id: int) -> str | HttpResponse:
    """Check completeness, then sign off and submit on behalf of the State."""
    response = response_or_404(response_id, Permission.SUBMIT)
    outline = localized(services.outline_for(response))
    values = services.answer_values(response)
    missing = services.missing_required(outline, values)
    to_review = stale_answers(response, outline).flagged
    form = SignOffForm(authorised_by_name=response.authorised_by_name
                       or current_user.display_name,
                       authorised_by_title=response.authorised_by_title)
    form.confirm.label.text = _(
        "I confirm, as national focal point, that this self-assessment is submitted on behalf "
        "of the Government of %(state)s.", state=state_name(response.state))
    # Problems are shown next to their fields, not in a flash: the form comes back.
    if request.method == "POST" and form.validate():
        try:
            services.submit(response, actor=current_user, authorised_by=Authorisation(
                form.authorised_by_name.data, form.authorised_by_title.data))
        except services.IncompleteResponse as exc:
            missing = [outline.questions_by_key[q.key] for q in exc.missing]
            to_review = [a for a in to_review if a.key in exc.to_review]
        except DomainError as exc:
            flash(str(exc), "error")
        else:
            # The signed report is what the State downloads next: a worker prepares it
            # from the submitted response, so it is committed first.
            db.session.commit()
            prepare_report(response, current_locale())
            notices.tell_secretariat_of_submission(response)
            notices.tell_team_of_submission(response)
            flash(_("The self-assessment has been submitted. Thank you."), "success")
            return redirect(url_for("responses.overview", response_id=response.id))
    status = 422 if request.method == "POST" else 200
    return render_template("responses/submit.html", response=response, outline=outline,
                           missing=missing, missing_by_section=_by_section(outline, missing),
                           to_review=to_review, form=form,
                           lock_reason=services.lock_reason(response)), status


def _by_section(outline: Outline,
                questions: list[QuestionItem]) -> list[tuple[SectionItem, list[QuestionItem]]]:
    """Questions grouped by their top-level section, in the questionnaire's order (they
    come in that order)."""
    groups: list[tuple[SectionItem, list[QuestionItem]]] = []
    for question in questions:
        top = outline.top_level(question.section_key)
        if not groups or groups[-1][0].key != top.key:
            groups.append((top, []))
        groups[-1][1].append(question)
    return groups


@bp.route("/responses/<int:response_id>/team", methods=["GET", "POST"])
@login_required
def team(response_id: int) -> tuple[str, int] | HttpResponse:
    """The State's team: invite contributors and observers, assign sections."""
    response = response_or_404(response_id)
    outline = localized(services.outline_for(response))
    may_manage = (current_user.role is Role.FOCAL_POINT
                  and current_user.state_id == response.state_id)
    invited_link = None
    invite_form = TeamInviteForm()
    status = 200
    if request.method == "POST":
        if not may_manage:
            abort(403)
        action = request.form.get("action")
        if action == "invite":
            invited_link, status = _invite(response, invite_form)
            if status == 200 and invited_link is None:
                return redirect(url_for("responses.team", response_id=response.id))
            if invited_link is not None:
                invite_form = TeamInviteForm(formdata=None)  # blank, for the next person
        elif action == "assign":
            member = db.session.get(User, request.form.get("user_id", type=int) or 0)
            if member is None or member.state_id != response.state_id:
                abort(404)
            try:
                services.assign_sections(member, request.form.getlist("sections"), outline,
                                         actor=current_user)
            except DomainError as exc:
                flash(str(exc), "error")
            else:
                flash(_("The sections have been assigned."), "success")
            return redirect(url_for("responses.team", response_id=response.id))
        else:
            abort(400)
    members = db.session.scalars(sa.select(User).where(User.state_id == response.state_id)
                                 .order_by(User.role, User.display_name)).all()
    assignments: dict[int, set[str]] = {}
    for row in db.session.execute(sa.select(ContributorSection).where(
            ContributorSection.user_id.in_([m.id for m in members]))).scalars():
        assignments.setdefault(row.user_id, set()).add(row.section_key)
    return render_template("responses/team.html", response=response, outline=outline,
                           members=members, assignments=assignments, may_manage=may_manage,
                           invited_link=invited_link, Role=Role, invite_form=invite_form,
                           nominations_checked=current_app.config["SURVEY"].NOMINATIONS_CHECKED
                           ), status


def _invite(response: Response, form: TeamInviteForm) -> tuple[str | None, int]:
    """Invite or nominate the person the team page's form names: the link to show (none
    when it was mailed, or is for the secretariat to send) and the page's status; a refusal
    is put next to the field, with what was typed kept."""
    if not form.validate_on_submit():
        return None, 422
    try:
        person, delivered = invite_user(form.email.data, form.display_name.data,
                                        Role(form.role.data), response.state,
                                        actor=current_user, locale=form.locale.data)
    except DomainError as exc:
        # Next to the field it is about (the role a focal point may not give, say).
        exc.show_in(form, form.email)
        return None, 422
    if delivered is None:
        flash(_("%(name)s has been nominated. The secretariat checks each "
                "nomination, and sends the invitation once it is approved.",
                name=isolate(person.display_name)), "success")
        return None, 200
    if delivered.mailed:
        flash(_("The invitation has been sent."), "success")
        return None, 200
    return delivered.url, 200


# --- working offline in a spreadsheet ---------------------------------------------------------

@bp.route("/responses/<int:response_id>/workbook.xlsx")
@login_required
def workbook_download(response_id: int) -> HttpResponse:
    """The questionnaire with the current answers, as a workbook to answer offline."""
    response = response_or_404(response_id)
    outline = services.outline_for(response)
    data = workbook.build_workbook(
        response, outline, services.answers_of(response),
        editable=_editable_keys(response, outline), lock_reason=services.lock_reason(response),
        upload_url=url_for("responses.workbook_upload", response_id=response.id,
                           _external=True))
    return send_file(io.BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=workbook.file_name(response), max_age=0)


@bp.route("/responses/<int:response_id>/workbook", methods=["GET", "POST"])
@login_required
def workbook_upload(response_id: int) -> str | tuple[str, int]:
    """Upload a workbook answered offline; show what was saved and what was not."""
    response = response_or_404(response_id, Permission.EDIT)
    form = WorkbookUploadForm()
    lock_reason = services.lock_reason(response)
    if request.method == "GET":
        status = 200
    elif lock_reason:
        status = 409
    else:
        status = 422
        if form.validate_on_submit():
            try:
                outcome = workbook.import_workbook(
                    response, form.workbook.data.read(), actor=current_user,
                    file_name=form.workbook.data.filename or "")
            except DomainError as exc:
                form.workbook.errors.append(str(exc))
            else:
                # A page, not a redirect: what was not saved is shown once, from the file.
                return render_template("responses/workbook_result.html", response=response,
                                       outcome=outcome)
    return render_template("responses/workbook.html", response=response, form=form,
                           lock_reason=lock_reason,
                           instructions=workbook.instructions()), status


@bp.route("/responses/<int:response_id>/workbook/resolve", methods=["POST"])
@login_required
def workbook_resolve(response_id: int) -> str | tuple[str, int] | HttpResponse:
    """Keep the workbook's version of the conflicting answers the user chose, theirs of the
    others; the result page again, with anything that is still not saved."""
    response = response_or_404(response_id, Permission.EDIT)
    choices = []
    try:
        # Each conflict is six fields: the form's limit on fields bounds the count too.
        count = min(int(request.form.get("conflicts", "0")), len(request.form))
    except ValueError:
        abort(400)
    for index in range(count):
        try:
            value = json.loads(request.form.get(f"value-{index}", "null"))
            row = int(request.form.get(f"row-{index}", "0"))
        except ValueError:
            abort(400)
        choices.append(workbook.ConflictChoice(
            request.form.get(f"key-{index}", ""), value, request.form.get(f"token-{index}", ""),
            request.form.get(f"sheet-{index}", ""), row,
            request.form.get(f"keep-{index}") == "mine"))
    try:
        outcome = workbook.resolve_conflicts(response, choices, actor=current_user)
    except DomainError as exc:
        flash(str(exc), "error")
        return redirect(url_for("responses.overview", response_id=response.id))
    return render_template("responses/workbook_result.html", response=response,
                           outcome=outcome)
