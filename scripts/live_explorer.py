"""The live explorer of the book: ``app/explorer.ipynb`` run by Pyodide in the reader's browser (Voici).

``build_live(out)`` writes a Voici site (static Voila on JupyterLite) into ``out``: the app's
notebook, rendered as ``make app`` renders it (same widget tree, same CSS classes), executed by
the Pyodide kernel in a Web Worker, with no server beyond a static file server and no request to
any other host. What it holds, and where each part comes from:

- Pyodide's runtime (``pyodide.js``, ``pyodide.asm.wasm``, the standard library): npm's
  ``pyodide`` package (``npm pack``), at the version in scripts/web_pins.py;
- the kernel's Python packages (IPython and its pure-Python dependencies, jedi, micropip), which
  Pyodide normally takes from its CDN: the same versions as wheels from PyPI (``pip download``),
  listed in a ``pyodide-lock.json`` of our own with their hashes recomputed. IPython's ``sqlite3``
  (a compiled module, on no index we can reach; an empty wheel answers for it) and
  ``matplotlib-inline`` (it would pull in matplotlib and NumPy) are left out: the explorer needs
  neither;
- the kernel's own wheels (pyodide_kernel, piplite, the ipykernel and widgetsnbextension shims):
  the ``jupyterlite-pyodide-kernel`` package;
- ipywidgets and comm from PyPI, at the versions constraints.txt pins for JupyterLab (so the
  front end's widget manager, from ``jupyterlab_widgets``, matches), and lstm_params itself,
  built here as a wheel.

The wheels from PyPI and the kernel's come byte-compiled for Pyodide's Python, without their sources, as
Pyodide ships its own packages (by Pyodide itself, under Node.js: scripts/pyodide_compile.mjs); that saves
the browser compiling IPython at every start.
Every one of these is loaded while Pyodide starts (``loadPyodideOptions.packages``), in parallel,
instead of one after another by the kernel. While it starts, the page shows what it is loading and
the explorer's stored snapshot (app/live/index.html.j2, a Voila template).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import web_pins  # a sibling script, found through sys.path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app" / "explorer.ipynb"
TEMPLATE = ROOT / "docs" / "live"  # share/jupyter/voila/templates/lstm-params-live: the page while Pyodide starts
CACHE = ROOT / "build" / "cache"
RUNTIME = ("pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "package.json",
           "pyodide-lock.json")  # the lock is rewritten below, once the wheels are there
#: What the kernel imports at start (jupyterlite-pyodide-kernel's worker), from Pyodide's own lock.
BOOT = ("micropip", "ipython", "jedi")
LEFT_OUT = {"sqlite3", "matplotlib-inline"}  # see the module docs
#: The kernel installs "sqlite3" at start unless it was preloaded. IPython only keeps its history in it, and
#: does without when the import fails, so an empty wheel of that name stands in for the compiled module.
SQLITE3 = "sqlite3"
#: The kernel checks its preload list by these spellings (the lock's names are normalized).
KERNEL_SPELLING = {"pyodide-kernel": "pyodide_kernel"}
#: Wheels that jupyterlite-pyodide-kernel ships for the kernel to install (its static/pypi folder).
KERNEL_WHEELS = ("pyodide_kernel", "piplite", "ipykernel", "widgetsnbextension")
#: From PyPI at the versions of constraints.txt, and what each needs at import (for the lock).
WIDGETS = {"comm": ["traitlets"], "ipywidgets": ["comm", "ipython", "traitlets", "widgetsnbextension"]}
PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _run(command: list[str], what: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=cwd, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({done.returncode}): {(done.stderr or done.stdout).strip()[-2000:]}")


def npm_lock(tarball: Path) -> dict[str, Any]:
    import tarfile

    with tarfile.open(tarball) as archive:
        member = archive.extractfile("package/pyodide-lock.json")
        assert member is not None
        lock: dict[str, Any] = json.load(member)
    return lock


def boot_set(lock: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The kernel's start-up packages and everything they depend on, as Pyodide's lock lists them."""
    packages = {normalize(name): entry for name, entry in lock["packages"].items()}
    found: dict[str, dict[str, Any]] = {}

    def visit(name: str) -> None:
        key = normalize(name)
        if key in found or key in LEFT_OUT:
            return
        if key not in packages:
            raise RuntimeError(f"Pyodide's lock has no package {name!r}: is scripts/web_pins.py's Pyodide right?")
        entry = packages[key]
        if not entry["file_name"].endswith("-none-any.whl"):
            raise RuntimeError(f"{entry['file_name']} is compiled for Pyodide: only pure wheels come from PyPI")
        found[key] = entry
        for dependency in entry["depends"]:
            visit(dependency)

    for name in BOOT:
        visit(name)
    return found


def constraint(name: str) -> str:
    """The version constraints.txt pins for ``name``."""
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if "==" in line and normalize(line.split("==")[0]) == normalize(name):
            return line.split("==")[1].strip()
    raise RuntimeError(f"constraints.txt pins no {name}")


def pip_download(requirements: list[str], dest: Path) -> None:
    """Pure-Python wheels for Pyodide's Python (3.13) from PyPI, into the cache (each fetched once)."""
    missing = [r for r in requirements if not list(dest.glob(f"{normalize(r.split('==')[0]).replace('-', '_')}-"
                                                              f"{r.split('==')[1]}-*.whl"))]
    if missing:
        dest.mkdir(parents=True, exist_ok=True)
        _run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
              "--python-version", "3.13", "--implementation", "py", "--dest", str(dest), *missing],
             "pip download of the kernel's wheels")


def _wheel_name(path: Path) -> tuple[str, str]:
    name, version = path.name.split("-")[:2]
    return normalize(name), version


def _imports(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        tops = {n.split("/")[0] for n in archive.namelist() if not n.split("/")[0].endswith((".dist-info", ".data"))}
    return sorted(t.removesuffix(".py") for t in tops if t.endswith(".py") or "." not in t)


def write_lock(target: Path, info: dict[str, Any], wheels: list[Path], depends: dict[str, list[str]]) -> list[str]:
    """``pyodide-lock.json`` for the wheels in ``target`` (hashes computed here); return the package names."""
    packages: dict[str, dict[str, Any]] = {}
    for wheel in wheels:
        name, version = _wheel_name(wheel)
        packages[name] = {
            "name": name, "version": version, "file_name": wheel.name, "install_dir": "site",
            "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(), "package_type": "package",
            "imports": _imports(wheel), "unvendored_tests": False,
            "depends": [normalize(d) for d in depends.get(name, []) if normalize(d) not in LEFT_OUT],
        }
    for name, entry in packages.items():
        unknown = [d for d in entry["depends"] if d not in packages]
        if unknown:
            raise RuntimeError(f"{name} depends on {unknown}, which the live explorer does not ship")
    (target / "pyodide-lock.json").write_text(json.dumps({"info": info, "packages": packages}, indent=1),
                                              encoding="utf-8")
    return sorted(packages)


def package_wheel(dest: Path) -> Path:
    """lstm_params as a wheel (pure Python, no dependencies), built from this checkout."""
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob("lstm_params-*.whl"):
        old.unlink()
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir",
          str(dest), str(ROOT)], "building the lstm_params wheel")
    return next(dest.glob("lstm_params-*.whl"))


def kernel_wheels() -> list[Path]:
    import jupyterlite_pyodide_kernel  # type: ignore[import-untyped]

    pypi = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyterlite" / "pyodide-kernel-extension" \
        / "static" / "pypi"
    if not pypi.is_dir():
        raise RuntimeError(f"jupyterlite-pyodide-kernel {jupyterlite_pyodide_kernel.__version__} ships no {pypi}")
    found = [w for w in pypi.glob("*.whl") if _wheel_name(w)[0] in {normalize(n) for n in KERNEL_WHEELS}]
    widgets = [w for w in found if _wheel_name(w)[0] == "widgetsnbextension"]
    found = [w for w in found if w not in widgets] + [w for w in widgets if _wheel_name(w)[1].startswith("4.")]
    if len(found) != len(KERNEL_WHEELS):
        raise RuntimeError(f"expected the wheels {KERNEL_WHEELS} in {pypi}, found {[w.name for w in found]}")
    return found


def empty_wheel(name: str, dest: Path) -> Path:
    """A wheel that installs nothing: it answers for ``name`` in the kernel's start-up list (see ``SQLITE3``)."""
    version = "0+empty"
    dist = f"{name}-{version}.dist-info"
    files = {f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
                                 "Summary: empty: the live explorer ships no compiled sqlite3\n",
             f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: lstm-params\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = "".join(f"{path},,\n" for path in files) + f"{dist}/RECORD,,\n"
    wheel = dest / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in {**files, f"{dist}/RECORD": record}.items():
            archive.writestr(zipfile.ZipInfo(path, (2020, 1, 1, 0, 0, 0)), text)
    return wheel


def byte_compiled(wheels: list[Path], runtime: Path, work: Path) -> list[Path]:
    """The wheels as bytecode for Pyodide's Python (scripts/pyodide_compile.mjs), cached by file name."""
    cache = CACHE / f"sourceless-pyodide-{web_pins.NPM['pyodide']}"
    todo = [w for w in wheels if not (cache / w.name).is_file()]
    if todo:
        batch = work / "to-compile"
        shutil.rmtree(batch, ignore_errors=True)
        batch.mkdir(parents=True)
        cache.mkdir(parents=True, exist_ok=True)
        for wheel in todo:
            shutil.copy2(wheel, batch / wheel.name)
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("the live explorer needs Node.js to byte-compile its wheels: make site installs it")
        _run([node, str(Path(__file__).with_name("pyodide_compile.mjs")), str(runtime), str(batch), str(cache)],
             "byte-compiling the kernel's wheels with Pyodide")
    return [cache / w.name for w in wheels]


def stage_pyodide(static: Path, work: Path) -> list[str]:
    """Pyodide's runtime, every wheel the kernel needs and their lock into ``static``; return what to preload."""
    from build_book import npm_pack, unpack

    tarball = npm_pack("pyodide", web_pins.NPM["pyodide"])
    unpack(tarball, RUNTIME, static)
    lock = npm_lock(tarball)
    boot = boot_set(lock)
    wheels_cache = CACHE / "wheels"
    pip_download([f"{e['name']}=={e['version']}" for e in boot.values()]
                 + [f"{name}=={constraint(name)}" for name in WIDGETS], wheels_cache)
    wanted = {(normalize(e["name"]), e["version"]) for e in boot.values()}
    wanted |= {(normalize(name), constraint(name)) for name in WIDGETS}
    wheels = [w for w in wheels_cache.glob("*.whl") if _wheel_name(w) in wanted]
    if len(wheels) != len(wanted):
        raise RuntimeError(f"missing wheels: {sorted(wanted - {_wheel_name(w) for w in wheels})}")
    wheels = byte_compiled([*wheels, *kernel_wheels()], static, work)
    wheels += [package_wheel(work / "wheel"), empty_wheel(SQLITE3, work / "wheel")]  # the package stays source
    for wheel in wheels:
        shutil.copy2(wheel, static / wheel.name)
    depends = {normalize(e["name"]): e["depends"] for e in boot.values()}
    depends |= WIDGETS
    depends["pyodide-kernel"] = ["ipykernel", "comm", "ipython", "jedi", "piplite"]
    depends["piplite"] = ["micropip"]
    names = write_lock(static, lock["info"], [static / w.name for w in wheels], depends)
    return [KERNEL_SPELLING.get(name, name) for name in names]


def lite_config(preload: list[str]) -> dict[str, Any]:
    """jupyter-lite.json of the site: the kernel loads everything at start, from here, never from PyPI."""
    return {"jupyter-lite-schema-version": 0, "jupyter-config-data": {
        # No service worker: it would mount the browser's file storage as the kernel's folder, so that every
        # file IPython looks at while it starts goes through a synchronous request; the explorer reads no file.
        "disabledExtensions": ["@voila-dashboards/jupyterlab-preview",
                               "@jupyterlite/application-extension:service-worker-manager"],
        "litePluginSettings": {PLUGIN: {
            "disablePyPIFallback": True,
            "loadPyodideOptions": {"packages": preload, "checkAPIVersion": True},
        }},
    }}


def page_template(share: Path, snapshot: str) -> str:
    """Voila template ``lstm-params-live`` in ``share``: the app's template, plus what shows while Pyodide starts."""
    folder = share / "voila" / "templates" / "lstm-params-live"
    folder.mkdir(parents=True)
    shutil.copy2(TEMPLATE / "index.html.j2", folder / "index.html.j2")
    (folder / "conf.json").write_text(json.dumps({"base_template": "lstm-params"}), encoding="utf-8")
    (folder / "snapshot.html").write_text(snapshot, encoding="utf-8")
    return folder.name


def build_live(out: Path, work: Path, snapshot: str) -> Path:
    """The Voici site into ``out`` (emptied first by the caller); return the explorer page's path in it.

    ``snapshot`` is the HTML shown while Pyodide starts (the explorer as a notebook stored it).
    """
    import os

    out, work = out.resolve(), work.resolve()  # voici runs in the lite folder
    for stale in (work / "lite", work / "share"):
        if stale.exists():
            shutil.rmtree(stale)
    lite = work / "lite"
    template = page_template(work / "share", snapshot)
    (lite / "content").mkdir(parents=True)
    shutil.copy2(APP, lite / "content" / APP.name)
    static = lite / "static" / "pyodide"
    static.mkdir(parents=True)
    preload = stage_pyodide(static, work)
    (lite / "jupyter-lite.json").write_text(json.dumps(lite_config(preload), indent=1), encoding="utf-8")
    command = [str(Path(sys.executable).with_name("voici")), "build", "--lite-dir", str(lite),
               "--contents", str(lite / "content"), "--output-dir", str(out), "--no-sourcemaps",
               "--no-unused-shared-packages", f"--template={template}"]
    # templates: ours, then the app's (app/share, as make app finds it); the task database (.jupyterlite.doit.db)
    # goes with the lite folder
    paths = [str(work / "share"), str(ROOT / "app" / "share")]
    env = {**os.environ, "JUPYTER_PATH": os.pathsep.join(paths)}
    _run(command, "voici build", cwd=lite, env=env)
    # Voici's file browser (no page links to it, and it asks a CDN for Font Awesome) and JupyterLite's own app
    # (7 MB the Voici page never loads)
    for unused in (out / "voici" / "tree", out / "build"):
        shutil.rmtree(unused, ignore_errors=True)
    page = out / "voici" / "render" / APP.with_suffix(".html").name
    if not page.is_file():
        raise RuntimeError(f"voici build wrote no {page}")
    return page


if __name__ == "__main__":
    built = build_live(Path(sys.argv[1]), ROOT / "build" / "live", "<p>(no snapshot)</p>")
    print(f"wrote {built}")
