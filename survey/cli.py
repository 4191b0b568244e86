"""The ``survey`` command: Flask's own commands (run, shell, routes) and ours.

Commands commit explicitly; each runs in one transaction.
"""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from survey import create_app
from survey.config import ConfigError


def _create_app() -> Flask:
    try:
        return create_app()
    except ConfigError as exc:
        # One clear line naming the setting, not a traceback.
        raise click.ClickException(str(exc)) from None


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False,
             add_default_commands=True, load_dotenv=False, set_debug_flag=False)
def main() -> None:
    """Kyoto Declaration national self-assessment."""


def _engine():
    from survey.core.db import db

    return db.engine


# --- setting up -------------------------------------------------------------------------

KYOTO_DEFINITION = Path(__file__).resolve().parent.parent / "questionnaires" / "kyoto-2021.json"


def initialize(out=print) -> None:
    """Bring the database to a working state; running it again changes nothing."""
    from survey.auth.services import create_first_admin
    from survey.core import migrate
    from survey.core.db import db
    from survey.cycles.services import create_cycle, current_cycle, ensure_responses, open_cycle
    from survey.questionnaires.services import (
        import_definition,
        publish_version,
        published_version,
    )
    from survey.states.services import load_member_states

    migrate.upgrade(_engine())
    added = load_member_states()
    if added:
        out(f"Loaded {added} UN Member States.")
    version = published_version("kyoto-2021")
    if version is None and KYOTO_DEFINITION.exists():
        version = import_definition(json.loads(KYOTO_DEFINITION.read_text(encoding="utf-8")),
                                    change_note="Generated from the declaration's text.")
        publish_version(version, actor=None)
        out(f"Loaded the Kyoto Declaration questionnaire ({len(version.questions)} questions).")
    cycle = current_cycle()
    if cycle is None and version is not None:
        today = date.today()
        # Named by its year alone: a name is data, shown as typed in all six languages, and
        # a year reads the same in each (the secretariat may rename it).
        cycle = create_cycle(str(today.year), str(today.year), version,
                             today, today + timedelta(days=182), actor=None)
        open_cycle(cycle, actor=None)
        out(f"Opened the reporting cycle “{cycle.name}” (deadline {cycle.closes_on}).")
    elif cycle is not None:
        ensure_responses(cycle)
    first_admin = create_first_admin()
    db.session.commit()
    if first_admin:
        user, password = first_admin
        out("")
        out("Created the first administrator. Sign in with:")
        out(f"    e-mail:   {user.email}")
        out(f"    password: {password}   (shown once; you will choose your own at first sign-in)")
        out("")


@main.command("init")
@with_appcontext
def init_command() -> None:
    """Create or upgrade the database and load the initial data (safe to repeat)."""
    initialize(out=click.echo)
    click.echo("The database is ready.")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve_command(host: str, port: int) -> None:
    """Initialise, then serve the app (for one machine; use gunicorn in production)."""
    initialize(out=click.echo)
    from werkzeug.serving import run_simple

    click.echo(f"Serving on http://{host}:{port}/  (press Ctrl+C to stop)")
    # Werkzeug's server directly: Flask ignores app.run() inside its own command line.
    run_simple(host, port, current_app._get_current_object(), threaded=True,
               use_reloader=False, use_debugger=False)


# --- users ------------------------------------------------------------------------------

@main.group("user")
def user_group() -> None:
    """Manage user accounts."""


@user_group.command("create")
@click.option("--email", required=True)
@click.option("--name", "display_name", default="", help="Display name (default: the e-mail).")
@click.option("--role", required=True,
              type=click.Choice(["admin", "focal_point", "contributor", "observer"]))
@click.option("--state", "state_code", help="ISO 3166 alpha-3 code of the user's State.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_user_command(email: str, display_name: str, role: str, state_code: str | None,
                        password_stdin: bool) -> None:
    """Create a user; prints a one-time link to set the password unless one is given."""
    import sqlalchemy as sa

    from survey.auth.models import Role
    from survey.auth.services import create_user
    from survey.auth.tokens import LinkPurpose, make_token
    from survey.core.db import db
    from survey.core.errors import DomainError
    from survey.core.urls import DEFAULT_BASE_URL, external_url
    from survey.states.models import State

    state = None
    if state_code:
        state = db.session.scalar(sa.select(State).where(State.code == state_code.upper()))
        if state is None:
            raise click.BadParameter(f"no State with code {state_code!r}", param_hint="--state")
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    try:
        user = create_user(email, display_name, Role(role), state, actor=None, password=password)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Created {user.email} ({role}{', ' + state.code if state else ''}).")
    if password is None:
        link = external_url("auth.set_password", token=make_token(user, LinkPurpose.INVITATION))
        click.echo(f"Link to set the password (works once): {link}")
        if current_app.config["SURVEY"].BASE_URL is None:
            # Outside a request the app cannot know where it is served.
            click.echo(f"(The address assumes the app is served at {DEFAULT_BASE_URL}; set "
                       "SURVEY_BASE_URL to the address people use.)")


@main.command("remind")
@click.option("--cycle", "slug", help="The cycle's short name (default: the current cycle).")
@click.option("--due-in", "due_in", metavar="DAYS",
              help="Only the States whose deadline is this many days away, e.g. 30,7,1: run "
                   "it every day (cron) to remind each State on those days.")
@with_appcontext
def remind_command(slug: str | None, due_in: str | None) -> None:
    """Mail the focal points of the States that have not yet submitted: the deadline, their
    progress and the link to their dashboard (as the cycle page's "Send the reminders")."""
    import sqlalchemy as sa

    from survey.admin.reminders import remind_states
    from survey.core.db import db
    from survey.core.errors import DomainError
    from survey.cycles.models import ReportingCycle
    from survey.cycles.services import current_cycle

    days = None
    if due_in is not None:
        try:
            days = {int(part) for part in due_in.split(",") if part.strip()}
        except ValueError:
            raise click.BadParameter("a list of whole numbers of days, e.g. 30,7,1",
                                     param_hint="--due-in") from None
    cycle = (db.session.scalar(sa.select(ReportingCycle).where(ReportingCycle.slug == slug))
             if slug else current_cycle())
    if cycle is None:
        raise click.ClickException(f"no reporting cycle {slug!r}" if slug
                                   else "no current reporting cycle")
    try:
        reminded = remind_states(cycle, actor=None, due_in=days)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"{cycle.name}: {reminded.mails} reminder(s) mailed to the focal points of "
               f"{reminded.states} State(s).")
    if reminded.failed:
        click.echo(f"{reminded.failed} mail(s) could not be sent (see the log).", err=True)
    if reminded.without_focal_point:
        click.echo(f"{reminded.without_focal_point} State(s) to remind have no active focal "
                   "point.", err=True)
    if reminded.failed:
        sys.exit(1)


# --- database ---------------------------------------------------------------------------

@main.group("db")
def db_group() -> None:
    """Database schema migrations (Alembic)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Upgrade the schema (to the latest revision by default)."""
    from survey.core import migrate

    migrate.upgrade(_engine(), revision)


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Downgrade the schema to REVISION ("base" removes every table)."""
    from survey.core import migrate

    migrate.downgrade(_engine(), revision)


@db_group.command("current")
@with_appcontext
def db_current() -> None:
    """Show the schema revision of the database."""
    from survey.core import migrate

    click.echo(migrate.current_revision(_engine()) or "(empty database)")


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--empty", is_flag=True, help="Do not compare the models with the database.")
@with_appcontext
def db_revision(message: str, empty: bool) -> None:
    """Write a new migration (compared with the models); review it by hand."""
    from survey.core import migrate

    migrate.make_revision(_engine(), message, autogenerate=not empty)


@db_group.command("check")
@with_appcontext
def db_check() -> None:
    """Fail if the models and the database schema differ."""
    from survey.core import migrate

    differences = migrate.schema_differences(_engine())
    for difference in differences:
        click.echo(repr(difference))
    if differences:
        raise click.ClickException("the models and the migrations differ")
    click.echo("The models and the database agree.")


@main.command("settings")
def settings_command() -> None:
    """List every setting with its environment variable, default and meaning."""
    from survey.config import describe_settings

    for name, default, help_text in describe_settings():
        click.echo(f"{name}  (default {default})\n    {help_text}")


# --- questionnaires -------------------------------------------------------------------------

@main.group("questionnaire")
def questionnaire_group() -> None:
    """Generate, export and import questionnaire definitions (JSON)."""


@questionnaire_group.command("generate")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write (default: questionnaires/kyoto-2021.json).")
def questionnaire_generate(output: Path | None) -> None:
    """Generate the Kyoto questionnaire from the declaration's text."""
    from questionnaires.generator import write_definition

    path = write_definition(output)
    click.echo(f"Wrote {path}")


@questionnaire_group.command("export")
@click.option("--version", "number", type=int, default=None,
              help="Version number (default: the published version).")
@click.option("--slug", default="kyoto-2021", show_default=True)
@with_appcontext
def questionnaire_export(number: int | None, slug: str) -> None:
    """Print a questionnaire version as JSON on standard output."""
    import sqlalchemy as sa

    from survey.core.db import db
    from survey.questionnaires.models import Questionnaire, QuestionnaireVersion
    from survey.questionnaires.services import (
        dump_definition,
        export_definition,
        published_version,
    )

    if number is None:
        version = published_version(slug)
    else:
        version = db.session.scalar(sa.select(QuestionnaireVersion).join(Questionnaire).where(
            Questionnaire.slug == slug, QuestionnaireVersion.number == number))
    if version is None:
        wanted = number or "published"
        raise click.ClickException(f"no such questionnaire version ({slug}, {wanted})")
    click.echo(dump_definition(export_definition(version)), nl=False)


@questionnaire_group.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--note", default="", help="What changed in this version.")
@with_appcontext
def questionnaire_import(file, note: str) -> None:
    """Load a JSON definition as a new draft version (nothing is loaded if it is invalid)."""
    from survey.core.db import db
    from survey.questionnaires.schema import DefinitionError
    from survey.questionnaires.services import import_definition

    try:
        data = json.load(file)
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"{file.name}: not JSON: {exc}") from None
    try:
        version = import_definition(data, change_note=note)
    except DefinitionError as exc:
        db.session.rollback()
        for error in exc.errors:
            click.echo(error, err=True)
        raise click.ClickException(
            f"{file.name}: {len(exc.errors)} problem(s); nothing was imported") from None
    db.session.commit()
    click.echo(f"Imported {file.name} as draft version {version.number} of "
               f"{version.questionnaire.slug}.")


# --- backups --------------------------------------------------------------------------------

@main.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--include-password-hashes", is_flag=True,
              help="Keep users' password hashes (otherwise they set new passwords).")
@with_appcontext
def backup_command(file: str, include_password_hashes: bool) -> None:
    """Write everything to one JSON file (FILE, or - for standard output)."""
    from survey.core.backup import write_backup

    if file == "-":
        counts = write_backup(_engine(), sys.stdout,
                              include_password_hashes=include_password_hashes)
    else:
        target = Path(file)
        partial = target.with_name(target.name + ".partial")
        with partial.open("w", encoding="utf-8") as out:
            counts = write_backup(_engine(), out,
                                  include_password_hashes=include_password_hashes)
        partial.replace(target)  # a backup file is complete or absent, never half-written
    click.echo(f"Backed up {sum(counts.values())} rows from {len(counts)} tables.", err=True)


@main.command("restore")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@with_appcontext
def restore_command(file) -> None:
    """Load a backup into an empty database."""
    from survey.core.backup import BackupError, restore_backup

    try:
        counts = restore_backup(_engine(), file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Restored {sum(counts.values())} rows into {len(counts)} tables.")


# --- reports ----------------------------------------------------------------------------

@main.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
def worker_command(burst: bool) -> None:
    """Send mail, render reports and make exports queued by the web servers (needs
    SURVEY_REDIS_URL)."""
    from redis.exceptions import RedisError

    from survey.reports.jobs import WORKER_QUEUES, run_worker

    app = _create_app()
    if not app.config["SURVEY"].REDIS_URL:
        raise click.ClickException(
            "SURVEY_REDIS_URL is not set: without Redis, reports render in the web process")
    with app.app_context():
        queues = ", ".join(f"“{name}”" for name in WORKER_QUEUES)
        click.echo(f"Sending mail, rendering reports and making exports from the queues "
                   f"{queues} (Ctrl+C to stop).")
        try:
            run_worker(app, burst=burst)
        except RedisError as exc:
            raise click.ClickException(f"SURVEY_REDIS_URL: {exc}") from None
