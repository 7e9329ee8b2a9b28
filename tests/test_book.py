"""The web edition (``make site``): the book built from the stored notebooks, then read in a real browser.

The first half checks the builder's rules on small made-up notebooks (exercises, widgets, wide figures,
links). The second half builds the real series once (a module fixture), serves it on 127.0.0.1 and
reads it in headless Debian Chromium (/usr/bin/chromium, launched as scripts/serve_app.py does): every
page loads with no console error and no request leaving the machine, its math is typeset, the search
finds a word that only notebook 06 uses, and the layout holds on a phone. Screenshots go to
test-artifacts/book-*.png for a person to look at.
"""

from __future__ import annotations

import base64
import io
import json
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

import lstm_params as lp

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
TIMEOUT_MS = 30_000


sys.path.insert(0, str(ROOT / "scripts"))
import build_book  # noqa: E402 (the scripts are not a package)
import serve_app  # noqa: E402
import web_pins  # noqa: E402


# -- the builder's rules, on made-up notebooks ------------------------------------------------
def _png(width_in: float) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width_in, 2), dpi=100)
    ax.plot([1, 2, 3], [1, 4, 9])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


PROMPT = new_output("execute_result", execution_count=1, data={
    "text/html": "<div>✎ Write your answer (answer = ...), then run the cell again.</div>",
    "text/plain": "Write your answer (answer = ...), then run the cell again."})


def exercise_notebook() -> Any:
    """Setup, three exercises (package only, a constant, a Keras model), a widget, figures, a README link."""
    cells = [
        new_markdown_cell("# Made up\n\nA notebook for the builder's tests.\n\n[the README](../README.md)"),
        new_code_cell("import keras\nimport lstm_params as lp\nfrom lstm_params import pytorch as pt\n"
                      "GIB = 1024**3\nmodel = keras.Sequential()  # not run by the builder", execution_count=1),
        new_code_cell("answer = None\nlp.check(answer, lp.LSTM(64, input_dim=10))", execution_count=2,
                      outputs=[PROMPT]),
        new_code_cell("answer = None  # a constant and the PyTorch side\n"
                      "lp.check(answer, pt.LSTM(10, 64).params + GIB // GIB)", execution_count=3, outputs=[PROMPT]),
        new_code_cell("answer = None\nlp.check(answer, model)", execution_count=4, outputs=[PROMPT]),
        new_code_cell("lp.check(50_400, lp.LSTM(100, input_dim=25))", execution_count=5, outputs=[new_output(
            "execute_result", execution_count=5, data={"text/plain": "Right: 50,400 is ..."})]),
        new_code_cell("lp.explorer()", execution_count=6, outputs=[new_output("display_data", data={
            "application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2, "version_minor": 0},
            "text/html": "<div class='lp-explorer-snapshot'>4,457,472 parameters</div>",
            "text/plain": "<Explorer>"})]),
        new_code_cell("wide()", execution_count=7, outputs=[new_output("display_data", data={
            "image/png": _png(14), "text/plain": "<Figure>"})]),
        new_code_cell("narrow()", execution_count=8, outputs=[new_output("display_data", data={
            "image/png": _png(5), "text/plain": "<Figure>"})]),
        new_code_cell("hidpi()", execution_count=9, outputs=[new_output(
            "display_data", data={"image/png": _png(11.2), "text/plain": "<Figure>"},
            metadata={"image/png": {"width": 560, "height": 100}})]),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    return nb


@pytest.fixture(scope="module")
def made_up() -> Any:
    return json.loads(nbformat.writes(exercise_notebook()))


@pytest.fixture(scope="module")
def prepared(made_up: Any) -> Any:
    return build_book.prepare_notebook(made_up)


def _html(cell: Any) -> str:
    return "".join(out["data"]["text/html"] for out in cell["outputs"])


def test_an_exercise_offers_its_answer_behind_show_answer(prepared: Any) -> None:
    page = BeautifulSoup(_html(prepared["cells"][2]), "html.parser")
    assert "run the cell again" not in page.get_text()
    assert page.select_one("details.lp-answer > summary").get_text() == "Show answer"
    answer = page.select_one("details.lp-answer .lp-answer-body").get_text()
    assert answer.startswith(f"LSTM(64, input_dim=10): {lp.LSTM(64, input_dim=10).params:,} parameters")
    assert "4(nm + n² + n)" in answer  # how it is made up, from lp.reveal
    # the cell's setup is taken: the package's PyTorch module and a constant of the notebook
    other = BeautifulSoup(_html(prepared["cells"][3]), "html.parser").select_one(".lp-answer-body").get_text()
    assert other == f"The answer: {lp.pytorch.LSTM(10, 64).params + 1:,}"


def test_an_exercise_about_a_framework_object_says_so(prepared: Any) -> None:
    page = BeautifulSoup(_html(prepared["cells"][4]), "html.parser")
    assert page.select_one("details") is None
    assert "builds, so its answer is only in the notebook" in page.get_text()


def test_other_cells_keep_their_outputs(made_up: Any, prepared: Any) -> None:
    assert prepared["cells"][5] == made_up["cells"][5]  # an answered check stays as stored
    assert prepared["cells"][1] == made_up["cells"][1]  # a setup cell is shown as it is (the builder ran none of it)


def test_widgets_keep_their_snapshot_under_a_note(prepared: Any) -> None:
    page = BeautifulSoup(_html(prepared["cells"][6]), "html.parser")
    assert "make app" in page.select_one(".lp-live-note").get_text()
    assert page.select_one(".lp-live-note + .lp-explorer-snapshot").get_text() == "4,457,472 parameters"
    assert "widgets" not in prepared["metadata"]
    assert all(build_book.WIDGET_MIME not in out.get("data", {}) for c in prepared["cells"] for out in
               c.get("outputs", []))


def test_wide_figures_are_marked_to_keep_their_size(prepared: Any) -> None:
    tags = [c["metadata"].get("tags") for c in prepared["cells"][7:10]]
    assert tags == [["lp-wide"], None, None]  # 1400 px wide; 500 px; 1120 px shown at 560 (HiDPI)


def test_links_to_the_readme_point_at_the_front_page(prepared: Any) -> None:
    assert prepared["cells"][0]["source"].endswith("[the README](index.md)")


def test_the_pins_agree_with_constraints() -> None:
    constraints = dict(line.split("==") for line in (ROOT / "constraints.txt").read_text().splitlines()
                       if "==" in line and not line.startswith("#"))
    for name, version in web_pins.PYPI.items():
        assert constraints.get(name) == version, f"constraints.txt pins {name} {constraints.get(name)}, " \
                                                 f"scripts/web_pins.py {version}"
        assert f'"{name}=={version}"' in (ROOT / "pyproject.toml").read_text(), f"pyproject.toml: {name}"


def test_refuses_to_empty_a_folder_it_did_not_make(tmp_path: Path) -> None:
    foreign = tmp_path / "documents"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("precious", encoding="utf-8")
    with pytest.raises(ValueError, match=r"out must be empty or a book built by this script, got .*documents"):
        build_book.build(ROOT / "notebooks", foreign, tmp_path / "work")
    assert (foreign / "thesis.tex").read_text(encoding="utf-8") == "precious"
    with pytest.raises(ValueError, match=r"notebooks must be a folder, got .*missing"):
        build_book.build(tmp_path / "missing", tmp_path / "out", tmp_path / "work")
    refused = subprocess.run([sys.executable, "scripts/build_book.py", "--out", str(foreign)], cwd=ROOT,
                             capture_output=True, text=True, check=False)
    assert refused.returncode == 2
    assert refused.stderr.startswith("build_book.py: error: out must be empty or a book built by this script")


# -- the real series ---------------------------------------------------------------------------------
@dataclass
class Book:
    out: Path
    chapters: list[Any]
    seconds: float


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Book:
    """``make site`` into a temporary folder (once for this module)."""
    root = tmp_path_factory.mktemp("book")
    start = time.monotonic()
    chapters = build_book.build(ROOT / "notebooks", root / "_site", root / "work")
    assert chapters, "the series has no notebooks"
    return Book(root / "_site", chapters, time.monotonic() - start)


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_one_page_per_notebook_and_the_front_page(book: Book) -> None:
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert [c.source for c in book.chapters] == notebooks
    index = soup(book.out / "index.html")
    links = [a["href"] for a in index.select("article table a")]
    assert links == [p.with_suffix(".html").name for p in notebooks]
    assert [a.get_text() for a in index.select("article table a")] == [c.title for c in book.chapters]
    for chapter in book.chapters:
        assert (book.out / chapter.href).is_file()


def test_no_page_refers_outside_the_book(book: Book) -> None:
    """No src/href of a script, style, image or frame leaves the folder; CSS imports nothing from outside."""
    for page in [*book.out.glob("*.html"), *(book.out / "live").rglob("*.html")]:  # _static holds templates
        html = soup(page)
        fetched = [t.get("src") for t in html.select("script[src], img[src], iframe[src]")]
        fetched += [t.get("href") for t in html.select("link[href]")]
        assert not [u for u in fetched if re.match(r"^(https?:)?//", u or "")], page
        for ref in fetched:
            if ref and not ref.startswith(("data:", "#")):
                target = (page.parent / ref.split("?")[0].split("#")[0]).resolve()
                assert target.is_file(), f"{page.name} refers to {ref}, which is not in the book"
    for css in book.out.rglob("*.css"):
        assert not re.search(r"@import\s+url\(\s*['\"]?(https?:)?//|url\(\s*['\"]?(https?:)?//",
                             css.read_text(encoding="utf-8", errors="replace")), css


# -- in the browser ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def served(book: Book) -> Iterator[str]:
    with build_book.Served(book.out) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as p:
        chromium = serve_app.launch_chromium(p)
        yield chromium
        chromium.close()


@dataclass
class Tab:
    """A browser tab and what went wrong in it: requests that would have left the machine, console errors."""

    page: Any
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def check(self) -> None:
        assert not self.outside, f"the page asked the network for {self.outside}"
        assert not self.errors, f"errors in the page: {self.errors}"


@pytest.fixture
def tab(browser: Any, served: str) -> Iterator[Tab]:
    """A tab whose every request is looked at: one for anything but 127.0.0.1 is recorded and refused."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    watched = Tab(page)

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.startswith(("http://127.0.0.1:", "data:", "blob:")):
            request_route.continue_()
        else:
            watched.outside.append(url)
            request_route.abort()

    context.route("**/*", route)
    page.on("console", lambda msg: watched.errors.append(f"{msg.text} ({msg.location.get('url')})")
            if msg.type == "error" else None)
    page.on("pageerror", lambda error: watched.errors.append(str(error)))
    yield watched
    context.close()
    watched.check()


def screenshot(page: Any, name: str, **options: Any) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), **options)
    return path


def typeset(page: Any) -> dict[str, int]:
    """Wait for MathJax 3 to finish the page; count what it rendered and what it could not."""
    page.wait_for_function("() => !document.querySelector('.math') || (window.MathJax && MathJax.startup"
                           " && MathJax.startup.promise)")
    page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
    return dict(page.evaluate("""() => ({
        sources: document.querySelectorAll('.math').length,
        rendered: document.querySelectorAll('.math mjx-container').length,
        errors: document.querySelectorAll('mjx-merror').length,
    })"""))


@pytest.mark.browser
def test_every_page_loads_typeset_and_whole(tab: Tab, served: str, book: Book) -> None:
    """Each page: no console error, nothing from outside, every formula typeset, every image loaded,
    the sidebar lists the series, no execution prompt, a copy button on every code cell."""
    page = tab.page
    hrefs = ["index.html", *(c.href for c in book.chapters), "explorer.html"]  # the live explorer's page last
    for href in hrefs:
        page.goto(served + href)
        math = typeset(page)
        assert math["errors"] == 0 and math["rendered"] == math["sources"], (href, math)
        broken = page.evaluate("() => [...document.images].filter(i => !(i.complete && i.naturalWidth > 0))"
                               ".map(i => i.src)")
        assert not broken, f"images that did not load on {href}: {broken}"
        sidebar = page.locator(".bd-sidebar-primary nav a.reference").evaluate_all("as => as.map(a => a.href)")
        assert [s.rsplit("/", 1)[1].split("#")[0] for s in sidebar] == hrefs, href
        text = page.locator("article").inner_text()
        assert not re.search(r"\b(In|Out)\s*\[\d*\]:", text), f"an execution prompt on {href}"
        cells = page.locator("div.cell div.cell_input").count()
        assert page.locator("div.cell div.cell_input button.copybtn").count() == cells, href
        if href not in ("index.html", "explorer.html"):
            assert cells > 0
            outline = page.locator(".bd-sidebar-secondary nav.page-toc a")
            assert outline.count() >= 2, f"no outline on {href}"


@pytest.mark.browser
def test_the_notebook_pages_read_like_a_book(tab: Tab, served: str, book: Book) -> None:
    """Sidebar, outline and next link on a notebook page; its copy button copies the code alone."""
    from playwright.sync_api import expect

    page = tab.page
    chapter = book.chapters[min(3, len(book.chapters) - 1)]  # a page in the middle of the series
    page.goto(served + chapter.href)
    typeset(page)
    expect(page.locator("h1").first).to_have_text(re.compile(re.escape(chapter.title)))
    expect(page.locator(".bd-sidebar-primary nav a.current")).to_have_text(chapter.title)
    screenshot(page, "book-notebook-wide.png")
    first_code = page.locator("div.cell_input pre").first
    copied = first_code.evaluate("pre => pre.parentElement.querySelector('button.copybtn') !== null")
    assert copied
    at = [c.href for c in book.chapters].index(chapter.href)
    if at + 1 < len(book.chapters):
        page.locator("a.right-next").click()
        expect(page).to_have_url(re.compile(re.escape(book.chapters[at + 1].href) + "$"))


@pytest.mark.browser
def test_wide_figures_keep_a_readable_size(tab: Tab, served: str, book: Book) -> None:
    """A figure wider than the column is shown at its natural size (scrolling sideways), not shrunk."""
    page = tab.page
    wide = [c for c in book.chapters if '"lp-wide"' in (book.out.parent / "work" / "src" / c.source.name)
            .read_text(encoding="utf-8")]
    for chapter in wide:
        page.goto(served + chapter.href)
        sizes = page.locator("div.cell.tag_lp-wide img").evaluate_all(
            "imgs => imgs.map(i => [i.clientWidth, i.naturalWidth])")
        assert sizes, chapter.href
        for shown, natural in sizes:
            assert shown == natural, (chapter.href, shown, natural)
    if wide:
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(served + wide[0].href)
        page.locator("div.cell.tag_lp-wide img").first.scroll_into_view_if_needed()
        screenshot(page, "book-wide-figure-narrow.png")


def _only_in(chapter: Path, others: list[Path]) -> str:
    """A word of the notebook's prose (7+ letters) that no other notebook of the series uses."""
    def words(path: Path) -> Counter[str]:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        prose = " ".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        return Counter(w.lower() for w in re.findall(r"\b[A-Za-z]{7,}\b", prose))

    elsewhere: set[str] = set().union(*(words(p) for p in others)) if others else set()
    own = [(count, word) for word, count in words(chapter).items() if word not in elsewhere]
    assert own, f"{chapter.name} has no word of its own"
    return max(own)[1]


@pytest.mark.browser
def test_search_finds_a_word_of_notebook_06(tab: Tab, served: str, book: Book) -> None:
    from playwright.sync_api import expect

    sixth = next(c for c in book.chapters if c.source.name.startswith("06_"))
    word = _only_in(sixth.source, [c.source for c in book.chapters if c is not sixth])
    page = tab.page
    page.goto(served + "index.html")
    page.keyboard.press("Control+k")  # the theme's search box, as a reader opens it
    field = page.locator("#pst-search-dialog input[name=q]")
    expect(field).to_be_visible()
    field.fill(word)
    field.press("Enter")
    expect(page).to_have_url(re.compile(r"search\.html\?q="))
    results = page.locator("#search-results ul.search li a")
    expect(results.first).to_be_visible()
    assert sixth.href in [h.rsplit("/", 1)[1].split("?")[0] for h in results.evaluate_all(
        "as => as.map(a => a.href)")], word
    screenshot(page, "book-search.png")


@pytest.mark.browser
def test_exercises_show_the_answer_on_request(tab: Tab, served: str, book: Book) -> None:
    from playwright.sync_api import expect

    page = tab.page
    with_answers = [c for c in book.chapters if "lp-answer" in (book.out / c.href).read_text(encoding="utf-8")]
    assert with_answers, "no exercise of the series has an answer to show"
    for chapter in with_answers:
        page.goto(served + chapter.href)
        assert "run the cell again" not in page.locator("article").inner_text()
        answer = page.locator("details.lp-answer").first
        body = answer.locator(".lp-answer-body")
        expect(body).to_be_hidden()
        answer.locator("summary").click()
        expect(body).to_be_visible()
        assert re.search(r"\d", body.inner_text())
    screenshot(page, "book-exercise.png")


@pytest.mark.browser
@pytest.mark.parametrize("width", [360, 390])
def test_phone_layout(tab: Tab, served: str, book: Book, width: int) -> None:
    """On a phone: nothing wider than the screen, the sidebar behind its button, the text readable."""
    from playwright.sync_api import expect

    page = tab.page
    page.set_viewport_size({"width": width, "height": 800})
    for href in ["index.html", *(c.href for c in book.chapters)]:
        page.goto(served + href)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{href} is {overflow} px wider than a {width} px screen"
        font = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('article p')).fontSize)")
        assert font >= 14, (href, font)
    sidebar = page.locator(".bd-sidebar-primary")
    expect(sidebar).not_to_be_in_viewport()
    page.locator("button.primary-toggle >> visible=true").click()
    expect(sidebar.locator("a.reference").first).to_be_in_viewport()
    screenshot(page, f"book-sidebar-{width}.png")
    if width == 390:
        page.goto(served + "index.html")
        screenshot(page, "book-index-narrow.png")
        page.goto(served + book.chapters[0].href)
        screenshot(page, "book-notebook-narrow.png")
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(served + "index.html")
        typeset(page)
        screenshot(page, "book-index-wide.png")


# -- the live explorer ----------------------------------------------------------------------------------
LIVE_MS = 120_000  # a cold start takes seconds (scripts/benchmark.py live measures it); this only bounds a hang


def live_frame(page: Any) -> Any:
    return page.frame_locator("iframe.lp-live")


def live_total(page: Any) -> Any:
    """The live explorer's total (not the snapshot's), once Python has started."""
    from playwright.sync_api import expect

    total = live_frame(page).locator(".lp-total .lp-total-number >> visible=true")
    expect(total).to_be_visible(timeout=LIVE_MS)
    return total


def expected_total(kind: str, m: int, n: int, framework: str) -> int:
    """The package's count for the explorer's settings (use_bias on, one direction)."""
    if framework == "PyTorch":
        return int({"LSTM": lp.pytorch.LSTM, "GRU": lp.pytorch.GRU, "SimpleRNN": lp.pytorch.RNN}[kind](m, n).params)
    return int({"LSTM": lp.LSTM, "GRU": lp.GRU, "SimpleRNN": lp.SimpleRNN}[kind](n, input_dim=m).params)


def shown(frame: Any) -> tuple[int, int, int]:
    """(m, n, total) as the live page shows them."""
    m = int(frame.locator(".lp-input-dim .widget-readout").inner_text())
    n = int(frame.locator(".lp-units .widget-readout").inner_text())
    total = int(re.sub(r"\D", "", frame.locator(".lp-total .lp-total-number").inner_text()))
    return m, n, total


@pytest.mark.browser
def test_the_live_explorer_starts_with_progress_and_snapshot(tab: Tab, served: str) -> None:
    """While Pyodide starts, the frame shows a progress bar, the seconds and the stored snapshot; then the app."""
    from playwright.sync_api import expect

    page = tab.page
    page.goto(served + "explorer.html")
    frame = live_frame(page)
    starting = frame.locator("#lp-starting")
    expect(starting.locator("progress")).to_be_visible()
    expect(starting.locator(".lp-explorer-snapshot .lp-total-number")).to_be_visible()
    screenshot(page, "book-explorer-starting.png")
    live_total(page)
    expect(starting).to_be_hidden()
    for name in ("input-dim", "units", "kind", "use-bias", "bidirectional", "framework", "table", "picture"):
        expect(frame.locator(f".lp-{name}")).to_be_visible()  # make app's controls and classes
    m, n, count = shown(frame)
    assert count == expected_total("LSTM", m, n, "Keras")
    page.wait_for_timeout(500)  # the frame follows the explorer's height (a message from its page)
    height = page.locator("iframe.lp-live").evaluate("f => f.getBoundingClientRect().height")
    content = frame.locator(".lp-explorer").evaluate(
        "e => e.getBoundingClientRect().bottom + document.getElementById('rendered_cells').scrollTop")
    assert 0 <= height - content < 80, (height, content)  # as tall as the explorer: nothing cut, no blank
    page.wait_for_timeout(1000)
    assert page.locator("iframe.lp-live").evaluate("f => f.getBoundingClientRect().height") == height  # settled
    screenshot(page, "book-explorer-wide.png", full_page=True)


@pytest.mark.browser
def test_the_live_explorer_answers_keys_typing_and_toggles(tab: Tab, served: str) -> None:
    from playwright.sync_api import expect

    page = tab.page
    page.goto(served + "explorer.html")
    frame, total = live_frame(page), live_total(page)

    def settles(kind: str, m: int, n: int, framework: str = "Keras") -> None:
        expect(frame.locator(".lp-units .widget-readout")).to_have_text(str(n))
        expect(frame.locator(".lp-input-dim .widget-readout")).to_have_text(str(m))
        expect(total).to_have_text(f"{expected_total(kind, m, n, framework):,}")

    m, n, _ = shown(frame)
    frame.locator(".lp-units .noUi-handle").focus()
    page.keyboard.press("ArrowRight")
    settles("LSTM", m, n + 1)
    page.keyboard.press("PageUp")  # a step of five
    settles("LSTM", m, n + 6)
    for name, text in (("input-dim", "25"), ("units", "100")):
        frame.locator(f".lp-{name} .widget-readout").click()
        page.keyboard.press("Control+A")
        page.keyboard.type(text)
        page.keyboard.press("Enter")
    settles("LSTM", 25, 100)
    expect(total).to_have_text("50,400")  # the package's docstring example
    for kind in ("GRU", "SimpleRNN", "LSTM"):
        frame.locator(f".lp-kind button[data-value={kind}]").click()
        settles(kind, 25, 100)
    frame.locator(".lp-framework button[data-value=PyTorch]").click()
    settles("LSTM", 25, 100, "PyTorch")
    frame.locator(".lp-kind button[data-value=GRU]").click()
    settles("GRU", 25, 100, "PyTorch")
    screenshot(page, "book-explorer-pytorch-gru.png")


@pytest.mark.browser
def test_notebook_03_runs_the_explorer_live(tab: Tab, served: str, book: Book) -> None:
    third = next(c for c in book.chapters if c.source.name.startswith("03_"))
    page = tab.page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(served + third.href)
    assert page.locator("iframe.lp-live").count() == 1  # one live explorer (each starts its own Python)
    page.locator("iframe.lp-live").scroll_into_view_if_needed()
    live_total(page)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{overflow} px wider than the phone"
    inside = live_frame(page).locator("body").evaluate(
        "b => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert inside <= 0, f"the explorer is {inside} px wider than its frame on a phone"  # the app's phone CSS
    page.locator("iframe.lp-live").scroll_into_view_if_needed()
    screenshot(page, "book-explorer-narrow.png")
