"""The classroom widgets in a real browser: JupyterLab on 127.0.0.1, driven by headless Chromium (Playwright).

Runs a notebook that shows, for every lesson, the ``srkit.viz`` widget the lesson uses (swipe, flip-book or
explorer; on stand-in images, since a lesson's own images come from its training runs), moves each one's
control (the swipe's divider, the flip-book's slider, the explorer's scale), and checks that the rendered
pixels change and that the browser console shows no widget errors.
Screenshots are saved under ``$SRKIT_ARTIFACTS`` (default ``data/test-artifacts/browser``). Nothing but
127.0.0.1 is contacted: every other request is aborted. Needs a Chromium (Debian's ``chromium``, which
``.ci/run`` installs, or Playwright's own: ``python -m playwright install chromium``; see ``conftest.find_chromium``)
and the ``playwright`` package (in the ``dev`` extra).
"""

from __future__ import annotations

import io
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import numpy as np
import pytest

ARTIFACTS = (
    Path(os.environ.get("SRKIT_ARTIFACTS", Path(__file__).resolve().parents[1] / "data" / "test-artifacts")) / "browser"
)

LESSONS = sorted((Path(__file__).resolve().parents[1] / "lessons").glob("[0-9][0-9]_*.py"))
SET_UP = """import numpy as np, skimage.data
from srkit import viz
from srkit.resize import imresize
hr = skimage.data.astronaut()[:120, 150:270]
nearest = imresize(imresize(hr, 1 / 3), 3, method="nearest")
bicubic = imresize(imresize(hr, 1 / 3), 3)"""
# each widget as a lesson shows it, on stand-in images (a lesson's own images come from its training runs)
WIDGET = {
    "swipe": 'viz.swipe(nearest, hr, labels=("nearest", "HR"), position=50)',
    "flipbook": 'viz.flipbook({"nearest": nearest, "bicubic": bicubic, "HR": hr}, names=("method",), reference=hr)',
    "explorer": """viz.explorer({"astronaut": hr, "coffee": skimage.data.coffee()[:120, 200:320]},
             {"bicubic": "bicubic", "nearest": lambda lr, s: imresize(lr, s, method="nearest")}, scales=(2, 3, 4))""",
}


def lesson_widgets() -> list[tuple[str, str]]:
    """(lesson, the first srkit.viz widget its code calls) for every lesson; a lesson without one is left out here
    and fails ``tests/test_notebooks.py::test_every_lesson_has_a_widget_that_a_question_uses``."""
    import re

    found = []
    for source in LESSONS:
        m = re.search(r"\bviz\.(" + "|".join(WIDGET) + r")\(", source.read_text(encoding="utf-8"))
        if m:
            found.append((source.stem, m.group(1)))
    return found


def notebook_cells() -> list[str]:
    return [SET_UP] + [f"# lesson {lesson}: viz.{kind}\n{WIDGET[kind]}" for lesson, kind in lesson_widgets()]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory, chromium):
    root = tmp_path_factory.mktemp("lab")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in notebook_cells()]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / "widgets.ipynb")
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(root / ".jupyter"), "JUPYTER_RUNTIME_DIR": str(root / ".runtime")}
    log = open(root / "lab.log", "w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            "--allow-root",
            f"--ServerApp.token={token}",
            f"--ServerApp.root_dir={root}",
            "--LabApp.news_url=",
            "--ServerApp.disable_check_xsrf=False",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=root,
    )
    url = f"http://127.0.0.1:{port}"
    # every cell rendered (no windowing), so that the n-th code cell on the page is the notebook's n-th
    settings = root / ".jupyter" / "lab" / "user-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError(f"JupyterLab exited: {(root / 'lab.log').read_text()[-2000:]}") from None
                time.sleep(0.5)
        else:
            raise RuntimeError("JupyterLab did not start within 60 s")
        yield url, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _pixels(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def _changed(a: bytes, b: bytes) -> float:
    """Fraction of pixels that differ between two screenshots of the same element."""
    pa, pb = _pixels(a), _pixels(b)
    h, w = min(pa.shape[0], pb.shape[0]), min(pa.shape[1], pb.shape[1])
    return float(np.mean(np.abs(pa[:h, :w] - pb[:h, :w]).max(axis=-1) > 8))


def _act(cell, page, kind: str) -> None:
    """Move the widget's control: the swipe's divider, the flip-book's slider, the explorer's scale."""
    if kind == "explorer":
        cell.locator(".widget-dropdown", has_text="scale").locator("select").select_option(label="4")
        return
    handle = cell.locator(".widget-slider .noUi-handle").first
    handle.focus()
    for _ in range(40 if kind == "swipe" else 2):
        page.keyboard.press("ArrowLeft" if kind == "swipe" else "ArrowRight")


def test_every_lessons_widget_works_in_jupyterlab(lab, chromium):
    from playwright.sync_api import sync_playwright

    url, token = lab
    widgets = lesson_widgets()
    assert widgets, "no lesson shows a widget"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    console, outside, changes = [], [], {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--headless", "--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("console", lambda m: console.append((m.type, m.text)))
        page.on("pageerror", lambda e: console.append(("pageerror", str(e))))

        def local_only(route):
            if route.request.url.startswith("http://127.0.0.1:") or route.request.url.startswith("ws://127.0.0.1:"):
                return route.continue_()
            outside.append(route.request.url)
            return route.abort()

        page.route("**/*", local_only)
        try:
            page.goto(f"{url}/lab/tree/widgets.ipynb?token={token}", timeout=120_000)
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
            page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=120_000)  # the kernel is up
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_text("Run All Cells", exact=True).click()
            page.wait_for_function(
                f"document.querySelectorAll('.jupyter-widgets img').length >= {len(widgets)}", timeout=240_000
            )
            page.wait_for_timeout(1500)
            cells = page.locator(".jp-Notebook .jp-CodeCell")
            for i, (lesson, kind) in enumerate(widgets, start=1):
                cell = cells.nth(i)
                cell.scroll_into_view_if_needed()
                image = cell.locator(".jupyter-widgets img").first
                before = image.screenshot(path=str(ARTIFACTS / f"{lesson}_{kind}_before.png"))
                _act(cell, page, kind)
                page.wait_for_timeout(3000 if kind == "explorer" else 1500)
                after = image.screenshot(path=str(ARTIFACTS / f"{lesson}_{kind}_after.png"))
                changes[f"{lesson} ({kind})"] = _changed(before, after)
        finally:
            page.screenshot(path=str(ARTIFACTS / "page.png"), full_page=True)
            (ARTIFACTS / "console.txt").write_text("\n".join(f"{k}: {t}" for k, t in console))
            (ARTIFACTS / "blocked_requests.txt").write_text("\n".join(outside))
            browser.close()

    errors = [
        text
        for kind, text in console
        if kind in ("error", "pageerror") and any(w in text.lower() for w in ("widget", "model", "view", "comm"))
    ]
    assert not errors, f"widget errors in the browser console: {errors}"
    still = {name: f"{change:.1%}" for name, change in changes.items() if change <= 0.05}
    assert not still, f"moving the control changed too little of the widget's image: {still}"
    assert len(changes) == len(widgets)
