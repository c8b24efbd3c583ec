"""The lessons' one source of truth: ``lessons/*.py`` (Jupytext's ``py:percent`` text format) -> ``notebooks/*.ipynb``.

    python tools/lessons.py           # write every notebook from its lesson source
    python tools/lessons.py --check   # exit 1 and name each notebook that differs from its source

A lesson is edited as text: ``# %%`` starts a code cell, ``# %% [markdown]`` a Markdown cell whose lines are
``# ``-commented. A one-sentence edit is then a one-line diff, and ruff lints and formats lesson code like the
package's. The notebooks beside them are generated (committed without outputs, for Colab badges and GitHub),
with cell ids numbered in order and the same notebook metadata, so the same source always gives the same
bytes; ``tests/test_notebooks.py`` fails when a notebook was edited by hand or not regenerated.

Why ``py:percent`` rather than MyST Markdown: the lesson code is plain Python in a ``.py`` file, so ruff,
editors and ``python -m py_compile`` read it without a plug-in, and the prose stays one Markdown line per
line (behind ``# ``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCES, NOTEBOOKS = REPO / "lessons", REPO / "notebooks"
METADATA = {
    "colab": {"provenance": []},
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def notebook_text(source: Path) -> str:
    """The ``.ipynb`` text generated from one lesson source."""
    import jupytext
    import nbformat

    lesson = jupytext.reads(source.read_text(encoding="utf-8"), fmt="py:percent")
    nb = nbformat.v4.new_notebook(metadata=METADATA)
    for index, cell in enumerate(lesson.cells):
        make = {
            "markdown": nbformat.v4.new_markdown_cell,
            "code": nbformat.v4.new_code_cell,
            "raw": nbformat.v4.new_raw_cell,
        }[cell.cell_type]
        nb.cells.append(make(cell.source, id=f"cell-{index:03d}"))
    nbformat.validate(nb)
    return nbformat.writes(nb).rstrip("\n") + "\n"


def lesson_text(notebook: Path) -> str:
    """The lesson source of a notebook (to start a new lesson from a notebook made elsewhere)."""
    import jupytext

    nb = jupytext.read(notebook)
    nb.metadata = {"jupytext": {"notebook_metadata_filter": "-all", "cell_metadata_filter": "-all"}}
    return jupytext.writes(nb, fmt="py:percent")


def pairs() -> list[tuple[Path, Path]]:
    return [(source, NOTEBOOKS / f"{source.stem}.ipynb") for source in sorted(SOURCES.glob("*.py"))]


def out_of_sync() -> list[str]:
    """Each notebook that differs from its source, and each notebook without a source."""
    problems = [
        f"{nb.relative_to(REPO)} differs from {src.relative_to(REPO)}"
        for src, nb in pairs()
        if not nb.is_file() or nb.read_text(encoding="utf-8") != notebook_text(src)
    ]
    sources = {src.stem for src, _ in pairs()}
    problems += [
        f"{nb.relative_to(REPO)} has no source in lessons/"
        for nb in sorted(NOTEBOOKS.glob("*.ipynb"))
        if nb.stem not in sources
    ]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report notebooks that differ from their source")
    args = parser.parse_args(argv)
    if args.check:
        problems = out_of_sync()
        for problem in problems:
            print(problem)
        if problems:
            print("regenerate them with: python tools/lessons.py", file=sys.stderr)
        return 1 if problems else 0
    for source, notebook in pairs():
        text = notebook_text(source)
        if not notebook.is_file() or notebook.read_text(encoding="utf-8") != text:
            tmp = notebook.with_suffix(".ipynb.tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(notebook)
            print(f"wrote {notebook.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
