"""HTML → PDF with WeasyPrint, locked down: the machinery every report of the app uses.

A report's HTML comes only from our templates, with autoescaping; still, WeasyPrint
would fetch whatever URL the HTML names (images, stylesheets, ``<link rel=attachment>``
files embedded in the PDF). :class:`StaticOnlyFetcher` therefore serves the app's own
static files (read from disk, no network) and ``data:`` URLs, and refuses everything
else: other schemes, other hosts, paths outside the static folder, redirects.

Rendering is CPU-bound and slow for long documents, so :func:`render_isolated` runs it in
a child process with a time and a memory limit: a runaway render is killed, and a crash
in the C libraries below WeasyPrint cannot take the web process down.

Public pieces: :data:`BASE_URL` (give it as the document's base, and link static files as
``BASE_URL + "static/..."``), :func:`html_to_pdf`, :func:`render_pdf`,
:func:`render_isolated`, :func:`lay_out`, :func:`shared_fonts`, :class:`StaticOnlyFetcher`,
:class:`PdfRenderError` and :class:`RenderTimeout`.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import mimetypes
import multiprocessing
import posixpath
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pydyf
from weasyprint import HTML, Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

log = logging.getLogger(__name__)

# The origin documents are rendered under. ".invalid" can never resolve (RFC 2606), so
# even a fetcher bug could not turn it into a network request.
ORIGIN = "https://report.invalid"
BASE_URL = ORIGIN + "/"
STATIC_PREFIX = "/static/"
STATIC_FOLDER = Path(__file__).resolve().parent.parent / "static"
PDF_VARIANT = "pdf/ua-1"  # tagged, with the language and title PDF/UA asks for


class PdfRenderError(Exception):
    """The PDF could not be made; the message is for the log, not for users."""


class RenderTimeout(PdfRenderError):
    """Rendering took longer than allowed and was stopped."""


class RefusedURL(ValueError):
    """The fetcher refused a URL."""


class StaticOnlyFetcher(URLFetcher):
    """Serve ``data:`` URLs and files under the static folder; refuse everything else.

    :param static_folder: the folder served at ``BASE_URL + "static/"``
    """

    def __init__(self, static_folder: Path = STATIC_FOLDER) -> None:
        # No redirects, and WeasyPrint must not stop on a refused URL: it leaves the
        # resource out, which is what we want for anything a document should not load.
        super().__init__(allowed_protocols=("data", "https"), allow_redirects=False,
                         fail_on_errors=False)
        self.static_folder = Path(static_folder).resolve()
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = self.static_path(url)
        if path is None:
            self.refused.append(url)
            log.warning("report: refused to fetch %.200s", url)
            raise RefusedURL(f"refused: {url[:200]}")
        mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        headers = {"Content-Type": mime_type + ("; charset=utf-8" if mime_type.startswith(
            "text/") else "")}
        return URLFetcherResponse(url, path.read_bytes(), headers)

    def static_path(self, url: str) -> Path | None:
        """The file a URL names in the static folder, or None if it names anything else."""
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        if parts.scheme != "https" or f"{parts.scheme}://{parts.netloc}" != ORIGIN:
            return None
        if parts.query or "\\" in parts.path or "\x00" in parts.path:
            return None
        # Decode first, so that %2e%2e is judged as the ".." it is.
        path = unquote(parts.path)
        normalized = posixpath.normpath(path)
        if not normalized.startswith(STATIC_PREFIX) or normalized != path:
            return None
        candidate = (self.static_folder / normalized[len(STATIC_PREFIX):]).resolve()
        if not candidate.is_relative_to(self.static_folder) or not candidate.is_file():
            return None
        return candidate


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    page_count: int


def _memoize_page_references() -> None:
    """Make ``pydyf.PDF.page_references`` compute its tuple once per page count.

    The property builds a tuple of every page's reference each time it is read, and
    WeasyPrint's PDF/UA tagging reads it once per structure element (``'Pg'``): for the
    complete report, 15,500 reads of a 109-page tuple, 1.7 million little strings, 5 % of
    the render. The same tuple is returned until a page is added, so the PDF is the same
    byte for byte. Applied once, and only to the property as pydyf 0.13 defines it.
    """
    original = getattr(pydyf.PDF, "page_references", None)
    if not isinstance(original, property) or getattr(original.fget, "memoized", False):
        return
    compute = original.fget

    def page_references(self: pydyf.PDF) -> tuple[bytes, ...]:
        kids = self.pages["Kids"]
        cached = self.__dict__.get("_page_references")
        if cached is None or cached[0] is not kids or cached[1] != len(kids):
            cached = (kids, len(kids), compute(self))
            self.__dict__["_page_references"] = cached
        return cached[2]

    page_references.memoized = True  # type: ignore[attr-defined]
    pydyf.PDF.page_references = property(page_references)  # type: ignore[method-assign]


_memoize_page_references()


# pydyf deflates every stream (pages' text, fonts) at level 9, zlib's slowest; the
# default level (6) made the complete report's PDF 4 % larger (765 -> 799 KB) and its
# render 0.26 s (6 %) faster. pydyf reads ``zlib`` from its module, so renders give it this
# one, with the same functions but that level, for as long as they write.
_DEFLATE_LEVEL = zlib.Z_DEFAULT_COMPRESSION


class _DefaultLevelZlib:
    """zlib as pydyf sees it while we write: ``compressobj`` at the default level, every
    other name zlib's own (so a pydyf that uses more of zlib still works)."""

    @staticmethod
    def compressobj(level: int = _DEFLATE_LEVEL, *args: Any, **kwargs: Any) -> Any:
        return zlib.compressobj(_DEFLATE_LEVEL, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(zlib, name)


_pydyf_zlib = _DefaultLevelZlib()


@contextlib.contextmanager
def _default_deflate_level() -> Iterator[None]:
    original = pydyf.zlib
    pydyf.zlib = _pydyf_zlib
    try:
        yield
    finally:
        pydyf.zlib = original


# One font configuration per process, reused by every render (it is costly to build);
# renders in one process are serialised, as WeasyPrint's font objects are not
# thread-safe. Images (none today, but a logo could come) are cached across renders too.
_lock = threading.Lock()
_font_config: FontConfiguration | None = None
_image_cache: dict[str, Any] = {}


def _fonts() -> FontConfiguration:
    global _font_config
    if _font_config is None:
        _font_config = FontConfiguration()
    return _font_config


@contextlib.contextmanager
def shared_fonts() -> Iterator[FontConfiguration]:
    """The process's font configuration, for our own use of Pango between renders (the
    watermark's outlines, survey.reports.glyphs); held under the render lock."""
    with _lock:
        yield _fonts()


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the duration (and back as it was).

    A render allocates millions of small objects (boxes, styles, PDF objects) that live
    until the end of the render: every few thousand of them the collector scanned them all,
    to find almost no cycles. Profiled (py-spy), that was 22 % of a complete report's time;
    without it, 5.8 instead of 7.5 s of CPU, for 13 MB more at the peak (the little cyclic
    garbage a render makes, freed by the next collection).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def render_pdf(html: str, *, title: str, author: str, lang: str,
               base_url: str = BASE_URL, static_folder: Path = STATIC_FOLDER,
               description: str | None = None, keywords: list[str] | None = None) -> RenderedPdf:
    """Lay out ``html`` and write a tagged PDF with this metadata.

    :param html: a whole HTML document, built from our templates
    :param base_url: what relative URLs in ``html`` resolve against (keep the default)
    :param title: the PDF's title (shown by readers instead of the file name)
    :param author: the PDF's author
    :param lang: BCP 47 language of the document
    :raises PdfRenderError: WeasyPrint failed
    """
    with _lock, _cyclic_gc_paused():
        try:
            document = _lay_out(html, base_url, static_folder)
            metadata = document.metadata
            metadata.title = title
            metadata.authors = [author]
            metadata.lang = lang
            if description is not None:
                metadata.description = description
            if keywords is not None:
                metadata.keywords = keywords
            # Nothing the document names is attached to the PDF, whatever it says.
            metadata.attachments = []
            with _default_deflate_level():
                data = document.write_pdf(pdf_variant=PDF_VARIANT, cache=_image_cache)
        except Exception as exc:
            raise PdfRenderError(f"{type(exc).__name__}: {exc}") from exc
    return RenderedPdf(data, len(document.pages))


def _lay_out(html: str, base_url: str, static_folder: Path) -> Document:
    return HTML(string=html, base_url=base_url,
                url_fetcher=StaticOnlyFetcher(static_folder)).render(
        font_config=_fonts(), pdf_variant=PDF_VARIANT, presentational_hints=False,
        cache=_image_cache)


def lay_out(html: str, *, base_url: str = BASE_URL,
            static_folder: Path = STATIC_FOLDER) -> Document:
    """``html`` laid out in pages as :func:`render_pdf` lays it out, not written: what a
    reader of the PDF would see where (its boxes), for tests."""
    with _lock:
        return _lay_out(html, base_url, static_folder)


def html_to_pdf(html: str, *, base_url: str = BASE_URL, title: str, author: str,
                lang: str) -> bytes:
    """The PDF of ``html`` (see :func:`render_pdf`)."""
    return render_pdf(html, base_url=base_url, title=title, author=author, lang=lang).data


# --- rendering in a child process -----------------------------------------------------

# forkserver: children fork from a small, single-threaded server that has already
# imported WeasyPrint, so a render starts in milliseconds and never inherits the web
# server's threads, sockets or database connections.
_mp = multiprocessing.get_context("forkserver")
_mp.set_forkserver_preload([__name__])


def render_isolated(html: str, *, timeout: float, memory_mb: int | None = None,
                    **options: Any) -> RenderedPdf:
    """:func:`render_pdf` in a child process, killed after ``timeout`` seconds or once it
    holds more than ``memory_mb`` of memory.

    The memory is watched from here (the child's resident size, every tenth of a second)
    rather than capped with an address-space limit in the child: under such a limit Pango's
    font threads could fail to start and hang the child until the timeout, so a document too
    big for its memory waited two minutes for a wrong message.

    :param memory_mb: the most resident memory the child may use (None: no limit)
    :param options: as for :func:`render_pdf`
    :raises RenderTimeout: it took too long
    :raises PdfRenderError: it failed, ran out of memory or crashed
    """
    receiver, sender = _mp.Pipe(duplex=False)
    process = _mp.Process(target=_child_main, args=(sender, html, options),
                          name="report-render", daemon=True)
    try:
        process.start()
        sender.close()
        deadline = time.monotonic() + timeout
        while not receiver.poll(_WATCH_EVERY_SECONDS):
            if time.monotonic() >= deadline:
                raise RenderTimeout(f"rendering took more than {timeout:g} s")
            if memory_mb and _resident_mb(process.pid) > memory_mb:
                raise PdfRenderError("out of memory")
        try:
            ok, payload = receiver.recv()
        except EOFError:
            raise PdfRenderError(f"the rendering process died (exit code "
                                 f"{_exit_code(process)})") from None
    finally:
        receiver.close()
        sender.close()
        if process.is_alive():
            process.kill()
        if process.pid is not None:
            process.join()
            process.close()
    if not ok:
        raise PdfRenderError(payload)
    return payload


_WATCH_EVERY_SECONDS = 0.1


def _resident_mb(pid: int | None) -> float:
    """A process's resident memory in MB, from /proc (0 where it cannot be read)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


def _exit_code(process: multiprocessing.process.BaseProcess) -> int | None:
    process.join(5)
    return process.exitcode


def _child_main(sender: Any, html: str, options: dict[str, Any]) -> None:
    try:
        result: tuple[bool, Any] = (True, render_pdf(html, **options))
    except MemoryError:
        result = (False, "out of memory")
    except PdfRenderError as exc:
        result = (False, str(exc))
    try:
        sender.send(result)
    finally:
        sender.close()
