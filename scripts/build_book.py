"""Build the web edition of the series (``make site``): a book of the stored notebooks, offline.

    python scripts/build_book.py                  # notebooks/ -> _site/ (open it through a web server)
    python scripts/build_book.py --out /tmp/book  # somewhere else
    python scripts/build_book.py --serve          # read it: serves _site/ on 127.0.0.1

Sphinx with MyST-NB and the Sphinx Book Theme turn the notebooks into pages with a sidebar of the
series, an outline of the page, offline full-text search and copy buttons on the code. The pages
come from the outputs stored in the notebooks: no notebook is run. docs/ holds the Sphinx
configuration, the front page and the style; this script copies it and the notebooks into
build/book/src, changing the notebooks on the way:

- an exercise's "write your answer, then run the cell again" (``lp.check(answer, ...)`` with
  ``answer = None``) becomes a "Show answer" element holding the count and how it is made up
  (``lp.reveal``). To get the count, the exercise's own cell runs here with lstm_params and the
  standard library only; an exercise about a Keras or PyTorch object built earlier in the notebook
  says so instead of showing an answer;
- a live widget (it needs a running Python) keeps its stored HTML snapshot under a note;
- a figure wider than the text column keeps its natural size and scrolls sideways, so its labels
  stay readable;
- a link to the README points at the front page.

MathJax 3 comes from npm (``npm pack``, once, into build/cache) and is served from
``_static/mathjax``, so the pages ask nothing of the network. The versions that must match are pinned
in scripts/web_pins.py.
"""

from __future__ import annotations

import argparse
import ast
import base64
import copy
import html
import json
import math
import re
import shutil
import struct
import subprocess
import sys
import time
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
BUILD = ROOT / "build" / "book"
CACHE = ROOT / "build" / "cache"  # npm tarballs (and Python wheels), kept between builds
MARKER = ".lstm-params-book"  # the builder only ever empties a folder it made
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDE_PX = 900  # a stored figure wider than this (pixels) keeps its natural size and scrolls
# What an exercise's cell may use when it runs here to find its answer: the package and the standard library's
# pure modules. Anything else (keras, torch, a model built in an earlier cell) is a NameError, so no answer.
SAFE_MODULES = {"lstm_params", "math", "collections", "itertools", "functools", "fractions"}

sys.path.insert(0, str(Path(__file__).resolve().parent))
import web_pins  # noqa: E402 (sibling scripts, found through sys.path)
from notebook_table import title_and_line  # noqa: E402


@dataclass(frozen=True)
class Chapter:
    """One notebook of the series and the page made from it."""

    source: Path
    title: str
    line: str

    @property
    def name(self) -> str:
        return self.source.stem

    @property
    def href(self) -> str:
        return f"{self.name}.html"


def find_chapters(notebooks: Path) -> list[Chapter]:
    """The series in reading order: every ``NN_name.ipynb`` in ``notebooks``."""
    return [Chapter(path, *title_and_line(path)) for path in sorted(notebooks.glob("[0-9][0-9]_*.ipynb"))]


# -- exercises ----------------------------------------------------------------------------
class _Captured(Exception):
    """Raised by the stand-in ``lp.check`` to stop the cell with the value it was asked to check."""

    def __init__(self, expected: Any) -> None:
        super().__init__("captured")
        self.expected = expected


def _check_call(tree: ast.Module) -> str | None:
    """The name of the answer variable if the cell is an exercise: ``X = None`` then ``lp.check(X, ...)``."""
    unset = {t.id for node in tree.body if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
             and node.value.value is None for t in node.targets if isinstance(t, ast.Name)}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "check"
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "lp" and len(node.args) == 2
                and isinstance(node.args[0], ast.Name) and node.args[0].id in unset):
            return node.args[0].id
    return None


def _is_constant(node: ast.AST) -> bool:
    return all(isinstance(n, (ast.Constant, ast.BinOp, ast.UnaryOp, ast.operator, ast.unaryop))
               for n in ast.walk(node))


def _safe_statements(tree: ast.Module) -> Iterator[ast.stmt]:
    """A setup cell's imports of the package and pure standard modules, and its constants (``GIB = 1024**3``)."""
    for node in tree.body:
        if isinstance(node, ast.Import) and all(a.name.split(".")[0] in SAFE_MODULES for a in node.names):
            yield node
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in SAFE_MODULES:
            yield node
        elif (isinstance(node, ast.Assign) and _is_constant(node.value)
              and all(isinstance(t, ast.Name) for t in node.targets)):
            yield node


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except SyntaxError:  # IPython magics and the like: not ours to run
        return None


class Answers:
    """Runs a notebook's exercise cells with lstm_params alone to learn what each one checks."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {}

    def learn(self, source: str) -> None:
        """Take the package imports and constants of an ordinary code cell."""
        tree = _parse(source)
        if tree is not None:
            body = ast.Module(body=list(_safe_statements(tree)), type_ignores=[])
            exec(compile(body, "<setup>", "exec"), self.namespace)  # the repository's own notebooks

    def expected(self, source: str) -> Any:
        """What the cell's ``lp.check(answer, expected)`` is given, or None when it needs more than the package."""
        import lstm_params

        tree = _parse(source)
        if tree is None or _check_call(tree) is None:
            return None

        def capture(_answer: Any, expected: Any) -> None:
            raise _Captured(expected)

        lp = types.SimpleNamespace(**{name: getattr(lstm_params, name) for name in dir(lstm_params)})
        lp.check = capture
        namespace = {**self.namespace, "lp": lp, "math": math}
        try:
            exec(compile(tree, "<exercise>", "exec"), namespace)
        except _Captured as captured:
            return captured.expected
        except NameError:  # a Keras model, torch, a variable of the notebook: not here
            return None
        except Exception as error:  # the cell fails with this package: the page says the answer is in the notebook
            print(f"build_book.py: warning: an exercise fails here ({type(error).__name__}: {error}); "
                  "its page shows no answer", file=sys.stderr)
            return None
        return None


def is_exercise(source: str) -> bool:
    tree = _parse(source)
    return tree is not None and _check_call(tree) is not None


def answer_html(expected: Any) -> str:
    """The exercise's output on the page: how to check it, and the answer behind "Show answer"."""
    how = ("<p class='lp-exercise-how'>✎ Work it out first. In the notebook (<code>make lab</code>), put your "
           "count in place of <code>None</code> and run the cell: <code>lp.check</code> says whether it is right "
           "and which mistake a wrong count looks like.</p>")
    if expected is None:
        return (f"<div class='lp-exercise lp-exercise-offline'>{how}<p class='lp-exercise-how'>This one checks "
                "against a Keras or PyTorch object that the notebook builds, so its answer is only in the "
                "notebook.</p></div>")
    import lstm_params as lp

    lines = repr(lp.reveal(expected)).splitlines()
    body = "<br>".join(html.escape(line) for line in lines)
    return (f"<div class='lp-exercise'>{how}<details class='lp-answer'><summary>Show answer</summary>"
            f"<div class='lp-answer-body'>{body}</div></details></div>")


# -- notebooks ----------------------------------------------------------------------------
SNAPSHOT_NOTE = ("<div class='lp-live-note'><b>Live widget</b>, shown here as it starts. To move its sliders, "
                 "run <code>make app</code> (the explorer in your browser) or <code>make lab</code> (this notebook)."
                 "</div>")
LIVE_NOTE = ("<div class='lp-live-note'><b>Live widget.</b> Sliders need a running Python, so this page shows "
             "where the widget sits, not the widget itself. Run <code>make lab</code> to run this notebook.</div>")


LIVE_PAGE = "live/voici/render/explorer.html"  # in the book, from a page at its root
EXPLORER_CLASS = "lp-explorer-snapshot"  # the stored HTML of lp.explorer() in a notebook


def live_frame(title: str = "The slider explorer, running in your browser") -> str:
    """The live explorer in a page of the book: a frame of the Voici page, as tall as its content."""
    return (f"<div class='lp-live-frame'><iframe class='lp-live' src='{LIVE_PAGE}' title='{html.escape(title)}' "
            "style='width: 100%; height: 1500px; border: 0'></iframe></div>")


LIVE_IN_PAGE = ("<div class='lp-live-note'><b>Live.</b> The explorer below runs in your browser: Python (Pyodide) "
                "starts in the page, which takes a few seconds, then the sliders are yours. Nothing is sent anywhere."
                "</div>")


def stored_snapshot(notebooks: list[Path]) -> str:
    """The explorer as the series stored it (the first lp.explorer() output), else as the package draws it now."""
    for path in notebooks:
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            for out in cell.get("outputs", []):
                snapshot = _text(out.get("data", {}).get("text/html", ""))
                if WIDGET_MIME in out.get("data", {}) and EXPLORER_CLASS in snapshot:
                    return snapshot
    import lstm_params as lp

    return str(lp.explorer().snapshot().html)


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def png_width(data: str) -> int:
    """The width in pixels of a base64 PNG (read from its header)."""
    head = base64.b64decode(_text(data).replace("\n", "")[:44])
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return 0
    return int(struct.unpack(">I", head[16:20])[0])


_README_LINK = re.compile(r"\]\((?:\.\./)?README\.md(#[^)]*)?\)")


def prepare_notebook(nb: dict[str, Any], live: bool = False) -> dict[str, Any]:
    """The notebook as the book shows it (a copy; see the module docs for what changes).

    With ``live``, the first explorer (``lp.explorer()``'s output) becomes the live explorer.
    """
    nb = copy.deepcopy(nb)
    answers = Answers()
    for cell in nb["cells"]:
        source = _text(cell.get("source", ""))
        if cell["cell_type"] == "markdown":
            cell["source"] = _README_LINK.sub("](index.md)", source)
            continue
        if cell["cell_type"] != "code":
            continue
        if is_exercise(source):
            cell["outputs"] = [{"output_type": "display_data", "metadata": {},
                                "data": {"text/html": answer_html(answers.expected(source)),
                                         "text/plain": "an exercise"}}]
            continue
        answers.learn(source)
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET_MIME in data:
                snapshot = _text(data.get("text/html", ""))
                if live and EXPLORER_CLASS in snapshot:
                    live = False  # one live explorer per page: each starts its own Python
                    out["data"] = {"text/html": LIVE_IN_PAGE + live_frame(), "text/plain": "the live explorer"}
                    continue
                out["data"] = {"text/html": SNAPSHOT_NOTE + snapshot if snapshot else LIVE_NOTE,
                               "text/plain": "a live widget"}
            if "image/png" in data:
                shown = out.get("metadata", {}).get("image/png", {}).get("width") or png_width(data["image/png"])
                tags = cell.setdefault("metadata", {}).get("tags", [])
                if shown > WIDE_PX and "lp-wide" not in tags:  # the width shown at: HiDPI says so in metadata
                    cell["metadata"]["tags"] = [*tags, "lp-wide"]
    nb.get("metadata", {}).pop("widgets", None)
    return nb


# -- the front page -------------------------------------------------------------------------
def notebook_table(chapters: list[Chapter]) -> str:
    """The table of the series, as Markdown (the README's, with links to the pages)."""
    rows = ["| # | notebook | what it shows |", "|---|---|---|"]
    rows += [f"| {c.name[:2]} | [{c.title}]({c.name}.ipynb) | {c.line} |" for c in chapters]
    if not chapters:
        rows.append("| | (no notebooks yet) | |")
    return "\n".join(rows)


LIVE_LINK = ("[The explorer, live](explorer.md): the sliders of notebook 03 running in your browser (Python by "
             "Pyodide, nothing to install).")


def front_page(template: str, chapters: list[Chapter], live: bool) -> str:
    return (template.replace("{{ notebook_table }}", notebook_table(chapters))
            .replace("{{ live_note }}", LIVE_LINK if live else "")
            .replace("{{ toctree }}", "\n".join([*(c.name for c in chapters), *(["explorer"] if live else [])])))


# -- the build --------------------------------------------------------------------------------
def _empty(folder: Path, what: str) -> None:
    """Make ``folder`` empty, refusing to empty a folder this script did not make."""
    if folder.exists():
        if not folder.is_dir():
            raise ValueError(f"{what} must be a folder, got the file {folder}")
        if any(folder.iterdir()) and not (folder / MARKER).exists():
            raise ValueError(f"{what} must be empty or a book built by this script, got {folder} (not emptied)")
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / MARKER).write_text("built by scripts/build_book.py; emptied on every build\n", encoding="utf-8")


def stage(notebooks: Path, src: Path, live: bool = True) -> list[Chapter]:
    """Copy docs/ and the prepared notebooks into ``src``, the folder Sphinx reads."""
    if not notebooks.is_dir():
        raise ValueError(f"notebooks must be a folder, got {notebooks}")
    chapters = find_chapters(notebooks)
    _empty(src, "the staging folder")
    shutil.copytree(DOCS, src, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", "live"))
    index = src / "index.md"
    index.write_text(front_page(index.read_text(encoding="utf-8"), chapters, live), encoding="utf-8")
    explorer = src / "explorer.md"
    if live:
        explorer.write_text(explorer.read_text(encoding="utf-8").replace(
            "{{ live_frame }}", f"```{{raw}} html\n{live_frame()}\n```"), encoding="utf-8")
    else:
        explorer.unlink()
    for chapter in chapters:
        nb = json.loads(chapter.source.read_text(encoding="utf-8"))
        (src / chapter.source.name).write_text(json.dumps(prepare_notebook(nb, live), indent=1), encoding="utf-8")
    return chapters


def npm_pack(name: str, version: str, cache: Path = CACHE) -> Path:
    """The npm package's tarball, fetched once by ``npm pack`` into ``cache`` (the build's only npm use)."""
    tarball = cache / f"{name}-{version}.tgz"
    if tarball.is_file():
        return tarball
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("the book needs npm to fetch MathJax and Pyodide: make site installs it as root "
                           "(apt-get install nodejs npm); otherwise sudo apt-get install nodejs npm")
    cache.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([npm, "pack", f"{name}@{version}", "--silent", "--pack-destination", str(cache)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0 or not tarball.is_file():
        raise RuntimeError(f"npm pack {name}@{version} failed ({done.returncode}): {done.stderr.strip()}")
    return tarball


def unpack(tarball: Path, members: tuple[str, ...], target: Path, strip: str = "package/") -> None:
    """Extract the files under ``members`` (paths inside the npm package) into ``target``."""
    import tarfile

    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            inner = member.name.removeprefix(strip)
            if member.isfile() and inner.startswith(members):
                destination = target / inner
                destination.parent.mkdir(parents=True, exist_ok=True)
                source = archive.extractfile(member)
                assert source is not None
                destination.write_bytes(source.read())


# What the pages use of MathJax 3: the TeX-to-CommonHTML bundle, its fonts, TeX extensions loaded on demand,
# and the menu's accessibility parts (speech rules included), so no choice in its menu asks for a missing file.
MATHJAX_FILES = ("tex-chtml.js", "input/tex/extensions/", "output/chtml/fonts/woff-v2/", "ui/", "a11y/", "sre/")


def vendor_mathjax(out: Path) -> Path:
    """MathJax 3 from npm into ``out/_static/mathjax`` (where docs/conf.py's ``mathjax_path`` points)."""
    target = out / "_static" / "mathjax"
    unpack(npm_pack("mathjax", web_pins.NPM["mathjax"]), MATHJAX_FILES, target, strip="package/es5/")
    return target


def sphinx(src: Path, out: Path, doctrees: Path) -> None:
    """Sphinx's HTML builder, warnings as errors (a broken link or reference fails the build)."""
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "--keep-going", "-E",
               "-d", str(doctrees), str(src), str(out)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"sphinx failed ({done.returncode}):\n{done.stderr or done.stdout}")


def build(notebooks: Path = ROOT / "notebooks", out: Path = ROOT / "_site", work: Path = BUILD,
          live: bool = True) -> list[Chapter]:
    """The whole book into ``out``, with the live explorer unless ``live`` is False; return its chapters."""
    chapters = stage(notebooks, work / "src", live)
    _empty(out, "out")
    # into the work folder first: MyST-NB writes its jupyter_execute/ beside Sphinx's output folder
    html = work / "html"
    shutil.rmtree(html, ignore_errors=True)
    sphinx(work / "src", html, work / "doctrees")
    shutil.copytree(html, out, dirs_exist_ok=True)
    vendor_mathjax(out)
    if live:
        import live_explorer

        live_explorer.build_live(out / "live", work / "live", stored_snapshot([c.source for c in chapters]))
    return chapters


class Served:
    """A built book served over HTTP on 127.0.0.1 (a free port), in a thread: ``with Served(out) as url:``.

    The live explorer needs a web server (a browser runs no Web Worker from a file:// page); the pages
    themselves also open from the folder.
    """

    def __init__(self, folder: Path, port: int = 0) -> None:
        import functools
        import http.server

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass  # one line per file would bury what matters

        Handler.extensions_map = {**Handler.extensions_map, ".wasm": "application/wasm", ".mjs": "text/javascript"}
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port),
                                                      functools.partial(Handler, directory=str(folder)))
        self.url = f"http://127.0.0.1:{self.server.server_port}/"

    def __enter__(self) -> str:
        import threading

        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self.url

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def fetch(work: Path = BUILD) -> None:
    """Everything the build downloads (npm tarballs, PyPI wheels, their bytecode) into build/cache, and nothing else.

    ``make test`` can run this first, so that the tests' own build of the book downloads nothing.
    """
    import live_explorer

    npm_pack("mathjax", web_pins.NPM["mathjax"])
    static = work / "fetch" / "pyodide"
    shutil.rmtree(static.parent, ignore_errors=True)
    static.mkdir(parents=True)
    live_explorer.stage_pyodide(static, work / "fetch")
    shutil.rmtree(static.parent)


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks", help="folder of NN_name.ipynb")
    parser.add_argument("--out", type=Path, default=ROOT / "_site", help="build folder (emptied first)")
    parser.add_argument("--no-live", action="store_true", help="leave the live explorer out (a quicker build)")
    parser.add_argument("--fetch-only", action="store_true",
                        help="only download what the build needs into build/cache (npm, PyPI), then stop")
    parser.add_argument("--serve", action="store_true", help="serve the built book on 127.0.0.1 (Ctrl+C stops)")
    parser.add_argument("--port", type=int, default=0, help="with --serve: the port (default: a free one)")
    args = parser.parse_args(argv)
    if args.serve:
        if not (args.out / "index.html").is_file():
            parser.exit(2, f"build_book.py: error: no book in {args.out}: run make site first\n")
        with Served(args.out, args.port) as url:
            print(f"lstm-params book: open {url} in your browser (Ctrl+C stops it)", flush=True)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                return 0
    if args.fetch_only:
        fetch()
        print(f"build/cache holds what the book needs ({folder_size(CACHE) / 1e6:.0f} MB)")
        return 0
    start = time.monotonic()
    try:
        chapters = build(args.notebooks, args.out, live=not args.no_live)
    except ValueError as error:
        parser.exit(2, f"build_book.py: error: {error}\n")
    size = folder_size(args.out) / 1e6
    print(f"wrote {len(chapters)} notebook page(s) and the front page into {args.out} "
          f"({size:.1f} MB, {time.monotonic() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
