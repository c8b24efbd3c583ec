"""Refresh ``constraints.txt``: the exact version of every package that ``pip install -e ".[dev]"`` brings.

``pyproject.toml`` keeps ranges (for people who use srkit as a library); ``constraints.txt`` pins what CI
passed with, so a lesson run months later gets the same TensorFlow, Keras and numpy as the day it was tested.
``.ci/run`` and the README's commands install with ``-c constraints.txt``. To move to newer releases::

    python tools/lock.py      # resolve anew in a throw-away virtual environment, write constraints.txt
    bash .ci/run              # prove the new versions: every test and lesson, installed with them

and commit ``constraints.txt`` only if CI passes. The new file replaces the old one only once it is complete.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import venv
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET = REPO / "constraints.txt"


def resolve(python_dir: Path) -> list[str]:
    """Install srkit[dev] with pyproject's ranges into a fresh environment; its ``pip freeze`` lines."""
    venv.create(python_dir, with_pip=True, clear=True)
    python = python_dir / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k != "PIP_CONSTRAINT"}  # resolve from pyproject alone
    pip = [str(python), "-m", "pip", "--disable-pip-version-check"]
    subprocess.run([*pip, "install", "--quiet", "--upgrade", "pip"], check=True, env=env)
    subprocess.run([*pip, "install", "--quiet", f"{REPO}[dev]"], check=True, env=env)
    frozen = subprocess.run(
        [*pip, "freeze", "--exclude-editable"], check=True, env=env, capture_output=True, text=True
    ).stdout.splitlines()
    return sorted((line for line in frozen if "==" in line and not line.lower().startswith("srkit==")), key=str.lower)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="srkit-lock-") as tmp:
        pins = resolve(Path(tmp) / "venv")
    header = [
        "# The exact versions CI passed with; pyproject.toml keeps the ranges for library use.",
        f"# Resolved {date.today().isoformat()} on Python {platform.python_version()} ({sys.platform}, "
        f"{platform.machine()}) by `python tools/lock.py`; prove a refresh with `bash .ci/run`.",
        '# Used as: pip install -e ".[dev]" -c constraints.txt',
    ]
    part = TARGET.with_name(TARGET.name + ".part")
    part.write_text("\n".join(header + pins) + "\n")
    os.replace(part, TARGET)
    print(f"{TARGET.relative_to(REPO)}: {len(pins)} packages pinned")
    return 0


if __name__ == "__main__":
    sys.exit(main())
