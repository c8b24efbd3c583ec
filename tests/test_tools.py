"""tools/: repeat_runs.py (asserts rewritten to record their margins must still pass and fail as written) and
lesson_times.py (the lessons' and the README's times agree with what was measured)."""

import importlib.util
import json
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[1] / "tools"


@pytest.fixture(scope="module")
def repeat_runs():
    spec = importlib.util.spec_from_file_location("repeat_runs", TOOLS / "repeat_runs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(repeat_runs, source, tmp_path):
    log = tmp_path / "margins.jsonl"
    code, asserts = repeat_runs.instrument(source, "lesson:3")
    namespace = {}
    exec(repeat_runs.PROBE_SOURCE.format(probe=repeat_runs.PROBE, log=str(log)), namespace)
    try:
        exec(code, namespace)
    finally:
        records = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return asserts, records


def test_margins_of_orderings_are_recorded(repeat_runs, tmp_path):
    source = (
        "import numpy as np\nx = 3.0\nassert x > 1 + 0.5 and x < 4, 'msg'\nassert 1 < x <= 3.5\n"
        "for d in (0.01, 0.02):\n    assert abs(x - 3 - d) < 0.05\nassert np.array([1, 2]) .max() < 2.5\n"
        "assert isinstance(x, float)\nassert (2, 21) >= (2, 16)\n"
    )
    asserts, records = _run(repeat_runs, source, tmp_path)
    assert asserts["lesson:3:3:7"] == "x > 1 + 0.5" and asserts["lesson:3:3:23"] == "x < 4"
    margins = [r["margin"] for r in records]
    assert margins[:3] == pytest.approx([1.5, 1.0, 0.5])  # x - 1.5, 4 - x, min(x - 1, 3.5 - x)
    assert margins[3:5] == pytest.approx([0.04, 0.03]) and margins[5] == pytest.approx(0.5)
    assert margins[6:] == [None, None]  # not an ordering; tuples are ordered lexicographically
    assert all(r["ok"] for r in records)


def test_a_failing_assert_still_fails_with_its_message(repeat_runs, tmp_path):
    with pytest.raises(AssertionError, match="too close"):
        _run(repeat_runs, "x = 1.0\nassert x > 2, 'too close'\n", tmp_path)
    records = [json.loads(line) for line in (tmp_path / "margins.jsonl").read_text().splitlines()]
    assert records == [dict(key="lesson:3:2:7", ok=False, margin=pytest.approx(-1.0))]
    with pytest.raises(AssertionError):
        _run(repeat_runs, "assert isinstance(1, str)\n", tmp_path)


def test_cells_with_ipython_syntax_are_left_alone(repeat_runs):
    source = "%timeit 1 + 1\nassert 1 < 2\n"
    assert repeat_runs.instrument(source, "lesson:0") == (source, {})


def test_the_report_lists_slow_cells_and_what_went_to_stderr(repeat_runs, tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    probe, quiet, noisy = (nbformat.v4.new_code_cell(s) for s in ("probe", "x = 1", "import warnings"))
    noisy.outputs = [nbformat.v4.new_output("stream", name="stderr", text="UserWarning: something | odd\n")]
    noisy.metadata["execution"] = {
        "iopub.execute_input": "2026-12-07T10:00:00.000000Z",
        "shell.execute_reply": "2026-12-07T10:00:03.500000Z",
    }
    nb.cells = [probe, quiet, noisy]
    assert repeat_runs._stderr(nb) == [dict(cell=1, text="UserWarning: something | odd\n")]
    assert repeat_runs._cell_seconds(nb) == {"1": 3.5}
    record = dict(lesson="09_x.ipynb", seconds=4, errors=[], asserts={}, run=1, cells={"1": 3.5})
    (tmp_path / "lessons.jsonl").write_text(json.dumps(dict(record, stderr=repeat_runs._stderr(nb))) + "\n")
    report = repeat_runs.report(tmp_path)
    assert (
        "| 09 | Cell 1 | 4 | 1 |" in report and "| 09_x.ipynb | Cell 1 | `UserWarning: something \\| odd` |" in report
    )


@pytest.fixture(scope="module")
def lesson_times():
    spec = importlib.util.spec_from_file_location("lesson_times", TOOLS / "lesson_times.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reading_time_counts_prose_and_code(lesson_times):
    source = (
        "# %% [markdown]\n# # Title\n#\n# **Time needed:** about 99 minutes to read.\n\n"
        "# %% [markdown]\n# " + " ".join(["word"] * 600) + "\n\n# %%\n" + "x = 1\n" * 100
    )
    assert lesson_times.words(source) == (602, 300)  # "#", "Title" and 600 words; the Time needed line is not read
    assert lesson_times.reading_minutes(source) == 10  # 4 min of prose + 5 min of code, to the nearest 5
    instructor_only = '\n# %% tags=["solution"]\nx = 2\n\n# %% [markdown] tags=["answers"]\n# 1. An answer.\n'
    assert lesson_times.words(source + instructor_only) == (602, 300), "the student's reading: no solutions, no key"
    assert lesson_times.words(source + '\n# %% tags=["stub"]\nx = None\n') == (602, 303), "the stub is read"


def test_every_lesson_and_the_readme_show_the_measured_times(lesson_times, capsys):
    assert lesson_times.main(["--check"]) == 0, capsys.readouterr().out
    times = json.loads(lesson_times.TIMES.read_text())["lessons"]
    lessons = sorted(p.name[:2] for p in lesson_times.SOURCES.glob("[0-9][0-9]_*.py"))
    assert sorted(times) == lessons and all("cpu" in times[n] for n in lessons)


def test_every_lesson_fits_one_sitting_with_its_cpu_run_measured(lesson_times):
    times = json.loads(lesson_times.TIMES.read_text())
    too_long, estimated = [], []
    for path in sorted(lesson_times.SOURCES.glob("[0-9][0-9]_*.py")):
        lesson = path.name[:2]
        reading = lesson_times.reading_minutes(path.read_text(encoding="utf-8"))
        run = lesson_times._minutes(times["lessons"][lesson]["cpu"]["seconds"])
        if reading + run > lesson_times.ONE_SITTING:
            too_long.append(f"{path.stem}: {reading} min reading + {run} min cpu run")
        if lesson_times._estimated(lesson, times):
            estimated.append(path.stem)
    assert not too_long, f"over {lesson_times.ONE_SITTING} minutes: {too_long}"
    assert not estimated, f"cpu run estimated, not measured: {estimated} (see tools/lesson_times.py --help)"
