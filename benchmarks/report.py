"""Benchmark: how long a complete national report takes, and how much memory.

    python benchmarks/report.py [--runs 5] [--profile]

Builds a scratch SQLite database (``survey init``), answers every question of the Kyoto
questionnaire at a realistic length (survey.reports.samples) through the answering
service, then measures, on this machine:

- the report's render time (``render_report``: data, HTML, PDF), median of N runs;
- WeasyPrint's own ``write_pdf`` of the same final HTML, with the same options (the
  floor: what no change of ours could beat), and the ratio between the two;
- peak memory of a fresh process that renders the report once (ru_maxrss);
- the page count;
- a download through the web app: the first (rendered in a child process) and repeated
  ones (served from the ``rendered_reports`` cache).

``--profile`` also writes a pyinstrument profile of one render to report.prof.txt in the
temporary folder.
The figures go to docs/benchmarks.md ("Report") by hand, with the date and the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "benchmark password 2021"  # noqa: S105 - a scratch database


def make_app(folder: Path):
    from survey import create_app

    return create_app({
        "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
        "INSTANCE_PATH": str(folder),
        "SECRET_KEY": "benchmark-secret-key-" + "x" * 32,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
    })


def prepare(folder: Path) -> tuple[int, int]:
    """A database with one State's response fully answered; (response id, user id)."""
    import sqlalchemy as sa

    from survey.auth.models import Role
    from survey.auth.services import create_user
    from survey.cli import initialize
    from survey.core.db import db
    from survey.cycles.services import current_cycle
    from survey.reports.samples import sample_answers
    from survey.responses.models import Response
    from survey.responses.services import Change, base_token, outline_for, save_answers
    from survey.states.models import State

    app = make_app(folder)
    with app.app_context():
        initialize(out=lambda *_: None)
        state = db.session.scalars(sa.select(State).where(State.code == "JPN")).one()
        user = create_user("focal.point@example.org", "Focal Point", Role.FOCAL_POINT, state,
                           actor=None, password=PASSWORD)
        response = db.session.scalars(sa.select(Response).where(
            Response.state_id == state.id, Response.cycle_id == current_cycle().id)).one()
        values = sample_answers(outline_for(response))
        with app.test_request_context("/"):
            outcome = save_answers(response, [Change(k, v, base_token(0, None))
                                              for k, v in values.items()], actor=user)
        assert not outcome.errors and not outcome.conflicts
        db.session.commit()
        print(f"answered {len(values)} questions "
              f"({sum(len(v) for v in values.values() if isinstance(v, str)):,} characters "
              "of text)", file=sys.stderr)
        return response.id, user.id


def _timed(function, runs: int) -> tuple[float, list[float], object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, result


def _cpu_timed(function, runs: int) -> float:
    """Median CPU time of this process (less disturbed than wall time by other work)."""
    times = []
    for _ in range(runs):
        start = time.process_time()
        function()
        times.append(time.process_time() - start)
    return statistics.median(times)


def measure(folder: Path, response_id: int, runs: int, profile: bool,
            save: Path | None = None) -> dict:
    from weasyprint import HTML

    from survey.core.db import db
    from survey.reports import national, pdf
    from survey.responses.models import Response

    app = make_app(folder)
    results: dict = {}
    with app.test_request_context("/"):
        response = db.session.get(Response, response_id)
        start = time.perf_counter()
        first = national.render_report_pdf(response)
        results["first_render_s"] = time.perf_counter() - start
        results["pages"] = first.page_count
        results["pdf_bytes"] = len(first.data)
        if save:
            save.write_bytes(first.data)

        median, times, _ = _timed(lambda: national.render_report(response), runs)
        results["render_median_s"], results["render_runs_s"] = median, times

        report = national.build_report(response)
        html = national.report_html(response, report=report)
        results["html_chars"] = len(html)
        results["data_and_html_s"] = _timed(
            lambda: national.report_html(response, report=national.build_report(response)),
            runs)[0]

        def floor() -> bytes:
            return HTML(string=html, base_url=pdf.BASE_URL,
                        url_fetcher=pdf.StaticOnlyFetcher()).write_pdf(
                font_config=pdf._fonts(), pdf_variant=pdf.PDF_VARIANT,
                cache=pdf._image_cache)

        median, times, _ = _timed(floor, runs)
        results["floor_median_s"], results["floor_runs_s"] = median, times
        results["ratio"] = results["render_median_s"] / results["floor_median_s"]
        results["render_cpu_s"] = _cpu_timed(lambda: national.render_report(response), runs)
        results["floor_cpu_s"] = _cpu_timed(floor, runs)
        results["cpu_ratio"] = results["render_cpu_s"] / results["floor_cpu_s"]

        if profile:
            from pyinstrument import Profiler

            profiler = Profiler()
            profiler.start()
            national.render_report(response)
            profiler.stop()
            path = Path(tempfile.gettempdir()) / "report.prof.txt"
            path.write_text(profiler.output_text(unicode=False, color=False))
            results["profile"] = str(path)

    client = app.test_client()
    login = client.post("/login", data={"email": "focal.point@example.org",
                                        "password": PASSWORD})
    assert login.status_code == 302, login.status_code
    url = f"/responses/{response_id}/report.pdf"
    start = time.perf_counter()
    reply = client.get(url)
    results["first_download_s"] = time.perf_counter() - start
    assert reply.status_code == 200, reply.status_code
    reply.close()

    def download() -> int:
        cached = client.get(url)
        cached.get_data()
        cached.close()
        return cached.status_code

    median, times, _ = _timed(download, max(runs, 5))
    results["cached_download_median_s"], results["cached_download_runs_s"] = median, times
    app.extensions["survey.db"].engine.dispose()
    return results


def _peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux carries the
    parent's ru_maxrss over fork and exec, so a child would report its parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_probe(folder: Path, response_id: int) -> None:
    """Run in a fresh process: render once, print the peak resident memory."""
    from survey.core.db import db
    from survey.reports import national
    from survey.responses.models import Response

    app = make_app(folder)
    with app.test_request_context("/"):
        response = db.session.get(Response, response_id)
        national.build_report(response)
        before = _peak_rss_mb()
        national.render_report(response)
        after = _peak_rss_mb()
    print(json.dumps({"rss_before_mb": before, "peak_rss_mb": after}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--save", type=Path, help="Also write the PDF there, to look at it.")
    parser.add_argument("--memory-probe", nargs=2, metavar=("FOLDER", "RESPONSE_ID"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_probe:
        memory_probe(Path(args.memory_probe[0]), int(args.memory_probe[1]))
        return

    with tempfile.TemporaryDirectory(prefix="report-bench-") as tmp:
        folder = Path(tmp)
        response_id, _user_id = prepare(folder)
        results = measure(folder, response_id, args.runs, args.profile, args.save)
        probe = subprocess.run(
            [sys.executable, __file__, "--memory-probe", str(folder), str(response_id)],
            capture_output=True, text=True, check=True)
        results.update(json.loads(probe.stdout.strip().splitlines()[-1]))

    results["machine"] = (f"{platform.machine()}, {os.cpu_count()} CPUs, "
                          f"Python {platform.python_version()}, "
                          f"load average {os.getloadavg()[0]:.2f} at the end")
    print(json.dumps(results, indent=2, default=lambda v: round(v, 3)))
    print(f"""
| measure | value |
| --- | --- |
| render_report, median of {args.runs} | {results['render_median_s']:.2f} s |
| first render in the process | {results['first_render_s']:.2f} s |
| floor: WeasyPrint write_pdf of the final HTML, median of {args.runs} | \
{results['floor_median_s']:.2f} s |
| ratio render / floor | {results['ratio']:.2f} |
| CPU time: render_report / floor, medians | {results['render_cpu_s']:.2f} s / \
{results['floor_cpu_s']:.2f} s (ratio {results['cpu_ratio']:.2f}) |
| our data assembly + HTML | {results['data_and_html_s'] * 1000:.0f} ms |
| pages | {results['pages']} ({results['pdf_bytes'] / 1e6:.1f} MB, \
{results['html_chars']:,} characters of HTML) |
| peak memory of a process that renders once (VmHWM) | \
{results['peak_rss_mb']:.0f} MB (of which {results['rss_before_mb']:.0f} MB before rendering) |
| first download through the app (child process, then stored) | \
{results['first_download_s']:.2f} s |
| repeated download (from the cache), median | \
{results['cached_download_median_s'] * 1000:.0f} ms |
""")


if __name__ == "__main__":
    main()
