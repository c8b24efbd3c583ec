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


def test_tensorflow_start_up_chatter_is_filtered_and_other_stderr_kept(capfd):
    import os

    with budget._without_start_up_chatter():
        os.write(2, b"I0000 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.\n")
        os.write(2, b"E0000 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error\n")
        os.write(2, b"E0000 something else went wrong\n")
    err = capfd.readouterr().err
    assert "cuda drivers" not in err and "cuInit" not in err and "something else went wrong" in err
    assert "TensorFlow" in budget.describe()  # the lesson's first cell starts TensorFlow, and says on what
