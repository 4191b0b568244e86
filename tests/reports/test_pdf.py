"""The PDF machinery: the locked-down fetcher, metadata and tags, the isolated renderer."""

from __future__ import annotations

import gc
import shutil
import subprocess
import zlib
from urllib.parse import urljoin

import pytest

from survey.reports import pdf
from tests.reports.conftest import pdf_reader, pdf_text

STYLESHEET = pdf.BASE_URL + "static/css/report.css"


def _has_font_for(language: str) -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    found = subprocess.run([fc_list, f":lang={language}", "family"], capture_output=True,
                           text=True, check=False)
    return bool(found.stdout.strip())


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "file://localhost/etc/passwd",
    "http://127.0.0.1:5000/static/css/report.css",
    "http://report.invalid/static/css/report.css",
    "https://example.org/static/css/report.css",
    "https://report.invalid.example.org/static/css/report.css",
    "https://user@report.invalid/static/css/report.css",
    "https://report.invalid:8443/static/css/report.css",
    "ftp://report.invalid/static/css/report.css",
    "gopher://127.0.0.1:6379/_FLUSHALL",
    "https://report.invalid/etc/passwd",
    "https://report.invalid/static/../../etc/passwd",
    "https://report.invalid/static/%2e%2e/%2e%2e/etc/passwd",
    "https://report.invalid/static/..%2f..%2fsurvey/config.py",
    "https://report.invalid/static/css/report.css?x=1",
    "https://report.invalid/static/",
    "https://report.invalid/static/css/missing.css",
    urljoin(pdf.BASE_URL + "static/css/", "../../../etc/passwd"),
    urljoin(pdf.BASE_URL, "../../etc/passwd"),
    urljoin(pdf.BASE_URL + "static/css/", "//127.0.0.1/x.css"),
])
def test_fetcher_refuses_everything_but_static_files(url):
    fetcher = pdf.StaticOnlyFetcher()
    with pytest.raises(ValueError, match=r"refused|disallowed"):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_fetcher_serves_static_files_and_data_urls():
    fetcher = pdf.StaticOnlyFetcher()
    css = fetcher.fetch(STYLESHEET)
    try:
        assert css.content_type == "text/css"
        assert b"@page" in css.read()
    finally:
        css.close()
    data = fetcher.fetch("data:text/plain;base64,aGVsbG8=")
    try:
        assert data.read() == b"hello"
    finally:
        data.close()
    assert fetcher.refused == []


def test_fetcher_follows_no_symlink_out_of_the_static_folder(tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    (static / "link.txt").symlink_to(tmp_path / "secret.txt")
    fetcher = pdf.StaticOnlyFetcher(static)
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch(pdf.BASE_URL + "static/link.txt")


DOCUMENT = """<!doctype html><html lang="fr"><head><title>ignored</title>
<link rel="stylesheet" href="static/css/report.css"></head>
<body><h2 id="a">Première partie</h2><p>Texte « accentué » — ĀĒĪ, Русский.</p>{arabic}
<h2 id="b">Seconde partie</h2><p><a href="#a">lien</a></p></body></html>"""
# A glyph missing from every installed font makes pypdf misread the whole font's text, so
# the Arabic line is there only where fontconfig has a font for it (Debian: DejaVu Sans).
ARABIC = '<p lang="ar" dir="rtl">العربية</p>'
DOCUMENT = DOCUMENT.replace("{arabic}", ARABIC if _has_font_for("ar") else "")


def test_html_to_pdf_makes_a_tagged_pdf_with_metadata_and_outline():
    data = pdf.html_to_pdf(DOCUMENT, base_url=pdf.BASE_URL, title="Le titre",
                           author="Gouvernement", lang="fr")
    reader = pdf_reader(data)
    assert reader.metadata.title == "Le titre"
    assert reader.metadata.author == "Gouvernement"
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "fr"
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert [item.title for item in reader.outline] == ["Première partie", "Seconde partie"]
    text = pdf_text(data)
    assert "Texte « accentué »" in text and "Русский" in text
    if _has_font_for("ar"):  # this machine's fonts decide; Debian's DejaVu Sans has Arabic
        assert "العربية" in text
    assert "/EmbeddedFiles" not in root.get("/Names", {})


@pytest.mark.parametrize("enabled", [True, False])
def test_render_pdf_pauses_the_garbage_collector_and_puts_it_back(enabled, monkeypatch):
    """Paused during a render (scanning the render's objects was a fifth of its time),
    and as it was afterwards, also when the render fails."""
    during = []

    class Spy(pdf.StaticOnlyFetcher):
        def fetch(self, url, headers=None):
            during.append(gc.isenabled())
            return super().fetch(url, headers)

    monkeypatch.setattr(pdf, "StaticOnlyFetcher", Spy)
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        pdf.render_pdf(DOCUMENT, title="T", author="A", lang="fr")
        assert during == [False]  # the stylesheet, fetched within the render
        assert gc.isenabled() is enabled
        with pytest.raises(pdf.PdfRenderError):
            pdf.render_pdf(object(), title="T", author="A", lang="fr")  # type: ignore[arg-type]
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def _pages_of_tags(element, pages, found):
    """(tag, page index) of every structure element under ``element`` that names a page."""
    element = element.get_object()
    if element.get("/Pg") is not None:
        found.append((element["/S"], pages.index(element.raw_get("/Pg").idnum)))
    kids = element.get("/K")
    for kid in kids if isinstance(kids, list) else [kids]:
        if kid is not None and not isinstance(kid, int):
            _pages_of_tags(kid, pages, found)
    return found


def test_tags_name_the_page_their_content_is_on():
    """pydyf's page references are memoized (they were 5 % of a report's render): each
    tag must still point at its own page, also as pages are added."""
    document = '<!doctype html><html lang="en"><body>' + "".join(
        f'<p style="break-before: page">Text {i}</p>' for i in range(3)) + "</body></html>"
    reader = pdf_reader(pdf.html_to_pdf(document, title="T", author="A", lang="en"))
    pages = [page.indirect_reference.idnum for page in reader.pages]
    tags = _pages_of_tags(reader.trailer["/Root"]["/StructTreeRoot"], pages, [])
    assert [(tag, page) for tag, page in tags if tag == "/P"] == [("/P", 0), ("/P", 1), ("/P", 2)]
    assert {page for _, page in tags} == {0, 1, 2}

    made = pdf.pydyf.PDF()
    assert made.page_references == ()
    for count in (1, 2):
        made.add_page(pdf.pydyf.Dictionary({"Type": "/Page"}))
        assert len(made.page_references) == count


def test_streams_are_deflated_at_the_default_level_during_a_render_only():
    """Level 9 (pydyf's) cost 6 % of a report's render for 4 % of its size."""
    data = pdf.html_to_pdf(DOCUMENT, title="T", author="A", lang="fr")
    assert pdf.pydyf.zlib is zlib
    assert b"/FlateDecode" in data
    assert "Seconde partie" in pdf_text(data)
    compressor = pdf._pydyf_zlib.compressobj(level=9)
    sample = b"BT /F1 9.5 Tf (Paragraph) Tj ET\n" * 2000
    assert zlib.decompress(compressor.compress(sample) + compressor.flush()) == sample
    # Anything else pydyf may take from zlib is zlib's own.
    assert pdf._pydyf_zlib.crc32 is zlib.crc32 and pdf._pydyf_zlib.error is zlib.error


def test_render_isolated_gives_the_same_document():
    rendered = pdf.render_isolated(DOCUMENT, timeout=60, memory_mb=1024, title="T",
                                   author="A", lang="fr")
    assert rendered.page_count == 1
    assert "Seconde partie" in pdf_text(rendered.data)


def test_render_isolated_stops_a_render_that_takes_too_long():
    long_document = "<p>" + "Un texte assez long pour occuper le moteur. " * 40_000 + "</p>"
    with pytest.raises(pdf.RenderTimeout):
        pdf.render_isolated(long_document, timeout=0.5, title="T", author="A", lang="fr")


def test_render_isolated_reports_a_child_out_of_memory():
    # Long enough to be watched (a few seconds' work); 16 MB is less than any render needs.
    long_document = "<p>" + "Un texte assez long pour occuper le moteur. " * 40_000 + "</p>"
    with pytest.raises(pdf.PdfRenderError) as failure:
        pdf.render_isolated(long_document, timeout=60, memory_mb=16, title="T", author="A",
                            lang="fr")
    assert not isinstance(failure.value, pdf.RenderTimeout)
    assert str(failure.value) == "out of memory"
