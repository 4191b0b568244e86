"""``--profile``: where the time goes, as pyinstrument text profiles in
benchmarks/out/profiles/ (section page, autosave, CSV export; the report's is written by
benchmarks.report). In process, on the SQLite data set: a profile shows proportions, not
the figures of the table."""

from __future__ import annotations

from pathlib import Path

from benchmarks import dataset
from benchmarks.autosave import open_editor, plan_clients
from benchmarks.section_page import response_id_of
from benchmarks.web import sections_by_size, signed_in_client

PROFILES = dataset.ROOT / "benchmarks" / "out" / "profiles"


def _write(name: str, profiler) -> Path:
    PROFILES.mkdir(parents=True, exist_ok=True)
    path = PROFILES / f"{name}.txt"
    path.write_text(profiler.output_text(unicode=False, color=False))
    return path


def write_profiles(app, repeat: int = 20) -> list[Path]:
    from pyinstrument import Profiler

    from survey.core.db import db
    from survey.cycles.services import current_cycle
    from survey.responses.services import outline_for

    written = []
    response_id = response_id_of(app, dataset.REPORT_STATE)
    with app.app_context():
        from survey.responses.models import Response

        largest = sections_by_size(outline_for(db.session.get(Response, response_id)))[0][0]
        db.session.remove()
    client = signed_in_client(app, dataset.email_of("focal.point", dataset.REPORT_STATE),
                              dataset.PASSWORD)
    url = f"/responses/{response_id}/sections/{largest}"
    client.get(url).close()
    profiler = Profiler()
    profiler.start()
    for _ in range(repeat):
        client.get(url).close()
    profiler.stop()
    written.append(_write("section-page", profiler))

    plan = plan_clients(app)[1]  # a contributor: the more expensive save
    editor, tokens, csrf = open_editor(app, plan)
    profiler = Profiler()
    profiler.start()
    for n in range(repeat * 10):
        key = plan.keys[n % len(plan.keys)]
        reply = editor.post(f"/responses/{plan.response_id}/autosave", json={"changes": [
            {"key": key, "value": f"{plan.texts[key]} Profiled {n}.", "base": tokens[key]}]},
            headers={"X-CSRFToken": csrf})
        tokens[key] = reply.get_json()["saved"][key]
        reply.close()
    profiler.stop()
    written.append(_write("autosave", profiler))

    import tempfile

    from survey.exports.tabular import write_csv

    with app.app_context(), tempfile.TemporaryFile("w+", newline="") as file:
        cycle = current_cycle()
        profiler = Profiler()
        profiler.start()
        write_csv(cycle, file)
        profiler.stop()
        db.session.remove()
    written.append(_write("export-csv", profiler))
    return written
