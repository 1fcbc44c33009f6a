"""Batch scoring: chunked streaming equals one pass, shards, several losses, leaderboards, lazy imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_cli

import losscli


@pytest.fixture
def multiclass(tmp_path):
    rng = np.random.default_rng(7)
    n, c = 5000, 4
    x = rng.normal(size=(n, c))
    y = rng.integers(0, c, n)
    w = rng.random(n) + 0.1
    header = ",".join(["label", "weight"] + [f"logit_{j}" for j in range(c)])
    rows = [",".join([str(y[i]), repr(float(w[i]))] + [repr(v) for v in x[i].tolist()]) for i in range(n)]
    (tmp_path / "all.csv").write_text(header + "\n" + "\n".join(rows) + "\n")
    for k, part in enumerate(np.array_split(np.arange(n), 3)):
        (tmp_path / f"part-{k}.csv").write_text(header + "\n" + "\n".join(rows[i] for i in part) + "\n")
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"label": y, "weight": w, **{f"logit_{j}": x[:, j] for j in range(c)}})
    pq.write_table(table, tmp_path / "all.parquet", row_group_size=700)
    return tmp_path, x, y, w


def test_chunked_equals_whole_for_every_format(multiclass, capsys):
    tmp, x, y, w = multiclass
    api = losscli.evaluate("scce", y, x, from_logits=True, sample_weight=w)
    inputs = [
        ["scce", tmp / "all.csv", "--weight-col", "weight", "--logits"],
        ["scce", tmp / "all.parquet", "--weight-col", "weight", "--logits"],
    ]
    for args in inputs:
        for chunk in (None, 999, 4096):
            extra = [] if chunk is None else ["--chunk-rows", chunk]
            code, out, err = run_cli(["eval", *args, *extra, "--json", "--summary-only"], capsys)
            assert code == 0, err
            doc = json.loads(out)
            assert (doc["value"], doc["std"], doc["n"]) == (api.value, api.std, api.n)
    unweighted = losscli.evaluate("scce", y, x, from_logits=True)
    for chunk in (None, 1000):
        extra = [] if chunk is None else ["--chunk-rows", chunk]
        code, out, err = run_cli(["eval", "scce", "--labels", tmp / "y.npy", "--preds", tmp / "x.npy", "--logits",
                                  *extra, "-q"], capsys)
        assert float(out) == unweighted.value


def test_shards_equal_the_concatenated_file(multiclass, capsys):
    tmp, *_ = multiclass
    _, whole, _ = run_cli(["eval", "scce", tmp / "all.csv", "--weight-col", "weight", "--logits", "--json",
                           "--summary-only"], capsys)
    code, sharded, err = run_cli(["eval", "scce", str(tmp / "part-*.csv"), "--weight-col", "weight", "--logits",
                                  "--json", "--summary-only"], capsys)
    assert code == 0, err
    a, b = json.loads(whole), json.loads(sharded)
    assert (a["value"], a["std"], a["n"], a["sum"]) == (b["value"], b["std"], b["n"], b["sum"])


def test_shard_error_names_the_shard(tmp_path, capsys):
    (tmp_path / "s-0.csv").write_text("label,p\n1,0.5\n0,0.2\n")
    (tmp_path / "s-1.csv").write_text("label,p\n1,0.5\n0,1.2\n")
    code, out, err = run_cli(["eval", "bce", str(tmp_path / "s-*.csv")], capsys)
    assert code == 3 and out == ""
    assert "s-1.csv column p row 3" in err


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_shards_with_their_columns_in_another_order_are_read_by_name(tmp_path, capsys, fmt):
    """Two writers' shards of one dataset, their named columns in another order: refused before (the
    Dask engine read them by name); read by name now, with a note, and equal to one file."""
    import pandas as pd

    rng = np.random.default_rng(4)
    x = rng.standard_normal((40, 3))
    frame = pd.DataFrame({"label": rng.integers(0, 3, 40), "p0": x[:, 0], "p1": x[:, 1], "p2": x[:, 2]})
    a, b = frame.iloc[:25], frame.iloc[25:][["p2", "label", "p0", "p1"]]
    if fmt == "csv":
        a.to_csv(tmp_path / "s-0.csv", index=False), b.to_csv(tmp_path / "s-1.csv", index=False)
        frame.to_csv(tmp_path / "all.csv", index=False)
    else:
        a.to_parquet(tmp_path / "s-0.parquet"), b.to_parquet(tmp_path / "s-1.parquet")
        frame.to_parquet(tmp_path / "all.parquet")
    code, whole, err = run_cli(["eval", "scce", tmp_path / f"all.{fmt}", "--logits", "--json"], capsys)
    assert code == 0, err
    code, sharded, err = run_cli(["eval", "scce", str(tmp_path / f"s-*.{fmt}"), "--logits", "--json"], capsys)
    assert code == 0, err
    w, s = json.loads(whole), json.loads(sharded)
    assert (s["value"], s["n"], s["per_sample"]) == (w["value"], w["n"], w["per_sample"])
    assert any("in another order: they are read by name" in n for n in s["inputs"]["notes"])


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_a_shard_with_a_header_and_no_rows_adds_none(tmp_path, capsys, engine):
    """An empty partition as pandas and Dask write it (the header alone) was refused ("has a header but no
    rows: pass --no-header"), and the whole dataset with it; it adds no rows now, with a note. One file
    alone so, every shard so, or a header of other columns is refused as before."""
    if engine == "dask":
        pytest.importorskip("dask.dataframe")
    (tmp_path / "s-0.csv").write_text("label,p\n")
    (tmp_path / "s-1.csv").write_text("label,p\n1,0.9\n0,0.2\n")
    (tmp_path / "s-2.csv").write_text("label,p\n")
    glob_ = str(tmp_path / "s-*.csv")
    code, out, err = run_cli(["eval", "bce", glob_, "--engine", engine, "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["n"] == 2 and doc["value"] == pytest.approx(-np.mean(np.log([0.9, 0.8])), rel=1e-15)
    if engine == "local":
        assert any("has a header and no rows: an empty shard" in n for n in doc["inputs"]["notes"])
    code, out, err = run_cli(["eval", "bce", tmp_path / "s-0.csv", "--engine", engine, "-q"], capsys)
    assert (code, out) == (3, "") and "s-0.csv has a header but no rows" in err
    if engine == "local":
        (tmp_path / "s-2.csv").write_text("y,q\n")
        code, out, err = run_cli(["eval", "bce", glob_, "-q"], capsys)
        assert (code, out) == (3, "") and "are not those of" in err
        (tmp_path / "s-1.csv").write_text("label,p\n")
        code, out, err = run_cli(["eval", "bce", str(tmp_path / "s-[01].csv"), "-q"], capsys)
        assert (code, out) == (3, "") and "has a header but no rows" in err


def test_shards_with_other_or_unnamed_columns_are_refused(tmp_path, capsys):
    (tmp_path / "s-0.csv").write_text("label,p\n1,0.5\n0,0.2\n")
    (tmp_path / "s-1.csv").write_text("label,q\n1,0.5\n0,0.2\n")
    code, out, err = run_cli(["eval", "bce", str(tmp_path / "s-*.csv")], capsys)
    assert (code, out) == (3, "") and "has columns label, q but" in err
    (tmp_path / "s-1.csv").write_text(",label,p\n0,1,0.5\n1,0,0.2\n")  # pandas' index column: unnamed
    code, out, err = run_cli(["eval", "bce", str(tmp_path / "s-*.csv")], capsys)
    assert (code, out) == (3, "") and "has columns" in err


def test_several_losses_in_one_pass(multiclass, capsys):
    tmp, x, y, w = multiclass
    code, out, err = run_cli(["eval", "scce,cce,categorical_focal_crossentropy(gamma=2),multiclass_hinge",
                              tmp / "all.csv", "--pred-cols", "logit_*", "--weight-col", "weight", "--json",
                              "--summary-only", "--logits"], capsys)
    # multiclass_hinge does not take --logits but others do: the option goes to those that take it
    assert code == 0, err
    docs = json.loads(out)
    assert [d["loss"] for d in docs] == ["sparse_categorical_crossentropy", "categorical_crossentropy",
                                         "categorical_focal_crossentropy", "multiclass_hinge"]
    assert docs[0]["value"] == losscli.evaluate("scce", y, x, from_logits=True, sample_weight=w).value
    assert docs[1]["value"] == pytest.approx(docs[0]["value"], rel=1e-12)
    assert docs[3]["value"] == losscli.evaluate("multiclass_hinge", y, x, sample_weight=w).value
    code, out, err = run_cli(["eval", "scce,cce", tmp / "all.csv", "--pred-cols", "logit_*", "--logits", "--nl"],
                             capsys)
    first = json.loads(out.splitlines()[0])
    assert set(first) == {"index", "sparse_categorical_crossentropy", "categorical_crossentropy"}


def test_logits_beside_a_loss_of_probabilities_is_a_usage_error(tmp_path, capsys):
    """--logits went to bce and not to brier, which read the logits as probabilities: brier 0.0925 (exit 0)
    where the probabilities σ(x) give 0.2175; now a usage error naming brier (and d2_log_loss), as for brier
    alone. Losses of scores (zero_one, multiclass_hinge) still take the logits beside them."""
    x = np.array([0.9, 0.2, 0.6, 0.4])
    y = np.array([1, 0, 1, 0])
    (tmp_path / "d.csv").write_text("label,x\n" + "".join(f"{a},{b!r}\n" for a, b in zip(y, x.tolist(), strict=True)))
    p = 1.0 / (1.0 + np.exp(-x))
    assert abs(float(np.mean((p - y) ** 2)) - 0.2175) < 1e-4 and abs(float(np.mean((x - y) ** 2)) - 0.0925) < 1e-12
    for loss in ("bce,brier", "bce,brier,d2_log_loss", "bce,dice"):
        code, out, err = run_cli(["eval", loss, tmp_path / "d.csv", "--logits", "-q"], capsys)
        assert (code, out) == (2, ""), (loss, out)
        assert "not logits" in err and loss.split(",")[1] in err, err
    code, out, err = run_cli(["eval", "bce,hamming", tmp_path / "d.csv", "--log-probs", "-q"], capsys)
    assert (code, out) == (2, "") and "hamming takes probabilities, not log-probabilities" in err
    code, out, err = run_cli(["eval", "bce,zero_one,hamming", tmp_path / "d.csv", "--logits", "--json"], capsys)
    assert code == 0, err
    assert [d["value"] for d in json.loads(out)][1:] == [0.5, 0.5]  # x > 0 everywhere: class 1, two misses
    code, out, err = run_cli(["eval", "bce,brier", tmp_path / "d.csv", "--probs", "--json"], capsys)
    assert code == 0 and json.loads(out)[1]["value"] == pytest.approx(0.0925, rel=1e-12)


def test_option_no_loss_takes_is_usage_error(capsys):
    code, out, err = run_cli(["eval", "mse,mae", "x.csv", "--gamma", "2"], capsys)
    assert code == 2 and "binary_focal_crossentropy" in err


def test_leaderboard_of_prediction_files(tmp_path, capsys):
    y = np.array([1, 0, 1, 1, 0, 0, 1, 0])
    (tmp_path / "y.csv").write_text("y\n" + "\n".join(map(str, y)) + "\n")
    good = np.where(y == 1, 0.8, 0.2).tolist()
    bad = np.full(8, 0.5).tolist()
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "a.csv").write_text("p\n" + "\n".join(map(repr, bad)) + "\n")
    (tmp_path / "runs" / "b.csv").write_text("p\n" + "\n".join(map(repr, good)) + "\n")
    base = ["eval", "bce", "--labels", tmp_path / "y.csv", "--preds", str(tmp_path / "runs" / "*.csv")]
    code, out, err = run_cli([*base, "--json"], capsys)
    assert code == 0, err
    docs = json.loads(out)
    assert [(d["rank"], d["file"].endswith("b.csv")) for d in docs] == [(1, True), (2, False)]
    assert docs[0]["value"] == losscli.evaluate("bce", y, good).value
    for fmt, check in (("--nl", lambda o: json.loads(o.splitlines()[0])["rank"] == 1),
                       ("--csv", lambda o: o.splitlines()[0] == "rank,file,loss,value,n,mean"),
                       ("--md", lambda o: "| rank | file |" in o),
                       ("-q", lambda o: len(o.split()) == 2)):
        code, out, err = run_cli([*base, fmt], capsys)
        assert code == 0 and check(out), (fmt, out)


def test_leaderboard_ranks_a_score_highest_first(tmp_path, capsys):
    """R² is better when higher: the file with R² 0.96 ranks before the one with −0.39 (it ranked last)."""
    rng = np.random.default_rng(2)
    y = rng.normal(size=100)
    good, bad = y + rng.normal(size=100) * 0.2, y + rng.normal(size=100) * 1.0
    for name, col, values in (("y", "y", y), ("bad", "p", bad), ("good", "p", good)):
        (tmp_path / f"{name}.csv").write_text(col + "\n" + "\n".join(map(repr, values.tolist())) + "\n")

    def r2(p: np.ndarray) -> float:
        return 1.0 - float(np.sum((y - p) ** 2) / np.sum((y - y.mean()) ** 2))

    code, out, err = run_cli(["eval", "r2,rmse", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "bad.csv",
                              "--preds", tmp_path / "good.csv", "--json"], capsys)
    assert code == 0, err
    docs = json.loads(out)
    assert [(d["rank"], Path(d["file"]).name, d["loss"]) for d in docs] == [
        (1, "good.csv", "r2"), (1, "good.csv", "rmse"), (2, "bad.csv", "r2"), (2, "bad.csv", "rmse")]
    assert docs[0]["value"] == pytest.approx(r2(good), rel=1e-12)
    assert docs[2]["value"] == pytest.approx(r2(bad), rel=1e-12)
    code, out, err = run_cli(["eval", "rmse,r2", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "bad.csv",
                              "--preds", tmp_path / "good.csv", "--json"], capsys)
    assert [(d["rank"], Path(d["file"]).name) for d in json.loads(out)][::2] == [(1, "good.csv"), (2, "bad.csv")]


def test_output_streams_with_ids(multiclass, capsys):
    tmp, x, y, w = multiclass
    import pyarrow.parquet as pq

    ids = [f"s{i}" for i in range(len(y))]
    lines = (tmp / "all.csv").read_text().splitlines()
    (tmp / "ids.csv").write_text("\n".join(["id," + lines[0]] + [f"{i},{row}" for i, row in zip(ids, lines[1:], strict=True)]))
    out_file = tmp / "scores.parquet"
    code, out, err = run_cli(["eval", "scce", tmp / "ids.csv", "--id-col", "id", "--weight-col", "weight",
                              "--logits", "--chunk-rows", "777", "--output", out_file, "-q"], capsys)
    assert code == 0, err
    table = pq.read_table(out_file).to_pydict()
    assert table["id"][:2] == ["s0", "s1"] and len(table["loss"]) == len(y)
    api = losscli.evaluate("scce", y, x, from_logits=True, sample_weight=w)
    np.testing.assert_array_equal(table["loss"], api.per_sample)


def test_failed_run_leaves_no_output_file(tmp_path, capsys):
    (tmp_path / "d.csv").write_text("label,p\n1,0.5\n0,1.5\n")
    code, out, err = run_cli(["eval", "bce", tmp_path / "d.csv", "-o", tmp_path / "s.csv"], capsys)
    assert code == 3 and not (tmp_path / "s.csv").exists()
    assert not list(tmp_path.glob(".s.csv*"))


def test_small_runs_import_neither_pandas_nor_pyarrow(sample):
    code = (
        "import sys\n"
        "from losscli.cli import main\n"
        "try:\n"
        f"    main(['eval', 'bce', '--labels', {str(sample / 'binary_labels.csv')!r}, '--preds', "
        f"{str(sample / 'binary_probs.csv')!r}, '-q'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in ('pandas', 'pyarrow', 'rich') if m in sys.modules))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.stdout.strip().splitlines()[-1] == "[]", r.stdout + r.stderr
    r = subprocess.run([sys.executable, "-c", "import sys; from losscli.cli import main\ntry:\n main(['--help'])\n"
                        "except SystemExit: pass\nprint('numpy' in sys.modules, 'pandas' in sys.modules)"],
                       capture_output=True, text=True)
    assert r.stdout.strip().splitlines()[-1] == "False False"
