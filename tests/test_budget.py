import pytest

from srkit import budget


def test_environment_variable_wins(monkeypatch):
    monkeypatch.setenv("CI", "true")
    for name in budget.BUDGETS:
        monkeypatch.setenv("SRKIT_BUDGET", name)
        assert budget.current() == name
        assert budget.pick(quick=1, cpu=2, gpu=3) == {"quick": 1, "cpu": 2, "gpu": 3}[name]
        assert f"budget: {name}" in budget.describe()


def test_ci_means_quick(monkeypatch):
    monkeypatch.delenv("SRKIT_BUDGET", raising=False)
    monkeypatch.setenv("CI", "true")
    assert budget.current() == "quick"
    assert "CI detected" in budget.describe()


def test_auto_detection_without_ci(monkeypatch):
    monkeypatch.delenv("SRKIT_BUDGET", raising=False)
    monkeypatch.setenv("CI", "false")
    assert budget.current() == ("gpu" if budget.has_gpu() else "cpu")


def test_invalid_budget_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("SRKIT_BUDGET", "fast")
    with pytest.raises(ValueError, match="not a budget"):
        budget.current()


def test_a_blank_variable_is_ignored_and_not_credited(monkeypatch):
    monkeypatch.setenv("SRKIT_BUDGET", "  ")
    monkeypatch.setenv("CI", "true")
    assert budget.current() == "quick"
    assert "CI detected" in budget.describe() and "set by SRKIT_BUDGET" not in budget.describe()
