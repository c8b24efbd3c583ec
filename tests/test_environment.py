"""environment.yml must install what pyproject.toml declares (conda cannot be run on the CI machine)."""
import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def _requirement(text: str) -> tuple[str, str]:
    text = text.split("#")[0].strip()
    name, spec = re.match(r"^([A-Za-z0-9_.\-\[\]]+)\s*(.*)$", text).groups()
    return name.lower().replace("_", "-"), spec.replace(" ", "")


def test_environment_yml_names_the_same_packages_and_pins():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extras = [r for group in project["optional-dependencies"].values() for r in group]
    declared = dict(_requirement(r) for r in project["dependencies"] + extras)
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    listed = dict(_requirement(r) for r in pip_section if not r.startswith("-e"))
    assert listed == declared
    assert "-e ." in [r.split("#")[0].strip() for r in pip_section], "environment.yml must install srkit itself"
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    minimum = project["requires-python"].removeprefix(">=")
    assert tuple(map(int, python.split("=")[1].split("."))) >= tuple(map(int, minimum.split(".")))


def test_every_dependency_pins_its_major_version():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"] + project["optional-dependencies"]["dev"]:
        assert "<" in requirement and ">=" in requirement, requirement
