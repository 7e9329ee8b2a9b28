"""The static edition (``make site``): pages, links, offline MathJax, plots inlined.

A small made-up series checks the builder's rules; the repository's own notebooks
check that the real series builds. The browser half (math typeset, plots loaded) is
in test_browser.py.
"""

from __future__ import annotations

import base64
import importlib.util
import io
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parents[1]
NAMES = ["01_gate_equations", "02_lstm_from_scratch", "03_explore_with_sliders"]


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


build_site = _script("build_site")


def _png() -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([1, 2, 3], [1, 4, 9])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def make_series(folder: Path, names: list[str] = NAMES) -> list[Path]:
    """A made-up series: titles, LaTeX, links between notebooks, a plot, a widget, an error."""
    folder.mkdir(parents=True, exist_ok=True)
    png = _png()
    paths = []
    for i, name in enumerate(names):
        links = []
        if i > 0:
            links.append(f"[previous]({names[i - 1]}.ipynb)")
        if i + 1 < len(names):
            links.append(f"[next: {name}]({names[i + 1]}.ipynb#setup)")
        first = (f"# Title number {i + 1}\n\nWhat notebook {i + 1} is for, with `lp.LSTM` & <co>. A second one.\n\n"
                 "- one\n- two\n\n" + " · ".join(links) + " · [the README](../README.md)")
        cells = [
            new_markdown_cell(first),
            new_markdown_cell(r"A Keras LSTM has $4(nm + n^2 + n)$ parameters: $$P = 4n(m + n + 1)$$"),
            new_code_cell("print(4 * 256 * (4096 + 256 + 1))", execution_count=1,
                          outputs=[new_output("stream", name="stdout", text="4457472\n")]),
            new_code_cell("plot()", execution_count=2,
                          outputs=[new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})]),
            new_code_cell("ipywidgets.IntSlider()", execution_count=3, outputs=[new_output(
                "display_data", data={"application/vnd.jupyter.widget-view+json":
                                      {"model_id": "abc", "version_major": 2, "version_minor": 0},
                                      "text/plain": "IntSlider(value=0)"})]),
            new_code_cell("lp.explorer()", execution_count=4, outputs=[new_output(
                "display_data", data={"application/vnd.jupyter.widget-view+json":
                                      {"model_id": "def", "version_major": 2, "version_minor": 0},
                                      "text/html": "<div class='snap'>4,457,472 parameters</div>",
                                      "text/plain": "<Explorer>"})]),
            new_code_cell("lp.LSTM(0)", execution_count=5, outputs=[new_output(
                "error", ename="ValueError", evalue="units must be a positive integer, got 0",
                traceback=["\x1b[0;31mValueError\x1b[0m: units must be a positive integer, got 0"])]),
        ]
        nb = new_notebook(cells=cells)
        nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
        path = folder / f"{name}.ipynb"
        nbformat.write(nb, path)
        paths.append(path)
    return paths


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("series")
    make_series(root / "notebooks")
    out = root / "_site"
    written = build_site.build(root / "notebooks", out)
    assert [p.name for p in written] == ["index.html", *(f"{n}.html" for n in NAMES)]
    return out


def test_index_lists_the_series_in_order(built: Path) -> None:
    index = soup(built / "index.html")
    rows = index.select("table.lp-index tbody tr")
    assert [r.select_one("a")["href"] for r in rows] == [f"{n}.html" for n in NAMES]
    assert [r.select_one("a").get_text() for r in rows] == ["Title number 1", "Title number 2", "Title number 3"]
    assert [r.select("td")[2].get_text() for r in rows] == [f"What notebook {i} is for, with lp.LSTM & <co>."
                                                            for i in (1, 2, 3)]
    assert [r.select_one("td code").get_text() for r in rows] == ["lp.LSTM"] * 3  # Markdown rendered, HTML escaped
    assert "$$4\\,(nm + n^2 + n)" in index.get_text()  # the formula, for MathJax to typeset


def test_previous_and_next_links(built: Path) -> None:
    for i, name in enumerate(NAMES):
        page = soup(built / f"{name}.html")
        for nav in page.select("nav.lp-nav"):
            prev, nxt = nav.select_one("a.lp-prev"), nav.select_one("a.lp-next")
            assert (prev["href"] if prev else None) == (f"{NAMES[i - 1]}.html" if i > 0 else None)
            assert (nxt["href"] if nxt else None) == (f"{NAMES[i + 1]}.html" if i + 1 < len(NAMES) else None)
            assert nav.select_one("a.lp-home")["href"] == "index.html"
        assert len(page.select("nav.lp-nav")) == 2  # above and below the notebook
        assert page.title.get_text() == f"{name[:2]} · Title number {i + 1} — lstm-params"


def test_links_between_notebooks_point_at_pages(built: Path) -> None:
    page = soup(built / "02_lstm_from_scratch.html")
    hrefs = [a["href"] for a in page.select(".jp-RenderedMarkdown a")]
    assert "01_gate_equations.html" in hrefs and "03_explore_with_sliders.html#setup" in hrefs
    assert "index.html" in hrefs  # ../README.md
    assert not [h for h in hrefs if h.endswith(".ipynb") or ".ipynb#" in h]


def test_every_local_reference_resolves(built: Path) -> None:
    for page in built.glob("*.html"):
        html = soup(page)
        refs = [t.get("src") for t in html.select("script[src], img[src]")]
        refs += [t.get("href") for t in html.select("a[href], link[href]")]
        for ref in refs:
            if re.match(r"^(data:|#|[a-z]+://)", ref):
                continue
            target = built / ref.split("?")[0].split("#")[0]
            assert target.is_file(), f"{page.name} refers to {ref}, which is not in the site"


def test_nothing_is_fetched_from_the_network(built: Path) -> None:
    for page in built.glob("*.html"):
        html = soup(page)
        fetched = [t.get("src") for t in html.select("script[src], img[src], iframe[src]")]
        fetched += [t.get("href") for t in html.select("link[href]")]
        assert not [u for u in fetched if re.match(r"^(https?:)?//", u)], page.name
        styles = " ".join(s.get_text() for s in html.select("style"))
        assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", styles), page.name
        assert "cdn." not in " ".join(s.get_text() for s in html.select("script")), page.name
    assert (built / "mathjax" / "MathJax.js").is_file()
    assert (built / "mathjax" / "config" / "TeX-AMS-MML_HTMLorMML-full.js").is_file()
    assert (built / "mathjax" / "fonts" / "HTML-CSS" / "STIX-Web" / "woff").is_dir()


def test_plots_are_inlined_and_widgets_become_a_note(built: Path) -> None:
    page = soup(built / "01_gate_equations.html")
    images = page.select(".jp-OutputArea-output img")
    assert len(images) == 1 and images[0]["src"].startswith("data:image/png;base64,")
    notes = page.select(".lp-live")
    assert len(notes) == 2 and all("make app" in note.get_text() for note in notes)
    assert page.select_one(".lp-live + .snap").get_text() == "4,457,472 parameters"  # a stored snapshot stays
    assert "widget-view+json" not in page.decode()
    assert "units must be a positive integer, got 0" in page.get_text()  # tracebacks stay, as in the notebook
    assert "4457472" in page.get_text()


def test_one_notebook_and_none(tmp_path: Path) -> None:
    make_series(tmp_path / "one", ["01_gate_equations"])
    build_site.build(tmp_path / "one", tmp_path / "site1")
    page = soup(tmp_path / "site1" / "01_gate_equations.html")
    assert not page.select("a.lp-prev") and not page.select("a.lp-next")
    (tmp_path / "none").mkdir()
    assert [p.name for p in build_site.build(tmp_path / "none", tmp_path / "site0")] == ["index.html"]
    assert "(no notebooks yet)" in (tmp_path / "site0" / "index.html").read_text(encoding="utf-8")


def test_rebuilds_its_own_folder_but_never_empties_another(tmp_path: Path) -> None:
    make_series(tmp_path / "nb", NAMES[:2])
    out = tmp_path / "site"
    build_site.build(tmp_path / "nb", out)
    (out / "stale.html").write_text("old", encoding="utf-8")
    build_site.build(tmp_path / "nb", out)  # a rebuild empties the folder first
    assert not (out / "stale.html").exists()
    foreign = tmp_path / "documents"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("precious", encoding="utf-8")
    with pytest.raises(ValueError, match=r"out must be empty or a site built by this script, got .*documents"):
        build_site.build(tmp_path / "nb", foreign)
    assert (foreign / "thesis.tex").read_text(encoding="utf-8") == "precious"
    with pytest.raises(ValueError, match=r"notebooks must be a folder, got .*missing"):
        build_site.build(tmp_path / "missing", tmp_path / "site2")


def test_command_line(tmp_path: Path) -> None:
    make_series(tmp_path / "nb", NAMES[:1])
    ok = subprocess.run([sys.executable, "scripts/build_site.py", "--notebooks", str(tmp_path / "nb"),
                         "--out", str(tmp_path / "site")], cwd=ROOT, capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("wrote 1 notebook page(s) and the index; open ") and "index.html" in ok.stdout
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("x", encoding="utf-8")
    refused = subprocess.run([sys.executable, "scripts/build_site.py", "--out", str(tmp_path / "full")], cwd=ROOT,
                             capture_output=True, text=True, check=False)
    assert refused.returncode == 2
    assert refused.stderr.startswith("build_site.py: error: out must be empty or a site built by this script")


def test_the_real_series_builds(tmp_path: Path) -> None:
    """``make site`` on the repository's notebooks: one page each, every link between them resolves."""
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    written = build_site.build(ROOT / "notebooks", tmp_path / "_site")
    assert [p.name for p in written[1:]] == [p.with_suffix(".html").name for p in notebooks]
    for page in written:
        for a in soup(page).select("a[href]"):
            href = a["href"]
            if re.match(r"^([a-z]+:|#)", href):
                continue
            target = href.split("#")[0]
            if target.endswith(".html"):
                assert (tmp_path / "_site" / target).is_file(), f"{page.name} links to {href}, not in the site"
