"""Run every lesson (``quick`` budget) and the unit tests several times; report each lesson assert's margin.

    python tools/repeat_runs.py                      # 5 runs of every lesson, 3 of the unit tests
    python tools/repeat_runs.py --lessons 2 --tests 0 instructor/09_pixel_losses.ipynb
    python tools/repeat_runs.py --report-only        # the report from what is recorded so far

Each lesson run executes the notebook in a fresh kernel (its own process), as nbval does, with every
``assert`` that compares numbers (``<``, ``<=``, ``>``, ``>=``, chains of them, and ``and`` of them) rewritten
to record its **margin**: how far the compared values are from making the assert fail (``a < b`` has margin
``b - a``; ``x > y + 0.05`` has margin ``x - y - 0.05``). Other asserts (``==``, ``isinstance``, ...) are
recorded as passed or failed. The report lists, per assert, the smallest margin over all runs, so a margin
that chance could close shows up before it fails in CI. Results go to ``data/stability/`` (``runs.jsonl``,
one line per assert evaluation, and ``report.md``). Results are appended as each run ends, so a run that
was stopped goes on where it stopped when started again (``--fresh`` starts over).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import subprocess
import sys
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PROBE = "__srkit_margin__"
ORDERED = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}

# Runs in the kernel before the lesson: evaluates a comparison once, records its margin, returns its truth.
PROBE_SOURCE = """
def {probe}(key, values, ops, _log={log!r}):
    import json as _json, operator as _op
    import numpy as _np
    _ops = {{"<": _op.lt, "<=": _op.le, ">": _op.gt, ">=": _op.ge}}
    ok, margin = (True, None) if ops else (bool(values[0]), None)  # not an ordering: its truth alone
    for left, op, right in zip(values, ops, values[1:]):
        result = _ops[op](left, right)
        ok = ok and bool(_np.all(result))
        if isinstance(left, (tuple, list, str)) or isinstance(right, (tuple, list, str)):
            continue  # ordered lexicographically: no distance to report
        try:
            slack = _np.asarray(right, float) - _np.asarray(left, float)
            slack = float(_np.min(slack if op in ("<", "<=") else -slack))
            margin = slack if margin is None else min(margin, slack)
        except (TypeError, ValueError):
            pass
    with open(_log, "a") as f:
        f.write(_json.dumps(dict(key=key, ok=ok, margin=margin)) + "\\n")
    return ok
"""


class _Instrument(ast.NodeTransformer):
    def __init__(self, source: str, prefix: str):
        self.source, self.prefix, self.asserts = source, prefix, {}

    def visit_Assert(self, node: ast.Assert):
        if isinstance(node.test, ast.BoolOp) and isinstance(node.test.op, ast.And):
            parts = [ast.copy_location(ast.Assert(test=v, msg=node.msg), v) for v in node.test.values]
            return [self.visit_Assert(p) for p in parts]
        key = f"{self.prefix}:{node.lineno}:{node.test.col_offset}"
        self.asserts[key] = ast.get_source_segment(self.source, node.test) or ast.unparse(node.test)
        test = node.test
        if isinstance(test, ast.Compare) and all(type(op) in ORDERED for op in test.ops):
            call = ast.Call(
                func=ast.Name(PROBE, ast.Load()),
                args=[
                    ast.Constant(key),
                    ast.Tuple([test.left, *test.comparators], ast.Load()),
                    ast.Tuple([ast.Constant(ORDERED[type(op)]) for op in test.ops], ast.Load()),
                ],
                keywords=[],
            )
        else:  # not an ordering: pass or fail only
            call = ast.Call(
                func=ast.Name(PROBE, ast.Load()),
                args=[ast.Constant(key), ast.Tuple([test], ast.Load()), ast.Tuple([], ast.Load())],
                keywords=[],
            )
        node.test = ast.copy_location(call, test)
        return node


def instrument(source: str, prefix: str) -> tuple[str, dict[str, str]]:
    """``source`` with its asserts recording margins, and {key: assert text}. Cells with IPython syntax
    (``%magic``, ``!shell``) that Python cannot parse are returned unchanged."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source, {}
    visitor = _Instrument(source, prefix)
    tree = ast.fix_missing_locations(visitor.visit(tree))
    return ast.unparse(tree) if visitor.asserts else source, visitor.asserts


def run_lesson(path: Path, log: Path, timeout: int, budget: str = "quick") -> dict:
    """Execute one instrumented lesson in a fresh kernel; what failed and how long it took."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    asserts = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            cell.source, found = instrument(cell.source, f"{path.stem}:{index}")
            asserts.update(found)
    nb.cells.insert(0, nbformat.v4.new_code_cell(PROBE_SOURCE.format(probe=PROBE, log=str(log))))
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute(env={**os.environ, "SRKIT_BUDGET": budget})
    errors = [
        dict(cell=i - 1, error=f"{o.get('ename')}: {o.get('evalue')}"[:300])
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for o in cell.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    return dict(
        lesson=path.name,
        budget=budget,
        seconds=round(time.perf_counter() - start, 1),
        errors=errors,
        asserts=asserts,
        cells=_cell_seconds(nb),
        stderr=_stderr(nb),
    )


def _stderr(nb) -> list[dict]:
    """What each code cell wrote to stderr (warnings, log lines): a lesson should show none it did not mean to."""
    code = [c for c in nb.cells if c.cell_type == "code"][1:]  # without the probe cell, as nbval counts
    return [
        dict(cell=n, text=o.get("text", "")[:300])
        for n, cell in enumerate(code)
        for o in cell.get("outputs", [])
        if o.get("output_type") == "stream" and o.get("name") == "stderr"
    ]


def _cell_seconds(nb) -> dict[str, float]:
    """Seconds of each code cell that took a second or more, by its index among the lesson's code cells (nbval's
    "Cell N"; the probe cell inserted first is not counted), from the timestamps nbclient records."""
    from datetime import datetime

    seconds, code = {}, [c for c in nb.cells if c.cell_type == "code"][1:]
    for n, cell in enumerate(code):
        stamps = cell.metadata.get("execution", {})
        begin, end = stamps.get("iopub.execute_input"), stamps.get("shell.execute_reply")
        if begin and end:
            took = (datetime.fromisoformat(end.rstrip("Z")) - datetime.fromisoformat(begin.rstrip("Z"))).total_seconds()
            if took >= 1:
                seconds[str(n)] = round(took, 1)
    return seconds


def run_tests(out: Path, run: int, jobs: int = 1) -> dict:
    start = time.perf_counter()
    workers = ["-n", str(jobs), "--dist", "loadscope"] if jobs > 1 else []  # as the README's command
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *workers, "tests"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "SRKIT_BUDGET": "quick"},
    )
    (out / f"tests-{run}.log").write_text(proc.stdout + proc.stderr)
    summary = (proc.stdout.strip().splitlines() or [""])[-1]
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", proc.stdout, re.M)
    return dict(
        run=run, rc=proc.returncode, summary=summary, failed=failed, seconds=round(time.perf_counter() - start, 1)
    )


def _records(path: Path) -> list[dict]:
    """The JSON lines of ``path`` (none if it does not exist; a line cut off by a kill is left out)."""
    if not path.exists():
        return []
    records = []
    for line in path.read_text().splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


def report(out: Path) -> str:
    """The Markdown report from everything recorded under ``out``."""
    lessons = _records(out / "lessons.jsonl")
    values = defaultdict(list)
    for record in _records(out / "margins.jsonl"):
        values[record["key"]].append(record)
    texts = {k: v for run in lessons for k, v in run["asserts"].items()}
    runs = defaultdict(int)
    for run in lessons:
        runs[run["lesson"]] += 1
    lines = [
        "# Lesson asserts over repeated `quick` runs",
        "",
        "| lesson | runs | failed runs | slowest run (s) |",
        "|---|---|---|---|",
    ]
    for name in sorted(runs):
        mine = [r for r in lessons if r["lesson"] == name]
        lines.append(
            f"| {name} | {len(mine)} | {sum(bool(r['errors']) for r in mine)} | {max(r['seconds'] for r in mine):.0f} |"
        )
    lines += [
        "",
        "Smallest margin of every assert that compares numbers (how far from failing), and the "
        "number of evaluations (an assert in a loop counts once per pass); then every other assert's "
        "pass count.",
        "",
        "| assert (lesson:cell:line) | smallest margin | evaluations | failed | condition |",
        "|---|---|---|---|---|",
    ]
    for key in sorted(texts, key=lambda k: (k.split(":")[0], int(k.split(":")[1]), int(k.split(":")[2]))):
        seen = values.get(key, [])
        margins = [r["margin"] for r in seen if r["margin"] is not None]
        text = " ".join(texts[key].split()).replace("|", "\\|")
        text = text if len(text) <= 90 else text[:87] + "..."
        smallest = f"{min(margins) + 0.0:.4g}" if margins else ("–" if seen else "not reached")
        lines.append(
            f"| {key.rsplit(':', 1)[0]} | {smallest} | {len(seen)} | {sum(not r['ok'] for r in seen)} | `{text}` |"
        )
    cells = defaultdict(list)
    for run in lessons:
        for n, took in run.get("cells", {}).items():
            cells[run["lesson"].split("_")[0], int(n)].append(took)
    if cells:
        lines += ["", "## Slowest cells", "", "| lesson | cell | median s | runs |", "|---|---|---|---|"]
        ranked = sorted(cells.items(), key=lambda kv: -sorted(kv[1])[len(kv[1]) // 2])[:20]
        lines += [f"| {k[0]} | Cell {k[1]} | {sorted(v)[len(v) // 2]:.0f} | {len(v)} |" for k, v in ranked]
    noise = {(r["lesson"], e["cell"]): e["text"] for r in lessons for e in r.get("stderr", [])}
    if noise:
        lines += ["", "## Written to stderr", "", "| lesson | cell | first line |", "|---|---|---|"]
        for (lesson, cell), text in sorted(noise.items()):
            first = " ".join(text.strip().splitlines()[:1])[:120].replace("|", "\\|")
            lines.append(f"| {lesson} | Cell {cell} | `{first}` |")
    errors = [(r["lesson"], e) for r in lessons for e in r["errors"]]
    if errors:
        lines += ["", "## Errors", ""] + [f"- {lesson} cell {e['cell']}: {e['error']}" for lesson, e in errors]
    tests = _records(out / "tests.jsonl")
    if tests:
        lines += ["", "## Unit tests", "", "| run | result | seconds | failed |", "|---|---|---|---|"]
        lines += [
            f"| {t['run']} | {t['summary']} | {t['seconds']:.0f} | {', '.join(t['failed']) or '–'} |" for t in tests
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="lessons to run (default: all)")
    parser.add_argument("--lessons", type=int, default=5, help="runs of each lesson (default 5)")
    parser.add_argument("--tests", type=int, default=3, help="runs of the unit tests (default 3)")
    parser.add_argument("--out", type=Path, default=REPO / "data" / "stability")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell (as the README's nbval)")
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="lessons run at once, each in its own kernel, and pytest workers for the unit tests (default 1)",
    )
    parser.add_argument(
        "--budget",
        choices=("quick", "cpu", "gpu"),
        default="quick",
        help="the lessons' budget (default quick; cpu or gpu to time a learner's run, e.g. for tools/lesson_times.py)",
    )
    parser.add_argument("--fresh", action="store_true", help="forget earlier results in --out (default: go on)")
    parser.add_argument("--report-only", action="store_true", help="rewrite report.md from what is recorded")
    args = parser.parse_args(argv)
    if args.lessons < 0 or args.tests < 0 or args.jobs < 1:
        parser.error("--lessons and --tests must be 0 or more, --jobs 1 or more")
    paths = [p.resolve() for p in args.notebooks] or sorted((REPO / "instructor").glob("*.ipynb"))
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        parser.error(f"no such lesson: {', '.join(missing)}")
    if args.fresh and args.out.exists():
        for name in ("lessons.jsonl", "margins.jsonl", "tests.jsonl", "report.md"):
            (args.out / name).unlink(missing_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.report_only:
        done = {(r["lesson"], r["run"]) for r in _records(args.out / "lessons.jsonl")}  # an interrupted run goes on
        todo = [(run, path) for run in range(1, args.lessons + 1) for path in paths if (path.name, run) not in done]

        def one(item):
            run, path = item
            result = run_lesson(path, args.out / "margins.jsonl", args.timeout, args.budget)
            with open(args.out / "lessons.jsonl", "a") as f:
                f.write(json.dumps(dict(result, run=run)) + "\n")
            print(f"run {run} {path.name}: {result['seconds']:.0f} s, {len(result['errors'])} error(s)", flush=True)

        with ThreadPoolExecutor(args.jobs) as pool:  # each lesson runs in its own kernel process
            list(pool.map(one, todo))
        tests_done = len(_records(args.out / "tests.jsonl"))
        for run in range(tests_done + 1, args.tests + 1):
            result = run_tests(args.out, run, args.jobs)
            with open(args.out / "tests.jsonl", "a") as f:
                f.write(json.dumps(result) + "\n")
            print(f"unit tests, run {run}: {result['summary']} ({result['seconds']:.0f} s)", flush=True)
    (args.out / "report.md").write_text(report(args.out))
    print(f"report: {args.out / 'report.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
