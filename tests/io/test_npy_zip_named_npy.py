"""A zip under a .npy name — torch.save's file, or numpy.savez's — said only "not a valid .npy file (no NPY
magic string)". It names both, and the hints work: numpy.save of the tensor, --input-format npz for an NPZ."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from cli_helpers import run_cli


def test_a_zip_named_npy_is_named_and_the_hints_work(tmp_path, capsys):
    y, p = np.array([1.0, 2.0, 3.0]), np.array([1.5, 2.0, 2.0])
    np.savez(tmp_path / "y.npz", y=y)
    np.savez(tmp_path / "p.npz", p=p)
    shutil.move(tmp_path / "y.npz", tmp_path / "y.npy")
    shutil.move(tmp_path / "p.npz", tmp_path / "p.npy")
    files = ["--labels", tmp_path / "y.npy", "--preds", tmp_path / "p.npy", "-q"]
    code, out, err = run_cli(["eval", "mse", *files], capsys)
    assert (code, out) == (3, "") and "is a zip archive, not an NPY array" in err and "--input-format npz" in err
    code, out, err = run_cli(["eval", "mse", *files, "--input-format", "npz"], capsys)
    assert code == 0 and float(out) == pytest.approx(np.mean((y - p) ** 2), rel=1e-15), err
    torch = pytest.importorskip("torch")
    torch.save(torch.tensor(p), tmp_path / "t.npy")
    code, out, err = run_cli(["eval", "mse", "--labels", tmp_path / "y.npy", "--preds", tmp_path / "t.npy", "-q",
                              "--input-format", "npz"], capsys)
    assert code == 3 and "PyTorch file (torch.save)" in err, err
