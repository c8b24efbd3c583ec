"""environment.yml must install what pyproject.toml declares (conda cannot be run on the CI machine)."""

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

import tomllib
import yaml
from packaging.specifiers import SpecifierSet

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
    listed = dict(_requirement(r) for r in pip_section if not r.startswith(("-e", "-c")))
    assert listed == declared
    entries = [r.split("#")[0].strip() for r in pip_section]
    assert "-e ." in entries, "environment.yml must install srkit itself"
    assert "-c constraints.txt" in entries, "environment.yml must install the versions CI passed with"
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    minimum = project["requires-python"].removeprefix(">=")
    assert tuple(map(int, python.split("=")[1].split("."))) >= tuple(map(int, minimum.split(".")))


#: packages with calendar versions (2026.3.3): no major version to pin; constraints.txt pins the exact one
CALENDAR_VERSIONED = {"tifffile"}


def test_every_dependency_pins_its_major_version():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"] + project["optional-dependencies"]["dev"]:
        name, spec = _requirement(requirement)
        assert ">=" in spec and ("<" in spec or name in CALENDAR_VERSIONED), requirement


def _third_party_imports(folder: Path) -> set[str]:
    names = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n != "srkit"}


def test_everything_srkit_imports_is_declared():
    """A module srkit imports must come from a package pyproject.toml names, not from another's dependencies."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = {_requirement(r)[0] for r in project["dependencies"]}
    providers = importlib.metadata.packages_distributions()
    for module in sorted(_third_party_imports(REPO / "srkit")):
        dists = {d.lower().replace("_", "-") for d in providers.get(module, [])}
        assert dists & declared, (
            f"srkit imports {module} (from {sorted(dists) or 'nowhere'}), not declared in pyproject.toml"
        )


def test_constraints_pin_every_declared_package_exactly():
    """constraints.txt (the versions CI passed with) pins each declared package, within pyproject's range."""
    lines = [line.split("#")[0].strip() for line in (REPO / "constraints.txt").read_text().splitlines()]
    pinned = dict(line.split(";")[0].strip().split("==") for line in lines if line)
    pinned = {name.lower().replace("_", "-"): version for name, version in pinned.items()}
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"] + project["optional-dependencies"]["dev"]:
        name, spec = _requirement(requirement)
        assert name in pinned, f"constraints.txt does not pin {name}"
        assert SpecifierSet(spec).contains(pinned[name]), f"constraints.txt pins {name}=={pinned[name]}, outside {spec}"
    assert "srkit" not in pinned, "srkit itself is installed from the checkout, not pinned"
