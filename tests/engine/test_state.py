"""Shard states: any split of a file into shards merges to the one-pass result; mismatches are refused."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_helpers import run_cli

import losscli


@pytest.fixture
def data(tmp_path):
    rng = np.random.default_rng(11)
    n = 3000
    y = rng.integers(0, 2, n)
    p = rng.random(n)
    w = rng.random(n) + 0.05
    rows = [f"{a},{b!r},{c!r}" for a, b, c in zip(y.tolist(), p.tolist(), w.tolist(), strict=True)]
    (tmp_path / "all.csv").write_text("label,p,weight\n" + "\n".join(rows) + "\n")
    return tmp_path, y, p, w, rows


@pytest.mark.parametrize("cuts", [[1500], [1, 2999], [100, 1000, 2000, 2500], [7 * k for k in range(1, 400)]])
def test_any_split_merges_to_the_one_pass_result(data, capsys, cuts):
    tmp, y, p, w, rows = data
    bounds = [0, *cuts, len(rows)]
    for k, (a, b) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        (tmp / f"s{k:04d}.csv").write_text("label,p,weight\n" + "\n".join(rows[a:b]) + "\n")
        code, _, err = run_cli(["eval", "bce,brier", tmp / f"s{k:04d}.csv", "--weight-col", "weight",
                                "--state-out", tmp / f"st{k:04d}.json", "-q"], capsys)
        assert code == 0, err
    code, out, err = run_cli(["merge", str(tmp / "st*.json"), "--json"], capsys)
    assert code == 0, err
    merged = json.loads(out)
    for doc, name in zip(merged, ("bce", "brier"), strict=True):
        one = losscli.evaluate(name, y, p, sample_weight=w)
        assert doc["n"] == one.n
        assert doc["value"] == pytest.approx(one.value, rel=1e-15)
        assert doc["sum"] == pytest.approx(one.sum, rel=1e-15)
        assert doc["weight_sum"] == pytest.approx(one.weight_sum, rel=1e-15)
        assert doc["std"] == pytest.approx(one.std, rel=1e-12)
        assert (doc["min"], doc["max"]) == (one.min, one.max)


def test_mismatched_states_are_refused(data, capsys):
    tmp, *_ = data
    run_cli(["eval", "bce", tmp / "all.csv", "--state-out", tmp / "a.json", "-q"], capsys)
    run_cli(["eval", "bce", tmp / "all.csv", "--label-smoothing", "0.1", "--state-out", tmp / "b.json", "-q"], capsys)
    run_cli(["eval", "bce", tmp / "all.csv", "--convention", "torch", "--state-out", tmp / "c.json", "-q"], capsys)
    for other, words in (("b.json", "params"), ("c.json", "convention")):
        code, out, err = run_cli(["merge", tmp / "a.json", tmp / other], capsys)
        assert code == 3 and out == "" and words in err
    (tmp / "bad.json").write_text("{}")
    code, out, err = run_cli(["merge", tmp / "a.json", tmp / "bad.json"], capsys)
    assert code == 3 and "not a losscli state file" in err


def test_state_round_trip_keeps_every_total(data, capsys):
    tmp, y, p, w, _ = data
    run_cli(["eval", "bce", tmp / "all.csv", "--weight-col", "weight", "--state-out", tmp / "s.json", "-q"], capsys)
    code, out, err = run_cli(["merge", tmp / "s.json", "--state-out", tmp / "again.json", "--json"], capsys)
    one = losscli.evaluate("bce", y, p, sample_weight=w)
    doc = json.loads(out)
    assert (doc["value"], doc["n"], doc["std"]) == (one.value, one.n, one.std)
    code, out2, _ = run_cli(["merge", tmp / "again.json", "--json"], capsys)
    assert json.loads(out2)["value"] == doc["value"]


def test_shards_clipped_at_other_eps_do_not_merge(tmp_path, capsys):
    """Under scikit-learn a float16 shard is clipped at float16's eps and a float32 one at float32's: merged,
    they gave another number than one pass over both (which clips at the common type's)."""
    import pandas as pd

    rng = np.random.default_rng(7)
    y, p = rng.integers(0, 2, 40), rng.random(40)
    p[:4] = 0.0
    for k, dtype in enumerate((np.float16, np.float32)):
        pd.DataFrame({"y": y[k * 20:(k + 1) * 20], "p": p[k * 20:(k + 1) * 20].astype(dtype)}).to_parquet(
            tmp_path / f"part-{k}.parquet")
        code, _, err = run_cli(["eval", "bce", tmp_path / f"part-{k}.parquet", "--convention", "sklearn",
                                "--state-out", tmp_path / f"s{k}.json", "-q"], capsys)
        assert code == 0, err
    code, out, err = run_cli(["merge", tmp_path / "s0.json", tmp_path / "s1.json", "-q"], capsys)
    assert (code, out) == (3, "") and "eps" in err


def test_a_weighted_and_an_unweighted_shard_do_not_merge(tmp_path, capsys):
    """One shard with --weight-col and one without merged into a number no single pass gives (exit 0). Two
    weighted shards merge into the one weighted pass's value; a state that does not say (an earlier
    version's) reads as unweighted."""
    rows = [(0, 0.3, 2.0), (1, 0.8, 1.0), (1, 0.6, 3.0), (0, 0.4, 0.5)]
    for k, part in enumerate((rows[:2], rows[2:])):
        (tmp_path / f"s{k}.csv").write_text("label,p,w\n" + "".join(f"{y},{p},{w}\n" for y, p, w in part))
        for weighted in (True, False):
            code, _, err = run_cli(["eval", "bce", tmp_path / f"s{k}.csv", "--label-cols", "label", "--pred-cols", "p",
                                    *(["--weight-col", "w"] if weighted else []),
                                    "--state-out", tmp_path / f"{'w' if weighted else 'u'}{k}.json", "-q"], capsys)
            assert code == 0, err
    code, out, err = run_cli(["merge", tmp_path / "w0.json", tmp_path / "u1.json", "-q"], capsys)
    assert (code, out) == (3, "") and "with sample weights" in err and "without sample weights" in err
    code, out, err = run_cli(["merge", tmp_path / "w0.json", tmp_path / "w1.json", "-q"], capsys)
    assert code == 0, err
    y, p, w = (np.array(c) for c in zip(*rows, strict=True))
    expected = np.sum(w * -(y * np.log(p) + (1 - y) * np.log(1 - p))) / np.sum(w)
    assert float(out) == pytest.approx(expected, rel=1e-15)
    old = json.loads((tmp_path / "u0.json").read_text())
    assert "weighted" not in old["states"][0]
    code, out, err = run_cli(["merge", tmp_path / "u0.json", tmp_path / "u1.json", "-q"], capsys)
    assert code == 0, err


def test_a_shards_warning_about_its_own_value_does_not_outlive_the_merge(tmp_path, capsys):
    """r2 of a one-row shard is undefined (NaN, with a warning); merged with another shard the value is
    defined, and the warning, carried by the shard's state, said otherwise."""
    (tmp_path / "a.csv").write_text("y,pred\n1.0,1.1\n2.0,1.7\n3.0,3.3\n")
    (tmp_path / "b.csv").write_text("y,pred\n0.5,0.2\n")
    for k in ("a", "b"):
        run_cli(["eval", "r2", tmp_path / f"{k}.csv", "--state-out", tmp_path / f"{k}.json", "-q"], capsys)
    code, out, err = run_cli(["merge", tmp_path / "a.json", tmp_path / "b.json", "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["n"] == 4 and doc["warnings"] == []


def test_a_state_given_twice_is_refused(tmp_path, capsys):
    """A state copied under another name was merged as one more shard: n 2 became 4."""
    (tmp_path / "a.csv").write_text("label,p\n1,0.8\n0,0.3\n")
    run_cli(["eval", "bce", tmp_path / "a.csv", "--state-out", tmp_path / "a.json", "-q"], capsys)
    (tmp_path / "copy.json").write_text((tmp_path / "a.json").read_text())
    code, out, err = run_cli(["merge", tmp_path / "a.json", tmp_path / "copy.json", "-q"], capsys)
    assert (code, out) == (3, "") and "the very state of" in err


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_a_shard_whose_every_row_is_ignored_writes_its_state(tmp_path, capsys, engine):
    """A shard of padding rows only (every label the ignore index) refused its own mean (exit 3) and wrote no
    state, so the shards could not be merged; its state is written now, its own mean null with a warning,
    and the merge equals the one-pass result."""
    if engine == "dask":
        pytest.importorskip("dask.dataframe")
    (tmp_path / "s1.csv").write_text("y,p0,p1\n-100,0.2,0.8\n-100,0.5,0.5\n")
    (tmp_path / "s2.csv").write_text("y,p0,p1\n1,0.2,0.8\n0,0.6,0.4\n")
    (tmp_path / "all.csv").write_text("y,p0,p1\n-100,0.2,0.8\n-100,0.5,0.5\n1,0.2,0.8\n0,0.6,0.4\n")
    base = ["eval", "scce", "--label-cols", "y", "--ignore-index", "-100", "--engine", engine]
    code, out, err = run_cli([*base, tmp_path / "s1.csv", "--state-out", tmp_path / "s1.json", "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["value"] is None and "this shard's own mean is undefined" in err
    code, out, err = run_cli([*base, tmp_path / "s2.csv", "--state-out", tmp_path / "s2.json", "-q"], capsys)
    assert code == 0, err
    code, merged, err = run_cli(["merge", tmp_path / "s1.json", tmp_path / "s2.json", "--json"], capsys)
    assert code == 0, err
    code, whole, err = run_cli([*base[:-2], tmp_path / "all.csv", "--json"], capsys)
    assert code == 0, err
    m, w = json.loads(merged), json.loads(whole)
    assert (m["value"], m["n"], m["ignored"], m["warnings"]) == (w["value"], 2, 2, [])
    code, out, err = run_cli([*base, tmp_path / "s1.csv", "-q"], capsys)  # without --state-out: refused
    assert code == 3 and "every sample is ignored" in err


def test_merge_counts_the_rows_each_shard_skipped(tmp_path, capsys):
    """Rows skipped by ``--nan skip`` were not kept in a state: the merged result said 0 skipped."""
    (tmp_path / "a.csv").write_text("y,p\n1,0.8\n0,\n1,0.6\n")
    (tmp_path / "b.csv").write_text("y,p\n,0.3\n0,0.2\n0,0.1\n")
    (tmp_path / "all.csv").write_text("y,p\n1,0.8\n0,\n1,0.6\n,0.3\n0,0.2\n0,0.1\n")
    for k in ("a", "b"):
        code, _, err = run_cli(["eval", "bce", tmp_path / f"{k}.csv", "--nan", "skip", "--state-out",
                                tmp_path / f"{k}.json", "-q"], capsys)
        assert code == 0, err
    code, out, err = run_cli(["merge", tmp_path / "a.json", tmp_path / "b.json", "--json"], capsys)
    assert code == 0, err
    merged = json.loads(out)
    code, out, err = run_cli(["eval", "bce", tmp_path / "all.csv", "--nan", "skip", "--json"], capsys)
    whole = json.loads(out)
    assert (merged["skipped"], merged["inputs"]["skipped_rows"], merged["n"]) == (2, 2, whole["n"])
    assert merged["skipped"] == whole["skipped"] and merged["value"] == whole["value"]
    code, out, err = run_cli(["merge", tmp_path / "a.json", tmp_path / "b.json", "--state-out",
                              tmp_path / "ab.json", "-q"], capsys)
    assert code == 0, err
    assert [e["skipped_rows"] for e in json.loads((tmp_path / "ab.json").read_text())["states"]] == [2]


def test_shards_that_read_their_classes_in_another_order_do_not_merge(tmp_path, capsys):
    """A shard whose writer put the logit columns in another order read its classes in that order: the
    merge added up two class mappings with exit 0."""
    head, rows = ["label", "cat", "dog", "bird"], [[0, 2.0, 0.1, -1.0], [2, 0.3, 0.2, 1.5], [0, -0.4, 1.1, 0.0]]
    other = ["label", "bird", "dog", "cat"]

    def write(name: str, names: list[str], part: list[list[float]]) -> None:
        cells = [[r[head.index(c)] for c in names] for r in part]
        (tmp_path / name).write_text(",".join(names) + "\n" + "".join(",".join(map(str, r)) + "\n" for r in cells))

    write("a.csv", head, rows[:2])
    write("b.csv", other, rows[2:])
    write("all.csv", head, rows)
    for k in ("a", "b"):
        code, _, err = run_cli(["eval", "scce", tmp_path / f"{k}.csv", "--logits", "--state-out",
                                tmp_path / f"{k}.json", "-q"], capsys)
        assert code == 0, err
    assert json.loads((tmp_path / "b.json").read_text())["states"][0]["columns"] == {
        "labels": ["label"], "preds": ["bird", "dog", "cat"]}
    code, out, err = run_cli(["merge", tmp_path / "a.json", tmp_path / "b.json"], capsys)
    assert code == 3 and out == ""
    assert "bird, dog, cat against cat, dog, bird" in err and "--pred-cols cat,dog,bird" in err
    code, _, err = run_cli(["eval", "scce", tmp_path / "b.csv", "--logits", "--pred-cols", "cat,dog,bird",
                            "--state-out", tmp_path / "b.json", "-q"], capsys)
    assert code == 0, err
    code, merged, err = run_cli(["merge", tmp_path / "a.json", tmp_path / "b.json", "-q"], capsys)
    code1, whole, _ = run_cli(["eval", "scce", tmp_path / "all.csv", "--logits", "-q"], capsys)
    assert code == code1 == 0 and float(merged) == pytest.approx(float(whole), rel=1e-15)
    # a merged state keeps the columns, so merging it again is checked too; a state of an earlier version
    # (no columns) or of other column names merges
    code, _, err = run_cli(["merge", tmp_path / "a.json", tmp_path / "b.json", "--state-out", tmp_path / "ab.json",
                            "-q"], capsys)
    assert code == 0, err
    assert json.loads((tmp_path / "ab.json").read_text())["states"][0]["columns"]["preds"] == ["cat", "dog", "bird"]
    old = json.loads((tmp_path / "b.json").read_text())
    del old["states"][0]["columns"]
    (tmp_path / "old.json").write_text(json.dumps(old))
    code, _, err = run_cli(["merge", tmp_path / "a.json", tmp_path / "old.json", "-q"], capsys)
    assert code == 0, err
    # a state of an earlier version first, or a merged state, does not hide a shard read in another order
    code, _, err = run_cli(["eval", "scce", tmp_path / "b.csv", "--logits", "--state-out", tmp_path / "b2.json",
                            "-q"], capsys)
    assert code == 0, err
    code, _, err = run_cli(["merge", tmp_path / "old.json", tmp_path / "a.json", tmp_path / "b2.json", "-q"], capsys)
    assert code == 3 and "another order" in err
    code, _, err = run_cli(["merge", tmp_path / "old.json", tmp_path / "a.json", "--state-out", tmp_path / "m.json",
                            "-q"], capsys)
    assert code == 0, err
    assert json.loads((tmp_path / "m.json").read_text())["states"][0]["columns"]["preds"] == ["cat", "dog", "bird"]
    # (old.json is b.json's state: beside ab.json, which holds b's too, its rows would count twice)
    code, _, err = run_cli(["merge", tmp_path / "old.json", tmp_path / "ab.json", "-q"], capsys)
    assert code == 3 and "its rows would count twice" in err, err


@pytest.mark.parametrize("extra, section", [(["--group-col", "g"], "by_group"), (["--by-class"], "by_class"),
                                            (["--ci", "0.9"], "ci")])
def test_a_state_written_beside_slices_or_an_interval_keeps_them_or_says_it_does_not(tmp_path, capsys, extra,
                                                                                     section):
    """--state-out with --group-col or --by-class keeps the slices' sums (merge gives them); with --ci it says
    that merge gives no interval, which a state cannot rebuild."""
    (tmp_path / "s.csv").write_text("label,p,g\n0,0.3,a\n1,0.8,b\n0,0.4,a\n1,0.6,b\n")
    code, _, err = run_cli(["eval", "bce", tmp_path / "s.csv", "--label-cols", "label", "--pred-cols", "p", *extra,
                            "--state-out", tmp_path / "s.json", "--json"], capsys)
    assert code == 0, err
    assert section in json.loads((tmp_path / "s.json").read_text())["states"][0]
    assert ("keeps no confidence interval" in err) == (section == "ci")
    code, _, err = run_cli(["eval", "bce", tmp_path / "s.csv", "--label-cols", "label", "--pred-cols", "p", *extra,
                            "--state-out", tmp_path / "s.json", "-q"], capsys)
    # -q shows no interval and the state keeps none: asking for one is refused; the slices go to the state
    assert code == (2 if section == "ci" else 0), err
    assert section == "ci" or section in json.loads((tmp_path / "s.json").read_text())["states"][0]
    code, _, err = run_cli(["eval", "bce", tmp_path / "s.csv", "--label-cols", "label", "--pred-cols", "p",
                            "--state-out", tmp_path / "t.json", "-q"], capsys)
    assert code == 0 and "confidence interval" not in err


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("m2", "-0x1p+5", "m2 is '-0x1p+5', below 0"),  # was an internal error (math domain error), exit 4
        ("sum_weights", ["-0x1p+7"], "sum_weights adds up to -128.0, below 0"),  # was a loss of -0.52, exit 0
        ("min", "0x1p+6", "is above max"),
    ],
)
def test_a_damaged_accumulator_is_refused_naming_the_field(data, capsys, field, value, said):
    tmp = data[0]
    code, _, err = run_cli(["eval", "bce", tmp / "all.csv", "--label-cols", "label", "--pred-cols", "p",
                            "--state-out", tmp / "s.json", "-q"], capsys)
    assert code == 0, err
    doc = json.loads((tmp / "s.json").read_text())
    doc["states"][0]["accumulator"][field] = value
    (tmp / "s.json").write_text(json.dumps(doc))
    code, out, err = run_cli(["merge", tmp / "s.json", "-q"], capsys)
    assert code == 3 and out == "" and said in err and "s.json" in err, err


def test_a_state_of_reduction_none_is_refused_where_written_and_where_merged(data, capsys):
    """--reduction none asks for per-sample values alone: its state merged to 'the sums overflow' (exit 3)."""
    tmp = data[0]
    args = ["eval", "bce", tmp / "all.csv", "--label-cols", "label", "--pred-cols", "p", "-q"]
    code, out, err = run_cli([*args, "--reduction", "none", "--state-out", tmp / "s.json"], capsys)
    assert code == 2 and out == "" and "--reduction mean" in err and not (tmp / "s.json").exists(), err
    code, _, err = run_cli([*args, "--state-out", tmp / "s.json"], capsys)  # the hint
    assert code == 0, err
    doc = json.loads((tmp / "s.json").read_text())
    doc["states"][0]["reduction"] = "none"  # as an earlier version wrote it
    (tmp / "none.json").write_text(json.dumps(doc))
    code, out, err = run_cli(["merge", tmp / "none.json", "-q"], capsys)
    assert code == 3 and out == "" and "--reduction none" in err and "overflow" not in err, err
