// Byte-compile pure-Python wheels for the book's Pyodide, with Pyodide's own Python (the bytecode must be its
// version's): node scripts/pyodide_compile.mjs PYODIDE_DIR IN_DIR OUT_DIR. Each IN_DIR/*.whl is written to
// OUT_DIR as Pyodide ships its own packages: each module as a .pyc where its .py was (no source), so the reader's
// browser neither compiles IPython & co. at every start nor unpacks their sources. jedi's copies of typeshed
// (thousands of .pyi stubs for completing code, which the explorer page has nowhere to type) are left out.
import path from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, inDir, outDir] = process.argv.slice(2).map((p) => path.resolve(p));
const { loadPyodide } = await import(pathToFileURL(path.join(pyodideDir, "pyodide.mjs")).href);
const py = await loadPyodide({ indexURL: pyodideDir + path.sep });
for (const [mount, root] of [["/in", inDir], ["/out", outDir]]) {
  py.FS.mkdirTree(mount);
  py.FS.mount(py.FS.filesystems.NODEFS, { root }, mount);
}
await py.runPythonAsync(`
import compileall, pathlib, py_compile, shutil, zipfile
for wheel in sorted(pathlib.Path("/in").glob("*.whl")):
    work = pathlib.Path("/tmp/wheel")
    shutil.rmtree(work, ignore_errors=True)
    with zipfile.ZipFile(wheel) as source:
        source.extractall(work)
    shutil.rmtree(work / "jedi" / "third_party" / "typeshed", ignore_errors=True)
    if not compileall.compile_dir(str(work), quiet=2, stripdir=str(work), workers=1, legacy=True,
                                  invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH):
        raise SystemExit(f"{wheel.name}: some files do not compile")
    with zipfile.ZipFile(pathlib.Path("/out") / wheel.name, "w", zipfile.ZIP_DEFLATED) as target:
        for file in sorted(work.rglob("*")):
            if file.is_file() and not (file.suffix == ".py" and file.with_suffix(".pyc").is_file()):
                target.write(file, str(file.relative_to(work)))
`);
