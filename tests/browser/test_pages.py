"""Every page of the built book, opened in headless Chromium as a reader would see it.

Run after the book is built (``jupyter-book build .``)::

    pytest tests/browser            # the book in _build/html; BOOK_HTML=/path overrides

Plain ``pytest`` does not collect this folder (``norecursedirs`` in pyproject.toml), since it needs
the built book; ``.ci/run`` calls it right after the build. Chromium is Debian's ``chromium``
(``/usr/bin/chromium``, or ``$CHROMIUM``), driven by Playwright for Python.

Per page it asserts: the console and the page's scripts raised no error; no request left
127.0.0.1; every ``<img>`` loaded; MathJax typeset every math element without a TeX error and no
raw TeX is left in the text or the tab title; no cell output shows a traceback or an error; no
code block, output or display equation is wider than the content column. One full-page
screenshot per chapter is saved in ``_build/screenshots/`` for a person to look at.
"""

from __future__ import annotations

import functools
import http.server
import os
import pathlib
import re
import tempfile
import threading
import urllib.parse

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BOOK = pathlib.Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html")).resolve()
SCREENSHOTS = pathlib.Path(os.environ.get("BOOK_SCREENSHOTS", ROOT / "_build" / "screenshots"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
# A laptop screen: the content column must hold 88-character code lines at this width.
VIEWPORT = {"width": 1366, "height": 900}

# Built pages, not theme assets or Sphinx's copies of the sources.
PAGES = sorted(p.relative_to(BOOK).as_posix() for p in BOOK.rglob("*.html")
               if p.relative_to(BOOK).parts[0] not in ("_static", "_sources", "_images"))
CHAPTERS = {p for p in PAGES if p.startswith("notebooks/")}
# The package's source as viewcode shows it (_modules/) is written at 100 columns and scrolls
# sideways by design; the width rule is for the book's own pages. For the same reason equations
# inside API docstrings (autodoc's <dl class="py">) are not measured: they scroll in their box.
WIDTH_EXEMPT = ("_modules/",)

# Raw TeX that MathJax should have turned into math: $...$, \(...\), \[...\], \frac, \begin{...}
RAW_TEX = re.compile(r"\$[^$\s][^$\n]*\$|\\\(|\\\)|\\\[|\\\]|\\(?:frac|begin|end|mathbf|sum|"
                     r"operatorname|mathcal|sigma|log|tfrac|dfrac|hh|vv|uu|WW|UU)\b")
ERROR_TEXT = re.compile(r"Traceback|\b\w*Error\b")

# Text of the page outside code, outputs and typeset math, i.e. the prose MathJax should have
# processed (textContent, so collapsed dropdowns count too).
PROSE_JS = """() => {
  const body = document.querySelector('main') || document.body;
  const copy = body.cloneNode(true);
  copy.querySelectorAll('pre, code, script, style, textarea, mjx-container, .highlight, '
                        + '.cell_output, .output, .math').forEach(e => e.remove());
  return copy.textContent;
}"""

CHECK_JS = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  await Promise.all([...document.images].map(img => img.complete ? null
      : new Promise(done => { img.onload = img.onerror = done; })));
  const short = s => s.trim().split('\\n')[0].slice(0, 100);
  const mathElements = [...document.querySelectorAll('span.math, div.math')];
  const wide = (el) => el.scrollWidth > el.clientWidth + 1;
  const visible = (el) => el.offsetParent !== null;
  return {
    title: document.title,
    mathjaxLoaded: !!(window.MathJax && MathJax.version),
    math: mathElements.length,
    untypeset: mathElements.filter(e => !e.querySelector('mjx-container'))
                          .map(e => short(e.textContent)),
    texErrors: [...document.querySelectorAll('mjx-merror')]
                  .map(e => e.getAttribute('data-mjx-error') || short(e.textContent)),
    // MathJax renders an undefined macro (say, a book macro that was not configured) as its
    // name in red: look for a backslash in the MathML of every typeset expression
    unknownMacros: (window.MathJax && MathJax.startup && MathJax.startup.document
                    && MathJax.startup.toMML)
      ? Array.from(MathJax.startup.document.math).map(m => MathJax.startup.toMML(m.root))
             .filter(t => /\\\\[A-Za-z]+/.test(t)).map(short)
      : [],
    brokenImages: [...document.images].filter(i => !(i.complete && i.naturalWidth > 0))
                                      .map(i => i.getAttribute('src')),
    outputs: [...document.querySelectorAll('.cell_output, div.output')]
                .map(e => e.textContent),
    wideBlocks: [...document.querySelectorAll(
                    'article pre, article div.math, article mjx-container[display="true"]')]
                   .filter(visible).filter(wide)
                   // docstrings (autodoc) are the package's to split; see WIDTH_EXEMPT
                   .filter(e => !e.closest('dl.py'))
                   .map(e => `${e.tagName.toLowerCase()} ${e.scrollWidth}px > `
                             + `${e.clientWidth}px: ${short(e.textContent)}`),
  };
}"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def server():
    """The built book over HTTP on 127.0.0.1 (random port)."""
    handler = functools.partial(_QuietHandler, directory=str(BOOK))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1},
                              daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture(scope="session")
def browser_context():
    from playwright.sync_api import sync_playwright

    assert os.access(CHROMIUM, os.X_OK), (
        f"{CHROMIUM} is missing: apt-get install chromium (or set $CHROMIUM)")
    with tempfile.TemporaryDirectory(prefix="book-chromium-") as profile, \
            sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS,
            viewport=VIEWPORT, service_workers="block")
        yield context
        context.close()


def test_the_book_was_built():
    assert (BOOK / "index.html").is_file(), f"no book in {BOOK}: run jupyter-book build . first"
    assert CHAPTERS, f"no chapter page under {BOOK}/notebooks"


def _inspect(server, context, page_path, html=None, screenshot=None):
    """Open ``page_path`` (served from the book, or ``html`` in its place) and return the list
    of problems found; an empty list is a page as a reader should see it."""
    local = urllib.parse.urlsplit(server).netloc
    url = f"{server}/{page_path}"
    outside, console_errors = [], []

    def route(request_route):
        request_url = request_route.request.url
        if html is not None and request_url == url:
            request_route.fulfill(status=200, content_type="text/html", body=html)
        elif (urllib.parse.urlsplit(request_url).netloc == local
              or request_url.startswith(("data:", "blob:"))):
            request_route.continue_()
        else:
            outside.append(request_url)        # recorded, and never sent
            request_route.abort()

    page = context.new_page()
    try:
        page.route("**/*", route)
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: console_errors.append(f"uncaught: {e}"))
        response = page.goto(url, wait_until="load")
        assert response is not None and response.ok, f"HTTP {response and response.status}"
        source = html if html is not None else (BOOK / page_path).read_text(encoding="utf-8")
        redirect = re.search(r'http-equiv="Refresh" content="0; url=([^"]+)"', source)
        if redirect:
            # index.html only sends the reader on to the first page, which is tested itself.
            page.wait_for_url(urllib.parse.urljoin(url, redirect.group(1)))
            page.wait_for_load_state("load")
        result = page.evaluate(CHECK_JS)
        prose = page.evaluate(PROSE_JS)
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
    finally:
        page.close()

    problems = []
    if outside:
        problems.append(f"requests to other hosts: {sorted(set(outside))}")
    if console_errors:
        problems.append(f"console errors: {console_errors}")
    if result["brokenImages"]:
        problems.append(f"images that did not load: {result['brokenImages']}")
    if result["math"] and not result["mathjaxLoaded"]:
        problems.append(f"{result['math']} math elements but MathJax did not load")
    if result["untypeset"]:
        problems.append(f"math left untypeset: {result['untypeset'][:5]}")
    if result["texErrors"]:
        problems.append(f"TeX errors: {result['texErrors'][:5]}")
    if result["unknownMacros"]:
        problems.append(f"undefined TeX macros: {result['unknownMacros'][:5]}")
    raw = sorted({m.group(0) for m in RAW_TEX.finditer(prose)})
    if raw:
        where = [prose[max(m.start() - 40, 0):m.end() + 20].replace("\n", " ")
                 for m in RAW_TEX.finditer(prose)][:3]
        problems.append(f"raw TeX in the text: {raw} e.g. {where}")
    if RAW_TEX.search(result["title"]) or "\\" in result["title"]:
        problems.append(f"raw TeX in the tab title: {result['title']!r}")
    errors = [t.strip()[:200] for t in result["outputs"] if ERROR_TEXT.search(t)]
    if errors:
        problems.append(f"cell outputs with an error or traceback: {errors[:3]}")
    if result["wideBlocks"] and not page_path.startswith(WIDTH_EXEMPT):
        problems.append(f"wider than the column at {VIEWPORT['width']} px: "
                        f"{result['wideBlocks'][:5]}")
    return problems


@pytest.mark.parametrize("page_path", PAGES)
def test_page(page_path, server, browser_context):
    shot = None
    if page_path in CHAPTERS:
        shot = SCREENSHOTS / (pathlib.PurePosixPath(page_path).stem + ".png")
    problems = _inspect(server, browser_context, page_path, screenshot=shot)
    assert not problems, f"{page_path}:\n  " + "\n  ".join(problems)


# Each fault, put into a copy of a real chapter page, must be reported: the checks can fail.
FAULTS = {
    "raw math": ("<p>the loss $E=-\\log y$ and \\frac{a}{b} left as TeX</p>", "raw TeX"),
    "broken image": ('<img src="../_images/no-such-figure.png" alt="missing">',
                     "images that did not load"),
    "traceback": ('<div class="cell_output"><pre>Traceback (most recent call last):\n'
                  "AssertionError</pre></div>", "error or traceback"),
    "outside request": ('<img src="https://example.org/logo.png" alt="remote">',
                        "requests to other hosts"),
    "console error": ("<script>console.error('broken widget')</script>", "console errors"),
    "untypeset math": ('<span class="math notranslate nohighlight">x+1</span>',
                       "math left untypeset"),
    "unknown macro": ('<span class="math notranslate nohighlight">\\(\\nosuchmacro x\\)'
                      "</span>", "undefined TeX macros"),
    "TeX error": ('<span class="math notranslate nohighlight">\\(x^2^3\\)</span>', "TeX errors"),
    "wide code": ("<pre>" + "x" * 200 + "</pre>", "wider than the column"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_the_checks_catch(fault, server, browser_context):
    chapter = sorted(CHAPTERS)[0]
    snippet, expected = FAULTS[fault]
    html = (BOOK / chapter).read_text(encoding="utf-8")
    marker = '<section id="'                 # the first section of the article
    assert marker in html
    html = html.replace(marker, snippet + marker, 1)
    problems = _inspect(server, browser_context, chapter, html=html)
    assert any(expected in p for p in problems), f"{fault} not reported: {problems}"
