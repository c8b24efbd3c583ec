"""srkit/_util.py: the one rounding rule, SHA-256 of a file, atomic writes, whole-number checks."""

import hashlib
import os

import numpy as np
import pytest

from srkit._util import atomic_path, positive_int, round_to, sha256_file, write_atomic


def test_round_to_is_matlabs_half_up_and_saturates():
    x = np.array([-3.0, -0.5, 0.49, 0.5, 1.5, 2.5, 254.5, 255.4, 300.0])
    assert round_to(x).tolist() == [0, 0, 0, 1, 2, 3, 255, 255, 255]  # np.round would give 2 for 2.5
    assert round_to(x).dtype == np.uint8
    assert round_to(np.array([65534.5, 70000.0]), np.uint16).tolist() == [65535, 65535]


def test_sha256_of_a_file(tmp_path):
    path = tmp_path / "f.bin"
    content = os.urandom(3 << 20)  # three read blocks
    path.write_bytes(content)
    assert sha256_file(path) == hashlib.sha256(content).hexdigest()


def test_atomic_write_never_leaves_a_half_written_file(tmp_path):
    path = tmp_path / "out.json"
    write_atomic(path, "first")
    with pytest.raises(RuntimeError), atomic_path(path) as tmp:
        tmp.write_text("half of the second")
        raise RuntimeError("the writer fails")
    assert path.read_text() == "first" and sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]
    write_atomic(path, b"second")
    assert path.read_bytes() == b"second" and len(list(tmp_path.iterdir())) == 1


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, np.bool_(True), "3", None, float("nan"), float("inf")])
def test_positive_int_refuses_what_is_not_a_whole_number_above_zero(bad):
    with pytest.raises(ValueError, match="steps must be a positive whole number"):
        positive_int(bad, "steps", floats=True)


def test_positive_int_accepts_whole_numbers():
    assert positive_int(3, "n") == 3 and positive_int(np.int64(5), "n") == 5
    assert positive_int(3.0, "scale", floats=True) == 3
    with pytest.raises(ValueError, match="count must be a positive whole number, got 3.0"):
        positive_int(3.0, "count")  # a count is not a float
    assert positive_int(7, "window", odd=True) == 7
    with pytest.raises(ValueError, match="window must be a positive odd whole number"):
        positive_int(8, "window", odd=True)
