"""Build the static HTML edition of the series: one page per notebook plus an index.

    python scripts/build_site.py                  # notebooks/ -> _site/
    python scripts/build_site.py --out /tmp/site  # somewhere else

Pages come from the notebooks' stored outputs (nothing is executed), converted with
nbconvert's JupyterLab template, so code, tables, plots and tracebacks look as they do
in JupyterLab. LaTeX is typeset in the reader's browser by MathJax 2.7, which is copied
into the build from the ``jupyter-server-mathjax`` package: building and reading the
site need no network, and no page refers to anything outside the build folder.

What changes on the way: links between notebooks (``02_lstm_from_scratch.ipynb``)
point at their pages, each page gets previous/next links, and a live widget (which
needs a running kernel) is replaced by a note saying how to run it (``make app``).
"""

from __future__ import annotations

import argparse
import html
import importlib.util
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MARKER = ".lstm-params-site"  # the builder only ever empties a folder it made
MATHJAX_URL = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
SITE_TITLE = "lstm-params"

# nbconvert's JupyterLab template, minus everything it would fetch from a CDN
# (require.js, the widget manager, mermaid), plus the series navigation.
TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_js_mathjax -%}
{{ resources.site_mathjax_fonts }}
{{ super() }}
{%- endblock html_head_js_mathjax -%}
{% block extra_css %}<style type="text/css">{{ resources.site_css }}</style>{% endblock extra_css %}
{%- block body_header -%}
{{ super() }}
{{ resources.site_nav_top }}
{%- endblock body_header -%}
{% block body_footer %}
{{ resources.site_nav_bottom }}
</main>
</body>
{% endblock body_footer %}
"""

CSS = """
body.jp-Notebook main { max-width: 1040px; margin: 0 auto; }
.lp-nav { display: flex; justify-content: space-between; align-items: baseline; gap: 1em;
          font-family: var(--jp-ui-font-family, sans-serif); font-size: 14px;
          padding: 10px 16px; margin: 8px 0; border: 1px solid #d8dee4; border-radius: 6px;
          background: #f6f8fa; }
.lp-nav a { color: #0b5cad; text-decoration: none; }
.lp-nav a:hover { text-decoration: underline; }
.lp-nav .lp-prev, .lp-nav .lp-next { flex: 1 1 0; }
.lp-nav .lp-next { text-align: right; }
.lp-nav .lp-home { flex: 0 0 auto; font-weight: 600; }
.lp-live { border-left: 4px solid #0b5cad; background: #eef5fc; padding: 8px 12px; margin: 4px 0;
           font-family: var(--jp-ui-font-family, sans-serif); font-size: 14px; }
"""

INDEX_CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1f2328;
       line-height: 1.55; margin: 0; background: #fff; }
main { max-width: 860px; margin: 0 auto; padding: 32px 20px 48px; }
h1 { font-size: 2em; margin: 0 0 .2em; }
.lp-lead { font-size: 1.2em; color: #424a53; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin: 1em 0; }
th, td { text-align: left; vertical-align: top; padding: 8px 10px; border-bottom: 1px solid #d8dee4; }
th { background: #f6f8fa; }
td.lp-num { color: #59636e; font-variant-numeric: tabular-nums; width: 2.5em; }
a { color: #0b5cad; text-decoration: none; }
a:hover { text-decoration: underline; }
code { background: #f6f8fa; padding: 1px 5px; border-radius: 4px; font-size: .92em; }
.lp-formula { font-size: 1.15em; padding: .4em 0; }
footer { color: #59636e; font-size: .9em; margin-top: 2em; }
"""

# The package ships MathJax's STIX-Web fonts only, not its TeX fonts: say so before MathJax loads, turn off
# the quick preview (it would typeset with the TeX fonts first), and keep the hidden MathML copy that MathJax
# writes for screen readers from asking for a TeX font (its \mathbb style names one).
MATHJAX_FONTS = ("<script>window.MathJax = {'HTML-CSS': {availableFonts: [], preferredFont: null, webFont: 'STIX-Web',"
                 " imageFont: null}, 'fast-preview': {disabled: true}, menuSettings: {CHTMLpreview: false}};</script>"
                 "<style>.MJX_Assistive_MathML [mathvariant] { font-family: inherit !important; }</style>")

LIVE_NOTE = ("<div class='lp-live'><b>Live widget.</b> Sliders need a running Python, so this page "
             "shows where the widget sits, not the widget itself. Run <code>make app</code> for the "
             "explorer in your browser, or <code>make lab</code> to run this notebook.</div>")
SNAPSHOT_NOTE = ("<div class='lp-live'><b>Live widget</b>, shown here as it starts. To move its sliders, run "
                 "<code>make app</code> (the explorer in your browser) or <code>make lab</code> (this notebook)."
                 "</div>")


@dataclass(frozen=True)
class Page:
    """One notebook of the series and the page made from it."""

    source: Path
    title: str
    line: str

    @property
    def number(self) -> str:
        return self.source.name[:2]

    @property
    def href(self) -> str:
        return self.source.with_suffix(".html").name


def _notebook_table() -> Any:
    """scripts/notebook_table.py, which owns the rule 'title + first sentence'."""
    spec = importlib.util.spec_from_file_location("notebook_table", ROOT / "scripts" / "notebook_table.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("notebook_table", module)
    spec.loader.exec_module(module)
    return module


def find_pages(notebooks: Path) -> list[Page]:
    """The series in reading order: every ``NN_name.ipynb`` in ``notebooks``."""
    title_and_line = _notebook_table().title_and_line
    return [Page(path, *title_and_line(path)) for path in sorted(notebooks.glob("[0-9][0-9]_*.ipynb"))]


def _link(page: Page | None, rel: str, arrow: str) -> str:
    if page is None:
        return f"<span class='lp-{rel}'></span>"
    text = f"{page.number} · {html.escape(page.title)}"
    label = f"{arrow} {text}" if rel == "prev" else f"{text} {arrow}"
    return f"<a class='lp-{rel}' rel='{rel}' href='{page.href}'>{label}</a>"


def nav(prev: Page | None, nxt: Page | None, where: str) -> str:
    """The bar of links above and below every page: previous, all notebooks, next."""
    return (f"<nav class='lp-nav lp-nav-{where}'>{_link(prev, 'prev', '←')}"
            f"<a class='lp-home' href='index.html'>{SITE_TITLE}: all notebooks</a>"
            f"{_link(nxt, 'next', '→')}</nav>")


def _without_live_widgets(nb: Any) -> int:
    """Replace widget views (they need a kernel) by a note, keeping a static HTML snapshot stored beside one."""
    count = 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET_MIME in data:
                snapshot = data.get("text/html")
                if isinstance(snapshot, list):
                    snapshot = "".join(snapshot)
                out["data"] = {"text/html": SNAPSHOT_NOTE + snapshot if snapshot else LIVE_NOTE}
                count += 1
    nb.metadata.pop("widgets", None)
    return count


_NOTEBOOK_HREF = re.compile(r'href="(?![a-z]+:|#)(?:[^"]*/)?([^"/]+)\.ipynb(#[^"]*)?"')
_README_HREF = re.compile(r'href="(?:\.\./)?README\.md(#[^"]*)?"')


def rewrite_links(page_html: str) -> str:
    """Links to another notebook point at its page; links to the README at the index."""
    page_html = _NOTEBOOK_HREF.sub(lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', page_html)
    return _README_HREF.sub('href="index.html"', page_html)


def _exporter() -> Any:
    import jinja2
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", extra_loaders=[jinja2.DictLoader({"site.html.j2": TEMPLATE})])
    exporter.template_file = "site.html.j2"
    exporter.mathjax_url = MATHJAX_URL
    exporter.embed_images = True
    return exporter


def render_notebook(page: Page, prev: Page | None, nxt: Page | None, exporter: Any = None) -> str:
    """One notebook as a self-contained HTML page (images inlined, MathJax from ``mathjax/``)."""
    import nbformat

    exporter = exporter or _exporter()
    nb = nbformat.read(page.source, as_version=4)
    _without_live_widgets(nb)
    nb.metadata["title"] = f"{page.number} · {page.title} — {SITE_TITLE}"
    resources = {"metadata": {"name": page.source.stem, "path": str(page.source.parent)},
                 "site_css": CSS, "site_mathjax_fonts": MATHJAX_FONTS, "site_nav_top": nav(prev, nxt, "top"),
                 "site_nav_bottom": nav(prev, nxt, "bottom")}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return rewrite_links(body)


def inline_markdown(text: str) -> str:
    """One line of Markdown (`code`, *emphasis*, links) as HTML, raw HTML escaped.

    >>> inline_markdown("Print `model.summary()` & <b>")
    'Print <code>model.summary()</code> &amp; &lt;b&gt;'
    """
    import mistune

    rendered = str(mistune.create_markdown(escape=True)(text)).strip()
    return rewrite_links(rendered.removeprefix("<p>").removesuffix("</p>"))


def render_index(pages: list[Page]) -> str:
    """The front page: the question, the formula, and the table of notebooks."""
    rows = "\n".join(
        f"<tr><td class='lp-num'>{p.number}</td><td><a href='{p.href}'>{html.escape(p.title)}</a></td>"
        f"<td>{inline_markdown(p.line)}</td></tr>" for p in pages)
    if not pages:
        rows = "<tr><td></td><td>(no notebooks yet)</td><td></td></tr>"
    start = f"<p><a href='{pages[0].href}'>Start with {pages[0].number} · {html.escape(pages[0].title)} →</a></p>" \
        if pages else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{SITE_TITLE}: how many parameters does an LSTM have?</title>
<style>{INDEX_CSS}</style>
<script type="text/x-mathjax-config">
MathJax.Hub.Config({{tex2jax: {{inlineMath: [['$','$'], ['\\\\(','\\\\)']], processEscapes: true}},
                    messageStyle: 'none'}});
</script>
{MATHJAX_FONTS}
<script src="{MATHJAX_URL}"></script>
</head>
<body>
<main>
<h1>How many parameters does an LSTM have?</h1>
<p class="lp-lead">Where do they live, and why? A notebook series that derives the count, lets you explore
it, plots it, and checks every number against Keras 3 and PyTorch.</p>
<p>Notation used everywhere: $m$ = input size (Keras <code>input_dim</code>, features per timestep),
$n$ = units (hidden size). A Keras LSTM has four gates, each with an input kernel ($n \\times m$), a
recurrent kernel ($n \\times n$) and a bias ($n$):</p>
<div class="lp-formula">$$4\\,(nm + n^2 + n) = 4n\\,(m + n + 1)$$</div>
<h2>The notebooks</h2>
<table class="lp-index">
<thead><tr><th>#</th><th>notebook</th><th>what it shows</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
{start}
<p>These pages show the notebooks with the outputs stored in the repository. To move the sliders
yourself, run <code>make app</code> (the explorer as a web app) or <code>make lab</code> (the notebooks in
JupyterLab).</p>
<footer>Built from the stored notebooks by <code>make site</code>; works offline (MathJax is served from
this folder).</footer>
</main>
</body>
</html>
"""


def vendor_mathjax(out: Path) -> Path:
    """Copy MathJax 2.7 from the installed ``jupyter-server-mathjax`` package into ``out/mathjax``."""
    spec = importlib.util.find_spec("jupyter_server_mathjax")
    if spec is None or spec.origin is None:
        raise RuntimeError("jupyter-server-mathjax is not installed: pip install -e '.[web]' (make install does)")
    static = Path(spec.origin).parent / "static"
    target = out / "mathjax"
    shutil.copytree(static, target, dirs_exist_ok=True)
    return target


def _prepare(out: Path) -> None:
    if out.exists():
        if not out.is_dir():
            raise ValueError(f"out must be a folder, got the file {out}")
        if any(out.iterdir()) and not (out / MARKER).exists():
            raise ValueError(f"out must be empty or a site built by this script, got {out} (not emptied)")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARKER).write_text("built by scripts/build_site.py; emptied on every build\n", encoding="utf-8")


def build(notebooks: Path = ROOT / "notebooks", out: Path = ROOT / "_site") -> list[Path]:
    """Write the index, one page per notebook and MathJax into ``out``; return the pages written."""
    if not notebooks.is_dir():
        raise ValueError(f"notebooks must be a folder, got {notebooks}")
    pages = find_pages(notebooks)
    _prepare(out)
    vendor_mathjax(out)
    exporter = _exporter()
    written = [out / "index.html"]
    written[0].write_text(render_index(pages), encoding="utf-8")
    for i, page in enumerate(pages):
        prev = pages[i - 1] if i > 0 else None
        nxt = pages[i + 1] if i + 1 < len(pages) else None
        target = out / page.href
        target.write_text(render_notebook(page, prev, nxt, exporter), encoding="utf-8")
        written.append(target)
    return written


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks", help="folder of NN_name.ipynb")
    parser.add_argument("--out", type=Path, default=ROOT / "_site", help="build folder (emptied first)")
    args = parser.parse_args(argv)
    try:
        written = build(args.notebooks, args.out)
    except ValueError as error:
        parser.exit(2, f"build_site.py: error: {error}\n")
    index = written[0]
    try:
        shown = index.relative_to(Path.cwd())
    except ValueError:
        shown = index
    print(f"wrote {len(written) - 1} notebook page(s) and the index; open {shown} in a browser")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
