"""The code itself: one linter and formatter, and functions short enough to read."""

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_code_is_linted_and_formatted():
    """ruff (configured in pyproject.toml) over srkit/, tests/, tools/ and lessons/."""
    import shutil
    import subprocess

    ruff = shutil.which("ruff")
    assert ruff, "ruff is a dev dependency: pip install -e '.[dev]' -c constraints.txt"
    for command in ([ruff, "check", "--no-cache", "."], [ruff, "format", "--check", "--no-cache", "."]):
        result = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
        assert result.returncode == 0, f"{' '.join(command[1:])}:\n{result.stdout}{result.stderr}"


def test_no_srkit_function_is_longer_than_60_lines():
    """Lines of code from the first statement after the docstring to the end (comments and blank lines count)."""
    long = []
    for path in sorted((REPO / "srkit").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = node.body
                documented = isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant)
                first = body[1] if documented and len(body) > 1 else body[0]
                lines = node.end_lineno - first.lineno + 1
                if lines > 60:
                    long.append(f"{path.relative_to(REPO)}:{node.lineno} {node.name} ({lines} lines)")
    assert not long, "split these functions:\n" + "\n".join(long)
