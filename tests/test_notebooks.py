"""Structure of the lessons (nbval executes them; this checks what execution cannot)."""

import ast
import importlib
import importlib.util
import json
import pkgutil
import re
from pathlib import Path

import pytest

import srkit

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def _srkit_names() -> set[str]:
    names = set()
    for info in pkgutil.walk_packages(srkit.__path__, "srkit."):
        if info.name.endswith(".__main__"):  # a command: importing it would run it
            continue
        module = importlib.import_module(info.name)
        names.update(getattr(module, "__all__", []))
    return names


def _cells(path, kind):
    return ["".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == kind]


def test_lessons_are_numbered_00_to_08():
    assert NOTEBOOKS and [p.name[:2] for p in NOTEBOOKS] == [f"{i:02d}" for i in range(len(NOTEBOOKS))]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_lesson_shape(path):
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and not c.get("execution_count") for c in code), "commit lessons without outputs"
    assert "google.colab" in "".join(code[0]["source"]) and "budget.describe()" in "".join(code[0]["source"]), (
        "the first code cell must be the set-up cell"
    )
    markdown = "\n".join(_cells(path, "markdown"))
    assert markdown.lstrip().startswith("# "), "a lesson opens with its title"
    assert "What you will learn" in markdown and "## Summary" in markdown
    assert markdown.count("**Exercise ") >= 3, "at least three exercises"
    assert sum("assert " in c for c in _cells(path, "code")) >= 3, "exercises and results are checked by asserts"
    # e.g. "$\beta$" written from a Python string without r"": "\b" is a backspace, and the formula breaks
    bad = [
        (i, repr(src[max(0, m.start() - 15) : m.end() + 5]))
        for i, c in enumerate(nb["cells"])
        for src in ["".join(c["source"])]
        for m in re.finditer(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", src)
    ]
    assert not bad, f"control characters in cells (index, context): {bad}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_lessons_do_not_redefine_srkit(path):
    provided = _srkit_names()
    for source in _cells(path, "code"):
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("!", "%"))]
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                assert node.name not in provided, f"{path.name} redefines srkit's {node.name}"


def _lessons_tool():
    spec = importlib.util.spec_from_file_location("lessons_tool", REPO / "tools" / "lessons.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_notebook_is_generated_from_its_lesson_source():
    tool = _lessons_tool()
    assert [src.stem for src, _ in tool.pairs()] == [p.stem for p in NOTEBOOKS], "one lessons/*.py per notebook"
    assert tool.out_of_sync() == [], "regenerate the notebooks with: python tools/lessons.py"


def test_a_hand_edited_notebook_is_caught(tmp_path, monkeypatch):
    tool = _lessons_tool()
    source = tmp_path / "lessons" / "00_demo.py"
    source.parent.mkdir()
    source.write_text('# %% [markdown]\n# # A lesson\n#\n# One sentence.\n\n# %%\nprint("hello")\n')
    (tmp_path / "notebooks").mkdir()
    monkeypatch.setattr(tool, "REPO", tmp_path)
    monkeypatch.setattr(tool, "SOURCES", tmp_path / "lessons")
    monkeypatch.setattr(tool, "NOTEBOOKS", tmp_path / "notebooks")
    assert tool.main([]) == 0 and tool.out_of_sync() == []
    notebook = tmp_path / "notebooks" / "00_demo.ipynb"
    cells = json.loads(notebook.read_text())["cells"]
    assert [c["cell_type"] for c in cells] == ["markdown", "code"] and "".join(cells[1]["source"]) == 'print("hello")'
    assert [c["id"] for c in cells] == ["cell-000", "cell-001"]
    # a one-sentence edit of the source is a one-line diff there, and the notebook is then out of date
    source.write_text(source.read_text().replace("One sentence.", "Another sentence."))
    assert tool.out_of_sync() == ["notebooks/00_demo.ipynb differs from lessons/00_demo.py"]
    assert tool.main(["--check"]) == 1
    tool.main([])
    notebook.write_text(notebook.read_text().replace("hello", "hi"))  # edited by hand
    assert tool.out_of_sync() == ["notebooks/00_demo.ipynb differs from lessons/00_demo.py"]
    (tmp_path / "notebooks" / "01_orphan.ipynb").write_text(notebook.read_text())
    assert "notebooks/01_orphan.ipynb has no source in lessons/" in tool.out_of_sync()
