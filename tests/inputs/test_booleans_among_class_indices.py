"""A ``true`` or ``false`` in a column of class indices (sparse or categorical cross-entropy). The column rule,
which reads the first rows, takes such a column for class names and refuses it; past those rows the cell was read
as 1 or 0 (a number, exit 0). It is now refused wherever it is, with a hint that works, while booleans stay 1 and
0 where they are labels of a binary loss or one-hot columns (pandas' ``get_dummies``)."""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import run_cli

ROWS = 3000


def _scores(classes: int, seed: int = 11) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, ROWS)
    p = rng.dirichlet(np.ones(classes), ROWS).round(4)
    p[:, -1] = 1 - p[:, :-1].sum(axis=1)
    return y, p


def _write(path, labels: list[str], p: np.ndarray, names: list[str] | None = None) -> None:
    names = names or [f"p{j}" for j in range(p.shape[1])]
    rows = [",".join([a, *(repr(float(v)) for v in r)]) for a, r in zip(labels, p, strict=True)]
    path.write_text(",".join(["label", *names]) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")


def _cce(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean(-np.log(np.clip(p[np.arange(len(y)), y], 1e-7, 1.0))))


@pytest.mark.parametrize("loss", ["scce", "cce"])
@pytest.mark.parametrize("classes", [2, 3])
@pytest.mark.parametrize("at", [5, 2500])  # among the rows the column rule reads, and past them
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])  # JSON's true is a boolean: it was read as the class 1 too
def test_true_among_class_indices_is_refused_wherever_it_is(tmp_path, capsys, loss, classes, at, fmt):
    y, p = _scores(classes)
    y[at] = 1
    labels: list = [str(v) for v in y] if fmt == "csv" else [int(v) for v in y]
    labels[at] = "true" if fmt == "csv" else True
    write, header = (_write, 2) if fmt == "csv" else (_write_jsonl, 1)
    chunk = [] if fmt == "csv" else ["--chunk-rows", "7"]
    write(tmp_path / f"scores.{fmt}", labels, p)
    code, out, err = run_cli(["eval", loss, tmp_path / f"scores.{fmt}", *chunk, "-q"], capsys)
    assert code in (2, 3) and out == "", out
    assert "true" in err, err
    if at > 1000:  # the hint of a cell past the column rule's rows: the index it stands for
        assert f"row {at + header}" in err and "write true as the index 1" in err, err
    labels[at] = "1" if fmt == "csv" else 1  # the hint followed
    write(tmp_path / f"fixed.{fmt}", labels, p)
    code, out, err = run_cli(["eval", loss, tmp_path / f"fixed.{fmt}", *chunk, "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(_cce(y, p), rel=1e-12)


@pytest.mark.parametrize("classes", [[], ["--classes", "0,1"]], ids=["as written", "classes 0,1"])
def test_booleans_stay_binary_labels_past_the_first_rows(tmp_path, capsys, classes):
    """true and false are the classes 1 and 0 of a binary loss, read as written or matched to --classes 0,1."""
    rng = np.random.default_rng(12)
    y = rng.integers(0, 2, ROWS)
    p = rng.uniform(0.05, 0.95, ROWS).round(4)
    labels = [str(v) for v in y]
    labels[2500] = "true" if y[2500] else "false"
    rows = "".join(f"{a},{float(b)!r}\n" for a, b in zip(labels, p, strict=True))
    (tmp_path / "scores.csv").write_text("label,prob\n" + rows, encoding="utf-8")
    code, out, err = run_cli(["eval", "bce", tmp_path / "scores.csv", *classes, "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(float(np.mean(-(y * np.log(p) + (1 - y) * np.log1p(-p)))), rel=1e-12)


def test_one_hot_booleans_stay_one_and_zero_past_the_first_rows(tmp_path, capsys):
    y, p = _scores(3, seed=13)
    onehot = np.eye(3, dtype=int)[y]
    cells = [[str(v) for v in row] for row in onehot]
    cells[2500] = ["true" if v else "false" for v in onehot[2500]]
    lines = [",".join([*c, *(repr(float(v)) for v in r)]) for c, r in zip(cells, p, strict=True)]
    (tmp_path / "scores.csv").write_text("y0,y1,y2,p0,p1,p2\n" + "\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run_cli(["eval", "cce", tmp_path / "scores.csv", "--label-cols", "y0:y2", "--pred-cols", "p0:p2",
                              "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(_cce(y, p), rel=1e-12)


@pytest.mark.parametrize("at", [5, 2500])
@pytest.mark.parametrize("how", ["numbered columns", "--classes"])
def test_true_names_no_class_among_three_classes(tmp_path, capsys, at, how):
    """Classes 1, 2, 3 (columns p_1, p_2, p_3) or 0, 1, 2 (--classes): true was read as the class 1."""
    y, p = _scores(3, seed=14)
    first = 1 if how == "numbered columns" else 0
    labels = [str(v + first) for v in y]
    labels[at] = "true"
    names = [f"p_{j + first}" for j in range(3)]
    _write(tmp_path / "scores.csv", labels, p, names)
    extra = ["--classes", "0,1,2"] if how == "--classes" else []
    code, out, err = run_cli(["eval", "scce", tmp_path / "scores.csv", *extra, "-q"], capsys)
    assert code in (2, 3) and out == "", out
    assert "true" in err, err
    if at > 1000 or extra:
        assert f"row {at + 2}" in err and "write the class of the row" in err, err
    y[at] = 1 - first  # the row given a class of its own, as the hint asks
    labels[at] = str(y[at] + first)
    _write(tmp_path / "fixed.csv", labels, p, names)
    code, out, err = run_cli(["eval", "scce", tmp_path / "fixed.csv", *extra, "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(_cce(y, p), rel=1e-12)



def test_classes_named_true_and_false_among_others_match_their_texts(tmp_path, capsys):
    y, p = _scores(3, seed=17)
    names = ["False", "True", "Maybe"]
    labels = [names[v] for v in y]
    labels[2500] = labels[2500].lower()
    _write(tmp_path / "scores.csv", labels, p)
    code, out, err = run_cli(["eval", "scce", tmp_path / "scores.csv", "--classes", "False,True,Maybe", "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(_cce(y, p), rel=1e-12)


def _write_jsonl(path, labels: list, p: np.ndarray) -> None:
    import json

    def cell(v):
        return v if isinstance(v, bool) else float(v)

    def names(r) -> list[str]:
        return ["p"] if len(r) == 1 else [f"p{j}" for j in range(len(r))]

    lines = (json.dumps({"label": a, **{k: cell(v) for k, v in zip(names(r), r, strict=True)}})
             for a, r in zip(labels, p, strict=True))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("chunk", [[], ["--chunk-rows", "7"]], ids=["one chunk", "chunks of 7"])
def test_json_booleans_stay_binary_labels(tmp_path, capsys, chunk):
    """JSON booleans as a binary loss's labels (pandas' to_json of a bool column), alone or among 0 and 1."""
    rng = np.random.default_rng(16)
    y = rng.integers(0, 2, ROWS)
    p = rng.uniform(0.05, 0.95, ROWS).round(4)
    want = float(np.mean(-(y * np.log(p) + (1 - y) * np.log1p(-p))))
    for labels in ([bool(v) for v in y], [bool(v) if i % 3 == 0 else int(v) for i, v in enumerate(y)]):
        _write_jsonl(tmp_path / "scores.jsonl", labels, p[:, None])
        code, out, err = run_cli(["eval", "bce", tmp_path / "scores.jsonl", *chunk, "-q"], capsys)
        assert code == 0, err
        assert float(out) == pytest.approx(want, rel=1e-12)


def test_a_json_boolean_among_probabilities_is_refused(tmp_path, capsys):
    """A true among a column of probabilities was read as the probability 1 (exit 0)."""
    rng = np.random.default_rng(18)
    y = rng.integers(0, 2, ROWS)
    p: list = rng.uniform(0.05, 0.95, ROWS).round(4).tolist()
    p[2500] = True
    _write_jsonl(tmp_path / "scores.jsonl", [int(v) for v in y], np.array(p, dtype=object)[:, None])
    code, out, err = run_cli(["eval", "bce", tmp_path / "scores.jsonl", "-q"], capsys)
    assert code == 3 and out == "", out
    assert "row 2501" in err and "'true'" in err and "column p " in err, err


def test_a_json_column_of_booleans_alone_is_1_and_0(tmp_path, capsys):
    """pandas' to_json of a bool column (hard predictions, a weight mask): 1 and 0, as Parquet's booleans are."""
    import json

    rng = np.random.default_rng(19)
    y = rng.integers(0, 2, ROWS)
    hard = rng.integers(0, 2, ROWS).astype(bool)
    mask = rng.integers(0, 2, ROWS).astype(bool)
    p = rng.uniform(0.05, 0.95, ROWS).round(4)
    lines = [json.dumps({"label": int(a), "hard": bool(h), "p": float(q), "w": bool(m)})
             for a, h, q, m in zip(y, hard, p, mask, strict=True)]
    (tmp_path / "s.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run_cli(["eval", "zero_one", tmp_path / "s.jsonl", "--pred-cols", "hard", "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(float(np.mean(hard != y)), rel=1e-12)
    code, out, err = run_cli(["eval", "bce", tmp_path / "s.jsonl", "--pred-cols", "p", "--weight-col", "w", "-q"],
                             capsys)
    assert code == 0, err
    bce = -(y * np.log(p) + (1 - y) * np.log1p(-p))
    assert float(out) == pytest.approx(float(np.sum(bce * mask) / np.sum(mask)), rel=1e-12)
