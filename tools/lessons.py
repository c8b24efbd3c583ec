"""The lessons' one source of truth: ``lessons/*.py`` (Jupytext's ``py:percent`` text format) -> two notebooks each.

    python tools/lessons.py           # write the student and the instructor notebook of every lesson
    python tools/lessons.py --check   # exit 1 and name each notebook that differs from its source

A lesson is edited as text: ``# %%`` starts a code cell, ``# %% [markdown]`` a Markdown cell whose lines are
``# ``-commented. A one-sentence edit is then a one-line diff, and ruff lints and formats lesson code like the
package's. The notebooks are generated (committed without outputs, for Colab badges and GitHub), with cell ids
numbered in order and the same notebook metadata, so the same source always gives the same bytes;
``tests/test_notebooks.py`` fails when a notebook was edited by hand or not regenerated.

**Two versions from one source.** A tag in a cell's header (``# %% tags=["solution"]``) says who sees the cell:

==============  ==========================================  ==============================================
tag             student version (``notebooks/``)            instructor version (``instructor/``)
==============  ==========================================  ==============================================
``stub``        the exercise as the student starts it: it   left out
                runs, and its check fails on it
``solution``    left out                                    the worked solution
``check``       the check                                   the check; the stub is kept in the cell's
                                                            metadata (``srkit.stub``), so that CI can run
                                                            the check on it and require it to fail
``answers``     left out                                    the answer key to the lesson's questions
==============  ==========================================  ==============================================

Untagged cells are in both. CI executes the instructor version (``conftest.py`` runs every check a second time
on its stub). Why tags and a small build step rather than nbgrader or otter-grader: both are grading systems (a
database of students, or a grading container, and their own notebook layout) that a teacher running this course,
or a learner alone, does not need; the lessons are edited as text, a tag is one line of that text, Jupytext keeps it
and JupyterLab shows it in the cell's property inspector.

Why ``py:percent`` rather than MyST Markdown: the lesson code is plain Python in a ``.py`` file, so ruff,
editors and ``python -m py_compile`` read it without a plug-in, and the prose stays one Markdown line per
line (behind ``# ``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCES, NOTEBOOKS, INSTRUCTOR = REPO / "lessons", REPO / "notebooks", REPO / "instructor"
VERSIONS = ("student", "instructor")
TAGS = ("stub", "solution", "check", "answers")
LEFT_OUT = {"student": {"solution", "answers"}, "instructor": {"stub"}}
METADATA = {
    "colab": {"provenance": []},
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def folder(version: str) -> Path:
    return {"student": NOTEBOOKS, "instructor": INSTRUCTOR}[version]


def _tags(cell) -> list[str]:
    return [t for t in cell.metadata.get("tags", []) if t in TAGS]


def notebook_text(source: Path, version: str = "student") -> str:
    """The ``.ipynb`` text of one version (``student`` or ``instructor``) generated from one lesson source."""
    import jupytext
    import nbformat

    lesson = jupytext.reads(source.read_text(encoding="utf-8"), fmt="py:percent")
    unknown = sorted({t for c in lesson.cells for t in c.metadata.get("tags", [])} - set(TAGS))
    if unknown:
        raise SystemExit(f"{source.name}: unknown cell tag(s) {unknown}; the tags are {', '.join(TAGS)}")
    nb = nbformat.v4.new_notebook(metadata=METADATA)
    stub = None
    for cell in lesson.cells:
        tags = _tags(cell)
        if "stub" in tags:
            stub = cell.source
        if LEFT_OUT[version] & set(tags):
            continue
        make = {
            "markdown": nbformat.v4.new_markdown_cell,
            "code": nbformat.v4.new_code_cell,
            "raw": nbformat.v4.new_raw_cell,
        }[cell.cell_type]
        new = make(cell.source, id=f"cell-{len(nb.cells):03d}")
        if tags:
            new.metadata["tags"] = tags
        if "check" in tags:
            if stub is None:
                raise SystemExit(f"{source.name}: a check cell with no stub cell before it:\n{cell.source[:200]}")
            if version == "instructor":
                new.metadata["srkit"] = {"stub": stub}
            stub = None
        nb.cells.append(new)
    nbformat.validate(nb)
    return nbformat.writes(nb).rstrip("\n") + "\n"


def lesson_text(notebook: Path) -> str:
    """The lesson source of a notebook (to start a new lesson from a notebook made elsewhere)."""
    import jupytext

    nb = jupytext.read(notebook)
    nb.metadata = {"jupytext": {"notebook_metadata_filter": "-all", "cell_metadata_filter": "-all"}}
    return jupytext.writes(nb, fmt="py:percent")


def pairs(version: str = "student") -> list[tuple[Path, Path]]:
    return [(source, folder(version) / f"{source.stem}.ipynb") for source in sorted(SOURCES.glob("*.py"))]


def out_of_sync() -> list[str]:
    """Each notebook (of either version) that differs from its source, and each notebook without a source."""
    problems = []
    sources = {src.stem for src, _ in pairs()}
    for version in VERSIONS:
        problems += [
            f"{nb.relative_to(REPO)} differs from {src.relative_to(REPO)}"
            for src, nb in pairs(version)
            if not nb.is_file() or nb.read_text(encoding="utf-8") != notebook_text(src, version)
        ]
        problems += [
            f"{nb.relative_to(REPO)} has no source in lessons/"
            for nb in sorted(folder(version).glob("*.ipynb"))
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
    for version in VERSIONS:
        folder(version).mkdir(exist_ok=True)
        for source, notebook in pairs(version):
            text = notebook_text(source, version)
            if not notebook.is_file() or notebook.read_text(encoding="utf-8") != text:
                tmp = notebook.with_suffix(".ipynb.tmp")
                tmp.write_text(text, encoding="utf-8")
                tmp.replace(notebook)
                print(f"wrote {notebook.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
