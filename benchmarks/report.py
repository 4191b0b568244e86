"""The complete national report: time, peak memory, pages, and the cached re-download.

Part of the suite (``python -m benchmarks --only report``); on its own,
``python -m benchmarks.report [--runs 5] [--profile] [--save report.pdf]`` prints the same
figures as JSON. The response is one State's of the data set (benchmarks.dataset: every
question answered at a realistic length).

- product: ``render_report`` (the data, the HTML, the PDF), in this process;
- floor: WeasyPrint's own ``write_pdf`` of the final HTML the report produced, with the same
  options (fonts, URL fetcher, PDF/UA): what no change of ours could beat. The two are
  timed alternately, wall-clock and CPU;
- our part alone: the data and the HTML (``build_report`` and the templates);
- peak memory: of a fresh process that renders the report once (VmHWM);
- pages, and a download through the web app: the first (rendered in a child process,
  then stored) and repeated ones (served from the ``rendered_reports`` cache).

``--profile`` also writes a pyinstrument profile of one render to
benchmarks/out/profiles/report.txt.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if not __package__:  # run as a script (python benchmarks/report.py): find the package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import dataset
from benchmarks.section_page import response_id_of
from benchmarks.timing import alternate, in_fresh_process, peak_rss_mb
from benchmarks.web import signed_in_client

PROFILES = dataset.ROOT / "benchmarks" / "out" / "profiles"


def measure(app, response_id: int, runs: int, *, database: Path | None = None,
            profile: bool = False, save: Path | None = None) -> dict[str, Any]:
    """The report's figures; ``database`` (the SQLite file ``app`` uses) for the memory
    probe, which needs a process of its own."""
    from weasyprint import HTML

    from survey.core.db import db
    from survey.reports import national, pdf
    from survey.responses.models import Response

    results: dict[str, Any] = {}
    with app.test_request_context("/"):
        response = db.session.get(Response, response_id)
        start = time.perf_counter()
        first = national.render_report_pdf(response)
        results["first_render_s"] = time.perf_counter() - start
        results["pages"] = first.page_count
        results["pdf_bytes"] = len(first.data)
        if save:
            save.write_bytes(first.data)

        html = national.report_html(response, report=national.build_report(response))
        results["html_chars"] = len(html)

        def floor() -> bytes:
            return HTML(string=html, base_url=pdf.BASE_URL,
                        url_fetcher=pdf.StaticOnlyFetcher()).write_pdf(
                font_config=pdf._fonts(), pdf_variant=pdf.PDF_VARIANT,
                cache=pdf._image_cache)

        comparison = alternate(lambda: national.render_report(response), floor, runs,
                               warmup=0)
        results.update(comparison.as_json())
        ours = []
        for _ in range(max(runs, 3)):
            start = time.perf_counter()
            national.report_html(response, report=national.build_report(response))
            ours.append(time.perf_counter() - start)
        results["data_and_html_s"] = statistics.median(ours)

        if profile:
            from pyinstrument import Profiler

            profiler = Profiler()
            profiler.start()
            national.render_report(response)
            profiler.stop()
            PROFILES.mkdir(parents=True, exist_ok=True)
            path = PROFILES / "report.txt"
            path.write_text(profiler.output_text(unicode=False, color=False))
            results["profile"] = str(path.relative_to(dataset.ROOT))
        code = response.state.code
        db.session.remove()

    client = signed_in_client(app, dataset.email_of("focal.point", code), dataset.PASSWORD)
    url = f"/responses/{response_id}/report.pdf"
    start = time.perf_counter()
    reply = client.get(url)
    results["first_download_s"] = time.perf_counter() - start
    reply.close()
    if reply.status_code != 200:
        raise RuntimeError(f"GET {url}: HTTP {reply.status_code}")

    downloads = []
    for _ in range(max(runs, 5)):
        start = time.perf_counter()
        cached = client.get(url)
        cached.get_data()
        downloads.append(time.perf_counter() - start)
        cached.close()
    results["cached_download_median_s"] = statistics.median(downloads)
    results["cached_download_s"] = downloads

    if database is not None:
        results.update(in_fresh_process("benchmarks.report", "--memory-probe",
                                        str(database), str(response_id)))
    return results


def memory_probe(database: Path, response_id: int) -> dict[str, float]:
    """In a fresh process: render once; the peak resident memory of the process."""
    from survey.core.db import db
    from survey.reports import national
    from survey.responses.models import Response

    with tempfile.TemporaryDirectory(prefix="report-probe-") as tmp:
        app = dataset.make_app(f"sqlite:///{database}", Path(tmp))
        with app.test_request_context("/"):
            response = db.session.get(Response, response_id)
            national.build_report(response)
            before = peak_rss_mb()
            national.render_report(response)
            peak = peak_rss_mb()
            db.session.remove()
        app.extensions["survey.db"].engine.dispose()
    return {"rss_before_render_mb": before, "peak_rss_mb": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--save", type=Path, help="Also write the PDF there, to look at it.")
    parser.add_argument("--memory-probe", nargs=2, metavar=("DATABASE", "RESPONSE_ID"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_probe:
        print(json.dumps(memory_probe(Path(args.memory_probe[0]), int(args.memory_probe[1]))))
        return
    with tempfile.TemporaryDirectory(prefix="report-bench-") as tmp:
        folder = Path(tmp)
        url = dataset.working_copy(dataset.cached_sqlite(), folder)
        app = dataset.make_app(url, folder)
        try:
            results = measure(app, response_id_of(app, dataset.REPORT_STATE), args.runs,
                              database=Path(url.removeprefix("sqlite:///")),
                              profile=args.profile, save=args.save)
        finally:
            app.extensions["survey.db"].engine.dispose()
    json.dump(results, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
