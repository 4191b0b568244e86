"""The benchmark suite: ``python -m benchmarks`` from the repository's root.

Builds (or finds in benchmarks/out/cache) the data set, then measures, each figure against
the floor of its own stack, product and floor alternately in the same run:

1. section: the largest section page, all answered (benchmarks.section_page);
2. autosave: 20 clients against gunicorn on PostgreSQL (benchmarks.autosave; skipped,
   with the reason, when PostgreSQL is not reachable at 127.0.0.1:5432);
3. report: the complete national report (benchmarks.report);
4. exports: CSV and XLSX of every State, and their memory at 50 and 193 States
   (benchmarks.exports);
5. generate: ``survey questionnaire generate`` (benchmarks.generate).

Prints a table and writes it, with the date, the machine and a line per target, to
docs/benchmarks.md between the results markers (full runs only; ``--quick`` writes
benchmarks/out/results-quick.md). Every figure is also kept in benchmarks/out/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import dataset
from benchmarks.machine import describe

PARTS = ("section", "autosave", "report", "exports", "generate")
OUT = dataset.ROOT / "benchmarks" / "out"
DOC = dataset.ROOT / "docs" / "benchmarks.md"
BEGIN = "<!-- benchmark results: written by `python -m benchmarks`; edit outside these markers -->"
END = "<!-- end of benchmark results -->"

FULL = {"section": 30, "report": 3, "csv": 3, "xlsx": 2, "generate": 5}
QUICK = {"section": 10, "report": 1, "csv": 1, "xlsx": 1, "generate": 3}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer runs and a smaller PostgreSQL data set (a first look)")
    parser.add_argument("--rebuild", action="store_true",
                        help="rebuild the cached SQLite data sets")
    parser.add_argument("--only", default=",".join(PARTS),
                        help=f"comma-separated parts to run, of: {', '.join(PARTS)}")
    parser.add_argument("--profile", action="store_true",
                        help="also write pyinstrument profiles to benchmarks/out/profiles")
    parser.add_argument("--no-docs", action="store_true",
                        help="do not write docs/benchmarks.md")
    args = parser.parse_args(argv)
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    runs = QUICK if args.quick else FULL

    def out(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    started = time.perf_counter()
    postgres_problem = dataset.postgres_reachable()
    postgres_version = None
    if postgres_problem is None:
        import sqlalchemy as sa

        engine = sa.create_engine(dataset.POSTGRES_SERVER)
        with engine.connect() as connection:
            postgres_version = connection.exec_driver_sql("SHOW server_version").scalar_one()
        engine.dispose()
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else "full",
        "machine": describe(postgres_version),
        "parts": {},
    }
    out("data set: every State, every question answered")
    full_set = dataset.cached_sqlite(193, rebuild=args.rebuild, out=out)
    small_set = (dataset.cached_sqlite(50, rebuild=args.rebuild, out=out)
                 if "exports" in parts else None)
    with tempfile.TemporaryDirectory(prefix="benchmarks-") as tmp:
        folder = Path(tmp)
        url = dataset.working_copy(full_set, folder)
        app = dataset.make_app(url, folder)
        try:
            for part in parts:
                out(f"--- {part}")
                try:
                    results["parts"][part] = _run(part, app, url, runs, args, small_set,
                                                  full_set, out)
                except Exception as exc:  # one part failing must not lose the others
                    traceback.print_exc()
                    results["parts"][part] = {"failed": f"{type(exc).__name__}: {exc}"[:300]}
            if args.profile:
                from benchmarks.profiles import write_profiles

                for path in write_profiles(app):
                    out(f"profile: {path.relative_to(dataset.ROOT)}")
        finally:
            app.extensions["survey.db"].engine.dispose()
    results["machine"]["load_average_end"] = os.getloadavg()[0]
    results["seconds"] = time.perf_counter() - started

    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=1, default=str))
    text = render(results)
    print(text)
    if args.quick or args.no_docs or set(parts) != set(PARTS):
        target = OUT / "results-quick.md" if args.quick else OUT / "results.md"
        target.write_text(text)
        out(f"written to {target.relative_to(dataset.ROOT)} (docs/benchmarks.md is "
            "written by a full run of every part)")
    else:
        write_doc(text)
        out(f"written to {DOC.relative_to(dataset.ROOT)}")
    return 0


def _run(part: str, app, url: str, runs: dict[str, int], args, small_set: Path | None,
         full_set: Path, out) -> dict[str, Any]:
    if part == "section":
        from benchmarks import section_page

        return section_page.measure(app, runs["section"])
    if part == "autosave":
        from benchmarks import autosave

        return autosave.run(quick=args.quick, out=out)
    if part == "report":
        from benchmarks import report
        from benchmarks.section_page import response_id_of

        return report.measure(app, response_id_of(app, dataset.REPORT_STATE), runs["report"],
                              database=Path(url.removeprefix("sqlite:///")),
                              profile=args.profile)
    if part == "exports":
        from benchmarks import exports

        return exports.measure({50: small_set, 193: full_set},
                               {"csv": runs["csv"], "xlsx": runs["xlsx"]}, out=out)
    from benchmarks import generate

    return generate.measure(runs["generate"])


# --- the table -------------------------------------------------------------------------------

def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms" if seconds >= 0.0095 else f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


def verdict(met: bool | None) -> str:
    return "—" if met is None else ("**met**" if met else "**not met**")


# A memory figure is flat if 193 States take less than this much more than 50 (memory that
# grew with the number of States would take 193 / 50 = 3.9 times as much).
FLAT = 1.2


def render(results: dict[str, Any]) -> str:
    parts = results["parts"]
    machine = results["machine"]
    rows: list[tuple[str, str, str, str, str]] = []
    targets: list[tuple[str, bool | None, str]] = []

    def row(figure: str, product: str, floor: str = "", ratio_: str = "", note: str = ""):
        rows.append((figure, product, floor, ratio_, note))

    for part, figures in parts.items():
        if "failed" in figures:
            row(f"{part}: failed", "—", note=figures["failed"].replace("|", "/"))
            targets.append((f"{part}: the part failed, nothing measured", False,
                            figures["failed"].replace("|", "/")))
    parts = {part: figures for part, figures in parts.items() if "failed" not in figures}

    section = parts.get("section")
    if section:
        name = (f"Section page “{section['section']}” ({section['questions']} questions, "
                f"{section['paragraphs']} paragraphs, {section['page_bytes'] / 1e6:.1f} MB "
                "of HTML)")
        row(f"{name}: server time, median", duration(section["product_median_s"]),
            duration(section["floor_median_s"]), ratio(section["ratio"]),
            "floor: the template rendered from the view's data, in memory")
        row("… p95", duration(section["product_p95_s"]),
            duration(_p95(section["floor_s"])))
        row("… CPU time, median", duration(section["product_cpu_median_s"]),
            duration(section["floor_cpu_median_s"]), ratio(section["cpu_ratio"]))
        row(f"… SQL statements per request (“{section['section']}” / the smallest, "
            f"“{section['small_section']}”, {section['small_section_questions']} questions)",
            f"{section['statements']} / {section['small_section_statements']}", "0")
        most = max(section["statements"], section["small_section_statements"])
        targets.append(("Section page: at most 5 SQL statements per request, the same for "
                        "the largest and the smallest section",
                        most <= 5 and section["statements"]
                        == section["small_section_statements"],
                        f"{section['statements']} and {section['small_section_statements']}"))
        targets.append(("Section page: within 3× its floor", section["ratio"] <= 3,
                        ratio(section["ratio"])))

    autosave = parts.get("autosave")
    if autosave and "skipped" in autosave:
        row("Autosave", "skipped", note=autosave["skipped"])
        targets.append(("Autosave: at least half the floor's throughput, p95 under 100 ms",
                        None, "skipped: " + autosave["skipped"]))
    elif autosave:
        product, floor = autosave["product"], autosave["floor"]
        name = (f"Autosave, {autosave['clients']} clients, gunicorn {autosave['workers']} "
                f"workers, PostgreSQL {autosave['postgres_version'].split()[0]}")
        row(f"{name}: saves per second (median of {autosave['rounds']} bursts of "
            f"{autosave['burst_seconds']:g} s)", f"{product['throughput_median_rps']:.0f}/s",
            f"{floor['throughput_median_rps']:.0f}/s", ratio(autosave["ratio"]),
            "floor: a bare endpoint, one UPDATE of an answer")
        row("… latency, median / p95", f"{duration(product['latency_median_s'])} / "
            f"{duration(product['latency_p95_s'])}",
            f"{duration(floor['latency_median_s'])} / {duration(floor['latency_p95_s'])}")
        row("… server CPU per request: app / PostgreSQL",
            f"{product['app_cpu_ms_per_request']:.1f} / "
            f"{product['db_cpu_ms_per_request']:.1f} ms",
            f"{floor['app_cpu_ms_per_request']:.1f} / {floor['db_cpu_ms_per_request']:.1f} ms")
        row("… SQL statements per save", str(autosave["statements_per_save"]), "1")
        row("… the load generator's own CPU (share of one core)",
            f"{product['client_cpu_share']:.0%}", f"{floor['client_cpu_share']:.0%}",
            note="on the same 2 cores as the server")
        failures = product["failures"] + floor["failures"]
        if failures:
            row("… failed requests", str(product["failures"]), str(floor["failures"]))
        targets.append(("Autosave: at least half the floor's throughput",
                        autosave["ratio"] >= 0.5 and not failures, ratio(autosave["ratio"])))
        targets.append(("Autosave: p95 under 100 ms at 20 clients",
                        product["latency_p95_s"] < 0.1 and not failures,
                        duration(product["latency_p95_s"])))

    report = parts.get("report")
    if report:
        row(f"Report, complete ({report['pages']} pages, {report['pdf_bytes'] / 1e6:.1f} MB): "
            "render_report, median", duration(report["product_median_s"]),
            duration(report["floor_median_s"]), ratio(report["ratio"]),
            "floor: WeasyPrint's write_pdf of the report's final HTML")
        row("… CPU time, median", duration(report["product_cpu_median_s"]),
            duration(report["floor_cpu_median_s"]), ratio(report["cpu_ratio"]))
        row("… of which our data and HTML", duration(report["data_and_html_s"]))
        row("… peak memory of a process that renders it once",
            f"{report['peak_rss_mb']:.0f} MB",
            note=f"{report['rss_before_render_mb']:.0f} MB before rendering")
        row("… first download through the app (child process, stored)",
            duration(report["first_download_s"]))
        row("… cached re-download, median", duration(report["cached_download_median_s"]))
        targets.append(("Report: within 1.2× the WeasyPrint floor", report["ratio"] <= 1.2,
                        f"{ratio(report['ratio'])} wall, {ratio(report['cpu_ratio'])} CPU"))
        targets.append(("Report: under 5 s for the complete report",
                        report["product_median_s"] < 5, duration(report["product_median_s"])))
        targets.append(("Report: peak memory under 400 MB", report["peak_rss_mb"] < 400,
                        f"{report['peak_rss_mb']:.0f} MB"))

    exports = parts.get("exports")
    if exports:
        for name in ("csv", "xlsx"):
            big, small = exports[f"{name}_193"], exports[f"{name}_50"]
            size = (f", {big['bytes'] / 1e6:.0f} MB" if "bytes" in big else "")
            row(f"{name.upper()} export, 193 States ({big['rows']:,} rows{size}), median",
                duration(big["product_median_s"]), duration(big["floor_median_s"]),
                ratio(big["ratio"]), "floor: one plain query, decoded, written as it comes")
            row("… CPU time, median", duration(big["product_cpu_median_s"]),
                duration(big["floor_cpu_median_s"]), ratio(big["cpu_ratio"]))
            row(f"… 50 States ({small['rows']:,} rows), one run",
                duration(small["product_probe_s"]))
            row("… peak memory added, 50 → 193 States",
                f"{small['product_added_mb']:.0f} → {big['product_added_mb']:.0f} MB",
                f"{big['floor_added_mb']:.0f} MB at 193",
                note=f"whole process at 193: {big['product_peak_rss_mb']:.0f} MB")
        csv_big = exports["csv_193"]
        targets.append(("Exports: CSV of all 193 States under 3 s",
                        csv_big["product_median_s"] < 3,
                        f"{duration(csv_big['product_median_s'])} (floor "
                        f"{duration(csv_big['floor_median_s'])})"))
        flat = all(exports[f"{n}_193"]["product_added_mb"]
                   <= FLAT * exports[f"{n}_50"]["product_added_mb"] + 1 for n in ("csv", "xlsx"))
        targets.append((f"Exports: memory flat between 50 and 193 States (less than "
                        f"{FLAT:g}× + 1 MB)", flat, "; ".join(
                            f"{n.upper()} {exports[f'{n}_50']['product_added_mb']:.0f} → "
                            f"{exports[f'{n}_193']['product_added_mb']:.0f} MB"
                            for n in ("csv", "xlsx"))))

    generate = parts.get("generate")
    if generate:
        row(f"`survey questionnaire generate` ({generate['paragraphs']} paragraphs, "
            f"{generate['questions']} questions), median", duration(generate["product_median_s"]),
            duration(generate["floor_median_s"]), ratio(generate["ratio"]),
            "floor: writing the same definition, already built")

    when = datetime.fromisoformat(results["when"])
    memory = f"{machine['memory_gb']:.0f} GB RAM" if machine["memory_gb"] else ""
    lines = [
        f"Run of {when:%-d %B %Y, %H:%M} UTC ({results['mode']}, "
        f"{results['seconds'] / 60:.0f} min), revision {machine['revision'] or 'unknown'}.",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {memory}, {machine['system']}; "
        f"Python {machine['python']}, SQLite {machine['sqlite']}, PostgreSQL "
        f"{machine['postgresql'] or 'not reachable'}, WeasyPrint {machine['weasyprint']}. "
        f"Load average {machine['load_average_start']:.1f} at the start, "
        f"{machine['load_average_end']:.1f} at the end (other work shares the machine: the "
        "CPU times are the steadier figures).",
        "",
        "| Figure | Product | Floor | Ratio | Note |",
        "| --- | --- | --- | --- | --- |",
        *(f"| {' | '.join(cells)} |" for cells in rows),
        "",
        "Targets:",
        "",
        *(f"- {text}: {verdict(met)} ({detail})" for text, met, detail in targets),
    ]
    return "\n".join(lines) + "\n"


def _p95(values: list[float]) -> float:
    from benchmarks.timing import percentile

    return percentile(values, 95)


def write_doc(text: str) -> None:
    """Replace the results between the markers of docs/benchmarks.md (or add them)."""
    block = f"{BEGIN}\n\n{text}\n{END}"
    current = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    if BEGIN in current and END in current:
        head, rest = current.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        updated = head + block + tail
    else:
        title, _, body = current.partition("\n")
        updated = f"{title}\n\n{block}\n{body}"
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(updated, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
