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
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))  # the student version: what a learner opens
# the instructor version: the same lessons with the exercises' solutions and the answer keys (tools/lessons.py)
INSTRUCTOR = sorted((REPO / "instructor").glob("*.ipynb"))


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


def test_lessons_are_numbered_from_00_without_gaps():
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
        for node in ast.walk(ast.parse(_code(source))):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                assert node.name not in provided, f"{path.name} redefines srkit's {node.name}"


def _code(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("!", "%")))


def _call_names(node) -> list[tuple[str | None, str]]:
    """(receiver, name) of every call under ``node``: ``model.fit(...)`` -> ("model", "fit"), ``next(it)`` ->
    (None, "next"), ``tf.image.resize(...)`` -> ("tf.image", "resize")."""
    found = []
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            if isinstance(call.func, ast.Name):
                found.append((None, call.func.id))
            elif isinstance(call.func, ast.Attribute):
                found.append((ast.unparse(call.func.value), call.func.attr))
    return found


TIMERS = {"perf_counter", "time", "monotonic", "process_time"}


def srkit_duplicates(source: str, from_srkit: set[str]) -> list[str]:
    """What a lesson's code cell writes itself that srkit provides, judged by what the code does:
    a model compiled and fitted by hand (a training loop: :func:`srkit.training.fit`); a function that calls some
    library's ``resize`` (a resizer: :mod:`srkit.resize`); a function that times batches or training steps (a
    benchmark helper: :mod:`srkit.benchmark`). ``from_srkit`` are the names the lesson imports from srkit."""
    tree, problems = ast.parse(_code(source)), []
    calls = _call_names(tree)
    compiled = {receiver for receiver, name in calls if name == "compile"}
    for receiver, name in calls:
        if name == "fit" and receiver is not None and receiver.split(".")[0] not in from_srkit:
            if receiver in compiled:
                problems.append(
                    f"{receiver}.compile(...) then {receiver}.fit(...): a training loop (srkit.training.fit)"
                )
    for fn in (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.Lambda))):
        inner = _call_names(fn)
        label = getattr(fn, "name", "a lambda")
        names = {name for _, name in inner}
        fitted = {r for r, name in inner if name == "fit" and r is not None and r.split(".")[0] not in from_srkit}
        if fitted:
            problems.append(f"{label} calls {sorted(fitted)[0]}.fit: a training helper (srkit.training.fit)")
        resized = [r for r, name in inner if name == "resize" and r is not None and r.split(".")[0] not in from_srkit]
        if resized:
            problems.append(f"{label} calls {resized[0]}.resize: a resizer (srkit.resize.imresize, downscale_with)")
        if names & TIMERS and names & {"next", "fit", "predict", "upscale"}:
            problems.append(f"{label} times batches or steps: a benchmark helper (srkit.benchmark)")
    return problems


def _imported_from_srkit(path) -> set[str]:
    names = set()
    for source in _cells(path, "code"):
        for node in ast.walk(ast.parse(_code(source))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "srkit":
                names.update(alias.asname or alias.name for alias in node.names)
            elif isinstance(node, ast.Import):
                names.update(a.asname or a.name for a in node.names if a.name.split(".")[0] == "srkit")
    return names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_lessons_train_resize_and_time_with_srkit(path):
    from_srkit = _imported_from_srkit(path)
    problems = [(i, p) for i, source in enumerate(_cells(path, "code")) for p in srkit_duplicates(source, from_srkit)]
    assert not problems, f"{path.name} (code cell, problem): {problems}"


def test_the_duplicate_check_recognises_what_srkit_already_does():
    loop = """
model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
history = model.fit(data.patch_dataset(pairs, scale=3, patch_size=48), epochs=3, steps_per_epoch=100)
"""
    helper = """
def train_quickly(net, steps):
    net.fit(patches, epochs=1, steps_per_epoch=steps, verbose=0)
"""
    resizer = """
def shrink(hr, s):
    return np.asarray(Image.fromarray(hr).resize((hr.shape[1] // s, hr.shape[0] // s), Image.BICUBIC))
"""
    timer = """
def rate(dataset, n=100):
    it = iter(dataset)
    start = time.perf_counter()
    for _ in range(n):
        next(it)
    return n / (time.perf_counter() - start)
"""
    for source, expected in [
        (loop, "training loop"),
        (helper, "training helper"),
        (resizer, "resizer"),
        (timer, "benchmark helper"),
    ]:
        problems = srkit_duplicates(source, {"data"})
        assert len(problems) == 1 and expected in problems[0], (expected, problems)
    fine = """
model = raisr.fit(train_images, scale=3)
history = fit(net, pairs, steps=100, validation=val_images)
lr = downscale_with(hr, 3, "pillow")
rate = batches_per_second(patches, 48)
"""
    assert srkit_duplicates(fine, {"raisr", "fit", "downscale_with", "batches_per_second"}) == []


# How a lesson's prose tells the project's history instead of an idea (that belongs in MODEL_CARD.md and commit
# messages): "while preparing this lesson", "the 2-core machine this course was written on", "as it shipped
# before", "another cycle on ...", "in seven cycles", "Trained here with tanh, ...".
CHANGELOG = [
    r"\b(this|the) (course|lesson|notebook) was (written|planned|prepared|developed)\b",
    r"\bwhile (preparing|writing|developing)\b",
    r"\b(as it )?shipped (before|earlier|previously)\b",
    r"\bweights shipped before\b",
    r"\banother (cycle|run)\b",
    r"\bin (two|three|four|five|six|seven|eight|nine|ten|\d+) (long )?cycles\b",
    r"\b(trained|tried) here with\b",
    r"\bwe (trained|tried|shipped)\b",
    r"\b(used to|no longer) (ship|train)",
]


def changelog_phrases(markdown: str) -> list[str]:
    return [m.group(0) for pattern in CHANGELOG for m in re.finditer(pattern, markdown, re.IGNORECASE)]


@pytest.mark.parametrize("path", INSTRUCTOR, ids=lambda p: p.name)  # all prose, answer keys included
def test_lessons_tell_ideas_not_the_projects_history(path):
    found = [(i, p) for i, text in enumerate(_cells(path, "markdown")) for p in changelog_phrases(text)]
    assert not found, f"{path.name}: history belongs in MODEL_CARD.md (markdown cell, phrase): {found}"


def test_the_history_check_knows_the_phrasing():
    history = [
        "On the 2-core machine this course was written on: about 70 steps/s.",
        "While preparing the lesson we trained an EDSR.",
        "The shipped ESPCN trained far longer (330,000 steps in seven cycles).",
        "Trained here with tanh, ESPCN stalled; another cycle on 48 x 48 patches lowered it.",
    ]
    assert all(changelog_phrases(text) for text in history)
    idea = "One more cosine cycle with shifted copies helped most at x4; select on validation, never on Set5."
    assert changelog_phrases(idea) == []


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
    monkeypatch.setattr(tool, "INSTRUCTOR", tmp_path / "instructor")
    assert tool.main([]) == 0 and tool.out_of_sync() == []
    notebook = tmp_path / "notebooks" / "00_demo.ipynb"
    cells = json.loads(notebook.read_text())["cells"]
    assert [c["cell_type"] for c in cells] == ["markdown", "code"] and "".join(cells[1]["source"]) == 'print("hello")'
    assert [c["id"] for c in cells] == ["cell-000", "cell-001"]
    # a one-sentence edit of the source is a one-line diff there, and the notebook is then out of date
    source.write_text(source.read_text().replace("One sentence.", "Another sentence."))
    assert tool.out_of_sync() == [
        "notebooks/00_demo.ipynb differs from lessons/00_demo.py",
        "instructor/00_demo.ipynb differs from lessons/00_demo.py",
    ]
    assert tool.main(["--check"]) == 1
    tool.main([])
    notebook.write_text(notebook.read_text().replace("hello", "hi"))  # edited by hand
    assert tool.out_of_sync() == ["notebooks/00_demo.ipynb differs from lessons/00_demo.py"]
    (tmp_path / "notebooks" / "01_orphan.ipynb").write_text(notebook.read_text())
    assert "notebooks/01_orphan.ipynb has no source in lessons/" in tool.out_of_sync()


# Every result a learner reads is printed or plotted by a cell of the lesson (so it holds on whichever budget ran)
# or is a paper's published figure. Rule: a number with a unit of a result in the prose must be a PSNR that
# srkit.published knows, the measured "Time needed" line (checked against lessons/times.json below), or one of
# the phrases in NOT_RESULTS, each with the reason it is not a result the lesson should have measured:
#   "derived: <expression>"  arithmetic the text shows; the test evaluates the expression and compares;
#   "setting: <code>"         a setting the lesson's code uses; the test finds <code> in the lesson's code cells;
#   "given"                   data an exercise or a question hands the learner (its markdown cell says Exercise or
#                             Question);
#   "paper: <citation>"       a figure a paper published, named in the same sentence.
RESULT_UNITS = (
    r"dB|ms|µs|s|sec|seconds?|min|minutes?|h|hours?|fps|steps/s|images/s|batches/s|it/s|%"
    r"|[KMGT]i?B|× faster|x faster|times faster|× slower|times slower|× more|times more|× less|times less"
)
FIGURE = re.compile(
    r"(?<![\w.`/$-])(?P<number>[-+−±~≈]?\d[\d,]*(?:\.\d+)?)"
    r"(?:\s?(?:–|-|to|…|\.\.\.)\s?[-+−]?\d[\d,]*(?:\.\d+)?)?"
    r"\s?(?P<unit>" + RESULT_UNITS + r")(?![\w/])"
)
NOT_RESULTS: dict[str, dict[str, str]] = {
    "00": {},
    "01": {"20 log10(255/219) = 1.32 dB": "derived: 20*log10(255/219)"},
    "02": {},
    "03": {},
    "04": {
        "9 times more": "derived: 3**2",
        "is +10 dB": "derived: 10*log10(10)",
        "+1 dB means": "derived: 10*log10(1/10**-0.1)",
        "21 % less error": "derived: 100*(1-10**-0.1)",
    },
    "05": {
        "keeps 90 %": "setting: momentum=0.9",
        "10 % of": "setting: alpha=0.1",
        "gained 2.0 dB": "derived: 32.39 - 30.39",
    },
    "06": {},
    "07": {"saved about 40 % of SRResNet's memory": "paper: Lim et al., CVPRW 2017 (EDSR)"},
    "08": {"give it 8 times more": "derived: 4*2"},
    "09": {"10·log10(2) ≈ 3 dB": "derived: 10*log10(2)"},
    "10": {"20·log10(255/10) ≈ 28 dB": "derived: 20*log10(255/10)"},
    "11": {"1.32 dB": "derived: 20*log10(255/219)", "40 dB and 20 dB": "given", "+0.04 dB over the": "given"},
    "12": {},
    "13": {},
    "14": {},
    "15": {},
    "16": {"takes 250 ms": "setting: time.sleep(0.25)", "40 % GPU utilisation": "given"},
    "17": {"30 GB once decoded": "derived: 100000*100000*3/1e9", "blocks of 1 MiB": "setting: 1 << 20"},
}


def typed_in_figures(markdown: str) -> list[str]:
    """The numbers with a result's unit in a Markdown cell, outside inline code and the "Time needed" line."""
    text = re.sub(r"`[^`\n]*`", "`code`", markdown)
    text = re.sub(r"\*\*Time needed:\*\*.*?(\n\s*\n|$)", "", text, flags=re.S)  # to the paragraph's end
    return [m.group(0) for m in FIGURE.finditer(text)]


def _published_psnrs() -> set[str]:
    from srkit.published import PUBLISHED

    return {f"{p:.2f}" for p, _ in PUBLISHED.values()}


def _is_published(figure: str) -> bool:
    m = re.fullmatch(r"(\d+\.\d\d) dB", figure)
    return bool(m) and m.group(1) in _published_psnrs()


@pytest.mark.parametrize("path", INSTRUCTOR, ids=lambda p: p.name)  # all prose, answer keys included
def test_results_in_the_prose_are_computed_by_the_lesson(path):
    allowed = NOT_RESULTS.get(path.name[:2], {})
    found = [
        (i, figure, text[max(0, text.find(figure) - 60) : text.find(figure) + len(figure) + 10].replace("\n", " "))
        for i, text in enumerate(_cells(path, "markdown"))
        for figure in typed_in_figures(text)
        if not _is_published(figure) and not any(figure in phrase for phrase in allowed if phrase in text)
    ]
    assert not found, (
        f"{path.name}: results typed into the prose go stale; print them from a cell (or, if the number is not a "
        f"result, list it in NOT_RESULTS with its reason). (markdown cell, figure, context): {found}"
    )


@pytest.mark.parametrize("lesson", sorted(NOT_RESULTS))
def test_every_figure_allowed_in_the_prose_has_its_reason(lesson):
    (path,) = [p for p in INSTRUCTOR if p.name.startswith(lesson)]
    markdown, code = _cells(path, "markdown"), "\n".join(_cells(path, "code"))
    for phrase, reason in NOT_RESULTS[lesson].items():
        cells = [text for text in markdown if phrase in text]
        assert cells, f"{path.name}: {phrase!r} is no longer in the prose; remove it from NOT_RESULTS"
        kind, _, detail = reason.partition(":")
        if kind == "derived":
            import math

            value = eval(detail, {"__builtins__": {}}, vars(math))  # the arithmetic the text shows
            (number,) = re.findall(r"\d[\d,]*(?:\.\d+)?", phrase.replace(",", ""))[-1:]
            digits = len(number.split(".")[1]) if "." in number else 0
            assert round(abs(value), digits) == float(number), f"{phrase!r}: {detail.strip()} = {value}"
        elif kind == "setting":
            assert detail.strip() in code, f"{path.name}: {phrase!r} names a setting, but no cell has {detail!r}"
        elif kind == "given":
            assert any(w in text for text in cells for w in ("Exercise", "Question", "?")), (
                f"{path.name}: {phrase!r} is data an exercise or question gives, but its cell asks nothing"
            )
        else:
            assert kind == "paper" and detail.strip(), f"{path.name}: {phrase!r}: unknown reason {reason!r}"


def test_the_typed_in_figure_check_finds_results():
    prose = (
        "The model gains 1.86 dB (32.25 dB) and runs at 77 ms per frame, 4.7× faster, 10–20 % of pixels, "
        "about 2 minutes; it reads `steps=300` and scores 30.39 dB, as Table 1 reports."
    )
    found = typed_in_figures(prose + "\n\n**Time needed:** about 40 minutes.")
    assert found == ["1.86 dB", "32.25 dB", "77 ms", "4.7× faster", "10–20 %", "2 minutes", "30.39 dB"]
    assert [f for f in found if not _is_published(f)] == found[:-1]  # 30.39 dB: bicubic Set5 x3, published
    assert typed_in_figures("A 3x3 kernel, 9 taps, scale 3, 91 images, 0.9299 SSIM, $10^{-0.1}$.") == []


# A classroom compares outputs: every lesson shows one of srkit.viz's widgets on its own results, and a question or
# an exercise right after it asks something the widget answers.
WIDGETS = {"swipe", "flipbook", "explorer"}


def _widget_cells(path) -> list[int]:
    cells = json.loads(path.read_text())["cells"]
    found = []
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        for node in ast.walk(ast.parse(_code("".join(cell["source"])))):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
                owner = getattr(f.value, "id", None) if isinstance(f, ast.Attribute) else None
                if name in WIDGETS and owner in (None, "viz"):
                    found.append(i)
    return sorted(set(found))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_lesson_has_a_widget_that_a_question_uses(path):
    cells = json.loads(path.read_text())["cells"]
    widgets = _widget_cells(path)
    assert widgets, f"{path.name}: no srkit.viz widget ({', '.join(sorted(WIDGETS))}) compares the lesson's results"
    asked = []
    for i in widgets:
        after = next(("".join(c["source"]) for c in cells[i + 1 :] if c["cell_type"] == "markdown"), "")
        before = next(("".join(c["source"]) for c in reversed(cells[:i]) if c["cell_type"] == "markdown"), "")
        asked.append(any(w in text for text in (before, after) for w in ("**Question", "**Exercise")))
    assert any(asked), f"{path.name}: the widget in cell {widgets} is not used by a **Question** or an **Exercise**"


def test_a_lesson_cell_writing_to_stderr_fails(tmp_path):
    """The repository's conftest.py fails an executed lesson cell whose output has a stderr block (warnings, logs)."""
    import subprocess
    import sys

    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell('print("a result")'),
        nbformat.v4.new_code_cell('import warnings\nwarnings.warn("shuffle=True is ignored")'),
        nbformat.v4.new_code_cell('import sys\nprint("clean", file=sys.stdout)'),
    ]
    nbformat.write(nb, tmp_path / "lesson.ipynb")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider", "--nbval-lax",
         "--nbval-current-env", "-q", str(tmp_path / "lesson.ipynb")],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 1, run.stdout[-2000:]
    assert "1 failed, 2 passed" in run.stdout and "lesson.ipynb::Cell 1" in run.stdout, run.stdout[-2000:]
    assert "wrote to stderr" in run.stdout and "shuffle=True is ignored" in run.stdout


def test_a_check_that_passes_on_its_stub_or_shows_the_answer_fails(tmp_path):
    """conftest.py runs each check of the instructor version again on the student stub: it must fail, with an assert
    (or the stub's NotImplementedError) whose message does not give the answer away."""
    import subprocess
    import sys

    tool = _lessons_tool()
    exercises = {
        "good": ("def double(x):\n    raise NotImplementedError", "def double(x):\n    return 2 * x",
                 'assert double(3) == 6, "double(3) is wrong"'),
        "blind": ("answer_b = None", "answer_b = 12345", "assert answer_b in (None, 12345)"),
        "leaky": ("answer_c = 0", "answer_c = 4321", 'assert answer_c == 4321, f"expected 4,321, got {answer_c}"'),
        "crashes": ("answer_d = None", "answer_d = 777", 'assert answer_d + 1 == 778, "off by some"'),
    }  # fmt: skip
    source = "# %% [markdown]\n# # A lesson\n"
    for name, (stub, solution, check) in exercises.items():
        source += f'\n# %% [markdown]\n# **Exercise {name}.**\n\n# %% tags=["stub"]\n{stub}\n'
        source += f'\n# %% tags=["solution"]\n{solution}\n\n# %% tags=["check"]\n{check}\n'
    (tmp_path / "00_demo.py").write_text(source)
    student = json.loads(tool.notebook_text(tmp_path / "00_demo.py", "student"))
    assert "".join(student["cells"][2]["source"]) == exercises["good"][0], "the student sees the stub"
    assert not any("return 2 * x" in "".join(c["source"]) for c in student["cells"]), "and not the solution"
    (tmp_path / "lesson.ipynb").write_text(tool.notebook_text(tmp_path / "00_demo.py", "instructor"))
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider", "--nbval-lax",
         "--nbval-current-env", "-q", "-rf", str(tmp_path / "lesson.ipynb")],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    out = run.stdout
    assert run.returncode == 1 and "3 failed, 5 passed" in out, out[-3000:]
    failed = sorted(re.findall(r"FAILED \S*lesson\.ipynb::Cell (\d+)", out))
    assert failed == ["3", "5", "7"], out[-3000:]  # the checks of "blind", "leaky" and "crashes"; "good" passes
    assert "the check passes on the student stub" in out
    assert "shows the answer" in out and "4,321" in out
    assert "stops with TypeError" in out


def exercise_problems(source: str) -> list[str]:
    """What is missing from a lesson's exercises and questions: each **Exercise** needs, after its text, a stub
    (what the student starts from), a solution and a check, in that order; the Questions need an answer key."""
    import jupytext

    cells = jupytext.reads(source, fmt="py:percent").cells
    problems, expecting, title = [], None, None
    for cell in cells:
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "markdown" and "**Exercise" in cell.source:
            if expecting:
                problems.append(f"{title}: no {expecting} cell")
            title, expecting = re.search(r"\*\*Exercise[^*]*\*\*", cell.source).group(0), "stub"
        elif tags and expecting:
            order = ["stub", "solution", "check"]
            if tags[0] != expecting:
                problems.append(f"{title}: a {tags[0]} cell where its {expecting} cell should be")
                expecting = None
            else:
                expecting = order[order.index(expecting) + 1] if expecting != "check" else None
    if expecting:
        problems.append(f"{title}: no {expecting} cell")
    questions = [i for i, c in enumerate(cells) if c.cell_type == "markdown" and "## Questions" in c.source]
    if not questions or not any("answers" in c.metadata.get("tags", []) for c in cells[questions[-1] + 1 :]):
        problems.append("no answer key (a Markdown cell tagged answers) after the Questions")
    return problems


@pytest.mark.parametrize("path", sorted((REPO / "lessons").glob("[0-9][0-9]_*.py")), ids=lambda p: p.name)
def test_every_exercise_has_a_stub_a_solution_and_a_check(path):
    problems = exercise_problems(path.read_text(encoding="utf-8"))
    assert not problems, f"{path.name}: {problems} (see tools/lessons.py for the cell tags)"


def test_the_exercise_check_finds_what_is_missing():
    ok = '# %% [markdown]\n# **Exercise 1.** x\n\n# %% tags=["stub"]\nx = 0\n\n# %% tags=["solution"]\nx = 1\n\n'
    ok += '# %% tags=["check"]\nassert x\n\n# %% [markdown]\n# ## Questions\n\n# %% [markdown] tags=["answers"]\n# 1.\n'
    assert exercise_problems(ok) == []
    assert exercise_problems(ok.replace('tags=["stub"]', "")) == [
        "**Exercise 1.**: a solution cell where its stub cell should be"
    ]
    assert exercise_problems(ok.replace('tags=["answers"]', "")) == [
        "no answer key (a Markdown cell tagged answers) after the Questions"
    ]
