"""How long each lesson takes: reading time from its text, run time measured, written where learners read it.

    python tools/repeat_runs.py --lessons 1 --tests 0 --budget cpu --out data/times-cpu   # time the cpu runs
    python tools/lesson_times.py --runs data/times-cpu       # record them in lessons/times.json
    python tools/lesson_times.py            # rewrite each lesson's "Time needed" line and the README's syllabus
    python tools/lesson_times.py --check    # exit 1 when a line or the syllabus differs from what they should say

Reading time is estimated from the lesson's student version: prose at 150 words a minute, code at 60 (words
separated by white space), rounded to 5 minutes; solutions and answer keys are the instructor's. Run time is the
median wall-clock time of the recorded runs of each budget (``repeat_runs.py`` records one line per lesson run,
with its budget), rounded up to a minute; the machine they ran on is recorded beside them. A lesson should fit one
sitting: reading plus its ``cpu`` run about 45 minutes.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import statistics
import sys
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCES, TIMES, README = REPO / "lessons", REPO / "lessons" / "times.json", REPO / "README.md"
PROSE_WPM, CODE_WPM = 150, 60
ONE_SITTING = 45  # minutes of reading plus the cpu run
LINE = re.compile(r"^# \*\*Time needed:\*\*.*?(?=\n#\n|\n\n|\n# %%)", re.S | re.M)
ROW = re.compile(r"^(\| \[(\d\d) · [^\n]*?\|[^\n|]*\|) [^\n]*$", re.M)
HEADER = "| lesson | what you learn | reading | `cpu` run (2 cores) | in all |"


def words(source: str) -> tuple[int, int]:
    """(prose words, code words) of a lesson source in py:percent form, as the student version shows it: cells
    tagged ``solution`` or ``answers`` (instructor version only) and the Time needed line are not counted."""
    prose = code = 0
    for cell in re.split(r"^# %%", source, flags=re.M)[1:]:
        head, _, body = cell.partition("\n")
        if re.search(r"tags=\[[^\]]*\"(solution|answers)\"", head):
            continue
        if "[markdown]" in head:
            text = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in body.splitlines())
            prose += len(re.sub(r"\*\*Time needed:\*\*.*?(\n\n|$)", "", text, flags=re.S).split())
        else:
            code += len(body.split())
    return prose, code


def reading_minutes(source: str) -> int:
    prose, code = words(source)
    return max(5, 5 * round((prose / PROSE_WPM + code / CODE_WPM) / 5))


def _minutes(seconds: float) -> int:
    return max(1, math.ceil(seconds / 60))


def record(run_dirs: list[Path]) -> dict:
    """lessons/times.json updated with the median run time per lesson and budget found in ``run_dirs``."""
    times = json.loads(TIMES.read_text()) if TIMES.exists() else {"lessons": {}}
    seen: dict[tuple[str, str], list[float]] = {}
    for folder in run_dirs:
        for line in (folder / "lessons.jsonl").read_text().splitlines():
            r = json.loads(line)
            if not r.get("errors"):
                seen.setdefault((r["lesson"][:2], r.get("budget", "quick")), []).append(r["seconds"])
    if not seen:
        raise SystemExit(f"no error-free lesson runs recorded in {', '.join(map(str, run_dirs))}")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, {_cpu_name()}"
    for (lesson, budget), seconds in sorted(seen.items()):
        times["lessons"].setdefault(lesson, {})[budget] = {
            "seconds": round(statistics.median(seconds), 1),
            "runs": len(seconds),
            "machine": machine,
            "date": date.today().isoformat(),
        }
    TIMES.write_text(json.dumps(times, indent=2, sort_keys=True) + "\n")
    return times


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def sentence(lesson: str, source: str, times: dict) -> str:
    """The lesson's Time needed line (Markdown, ``# ``-commented as in the source)."""
    if "cpu" not in times["lessons"].get(lesson, {}):
        raise SystemExit(f"lesson {lesson}: no measured cpu run in {TIMES.name}; time it (see --help)")
    read, cpu = reading_minutes(source), _minutes(times["lessons"][lesson]["cpu"]["seconds"])
    how = (
        "estimated from the cells it was made of, timed on a 2-core CPU"
        if _estimated(lesson, times)
        else ("measured on a 2-core CPU")
    )
    return (
        f"# **Time needed:** about {read} minutes to read (exercises not counted); the code runs in about {cpu} min\n"
        f"# with the `cpu` budget ({how}): about {read + cpu} minutes in all."
    )


def _estimated(lesson: str, times: dict) -> bool:
    """A run time not measured as a whole lesson yet: the sum of its cells' times in an earlier timed run
    (``"estimated_from"`` says which), until ``--runs`` records a real one."""
    return "estimated_from" in times["lessons"][lesson]["cpu"]


def row_cells(lesson: str, source: str, times: dict) -> str:
    read, cpu = reading_minutes(source), _minutes(times["lessons"][lesson]["cpu"]["seconds"])
    note = " (estimated)" if _estimated(lesson, times) else ""
    return f"~{read} min | {cpu} min{note} | ~{read + cpu} min |"


def expected() -> dict[Path, str]:
    """Every file this tool writes, with the text it should have."""
    times = json.loads(TIMES.read_text())
    out = {}
    sources = {p.name[:2]: p for p in sorted(SOURCES.glob("[0-9][0-9]_*.py"))}
    for lesson, path in sources.items():
        text = path.read_text(encoding="utf-8")
        if not LINE.search(text):
            raise SystemExit(f"{path.name}: no '# **Time needed:**' line in its first cell")
        line = sentence(lesson, text, times)
        out[path] = LINE.sub(lambda _, line=line: line, text, count=1)
    readme = README.read_text(encoding="utf-8")
    lines = readme.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| lesson | what you learn |"))
    lines[header], lines[header + 1] = HEADER, "|---|---|---|---|---|"
    for i, line in enumerate(lines):
        m = ROW.match(line)
        if m and m.group(2) in sources:
            text = sources[m.group(2)].read_text(encoding="utf-8")
            lines[i] = f"{m.group(1)} {row_cells(m.group(2), text, times)}"
    out[README] = "\n".join(lines) + "\n"
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", nargs="+", type=Path, help="folders written by repeat_runs.py to record first")
    parser.add_argument("--check", action="store_true", help="only report what differs; exit 1 if anything does")
    args = parser.parse_args(argv)
    if args.runs:
        record(args.runs)
    differ = [path for path, text in expected().items() if path.read_text(encoding="utf-8") != text]
    if args.check:
        for path in differ:
            print(
                f"{path.relative_to(REPO)}: its lesson times differ from lessons/times.json; run tools/lesson_times.py"
            )
        return 1 if differ else 0
    for path, text in expected().items():
        if path in differ:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
