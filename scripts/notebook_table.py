"""Build the README's table of notebooks from each notebook's first cell.

The title is the first cell's ``# Heading``; the one-line description is the first
sentence of the paragraph after it.  ``python scripts/notebook_table.py`` rewrites the
README between its markers; ``--check`` exits 1 if the README is out of date (the test
suite runs that check, so the table can never drift from the notebooks).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- notebooks:start -->", "<!-- notebooks:end -->"


def title_and_line(path: Path) -> tuple[str, str]:
    """The notebook's ``# Title`` and the first sentence of its purpose paragraph."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    lines = "".join(cells[0]["source"]).strip().splitlines()
    title = lines[0].lstrip("#").strip()
    paragraph = next((ln.strip() for ln in lines[1:] if ln.strip() and not ln.lstrip().startswith(("#", "-", "*"))),
                     "")
    sentence = re.split(r"(?<=[.!?])\s", paragraph, maxsplit=1)[0]
    return title, sentence


def table() -> str:
    rows = ["| # | notebook | what it shows |", "|---|---|---|"]
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        title, line = title_and_line(path)
        rows.append(f"| {path.name[:2]} | [{title}](notebooks/{path.name}) | {line} |")
    if len(rows) == 2:
        rows.append("| | (no notebooks yet) | |")
    return "\n".join(rows)


def render(readme: str) -> str:
    before, rest = readme.split(START, 1)
    _, after = rest.split(END, 1)
    return f"{before}{START}\n{table()}\n{END}{after}"


def main(argv: list[str]) -> int:
    readme_path = ROOT / "README.md"
    readme = readme_path.read_text(encoding="utf-8")
    wanted = render(readme)
    if "--check" in argv:
        if wanted != readme:
            print("README.md's notebook table is out of date: run python scripts/notebook_table.py")
            return 1
        return 0
    readme_path.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
