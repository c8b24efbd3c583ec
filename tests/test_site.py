"""The course site (``tools/site.py``): pages made from the student version with the instructor run's outputs,
links that resolve, and a small course built end to end and opened in Chromium. The real site is built and
checked by ``.ci/run`` right after the test command, from the lessons that command executed."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
COURSE = REPO / "course"


@pytest.fixture(scope="module")
def site():
    spec = importlib.util.spec_from_file_location("srkit_site", REPO / "tools" / "site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cell(kind, source, tags=(), outputs=None):
    cell = {"cell_type": kind, "metadata": {"tags": list(tags)} if tags else {}, "source": source}
    if kind == "code":
        cell["outputs"], cell["execution_count"] = outputs or [], None
    return cell


def test_a_page_shows_the_runs_outputs_but_not_the_solutions_the_checks_verdict_or_a_live_widget(site):
    widget = {
        "output_type": "display_data",
        "metadata": {},
        "data": {
            "application/vnd.jupyter.widget-view+json": {"model_id": "x"},
            "image/png": "iVBOR",
            "text/plain": "VBox()",
        },
    }
    upload = {"output_type": "display_data", "metadata": {}, "data": {"application/vnd.jupyter.widget-view+json": {}}}
    printed = {"output_type": "stream", "name": "stdout", "text": "ran\n"}
    verdict = {"output_type": "stream", "name": "stdout", "text": "right!\n"}
    executed = {
        "cells": [
            _cell("markdown", "# Lesson"),
            _cell("code", "print('ran')", outputs=[printed]),
            _cell("code", "answer = 42", ["solution"], [printed]),
            _cell("code", "assert answer == 6 * 7", ["check"], [verdict]),
            _cell("code", "viz.swipe(a, b)", outputs=[widget, upload]),
            _cell("markdown", "1. yes", ["answers"]),
        ]
    }
    student = {
        "cells": [
            _cell("markdown", "# Lesson"),
            _cell("code", "print('ran')"),
            _cell("code", "answer = ...", ["stub"]),
            _cell("code", "assert answer == 6 * 7", ["check"]),
            _cell("code", "viz.swipe(a, b)"),
        ]
    }
    page = site.student_page(student, executed)
    cells = page["cells"]
    assert cells[1]["outputs"] == [printed]
    assert cells[2]["outputs"] == [] and cells[3]["outputs"] == [], "stubs and checks stay without output"
    widget_outputs = cells[4]["outputs"]
    assert widget_outputs[0]["data"] == {"image/png": "iVBOR"}, "a widget is shown as its still picture"
    notes = [o["data"]["text/plain"] for o in widget_outputs[1:]]
    assert notes == [site.STILL_NOTE, site.NO_STILL_NOTE], "each widget says it is interactive when run"
    assert not any("widget-view" in k for o in widget_outputs for k in o["data"])

    student["cells"][1]["source"] = "print('changed')"
    with pytest.raises(SystemExit, match="does not match"):
        site.student_page(student, executed)


def test_links_to_pages_stay_and_links_to_other_files_go_to_github(site):
    in_site = {"notebooks/04_srcnn.ipynb", "course/references.md"}
    text = (
        "[a](../course/references.md#dong-et-al-2014) [b](../srkit/losses.py) [c](04_srcnn.ipynb) [d](../README.md#run)"
    )
    linked = site.site_links(text, "notebooks", in_site)
    blob = site.github_blob()
    assert blob.startswith("https://github.com/") and blob.endswith("/blob/main/")
    assert linked == (
        f"[a](../course/references.md#dong-et-al-2014) [b]({blob}srkit/losses.py) [c](04_srcnn.ipynb) "
        f"[d]({blob}README.md#run)"
    )


def test_a_kept_run_is_used_only_if_it_ran_this_notebook_completely_with_the_quick_budget(site, tmp_path):
    import hashlib

    notebook = tmp_path / "00_x.ipynb"
    notebook.write_text("{}", encoding="utf-8")
    kept = tmp_path / "kept.ipynb"
    assert site.stale_reason(kept, notebook) == "never executed"

    def keep(text, **run):
        meta = {
            "notebook_sha256": hashlib.sha256(notebook.read_bytes()).hexdigest(),
            "failed_cells": [],
            "cells_not_run": [],
        }
        meta.update(run)
        cell = _cell("code", "", outputs=[{"output_type": "stream", "name": "stdout", "text": text}])
        kept.write_text(json.dumps({"cells": [cell], "metadata": {"srkit": {"executed": meta}}}), encoding="utf-8")
        return site.stale_reason(kept, notebook)

    assert keep("srkit 0.1.0 | srkit budget: quick (set by SRKIT_BUDGET)") is None
    assert "quick budget" in keep("srkit budget: cpu (the default)")
    assert "older version" in keep("srkit budget: quick", notebook_sha256="0" * 64)
    assert "failed" in keep("srkit budget: quick", failed_cells=[3])


# ------------------------------------------------------------------------------------------------ links and pages
_MD_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _slug(heading: str) -> str:
    """GitHub's (and MyST's) anchor for a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _headings(path: Path) -> set[str]:
    return {_slug(m) for m in re.findall(r"^#{1,6} (.+)$", path.read_text(encoding="utf-8"), flags=re.M)}


def _relative_links(path: Path, text: str) -> list[tuple[Path, str, str]]:
    links = []
    for target in _MD_LINK.findall(text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        file, _, anchor = target.partition("#")
        links.append(((path.parent / file).resolve(), anchor, target))
    return links


def _lesson_markdown(path: Path) -> str:
    """A lesson source's Markdown cells, as the notebook shows them (the ``# `` comment marks removed)."""
    cells = re.split(r"^# %%", path.read_text(encoding="utf-8"), flags=re.M)[1:]
    markdown = [c.partition("\n")[2] for c in cells if "[markdown]" in c.partition("\n")[0]]
    return "\n".join(line[2:] if line.startswith("# ") else line for c in markdown for line in c.splitlines())


def test_every_relative_link_of_the_course_pages_and_lessons_resolves():
    """Checked without building: links between lessons and course pages (and the heading each names) exist, so
    they work in JupyterLab and on GitHub as on the site."""
    broken = []
    pages = [(p, p.read_text(encoding="utf-8")) for p in sorted(COURSE.glob("*.md"))]
    pages += [
        (REPO / "notebooks" / f"{p.stem}.ipynb", _lesson_markdown(p)) for p in sorted((REPO / "lessons").glob("*.py"))
    ]
    for page, text in pages:
        for file, anchor, target in _relative_links(page, text):
            if not file.exists():
                broken.append(f"{page.relative_to(REPO)}: {target} (no such file)")
            elif anchor and file.suffix == ".md" and anchor not in _headings(file):
                broken.append(f"{page.relative_to(REPO)}: {target} (no such heading)")
    assert not broken, "\n".join(broken)


def test_the_site_has_its_pages_and_the_references_link_the_papers():
    for name in ("index", "glossary", "references", "weeks", "capstone"):
        assert (COURSE / f"{name}.md").is_file(), f"course/{name}.md is missing"
    text = (COURSE / "references.md").read_text(encoding="utf-8")
    entries = re.split(r"^## ", text, flags=re.M)[1:]
    assert len(entries) >= 20
    unlinked = [e.splitlines()[0] for e in entries if not re.search(r"\(https://(doi\.org|arxiv\.org/abs)/\S+\)", e)]
    assert not unlinked, f"references without a DOI or arXiv link: {unlinked}"
    assert "rubric" in (COURSE / "capstone.md").read_text(encoding="utf-8").lower()
    weeks = (COURSE / "weeks.md").read_text(encoding="utf-8")
    missing = [p.stem for p in (REPO / "lessons").glob("*.py") if f"{p.stem}.ipynb" not in weeks]
    assert not missing, f"the week plan leaves out {missing}"


def test_the_lessons_cite_the_references_and_every_reference_is_cited():
    entries = _headings(COURSE / "references.md") - {"references"}
    cited = set()
    for lesson in (REPO / "lessons").glob("*.py"):
        cited |= set(re.findall(r"\.\./course/references\.md#([\w-]+)", lesson.read_text(encoding="utf-8")))
    assert cited <= entries, f"cited but not in course/references.md: {sorted(cited - entries)}"
    assert entries <= cited, f"in course/references.md but cited by no lesson: {sorted(entries - cited)}"


# ------------------------------------------------------------------------------------------------ end to end
LESSON_A = """\
# %% [markdown]
# # 00 · A tiny lesson
# It cites [Keys 1981](../course/references.md#keys-1981) and links [the next lesson](01_b.ipynb).

# %%
import matplotlib.pyplot as plt
import numpy as np
from srkit import budget

print(f"srkit | {budget.describe()}")
plt.imshow(np.arange(64).reshape(8, 8))
plt.title("a figure")
plt.show()

# %% [markdown]
# **Exercise 1.** Set `answer` to six times seven.

# %% tags=["stub"]
answer = None

# %% tags=["solution"]
answer = 42

# %% tags=["check"]
assert answer == 6 * 7, "not six times seven"
"""

LESSON_B = """\
# %% [markdown]
# # 01 · Another
# Back to [the first lesson](00_a.ipynb); the toolkit's [losses](../srkit/losses.py).

# %%
import numpy as np
from srkit import budget, viz

print(f"srkit | {budget.describe()}")
viz.swipe(np.zeros((16, 24, 3), np.uint8), np.full((16, 24, 3), 200, np.uint8))
"""


def test_a_course_builds_into_a_site_whose_figures_load_and_links_resolve(site, tmp_path, monkeypatch, chromium):
    root = tmp_path / "repo"
    for folder in ("lessons", "notebooks", "instructor", "course"):
        (root / folder).mkdir(parents=True)
    (root / "lessons" / "00_a.py").write_text(LESSON_A, encoding="utf-8")
    (root / "lessons" / "01_b.py").write_text(LESSON_B, encoding="utf-8")
    shutil.copy(COURSE / "conf.py", root / "course" / "conf.py")
    (root / "course" / "index.md").write_text("# A course\n\nSee the [references](references.md).\n", encoding="utf-8")
    (root / "course" / "references.md").write_text(
        textwrap.dedent("""\
            # References

            ## Keys 1981

            R. Keys. *Cubic convolution.* [doi:10.1109/TASSP.1981.1163711](https://doi.org/10.1109/TASSP.1981.1163711)
            """),
        encoding="utf-8",
    )
    lessons = site._lessons_tool()
    monkeypatch.setattr(lessons, "REPO", root)
    monkeypatch.setattr(lessons, "SOURCES", root / "lessons")
    monkeypatch.setattr(lessons, "NOTEBOOKS", root / "notebooks")
    monkeypatch.setattr(lessons, "INSTRUCTOR", root / "instructor")
    monkeypatch.setattr(site, "COURSE", root / "course")
    monkeypatch.setattr(site, "executed_folder", lambda: tmp_path / "executed")
    monkeypatch.setattr(site, "_lessons_tool", lambda: lessons)
    assert lessons.main([]) == 0

    html = site.build(out=tmp_path / "site")  # executes both lessons (none has a kept run), then Sphinx
    page = re.sub(r"<[^>]+>", "", (html / "notebooks" / "00_a.html").read_text(encoding="utf-8"))
    assert "answer = None" in page and "answer = 42" not in page, "the page is the student version"
    assert site.STILL_NOTE in (html / "notebooks" / "01_b.html").read_text(encoding="utf-8")
    pages = ("course/index.html", "notebooks/00_a.html", "notebooks/01_b.html")
    assert site.check(html, pages, chromium) == []

    # the check can fail: a figure that does not load, a link to a page that is not there
    for image in (html / "_images").glob("*.png"):
        image.unlink()
    broken = html / "notebooks" / "01_b.html"
    broken.write_text(broken.read_text(encoding="utf-8").replace("00_a.html", "00_gone.html"), encoding="utf-8")
    problems = site.check(html, pages, chromium)
    assert any("image does not load" in p for p in problems), problems
    assert any("missing page" in p and "00_gone.html" in p for p in problems), problems
