"""Plausibility warnings and the hints of refusals: each warning is said on stderr and in the JSON, and
following each hint gives the right number."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_helpers import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from losscli.engine.plausibility import ClassRange, batch_warnings, result_warnings
from losscli.registry import get_loss


@pytest.fixture
def binary(tmp_path):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 60)
    p = np.clip(rng.random(60), 0.05, 0.95)
    (tmp_path / "y.csv").write_text("y\n" + "\n".join(map(str, y)) + "\n")
    (tmp_path / "p.csv").write_text("p\n" + "\n".join(repr(float(v)) for v in p) + "\n")
    return tmp_path, y, p


def bce(y, p):
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def evaluate(args, capsys):
    code, out, err = run_cli(["eval", *map(str, args), "--json", "--summary-only"], capsys)
    assert code == 0, err
    return json.loads(out), err


def test_swapped_files_are_warned_and_swapping_back_is_right(binary, capsys):
    d, y, p = binary
    doc, err = evaluate(["bce", "--labels", d / "p.csv", "--preds", d / "y.csv"], capsys)
    assert "swapped" in err and any("swapped" in w for w in doc["warnings"])
    assert any("clipped" in w for w in doc["warnings"])
    doc, err = evaluate(["bce", "--labels", d / "y.csv", "--preds", d / "p.csv"], capsys)
    assert doc["value"] == pytest.approx(bce(y, p), rel=1e-14) and err == "" and doc["warnings"] == []


def test_an_extra_prediction_column_is_warned_and_pred_cols_fixes_it(tmp_path, capsys):
    rng = np.random.default_rng(1)
    n, c = 300, 10
    y = rng.integers(0, c, n)
    logits = rng.normal(size=(n, c))
    extra = rng.normal(size=n)  # an 11th column the rule cannot tell from a logit
    header = "," .join([f"l{k}" for k in range(c)] + ["zz"])
    (tmp_path / "p.csv").write_text(header + "\n" + "\n".join(
        ",".join(repr(float(v)) for v in [*row, e]) for row, e in zip(logits, extra, strict=True)) + "\n")
    (tmp_path / "y.csv").write_text("y\n" + "\n".join(map(str, y)) + "\n")
    doc, err = evaluate(["scce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "--logits"], capsys)
    assert "no label is class 10" in err and "--pred-cols" in err
    doc, err = evaluate(["scce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "--logits",
                         "--pred-cols", "l0:l9"], capsys)
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    assert doc["value"] == pytest.approx(-np.mean(logp[np.arange(n), y]), rel=1e-13) and err == ""


def test_plus_minus_one_labels_hint_classes_and_it_works(binary, capsys):
    d, y, p = binary
    (d / "pm.csv").write_text("y\n" + "\n".join(str(2 * v - 1) for v in y) + "\n")
    code, out, err = run_cli(["eval", "bce", "--labels", d / "pm.csv", "--preds", d / "p.csv"], capsys)
    assert code == 3 and "--classes -1,1" in err and "hinge" not in err
    doc, _ = evaluate(["bce", "--labels", d / "pm.csv", "--preds", d / "p.csv", "--classes", "-1,1"], capsys)
    assert doc["value"] == pytest.approx(bce(y, p), rel=1e-14)


def test_a_feather_file_is_read_and_gives_the_parquet_number(binary, capsys):
    pd = pytest.importorskip("pandas")
    d, y, p = binary
    pd.DataFrame({"p": p}).to_feather(d / "p.feather")
    feather, _ = evaluate(["bce", "--labels", d / "y.csv", "--preds", d / "p.feather"], capsys)
    pd.read_feather(d / "p.feather").to_parquet(d / "p.parquet")
    doc, _ = evaluate(["bce", "--labels", d / "y.csv", "--preds", d / "p.parquet"], capsys)
    assert doc["value"] == pytest.approx(bce(y, p), rel=1e-14)
    assert feather["value"] == doc["value"]


def test_a_torch_save_file_is_refused_with_numpy_save_as_the_fix(binary, capsys):
    import zipfile

    d, y, p = binary
    with zipfile.ZipFile(d / "p.pt", "w") as zf:  # torch.save's layout: a pickle in a zip
        zf.writestr("p/data.pkl", b"\x80\x02}q\x00.")
        zf.writestr("p/version", b"3\n")
    code, _, err = run_cli(["eval", "bce", "--labels", d / "y.csv", "--preds", d / "p.pt"], capsys)
    assert code == 3 and "torch.save" in err and "numpy.save" in err and "data.pkl" not in err.split(":")[-1]
    np.save(d / "p.npy", p)
    doc, _ = evaluate(["bce", "--labels", d / "y.csv", "--preds", d / "p.npy"], capsys)
    assert doc["value"] == pytest.approx(bce(y, p), rel=1e-14)


def test_logits_as_probabilities_hint_logits_and_it_works(binary, capsys):
    d, y, p = binary
    z = np.log(p / (1 - p))
    (d / "z.csv").write_text("z\n" + "\n".join(repr(float(v)) for v in z) + "\n")
    code, _, err = run_cli(["eval", "bce", "--labels", d / "y.csv", "--preds", d / "z.csv"], capsys)
    assert code == 3 and "--logits" in err
    doc, _ = evaluate(["bce", "--labels", d / "y.csv", "--preds", d / "z.csv", "--logits"], capsys)
    assert doc["value"] == pytest.approx(bce(y, p), rel=1e-12)


def test_no_warning_on_plausible_inputs():
    spec = get_loss("scce")
    rng = np.random.default_rng(2)
    y = np.arange(300) % 3
    assert batch_warnings(spec, {}, y, rng.dirichlet(np.ones(3), 300)) == []
    assert batch_warnings(get_loss("bce"), {}, rng.integers(0, 2, 50), rng.random(50)) == []
    assert result_warnings(clipped=3, n=100, outputs=1) == []
    assert batch_warnings(spec, {}, y[:10], rng.dirichlet(np.ones(3), 10)) == []  # too few to say


def _range_warnings(spec, params, y, p, chunk: int = 10**9):
    seen = ClassRange(spec, params)
    for i in range(0, len(y), chunk):
        seen.add(y[i:i + chunk], p[i:i + chunk])
    return seen.warnings()


@pytest.mark.parametrize("ignored", [0, 3])
def test_a_class_the_run_ignores_is_not_reported_missing(ignored):
    spec = get_loss("scce")
    rng = np.random.default_rng(3)
    y = np.where(np.arange(1000) % 4 == 0, ignored, 1 + np.arange(1000) % 2)  # the ignored class, 1 and 2
    kept = [w for w in _range_warnings(spec, {"ignore_index": ignored}, y, rng.normal(size=(1000, 4)))
            if ("class 0" in w if ignored == 0 else "class 3" in w)]
    assert kept == []
    assert any(("class 0" in w if ignored == 0 else "class 3" in w)
               for w in _range_warnings(spec, {}, np.where(y == ignored, 1, y), rng.normal(size=(1000, 4))))


@pytest.mark.parametrize("chunk", [1, 7, 1000, 10**9])
def test_the_classes_range_is_the_whole_inputs_whatever_the_chunks(chunk):
    """Class 3 first appears at row 2000: it was said absent when the first chunk held 1000 rows."""
    spec = get_loss("scce")
    rng = np.random.default_rng(4)
    y = np.concatenate([rng.integers(0, 3, 2000), rng.integers(0, 4, 1000)])
    assert _range_warnings(spec, {}, y, rng.normal(size=(3000, 4)), chunk) == []
    assert any("no label is class 3" in w for w in _range_warnings(spec, {}, y[:2000], rng.normal(size=(2000, 4)),
                                                                      chunk))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.integers(-2, 6), st.sampled_from([np.nan, np.inf, -np.inf, 0.5, 2.0])),
                min_size=1, max_size=40),
       st.booleans(), st.sampled_from([None, 0, 3]))
def test_the_classes_range_is_that_of_the_labels_that_are_class_indexes(values, as_int, ignored):
    """Count, smallest and largest of the labels that are class indexes of 4 columns (finite, in 0..3, not
    the ignored one), whether the chunk takes the two-pass path (every label one) or the filtering one."""
    y = np.array(values, dtype=float)
    if as_int:
        y = np.nan_to_num(y, nan=-1, posinf=9, neginf=-9).astype(np.int64)
    params = {} if ignored is None else {"ignore_index": ignored}
    seen = ClassRange(get_loss("scce"), params)
    seen.add(y, np.zeros((len(y), 4)))
    kept = y[np.isfinite(y) & (y >= 0) & (y < 4) & (y != (-99 if ignored is None else ignored))]
    assert seen.count == kept.size
    assert (seen.lo, seen.hi) == ((float(kept.min()), float(kept.max())) if kept.size else (np.inf, -np.inf))
