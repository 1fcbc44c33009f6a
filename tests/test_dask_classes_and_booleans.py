"""Labels matched to ``--classes`` by the Dask engine as the local engine matches them. A column of booleans
(pandas writes True and False) with ``--classes 0,1`` or ``false,true`` was refused ('label np.True_ is not
one of the classes'); a missing label among named classes was refused even with ``--nan skip``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli

pytest.importorskip("dask.dataframe")
pytest.importorskip("dask.distributed")

ROWS = 3000


def _both(args: list, capsys) -> list[tuple[int, str, str]]:
    return [run_cli(["eval", *map(str, args), "--engine", engine, "-q"], capsys) for engine in ("local", "dask")]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("classes", ["0,1", "false,true", "False,True", "1,0"])
def test_a_boolean_column_matches_the_classes_0_and_1_or_false_and_true(tmp_path, capsys, fmt, classes):
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, ROWS).astype(bool)
    p = rng.uniform(0.05, 0.95, ROWS)
    frame = pd.DataFrame({"label": y, "p": p})
    path = tmp_path / f"b.{fmt}"
    frame.to_csv(path, index=False) if fmt == "csv" else frame.to_parquet(path)
    t = y.astype(np.float64) if classes != "1,0" else 1.0 - y  # --classes 1,0: True is the class of index 0
    want = float(np.mean(-(t * np.log(p) + (1 - t) * np.log1p(-p))))
    for code, out, err in _both(["bce", path, "--classes", classes], capsys):
        assert code == 0, err
        assert float(out) == pytest.approx(want, rel=1e-13)


def _scores(tmp_path, labels: list[str], seed: int = 7):
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(3), len(labels))
    rows = "".join(f"{a},{','.join(repr(float(v)) for v in r)}\n" for a, r in zip(labels, p, strict=True))
    (tmp_path / "s.csv").write_text("label,p0,p1,p2\n" + rows, encoding="utf-8")
    return tmp_path / "s.csv", p


def _cce(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean(-np.log(np.clip(p[np.arange(len(y)), y], 1e-7, 1.0))))


@pytest.mark.parametrize("named", [False, True], ids=["classes 0,1,2", "classes False,True,Maybe"])
def test_a_missing_label_among_classes_is_skipped_with_nan_skip(tmp_path, capsys, named):
    y = np.random.default_rng(8).integers(0, 3, ROWS)
    names = ["False", "True", "Maybe"] if named else ["0", "1", "2"]
    labels = [names[v] for v in y]
    labels[7] = labels[2500] = ""
    path, p = _scores(tmp_path, labels)
    keep = np.array([i not in (7, 2500) for i in range(ROWS)])
    args = ["scce", path, "--classes", ",".join(names)]
    for code, out, err in _both([*args, "--nan", "skip"], capsys):
        assert code == 0, err
        assert float(out) == pytest.approx(_cce(y[keep], p[keep]), rel=1e-13)
    for code, out, err in _both(args, capsys):  # without --nan skip: refused, with the option named
        assert code == 3 and out == "", out
        assert "--nan skip" in err, err


def test_texts_true_and_false_match_classes_named_so_and_no_others(tmp_path, capsys):
    y = np.random.default_rng(9).integers(0, 3, ROWS)
    names = ["False", "True", "Maybe"]
    y[10], y[2500] = 1, 0
    labels = [names[v] for v in y]
    labels[10], labels[2500] = "true", "false"
    path, p = _scores(tmp_path, labels)
    for code, out, err in _both(["scce", path, "--classes", "False,True,Maybe"], capsys):
        assert code == 0, err
        assert float(out) == pytest.approx(_cce(y, p), rel=1e-13)
    labels = [str(v) for v in y]
    labels[2500] = "true"
    path, p = _scores(tmp_path, labels)
    for code, out, err in _both(["scce", path, "--classes", "0,1,2"], capsys):
        assert code == 3 and out == "", out
        assert "label 'true' is not one of the classes (0, 1, 2)" in err, err
        assert "true and false name none of these classes: write the class of the row (0, 1, 2)" in err, err


def test_true_names_no_class_among_classes_that_are_not_0_and_1(tmp_path, capsys):
    """Classes a and 1 (not 0 and 1): a stray true is no class on either engine (the Dask engine took it for 1)."""
    y = np.random.default_rng(10).integers(0, 2, 200)
    names = ["a", "1"]
    labels = [names[v] for v in y]
    labels[150] = "true"
    rng = np.random.default_rng(11)
    p = rng.dirichlet(np.ones(2), 200)
    rows = "".join(f"{a},{float(r[0])!r},{float(r[1])!r}\n" for a, r in zip(labels, p, strict=True))
    (tmp_path / "mix.csv").write_text("y,p_a,p_1\n" + rows, encoding="utf-8")
    for code, out, err in _both(["scce", tmp_path / "mix.csv", "--classes", "a,1"], capsys):
        assert code == 3 and out == "", out
        assert "label 'true' is not one of the classes" in err, err
