"""Structure of the lessons (nbval executes them; this checks what execution cannot)."""
import ast
import importlib
import json
import pkgutil
import re
from pathlib import Path

import pytest

import srkit

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def _srkit_names() -> set[str]:
    names = set()
    for info in pkgutil.walk_packages(srkit.__path__, "srkit."):
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
    assert "google.colab" in "".join(code[0]["source"]) and "budget.describe()" in "".join(code[0]["source"]), \
        "the first code cell must be the set-up cell"
    markdown = "\n".join(_cells(path, "markdown"))
    assert markdown.lstrip().startswith("# "), "a lesson opens with its title"
    assert "What you will learn" in markdown and "## Summary" in markdown
    assert markdown.count("**Exercise ") >= 3, "at least three exercises"
    assert sum("assert " in c for c in _cells(path, "code")) >= 3, "exercises and results are checked by asserts"
    # e.g. "$\beta$" written from a Python string without r"": "\b" is a backspace, and the formula breaks
    bad = [(i, repr(src[max(0, m.start() - 15):m.end() + 5])) for i, c in enumerate(nb["cells"])
           for src in ["".join(c["source"])] for m in re.finditer(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", src)]
    assert not bad, f"control characters in cells (index, context): {bad}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_lessons_do_not_redefine_srkit(path):
    provided = _srkit_names()
    for source in _cells(path, "code"):
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("!", "%"))]
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                assert node.name not in provided, f"{path.name} redefines srkit's {node.name}"
