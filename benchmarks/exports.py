"""Exports of every State's answers: CSV and XLSX, time and peak memory.

Product: ``survey.exports.tabular.write_csv`` and ``write_xlsx`` of the cycle, to a file.
Floors: the same answers read with one plain SQL query through the database driver (no
ORM; each value decoded from its stored JSON, a list joined with "; ") and written as they
come, by ``csv.writer`` for the CSV and by openpyxl's write-only workbook, one sheet, for
the XLSX: the reading, decoding and writing no export of these answers can avoid.

Peak memory is measured in a fresh process (its peak resident memory, reset once the app
and the questionnaire are loaded), for the data set with 50 States and with all 193: an
export that streams does not grow with the number of States.
"""

from __future__ import annotations

import csv
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import dataset
from benchmarks.timing import alternate, in_fresh_process, peak_rss_mb, reset_peak_rss

# The raw rows of the floors: one per answer, with the State and the author.
FLOOR_QUERY = """
SELECT s.code, s.name, s.regional_group, s.kind, r.status, a.question_key, a.value,
       a.needs_review, u.display_name, u.email, a.updated_at
FROM answers a
JOIN responses r ON r.id = a.response_id
JOIN states s ON s.id = r.state_id
LEFT JOIN users u ON u.id = a.updated_by_id
WHERE r.cycle_id = ?
"""
FETCH = 2000


def _raw_rows(app, cycle_id: int):
    """The floor's rows, straight from the driver, a few thousand at a time, the value
    decoded."""
    connection = app.extensions["survey.db"].engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(FLOOR_QUERY, (cycle_id,))
        while rows := cursor.fetchmany(FETCH):
            for row in rows:
                value = json.loads(row[6])
                if isinstance(value, list):
                    value = "; ".join(value)
                yield (*row[:6], value, *row[7:])
        cursor.close()
    finally:
        connection.close()


def floor_csv(app, cycle_id: int, path: Path) -> int:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        count = 0
        for row in _raw_rows(app, cycle_id):
            writer.writerow(row)
            count += 1
    return count


def floor_xlsx(app, cycle_id: int, path: Path) -> int:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Answers")
    count = 0
    for row in _raw_rows(app, cycle_id):
        sheet.append(row)
        count += 1
    workbook.save(path)
    return count


def product_csv(cycle, path: Path) -> int:
    from survey.exports.tabular import write_csv

    with path.open("w", newline="", encoding="utf-8") as file:
        return write_csv(cycle, file)


def product_xlsx(cycle, path: Path) -> int:
    from survey.exports.tabular import write_xlsx

    return write_xlsx(cycle, path)


def _open(database: Path, folder: Path):
    app = dataset.make_app(f"sqlite:///{database}", folder)
    return app


def measure(databases: dict[int, Path], runs: dict[str, int],
            out=print) -> dict[str, Any]:
    """Times, alternately, at the largest size in ``databases`` (States -> SQLite file);
    time and memory of one export in a fresh process at every size (the floors' memory
    at the largest). ``runs``: alternations per format, e.g. {"csv": 3, "xlsx": 2}."""
    from survey.core.db import db
    from survey.cycles.services import current_cycle

    results: dict[str, Any] = {}
    largest = max(databases)
    with tempfile.TemporaryDirectory(prefix="exports-bench-") as tmp:
        folder = Path(tmp)
        copies = {n: Path(dataset.working_copy(cached, folder).removeprefix("sqlite:///"))
                  for n, cached in databases.items()}
        app = _open(copies[largest], folder)
        try:
            with app.app_context():
                cycle = current_cycle()
                for name, product, floor in (("csv", product_csv, floor_csv),
                                             ("xlsx", product_xlsx, floor_xlsx)):
                    target = folder / f"export.{name}"
                    rows = product(cycle, target)
                    size = target.stat().st_size
                    out(f"exports: {name.upper()} of {largest} States ({rows:,} rows), "
                        f"{runs[name]} alternations")
                    comparison = alternate(
                        lambda p=product, t=target: p(cycle, t),
                        lambda f=floor, t=target, c=cycle.id: f(app, c, t),
                        runs[name], warmup=0)
                    results[f"{name}_{largest}"] = {"rows": rows, "bytes": size,
                                                     **comparison.as_json()}
                db.session.remove()
        finally:
            app.extensions["survey.db"].engine.dispose()
        out("exports: memory, each export in a fresh process")
        for states, database in sorted(copies.items()):
            for name in ("csv", "xlsx"):
                figures = results.setdefault(f"{name}_{states}", {})
                kinds = ("product", "floor") if states == largest else ("product",)
                for kind in kinds:
                    probe = in_fresh_process("benchmarks.exports", "--memory-probe", name,
                                             kind, str(database))
                    figures[f"{kind}_added_mb"] = probe["added_mb"]
                    figures[f"{kind}_peak_rss_mb"] = probe["peak_mb"]
                    figures[f"{kind}_probe_s"] = probe["seconds"]
                    figures.setdefault("rows", probe["rows"])
    return results


def memory_probe(name: str, kind: str, database: Path) -> dict[str, Any]:
    """In a fresh process: export once; the peak memory the export added."""
    from survey.core.db import db
    from survey.cycles.services import current_cycle
    from survey.questionnaires.outline import outline_of

    with tempfile.TemporaryDirectory(prefix="exports-probe-") as tmp:
        folder = Path(tmp)
        app = _open(database, folder)
        with app.app_context():
            cycle = current_cycle()
            outline_of(cycle.questionnaire_version)  # what every request has loaded already
            target = folder / f"export.{name}"
            before = peak_rss_mb() if reset_peak_rss() else None
            start = time.perf_counter()
            if kind == "product":
                rows = (product_csv if name == "csv" else product_xlsx)(cycle, target)
            else:
                rows = (floor_csv if name == "csv" else floor_xlsx)(app, cycle.id, target)
            seconds = time.perf_counter() - start
            peak = peak_rss_mb()
            db.session.remove()
        app.extensions["survey.db"].engine.dispose()
    return {"rows": rows, "seconds": seconds, "peak_mb": peak,
            "added_mb": None if before is None else peak - before}


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--memory-probe":
        print(json.dumps(memory_probe(sys.argv[2], sys.argv[3], Path(sys.argv[4]))))
    else:
        print(json.dumps(measure({n: dataset.cached_sqlite(n) for n in (50, 193)},
                                 {"csv": 1, "xlsx": 1}), indent=1, default=str))
