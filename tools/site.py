"""The course as a static site: every lesson (the student version) with the figures of a ``quick`` run, and the
glossary, bibliography, week plan and capstone project of ``course/``.

    python tools/site.py               # build it into build/site/html (open build/site/html/index.html)
    python tools/site.py --no-execute  # fail, naming them, if lessons lack a fresh quick run, instead of running them
    python tools/site.py --check       # open three pages in Chromium: their figures load, their internal links resolve

**Where the outputs come from.** The README's test command executes every lesson of ``instructor/`` with the
``quick`` budget, and the root ``conftest.py`` keeps what each cell showed in ``data/executed/instructor/``. A
lesson whose kept run is missing, failed somewhere, ran another budget or ran an older version of the notebook is
executed here (``SRKIT_BUDGET=quick``, one kernel per lesson, up to 15 minutes each on a 2-core CPU); so right
after the test command (as in CI) nothing runs again, and from a fresh clone the first build takes as long as
the lessons' quick runs.

**What a page shows.** The student version of the lesson (``notebooks/``): exercise cells as the student starts them
and checks without their output; every other cell with the output of the instructor run (the cells are the same
code). A widget cannot run on a static page: srkit's widgets also output a still picture, which the page shows with a
line saying so; a widget without one (a file upload) is replaced by that line alone.

**Links.** Lessons and ``course/*.md`` link each other with relative paths that work in JupyterLab, on GitHub and
here; a link to any other file of the repository (``../srkit/losses.py``) becomes a link to it on GitHub. Sphinx
runs with warnings as errors, so a link to a missing page or heading fails the build.
"""

from __future__ import annotations

import argparse
import copy
import functools
import hashlib
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COURSE = REPO / "course"  # the site's own pages and its Sphinx configuration (conf.py)
OUT = REPO / "build" / "site"
WIDGET = "application/vnd.jupyter.widget-view+json"
STILL_NOTE = "A widget: interactive when you run the lesson in JupyterLab or Colab; here, the picture it opens with."
NO_STILL_NOTE = "A widget: run the lesson in JupyterLab or Colab to use it."
PAGES = ("course/index.html", "notebooks/04_srcnn.html", "notebooks/10_perceptual_losses.html")
CELL_TIMEOUT = 900


def _lessons_tool():
    sys.path.insert(0, str(REPO / "tools"))
    try:
        import lessons
    finally:
        sys.path.pop(0)
    return lessons


def executed_folder() -> Path:
    """Where the kept runs are: ``executed/instructor`` in srkit's data folder (``data/`` in a checkout)."""
    from srkit.download import data_dir

    return data_dir() / "executed" / "instructor"


def github_blob() -> str:
    """The repository's files on GitHub (``[project.urls] Homepage`` of pyproject.toml, branch main)."""
    homepage = re.search(r'^Homepage = "([^"]+)"', (REPO / "pyproject.toml").read_text(encoding="utf-8"), re.M)
    return homepage.group(1).rstrip("/") + "/blob/main/"


# ------------------------------------------------------------------------------------------------ the kept runs
def stale_reason(executed: Path, notebook: Path) -> str | None:
    """Why the kept run ``executed`` of ``notebook`` cannot be used (None if it can)."""
    if not executed.is_file():
        return "never executed"
    nb = json.loads(executed.read_text(encoding="utf-8"))
    run = nb.get("metadata", {}).get("srkit", {}).get("executed", {})
    if run.get("notebook_sha256") != hashlib.sha256(notebook.read_bytes()).hexdigest():
        return "executed from an older version of the lesson"
    if run.get("failed_cells") or run.get("cells_not_run"):
        return f"cells failed or did not run: {sorted(run.get('failed_cells', []) + run.get('cells_not_run', []))}"
    printed = "".join(o.get("text", "") for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", []))
    if "srkit budget: quick" not in printed:
        return "not executed with the quick budget (its set-up cell does not print 'srkit budget: quick')"
    return None


def execute(notebook: Path, executed: Path) -> None:
    """Run ``notebook`` top to bottom with the quick budget and keep the result at ``executed``."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(notebook, as_version=4)
    previous = os.environ.get("SRKIT_BUDGET")
    os.environ["SRKIT_BUDGET"] = "quick"  # the kernel inherits it
    try:
        NotebookClient(
            nb, timeout=CELL_TIMEOUT, kernel_name="python3", resources={"metadata": {"path": str(notebook.parent)}}
        ).execute()
    finally:
        if previous is None:
            del os.environ["SRKIT_BUDGET"]
        else:
            os.environ["SRKIT_BUDGET"] = previous
    nb.metadata["srkit"] = {
        "executed": {
            "notebook_sha256": hashlib.sha256(notebook.read_bytes()).hexdigest(),
            "failed_cells": [],
            "cells_not_run": [],
            "by": "tools/site.py (nbclient)",
        }
    }
    executed.parent.mkdir(parents=True, exist_ok=True)
    tmp = executed.with_suffix(".ipynb.tmp")
    nbformat.write(nb, tmp)
    tmp.replace(executed)


# ------------------------------------------------------------------------------------------------ the pages
def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _source(cell) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def static_outputs(outputs: list[dict]) -> list[dict]:
    """``outputs`` for a page without a kernel: each widget as its still picture and a line saying so."""
    shown = []
    for output in outputs:
        data = output.get("data", {})
        if WIDGET not in data:
            shown.append(output)
            continue
        if "image/png" in data:
            still = copy.deepcopy(output)
            still["data"] = {"image/png": data["image/png"]}
            shown.append(still)
        note = STILL_NOTE if "image/png" in data else NO_STILL_NOTE
        shown.append(
            {
                "output_type": "display_data",
                "metadata": {},
                "data": {"text/html": f'<p class="srkit-widget-note"><em>{note}</em></p>', "text/plain": note},
            }
        )
    return shown


def student_page(student: dict, executed: dict) -> dict:
    """The student notebook with the outputs of the instructor run: every cell the two versions share gets the
    output it had there; stubs and checks stay without output (a check ran on the solution, not the stub)."""
    shared = [c for c in executed["cells"] if not _tags(c) & {"solution", "answers"}]
    page = copy.deepcopy(student)
    position = 0
    for cell in page["cells"]:
        if "stub" in _tags(cell):
            continue
        ran = shared[position]
        position += 1
        if _source(ran) != _source(cell):
            raise SystemExit(f"the executed notebook does not match the student version at:\n{_source(cell)[:200]}")
        if cell["cell_type"] == "code" and "check" not in _tags(cell):
            cell["outputs"] = static_outputs(ran.get("outputs", []))
            cell["execution_count"] = ran.get("execution_count")
    if position != len(shared):
        raise SystemExit("the executed notebook has cells the student version lacks")
    return page


_LINK = re.compile(r"\]\(((?:\.\./)+)([^)#\s]+)(#[^)\s]*)?\)")


def site_links(markdown: str, folder: str, in_site: set[str]) -> str:
    """Relative links from a page in ``folder`` (``notebooks`` or ``course``) to a file that is not a page of the
    site point at that file on GitHub."""

    def fix(match: re.Match) -> str:
        ups, path, anchor = match.group(1), match.group(2), match.group(3) or ""
        target = os.path.normpath(os.path.join(folder, ups, path))
        if target in in_site or target.startswith(".."):
            return match.group(0)
        return f"]({github_blob()}{target}{anchor})"

    return _LINK.sub(fix, markdown)


def write_sources(src: Path, executed: Path) -> list[str]:
    """The Sphinx source tree: ``course/*.md``, ``notebooks/*.ipynb`` (pages), and the toctree; the lessons' names."""
    import nbformat

    lessons = _lessons_tool()
    if src.exists():
        shutil.rmtree(src)
    (src / "notebooks").mkdir(parents=True)
    shutil.copytree(COURSE, src / "course", ignore=shutil.ignore_patterns("conf.py", "__pycache__"))
    names = [source.stem for source, _ in lessons.pairs()]
    in_site = {f"notebooks/{n}.ipynb" for n in names} | {f"course/{p.name}" for p in COURSE.glob("*.md")}
    for source, _ in lessons.pairs():
        student = json.loads(lessons.notebook_text(source, "student"))
        ran = json.loads((executed / f"{source.stem}.ipynb").read_text(encoding="utf-8"))
        page = student_page(student, ran)
        for cell in page["cells"]:
            if cell["cell_type"] == "markdown":
                cell["source"] = site_links(_source(cell), "notebooks", in_site)
        nb = nbformat.from_dict(page)
        nbformat.validate(nb)
        nbformat.write(nb, src / "notebooks" / f"{source.stem}.ipynb")
    for page in (src / "course").glob("*.md"):
        page.write_text(site_links(page.read_text(encoding="utf-8"), "course", in_site), encoding="utf-8")
    others = sorted(p.stem for p in COURSE.glob("*.md") if p.stem != "index")
    order = [p for p in ("weeks", "capstone", "glossary", "references") if p in others]
    order += [p for p in others if p not in order]
    with open(src / "course" / "index.md", "a", encoding="utf-8") as index:
        index.write("\n```{toctree}\n:caption: Lessons\n:maxdepth: 1\n\n")
        index.write("".join(f"../notebooks/{n}\n" for n in names))
        index.write("```\n\n```{toctree}\n:caption: The course\n:maxdepth: 1\n\n")
        index.write("".join(f"{p}\n" for p in order))
        index.write("```\n")
    return names


def build(*, run_missing: bool = True, out: Path = OUT) -> Path:
    """Build the site into ``out/html``; returns that folder."""
    lessons = _lessons_tool()
    problems = lessons.out_of_sync()
    if problems:
        raise SystemExit("notebooks differ from lessons/: run `python tools/lessons.py` first\n" + "\n".join(problems))
    executed = executed_folder()
    for _, notebook in lessons.pairs("instructor"):
        kept = executed / notebook.name
        reason = stale_reason(kept, notebook)
        if reason is None:
            continue
        if not run_missing:
            raise SystemExit(f"{notebook.name}: no usable quick run ({reason}); run the tests or drop --no-execute")
        print(f"executing {notebook.parent.name}/{notebook.name} with the quick budget ({reason})", flush=True)
        execute(notebook, kept)
    write_sources(out / "src", executed)
    html = out / "html"
    if html.exists():
        shutil.rmtree(html)
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q", "-c", str(COURSE)]
    done = subprocess.run([*command, str(out / "src"), str(html)], check=False)
    if done.returncode:
        raise SystemExit(f"sphinx-build failed (exit {done.returncode}): see its messages above")
    (html / "index.html").write_text(
        '<!DOCTYPE html><meta charset="utf-8"><title>srkit course</title>'
        '<meta http-equiv="refresh" content="0; url=course/index.html">'
        '<a href="course/index.html">The srkit course</a>\n',
        encoding="utf-8",
    )
    return html


# ------------------------------------------------------------------------------------------------ the check
def find_chromium() -> str | None:
    """A Chromium to drive: $SRKIT_CHROMIUM, the system's ``chromium`` (Debian), or Playwright's own build
    (``python -m playwright install chromium``). None if there is none."""
    if os.environ.get("SRKIT_CHROMIUM"):
        return os.environ["SRKIT_CHROMIUM"] if Path(os.environ["SRKIT_CHROMIUM"]).exists() else None
    system = shutil.which("chromium") or shutil.which("chromium-browser")
    if system:
        return system
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            bundled = p.chromium.executable_path
    except Exception:  # playwright missing or its driver unable to start: no browser either way
        return None
    return bundled if bundled and Path(bundled).exists() else None


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def check(html: Path, pages=PAGES, chromium: str | None = None) -> list[str]:
    """Open ``pages`` of the built site in Chromium (served on 127.0.0.1): every image must load, a lesson page
    must show at least one, and every link to the site itself must reach a page (and the heading it names).
    Returns the problems found; prints what was checked."""
    from playwright.sync_api import sync_playwright

    chromium = chromium or find_chromium()
    if chromium is None:
        raise SystemExit("no Chromium found: install one (`apt-get install chromium`) or set SRKIT_CHROMIUM")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(html)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}/"
    problems, fetched = [], {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page()
            page.route(
                "**/*", lambda route: route.continue_() if route.request.url.startswith(origin) else route.abort()
            )
            for name in pages:
                response = page.goto(origin + name, wait_until="load")
                if response is None or response.status != 200:
                    problems.append(f"{name}: status {response and response.status}")
                    continue
                images = page.evaluate(
                    "() => Array.from(document.images).map(i => [i.currentSrc, i.complete && i.naturalWidth > 0])"
                )
                broken = [src for src, ok in images if not ok]
                problems += [f"{name}: image does not load: {src}" for src in broken]
                if name.startswith("notebooks/") and not images:
                    problems.append(f"{name}: a lesson page without a single figure")
                links = page.evaluate("() => Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
                internal = sorted({u for u in links if u.startswith(origin)})
                for url in internal:
                    address, _, anchor = url.partition("#")
                    if address not in fetched:
                        reply = page.request.get(address)
                        fetched[address] = reply.text() if reply.status == 200 else None
                    body = fetched[address]
                    if body is None:
                        problems.append(f"{name}: link to a missing page: {url}")
                    elif anchor and f'id="{anchor}"' not in body:
                        problems.append(f"{name}: link to a missing heading: {url}")
                print(
                    f"{name}: {len(images) - len(broken)}/{len(images)} images loaded, {len(internal)} internal links"
                )
            browser.close()
    finally:
        server.shutdown()
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-execute", action="store_true", help="fail instead of executing lessons without a run")
    parser.add_argument("--check", action="store_true", help="check the built site in Chromium (build it first)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"output folder (default {OUT.relative_to(REPO)})")
    args = parser.parse_args(argv)
    if args.check:
        html = args.out / "html"
        if not (html / "index.html").is_file():
            raise SystemExit(f"no site in {html}: build it first with `python tools/site.py`")
        problems = check(html)
        for problem in problems:
            print(problem)
        print(
            "site check: " + (f"{len(problems)} problem(s)" if problems else "every figure loads, every link resolves")
        )
        return 1 if problems else 0
    html = build(run_missing=not args.no_execute, out=args.out)
    print(f"the site is in {html.relative_to(REPO) if html.is_relative_to(REPO) else html}: open index.html")
    return 0


if __name__ == "__main__":
    sys.exit(main())
