"""Two checks on the lessons that nbval executes, made where nbval runs each cell in the lesson's kernel.

**No stderr.** nbval keeps what each cell printed (``item.test_outputs``). Python warnings, logging and the native
libraries' log lines all arrive there as a ``stderr`` stream, which JupyterLab shows as a red block under the cell
as if it had failed. Such a cell fails here, showing what it wrote; fix the cause (or silence that one expected
message where it is raised), not the test.

**Checks that can fail.** CI executes the instructor version of each lesson (``tools/lessons.py``), where every
exercise's solution runs and its check passes. Right after a check cell passes, its student stub (kept in the
cell's metadata) is run in the same kernel, then the check again: the stub must run, and the check must then fail
with an ``AssertionError`` or the stub's ``NotImplementedError``, with a message that does not contain the answer
(the value of a name the stub sets). The solution is then run again, so the lesson goes on as before.

**The executed lessons, kept.** What each cell of a lesson under ``instructor/`` showed (nbval's
``item.test_outputs``) is written, when the session ends, to ``executed/instructor/`` in srkit's data folder
(``data/`` in a checkout) as a notebook with its outputs, recording which cells failed and the hash of the notebook
it ran. ``tools/site.py`` builds the course site from these, so the site shows the figures of the run CI just made
instead of executing every lesson a second time.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent


def pytest_configure(config):
    """Under pytest-xdist, give each worker its share of the cores instead of letting every worker's TensorFlow
    (and each lesson kernel it starts, which inherits the environment) size its thread pools for the whole machine.

    With ``-n 2`` on 2 cores, two TensorFlow processes each running 2 intra-op threads contend for the cores;
    one thread each ran the SRCNN and efficient-upsampling lessons in 108 s instead of 132 s (pytest's own figure,
    same machine; intra- and inter-op threads both set to 1 in that measurement).
    A variable set beforehand wins; outside xdist nothing changes.
    """
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0") or 0)
    if workers > 1:
        share = str(max(1, (os.cpu_count() or 1) // workers))
        for variable in ("TF_NUM_INTRAOP_THREADS", "OMP_NUM_THREADS"):
            os.environ.setdefault(variable, share)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    _no_stderr(item)
    cell = getattr(item, "cell", None)  # nbval's cell items only
    tags = cell.metadata.get("tags", []) if cell is not None else []
    if "solution" in tags:
        item.parent.srkit_solution = cell.source
    if "check" in tags:
        _check_fails_on_the_stub(item, cell)
    return result


# notebook -> {"nb": the notebook as nbval read it, "cells": {cell number: (outputs, passed)}}
_EXECUTED: dict[Path, dict] = {}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    cell = getattr(item, "cell", None)
    path = Path(str(getattr(item, "fspath", "")))
    if call.when == "call" and cell is not None and path.parent == REPO / "instructor":
        run = _EXECUTED.setdefault(path, {"nb": item.parent.nb, "cells": {}})
        run["cells"][item.cell_num] = (item.test_outputs or [], report.passed)
    return report


def pytest_sessionfinish(session):
    """Write each lesson this process executed, with its outputs, for ``tools/site.py`` (see the docstring)."""
    if not _EXECUTED:
        return
    from srkit.download import data_dir

    folder = data_dir() / "executed" / "instructor"
    folder.mkdir(parents=True, exist_ok=True)
    for path, run in _EXECUTED.items():
        nb = copy.deepcopy(run["nb"])
        code = [c for c in nb.cells if c.cell_type == "code"]
        for number, cell in enumerate(code):
            outputs, _ = run["cells"].get(number, ([], False))
            cell.outputs = [o for o in outputs if o.get("output_type") != "execute_input"]
            cell.execution_count = number + 1 if number in run["cells"] else None
        nb.metadata["srkit"] = {
            "executed": {
                "notebook_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                "failed_cells": sorted(n for n, (_, passed) in run["cells"].items() if not passed),
                "cells_not_run": sorted(set(range(len(code))) - set(run["cells"])),
                "by": "pytest --nbval-lax",
            }
        }
        out = folder / path.name
        tmp = out.with_suffix(".ipynb.tmp")
        tmp.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        tmp.replace(out)


def _no_stderr(item) -> None:
    outputs = getattr(item, "test_outputs", None)  # set by nbval's cell items only
    if outputs:
        written = "".join(
            o.get("text", "") for o in outputs if o.get("output_type") == "stream" and o.get("name") == "stderr"
        )
        if written.strip():
            pytest.fail(f"the cell wrote to stderr (a learner sees a red block):\n{written[-3000:]}", pytrace=False)


def _run(item, source: str) -> tuple[dict | None, str]:
    """Run ``source`` in the lesson's kernel: (the error, if any, as ename/evalue, and what it printed)."""
    kernel = item.parent.kernel
    msg_id = kernel.execute_cell_input(source, allow_stdin=False)
    kernel.await_reply(msg_id, timeout=item.config.option.nbval_cell_timeout)
    error, printed = None, []
    while True:
        msg = item.parent.get_kernel_message(timeout=60)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "status" and content["execution_state"] == "idle":
            return error, "".join(printed)
        if kind == "error":
            error = {"ename": content["ename"], "evalue": content["evalue"]}
        elif kind == "stream":
            printed.append(content["text"])


# Written out by the kernel: each value a stub's names have under the solution, as the texts a message could show.
_ANSWER_TEXTS = """
import json as _json
def _srkit_answer_texts(names):
    texts = set()
    for name in names:
        value = globals().get(name)
        if callable(value) or value is None or isinstance(value, bool):
            continue
        forms = {str(value), repr(value)}
        if isinstance(value, (set, frozenset, dict)):
            forms |= {str(sorted(value)), repr(sorted(value))}
        if isinstance(value, (int, float)):
            forms |= {f"{value:,}", f"{value:.1f}", f"{value:.2f}", f"{value:.3f}"}
        texts |= {t for t in forms if len(t) >= 3 and t not in ("0.0", "1.0", "0.00", "1.00", "0.000", "1.000")}
    return sorted(texts)
print(_json.dumps(_srkit_answer_texts(__NAMES__)))
"""


def _stub_names(stub: str) -> list[str]:
    """The names a stub sets that are values (the answers), not functions the student writes."""
    names = []
    for node in ast.parse(stub).body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        for target in targets:
            for t in ast.walk(target) if target is not None else []:
                if isinstance(t, ast.Name):
                    names.append(t.id)
    return names


def _check_fails_on_the_stub(item, cell) -> None:
    stub = cell.metadata.get("srkit", {}).get("stub")
    solution = getattr(item.parent, "srkit_solution", None)
    if stub is None or solution is None:
        pytest.fail("a check cell needs its stub (in its metadata) and a solution cell before it", pytrace=False)
    error, printed = _run(item, _ANSWER_TEXTS.replace("__NAMES__", repr(_stub_names(stub))))
    if error:
        pytest.fail(f"could not read the exercise's answer: {error}", pytrace=False)
    answers = json.loads(printed.strip().splitlines()[-1])
    try:
        error, _ = _run(item, stub)
        if error:
            pytest.fail(f"the student stub does not run: {error['ename']}: {error['evalue']}", pytrace=False)
        error, printed = _run(item, cell.source)
    finally:
        restored, _ = _run(item, solution)
    if restored:
        pytest.fail(f"the solution failed when run again after the stub: {restored}", pytrace=False)
    if error is None:
        pytest.fail("the check passes on the student stub: it cannot tell right from wrong", pytrace=False)
    if error["ename"] not in ("AssertionError", "NotImplementedError"):
        pytest.fail(
            f"on the student stub the check stops with {error['ename']}: {error['evalue']} -- it should fail with "
            "an assert that says what is wrong (or the stub's NotImplementedError)",
            pytrace=False,
        )
    shown = error["evalue"] + printed
    leaked = [a for a in answers if a in shown]
    if leaked:
        pytest.fail(f"on the student stub the check shows the answer ({leaked}): {shown[:300]}", pytrace=False)
