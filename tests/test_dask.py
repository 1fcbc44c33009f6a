"""The Dask engine on a local cluster of processes (loopback only) against the local engine."""

from __future__ import annotations

import json

import numpy as np
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("dask.distributed")


import losscli  # noqa: E402
import losscli.dask  # noqa: E402
from losscli.cli import main  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                       host="127.0.0.1")
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    import pandas as pd

    tmp = tmp_path_factory.mktemp("dask")
    rng = np.random.default_rng(5)
    n, c = 12000, 4
    x = rng.normal(size=(n, c))
    y = rng.integers(0, c, n)
    y[::23] = -1
    w = rng.random(n) + 0.1
    df = pd.DataFrame({"label": y, "weight": w, **{f"logit_{j}": x[:, j] for j in range(c)}})
    for k, part in enumerate(np.array_split(np.arange(n), 5)):
        df.iloc[part].to_csv(tmp / f"part-{k}.csv", index=False)
        df.iloc[part].to_parquet(tmp / f"part-{k}.parquet", index=False)
    return tmp, x, y, w, df


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_dask_api_equals_local_engine(client, dataset, fmt):
    tmp, x, y, w, _ = dataset
    reader = dd.read_csv if fmt == "csv" else dd.read_parquet
    ddf = reader(str(tmp / f"part-*.{fmt}"))
    cols = [f"logit_{j}" for j in range(4)]
    r = losscli.dask.evaluate(ddf, None, "scce", label_cols=["label"], pred_cols=cols, weight_col="weight",
                              from_logits=True, ignore_index=-1, client=client)
    local = losscli.evaluate("scce", y, x, sample_weight=w, from_logits=True, ignore_index=-1)
    assert r.n == local.n and r.ignored == local.ignored
    assert r.value == pytest.approx(local.value, rel=1e-14)
    assert r.std == pytest.approx(local.std, rel=1e-12)
    keep = y >= 0
    for loss in ("huber(delta=0.5)", "mse"):
        r = losscli.dask.evaluate(ddf[ddf.label >= 0], None, loss, label_cols=["logit_0"], pred_cols=["logit_1"],
                                  weight_col="weight", client=client)
        local = losscli.evaluate(loss, x[keep, 0], x[keep, 1], sample_weight=w[keep])
        assert r.value == pytest.approx(local.value, rel=1e-14)


def test_weighted_calibration_errors_of_partitions_equal_the_local_engines_bits(client, dataset):
    tmp, x, y, w, _ = dataset
    keep = y >= 0
    ddf = dd.read_parquet(str(tmp / "part-*.parquet"))
    cols = [f"logit_{j}" for j in range(4)]
    for loss in ("ece", "mce", "rmsce", "ece(classwise=true)"):
        r = losscli.dask.evaluate(ddf[ddf.label >= 0], None, loss, label_cols=["label"], pred_cols=cols,
                                  weight_col="weight", from_logits=True, client=client)
        local = losscli.evaluate(loss, y[keep], x[keep], sample_weight=w[keep], from_logits=True)
        assert r.value.hex() == local.value.hex()
        assert r.details["reliability"] == local.details["reliability"]


def test_two_frames_aligned_by_row_and_by_id(client, dataset):
    tmp, x, y, w, df = dataset
    keep = y >= 0
    df = df[keep].reset_index(drop=True).assign(id=lambda d: [f"k{i}" for i in range(len(d))])
    labels = dd.from_pandas(df[["id", "label"]], npartitions=3)
    preds = dd.from_pandas(df[["id", "logit_0", "logit_1", "logit_2", "logit_3"]].iloc[::-1], npartitions=4)
    local = losscli.evaluate("scce", y[keep], x[keep], from_logits=True)
    by_id = losscli.dask.evaluate(labels, preds, "scce", id_col="id", from_logits=True, client=client)
    assert by_id.value == pytest.approx(local.value, rel=1e-14) and by_id.n == local.n
    preds_in_order = dd.from_pandas(df[["logit_0", "logit_1", "logit_2", "logit_3"]], npartitions=4)
    by_row = losscli.dask.evaluate(dd.from_pandas(df[["label"]], npartitions=3), preds_in_order, "scce",
                                   from_logits=True, client=client)
    assert by_row.value == pytest.approx(local.value, rel=1e-14)


def test_invalid_partition_is_a_clear_error(client, dataset):
    import pandas as pd

    bad = pd.DataFrame({"label": [0, 1, 1, 0], "p": [0.2, 0.9, 1.5, 0.1]})
    with pytest.raises(losscli.InputError, match="partition"):
        losscli.dask.evaluate(dd.from_pandas(bad, npartitions=2), None, "bce", pred_cols=["p"], client=client)


def test_cli_engine_dask_equals_local(dataset, capsys):
    tmp, *_ = dataset
    docs = {}
    for engine in ("local", "dask"):
        with pytest.raises(SystemExit) as info:
            main(["eval", "scce", str(tmp / "part-*.parquet"), "--weight-col", "weight", "--ignore-index", "-1",
                  "--pred-cols", "logit_*", "--logits", "--engine", engine, "--json", "--summary-only"])
        out = capsys.readouterr()
        assert info.value.code == 0, out.err
        docs[engine] = json.loads(out.out)
    a, b = docs["local"], docs["dask"]
    assert a["n"] == b["n"] and a["ignored"] == b["ignored"]
    assert b["value"] == pytest.approx(a["value"], rel=1e-14)
    assert b["std"] == pytest.approx(a["std"], rel=1e-12)


@pytest.mark.parametrize("weights_in", ["labels", "preds", "one file"])
def test_the_dask_engines_inputs_name_the_weights_and_ids_as_the_local_engines(tmp_path, capsys, weights_in):
    """--engine dask --json wrote no weights and no id in its inputs where the local engine writes both."""
    rng = np.random.default_rng(3)
    n = 60
    ids = [f"k{i}" for i in range(n)]
    y, p, w = rng.integers(0, 2, n), rng.random(n).tolist(), rng.random(n).tolist()
    order = rng.permutation(n)  # the predictions in another order: joined on the id
    with_w = weights_in == "labels"
    (tmp_path / "y.csv").write_text(("id,y,w\n" if with_w else "id,y\n") + "".join(
        f"{ids[i]},{y[i]}" + (f",{w[i]!r}" if with_w else "") + "\n" for i in range(n)))
    (tmp_path / "p.csv").write_text(("id,p\n" if with_w else "id,p,w\n") + "".join(
        f"{ids[i]},{p[i]!r}" + ("" if with_w else f",{w[i]!r}") + "\n" for i in order))
    (tmp_path / "all.csv").write_text("id,y,p,w\n" + "".join(f"{ids[i]},{y[i]},{p[i]!r},{w[i]!r}\n" for i in range(n)))
    files = (["--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"] if weights_in != "one file" else
             [tmp_path / "all.csv", "--label-cols", "y", "--pred-cols", "p"])
    docs = {}
    for engine in ("local", "dask"):
        with pytest.raises(SystemExit) as info:
            main(["eval", "bce", *map(str, files), "--weight-col", "w", "--id-col", "id", "--engine", engine,
                  "--json", "--summary-only"])
        out = capsys.readouterr()
        assert info.value.code == 0, out.err
        docs[engine] = json.loads(out.out)
    local, dask_inputs = docs["local"]["inputs"], dict(docs["dask"]["inputs"])
    assert dask_inputs.pop("engine") == "dask"
    assert dask_inputs == local
    assert local["id"] == "id" and local["weights"]["columns"] == ["w"]
    assert local["weights"]["file"].endswith({"labels": "y.csv", "preds": "p.csv", "one file": "all.csv"}[weights_in])
    assert docs["dask"]["value"] == pytest.approx(docs["local"]["value"], rel=1e-14)


@pytest.mark.parametrize("sep", [";", "\t"])
def test_dask_engine_reads_the_delimiter_the_local_engine_sniffs(tmp_path, capsys, sep):
    """A ``;``-separated CSV (as Excel writes in many locales) was read by Dask as one column ``label;p``
    and refused: both engines now read it alike."""
    (tmp_path / "p.csv").write_text(f"label{sep}p\n1{sep}0.8\n0{sep}0.3\n1{sep}0.45\n")
    values = []
    for engine in ("local", "dask"):
        with pytest.raises(SystemExit) as info:
            main(["eval", "bce", str(tmp_path / "p.csv"), "--engine", engine, "-q"])
        out = capsys.readouterr()
        assert info.value.code == 0, out.err
        values.append(float(out.out))
    assert values[0] == values[1] == pytest.approx(-np.mean(np.log([0.8, 0.7, 0.45])), rel=1e-15)


def test_excels_sep_line_is_read_by_the_local_engine_and_refused_by_dask(tmp_path, capsys):
    (tmp_path / "p.csv").write_text("sep=;\nlabel;p\n1;0.8\n0;0.3\n1;0.45\n")
    with pytest.raises(SystemExit) as info:
        main(["eval", "bce", str(tmp_path / "p.csv"), "-q"])
    out = capsys.readouterr()
    assert info.value.code == 0 and float(out.out) == pytest.approx(-np.mean(np.log([0.8, 0.7, 0.45])), rel=1e-15)
    with pytest.raises(SystemExit) as info:
        main(["eval", "bce", str(tmp_path / "p.csv"), "--engine", "dask", "-q"])
    out = capsys.readouterr()
    assert info.value.code == 3 and out.out == "" and "sep=;" in out.err and "sed -i 1d" in out.err


def test_dask_engine_messages_name_the_file_and_refuse_what_it_cannot_read(tmp_path, capsys, monkeypatch):
    """NPY was read as CSV text ("'utf-8' codec can't decode byte 0x93"), '-' as a file named '-', a ragged
    row showed pandas' internals with a literal \\n, and a partition's NaN named no file."""
    np.save(tmp_path / "y.npy", np.array([1.0, 0.0]))
    np.save(tmp_path / "p.npy", np.array([0.9, 0.2]))
    (tmp_path / "rag.csv").write_text("label,p\n1,0.9\n0,0.2,5\n1,0.7\n")
    (tmp_path / "nan.csv").write_text("label,p\n1,0.9\n0,\n1,0.7\n")
    rows = [f"{k % 2},{(k % 97) / 100}" for k in range(120000)]  # past the 256 kB Dask samples for the columns
    rows[119990] += ",7"
    (tmp_path / "late.csv").write_text("label,p\n" + "\n".join(rows) + "\n")
    runs = [
        (["--labels", tmp_path / "y.npy", "--preds", tmp_path / "p.npy"], 2, "not NPY"),
        (["-"], 2, "not standard input"),
        ([tmp_path / "rag.csv"], 3, "Expected 2 fields in line 3, saw 3"),
        ([tmp_path / "late.csv"], 3, "Expected 2 fields in line 119992, saw 3"),
        ([tmp_path / "nan.csv"], 3, f"(partition 0 of {tmp_path / 'nan.csv'}, row 2 of the partition)"),
    ]
    for args, status, message in runs:
        with pytest.raises(SystemExit) as info:
            main(["eval", "bce", *[str(a) for a in args], "--engine", "dask", "-q"])
        out = capsys.readouterr()
        assert (info.value.code, out.out) == (status, "") and message in out.err, out.err
        assert "\\n" not in out.err and "Original Message" not in out.err


def test_cli_engine_dask_understands_peer_names_and_their_implied_inputs(dataset, capsys):
    """``CrossEntropyLoss`` means logits on both engines, as ``scce --logits`` does."""
    tmp, *_ = dataset
    docs = {}
    for engine, loss in (("local", ["scce", "--logits"]), ("dask", ["CrossEntropyLoss"])):
        with pytest.raises(SystemExit) as info:
            main(["eval", *loss, str(tmp / "part-*.parquet"), "--weight-col", "weight", "--ignore-index", "-1",
                  "--pred-cols", "logit_*", "--engine", engine, "--json", "--summary-only"])
        out = capsys.readouterr()
        assert info.value.code == 0, out.err
        docs[engine] = json.loads(out.out)
    assert docs["dask"]["params"] == docs["local"]["params"]
    assert docs["dask"]["value"] == pytest.approx(docs["local"]["value"], rel=1e-14)


@pytest.mark.parametrize("name", ["s.jsonl", "s.ndjson.gz", "s.feather", "s.arrow"])
def test_json_lines_and_arrow_are_refused_by_the_dask_engine_and_the_hint_works(tmp_path, capsys, name):
    import gzip

    import pyarrow as pa
    import pyarrow.feather as feather

    path = tmp_path / name
    rows = [{"label": 1, "p": 0.8}, {"label": 0, "p": 0.3}]
    if name.endswith((".jsonl", ".gz")):
        text = "".join(json.dumps(r) + "\n" for r in rows).encode()
        path.write_bytes(gzip.compress(text) if name.endswith(".gz") else text)
    else:
        feather.write_feather(pa.Table.from_pylist(rows), str(path))
    with pytest.raises(SystemExit) as info:
        main(["eval", "bce", str(path), "--engine", "dask", "-q"])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "the Dask engine reads CSV/TSV and Parquet" in err and "--engine dask" in err
    with pytest.raises(SystemExit) as info:
        main(["eval", "bce", str(path), "-q"])
    out = capsys.readouterr().out
    assert info.value.code == 0 and float(out) == pytest.approx(-(np.log(0.8) + np.log(0.7)) / 2, rel=1e-15)


@pytest.mark.parametrize("dtype", ["float16", "float32"])
def test_cli_engine_dask_keeps_float16_and_float32_for_sklearns_clip(tmp_path, capsys, dtype):
    """scikit-learn clips at the eps of the dtype: the Dask engine reads the column in its own type, as the
    local engine does (as float64 it would clip probabilities of 0 and 1 at float64's eps)."""
    import pandas as pd

    rng = np.random.default_rng(9)
    y = rng.integers(0, 2, 300)
    p = rng.random(300).astype(dtype)
    p[:30], p[30:60] = 0.0, 1.0
    pd.DataFrame({"label": y, "p": p}).to_parquet(tmp_path / "d.parquet", index=False)
    values = {}
    for engine in ("local", "dask"):
        with pytest.raises(SystemExit) as info:
            main(["eval", "bce", str(tmp_path / "d.parquet"), "--convention", "sklearn", "--engine", engine, "-q"])
        out = capsys.readouterr()
        assert info.value.code == 0, out.err
        values[engine] = float(out.out)
    expected = losscli.evaluate("bce", y, p, convention="sklearn").value
    assert values["local"] == pytest.approx(expected, rel=1e-13)
    assert values["dask"] == pytest.approx(expected, rel=1e-13)


def _run(args: list, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out = capsys.readouterr()
    return info.value.code, out.out, out.err


def test_dask_engine_refuses_what_the_local_engine_refuses(tmp_path, capsys):
    """Inputs the local engine refuses, each a wrong number under the Dask engine before: a selection taking the
    label column as a prediction, a key both files hold in another order, labels from several files paired by
    position, a repeated id in the predictions."""
    import pandas as pd

    rng = np.random.default_rng(31)
    n = 40
    x, y = rng.normal(size=(n, 3)), rng.integers(0, 3, n)
    pd.DataFrame({"label": y, **{f"l{j}": x[:, j] for j in range(3)}}).to_csv(tmp_path / "d.csv", index=False)
    yb, p = rng.integers(0, 2, n), rng.uniform(0.05, 0.95, n)
    key = np.arange(1, n + 1)
    pd.DataFrame({"customer_id": key, "label": yb}).to_csv(tmp_path / "y.csv", index=False)
    order = rng.permutation(n)
    pd.DataFrame({"customer_id": key[order], "p": p[order]}).to_csv(tmp_path / "p.csv", index=False)
    for k in range(2):  # labels in two files, paired by position with one predictions file
        pd.DataFrame({"label": yb[k * 20:(k + 1) * 20]}).to_csv(tmp_path / f"labels-{k + 1}.csv", index=False)
    pd.DataFrame({"p": p}).to_csv(tmp_path / "preds.csv", index=False)
    ids = [f"s{i:03d}" for i in range(n)]
    pd.DataFrame({"id": ids, "label": yb}).to_csv(tmp_path / "yid.csv", index=False)
    pd.DataFrame({"id": [*ids, ids[5]], "p": [*p, 0.5]}).to_csv(tmp_path / "pdup.csv", index=False)
    cases = [
        (["scce", tmp_path / "d.csv", "--logits", "--label-cols", "label", "--pred-cols", "l*"], 2, "both take"),
        (["bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"], 3, "another order"),
        (["bce", "--labels", str(tmp_path / "labels-*.csv"), "--preds", tmp_path / "preds.csv"], 2, "by position"),
        (["bce", "--labels", tmp_path / "yid.csv", "--preds", tmp_path / "pdup.csv", "--id-col", "id"], 3, "duplicate"),
    ]
    for args, code, words in cases:
        got, out, err = _run(["eval", *args, "--engine", "dask", "-q"], capsys)
        assert (got, out) == (code, ""), (args, err)
        assert words in err, err


def test_dask_engine_joins_ids_of_other_types_and_evaluates_mixed_float_shards_as_one_file(tmp_path, capsys):
    """Parquet integer ids join a CSV's ids (an internal error before); float32 and float64 shards under
    scikit-learn's clip are evaluated in the type they make together (each shard clipped at its own eps
    before), as the local engine reads them; labels without a prediction are counted in a warning."""
    import pandas as pd

    rng = np.random.default_rng(32)
    n = 50
    y, p = rng.integers(0, 2, n), rng.random(n)
    p[:5], p[5:10] = 0.0, 1.0
    pd.DataFrame({"id": np.arange(n), "label": y}).to_parquet(tmp_path / "y.parquet", index=False)
    pd.DataFrame({"id": np.arange(n - 5), "p": p[:-5]}).to_csv(tmp_path / "p.csv", index=False)
    pd.DataFrame({"label": y[:25], "p": p[:25].astype(np.float32)}).to_parquet(tmp_path / "part-1.parquet")
    pd.DataFrame({"label": y[25:], "p": p[25:]}).to_parquet(tmp_path / "part-2.parquet")
    for args in (["bce", "--labels", tmp_path / "y.parquet", "--preds", tmp_path / "p.csv", "--id-col", "id"],
                 ["bce", str(tmp_path / "part-*.parquet"), "--convention", "sklearn"]):
        docs = {}
        for engine in ("local", "dask"):
            code, out, err = _run(["eval", *args, "--engine", engine, "--json"], capsys)
            assert code == 0, err
            docs[engine] = json.loads(out)
        assert docs["dask"]["value"] == pytest.approx(docs["local"]["value"], rel=1e-14)
        assert docs["dask"]["n"] == docs["local"]["n"]
        assert len(docs["dask"]["warnings"]) == len(docs["local"]["warnings"])


def test_dask_engine_signs_no_label_hash_and_refuses_a_baseline(dataset, capsys, tmp_path):
    """The Dask engine does not hash the labels: its signature says null (it said the hash of no labels,
    which made any two Dask runs comparable), and a baseline, which it could not check, is a usage error."""
    tmp, *_ = dataset
    args = ["eval", "scce", str(tmp / "part-*.parquet"), "--weight-col", "weight", "--ignore-index", "-1",
            "--pred-cols", "logit_*", "--logits", "--engine", "dask"]
    code, out, err = _run([*args, "--json", "--summary-only"], capsys)
    assert code == 0, err
    assert json.loads(out)["signature"]["labels_sha256"] is None
    (tmp_path / "b.json").write_text(out)
    code, out, err = _run([*args, "--baseline", tmp_path / "b.json", "--max-increase", "1", "-q"], capsys)
    assert (code, out) == (2, "") and "--baseline needs --engine local" in err


def test_dask_warnings_name_rows_by_their_place_in_the_whole_input(tmp_path, capsys):
    """Each partition names rows from its own first: the warning of the second said 'row 1' for the file's
    row 21. Rows that do not sum to 1 are counted over every partition, in one warning naming the first by its
    place in the whole input, as the local engine does."""
    import pandas as pd

    rng = np.random.default_rng(33)
    for k in range(2):
        probs = rng.dirichlet(np.ones(3), 20)
        if k:
            probs[[0, 5]] *= 1.01  # rows that do not sum to 1: Keras renormalises them, with a warning
        pd.DataFrame({"label": rng.integers(0, 3, 20), **{f"p{j}": probs[:, j] for j in range(3)}}).to_parquet(
            tmp_path / f"part-{k}.parquet")
    code, out, err = _run(["eval", "cce", str(tmp_path / "part-*.parquet"), "--convention", "keras", "--engine",
                           "dask", "--json"], capsys)
    assert code == 0, err
    assert [w for w in json.loads(out)["warnings"] if "row" in w] == [
        "2 probability rows do not sum to 1 (sample 21, the first, sums to 1.01); renormalised, as Keras does"]


def test_an_output_may_not_overwrite_a_shard_of_the_dask_engines_glob(tmp_path, capsys):
    """The Dask engine takes the glob unexpanded, so no output was compared with its files: --junit-xml
    part-2.csv replaced a shard of the input with XML (exit 0)."""
    for k in (1, 2):
        (tmp_path / f"part-{k}.csv").write_text("label,p\n1,0.9\n0,0.2\n")
    with pytest.raises(SystemExit) as info:
        main(["eval", "bce", str(tmp_path / "part-*.csv"), "--engine", "dask", "--junit-xml",
              str(tmp_path / "part-2.csv"), "-q"])
    out = capsys.readouterr()
    assert (info.value.code, out.out) == (2, "") and "is one of the inputs" in out.err
    assert (tmp_path / "part-2.csv").read_text() == "label,p\n1,0.9\n0,0.2\n"


def test_np_savetxt_header_is_refused_by_dask_with_its_fix(tmp_path, capsys):
    np.savetxt(tmp_path / "s.csv", np.c_[[1, 0, 1], [0.8, 0.3, 0.45]], delimiter=",", header="label,p")
    with pytest.raises(SystemExit) as info:
        main(["eval", "bce", str(tmp_path / "s.csv"), "--engine", "dask", "-q"])
    out = capsys.readouterr()
    assert info.value.code == 3 and "sed -i '1s/^# //'" in out.err
    import subprocess

    subprocess.run(["sed", "-i", "1s/^# //", str(tmp_path / "s.csv")], check=True)
    with pytest.raises(SystemExit) as info:
        main(["eval", "bce", str(tmp_path / "s.csv"), "--engine", "dask", "-q"])
    out = capsys.readouterr()
    assert info.value.code == 0 and float(out.out) == pytest.approx(-np.mean(np.log([0.8, 0.7, 0.45])), rel=1e-15)


def test_a_repeated_label_id_is_refused_as_the_local_engine_refuses_it(tmp_path, capsys):
    """A label id given twice ('a') and a prediction without a label ('c') kept the joined count equal to
    the predictions': 'a' was scored twice, 'c' dropped, exit 0."""
    (tmp_path / "y.csv").write_text("id,label\na,1\na,0\nb,1\n")
    (tmp_path / "p.csv").write_text("id,p\na,0.9\nc,0.2\n")
    for engine in ("local", "dask"):
        code, out, err = _run(["eval", "bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv",
                               "--id-col", "id", "--engine", engine, "-q"], capsys)
        assert (code, out) == (3, "") and "duplicate" in err, (engine, err)


def test_blank_lines_of_two_files_paired_by_row_give_the_local_engines_result(tmp_path, capsys):
    """pandas skipped blank lines: the rows after one were paired with the other file's next rows (0.22708,
    n = 4, exit 0). They are rows of missing values, as the local engine reads them."""
    (tmp_path / "y.csv").write_text("label\n1\n\n0\n1\n0\n")
    (tmp_path / "p.csv").write_text("p\n0.9\n0.2\n\n0.8\n0.3\n")
    args = ["eval", "bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"]
    code, out, err = _run([*args, "--engine", "dask", "-q"], capsys)
    assert (code, out) == (3, ""), err
    local = _run([*args, "--nan", "skip", "--json"], capsys)
    dask = _run([*args, "--nan", "skip", "--engine", "dask", "--json"], capsys)
    assert local[0] == dask[0] == 0
    a, b = json.loads(local[1]), json.loads(dask[1])
    assert (a["n"], a["skipped"]) == (b["n"], b["skipped"]) == (3, 2) and a["value"] == pytest.approx(b["value"], rel=1e-15)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_shards_of_other_columns_are_an_input_error(tmp_path, capsys, fmt):
    """A shard without the first one's prediction column crashed (KeyError, exit 4)."""
    import pandas as pd

    (tmp_path / "s").mkdir()
    first, other = pd.DataFrame({"label": [1, 0], "p": [0.9, 0.2]}), pd.DataFrame({"label": [1, 0], "q": [0.9, 0.2]})
    for k, df in enumerate((first, other)):
        path = tmp_path / "s" / f"part-{k}.{fmt}"
        df.to_csv(path, index=False) if fmt == "csv" else df.to_parquet(path)
    code, out, err = _run(["eval", "bce", str(tmp_path / "s" / f"part-*.{fmt}"), "--engine", "dask", "-q"], capsys)
    assert (code, out) == (3, "") and "same columns" in err


def test_trailing_blank_lines_and_blank_lines_of_files_joined_by_id_are_skipped(tmp_path, capsys):
    """Read as rows of missing values everywhere, a file's trailing blank line failed one file (exit 3) and
    two blank lines of a labels file joined by id were "duplicate ids": only files paired by row need them."""
    (tmp_path / "t.csv").write_text("y,p\n1,0.9\n0,0.2\n1,0.7\n\n")
    local = _run(["eval", "bce", tmp_path / "t.csv", "-q"], capsys)
    dask = _run(["eval", "bce", tmp_path / "t.csv", "--engine", "dask", "-q"], capsys)
    assert local[0] == dask[0] == 0 and float(local[1]) == pytest.approx(float(dask[1]), rel=1e-15)
    (tmp_path / "l.csv").write_text("id,label\na,1\nb,0\n\n\n")
    (tmp_path / "p.csv").write_text("id,p\nb,0.2\na,0.9\n")
    code, out, err = _run(["eval", "bce", "--labels", tmp_path / "l.csv", "--preds", tmp_path / "p.csv",
                           "--id-col", "id", "--engine", "dask", "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(-(np.log(0.9) + np.log(0.8)) / 2, rel=1e-15), err


def test_the_json_names_the_classes_as_the_local_engine_does(tmp_path, capsys):
    """Labels that are class names beside columns named after them: the local engine's JSON names the class
    of each prediction column in ``inputs.classes``; the Dask engine's left it out."""
    import pandas as pd

    rng = np.random.default_rng(8)
    p = rng.dirichlet(np.ones(3), 60)
    frame = pd.DataFrame(p, columns=["p_emu", "p_cat", "p_dog"])
    frame["label"] = np.array(["cat", "dog", "emu"])[rng.integers(0, 3, 60)]
    frame.to_csv(tmp_path / "named.csv", index=False)
    docs = {}
    for engine in ("local", "dask"):
        with pytest.raises(SystemExit) as exit_:
            main(["eval", "cce", str(tmp_path / "named.csv"), "--json", "--engine", engine])
        assert exit_.value.code == 0
        docs[engine] = json.loads(capsys.readouterr().out)
    assert docs["dask"]["inputs"]["classes"] == docs["local"]["inputs"]["classes"] == ["emu", "cat", "dog"]
    assert docs["dask"]["value"] == pytest.approx(docs["local"]["value"], rel=1e-14)


def test_a_scheduler_that_is_no_address_is_a_usage_error(tmp_path, capsys):
    """--scheduler processes (a dask.compute scheduler's name, not an address) was an internal error."""
    pytest.importorskip("dask.distributed")
    (tmp_path / "d.csv").write_text("y,p\n1,0.8\n0,0.3\n")
    code, out, err = _run(["eval", "bce", str(tmp_path / "d.csv"), "--engine", "dask", "--scheduler", "processes",
                           "-q"], capsys)
    assert code == 2 and out == ""
    assert "is not a Dask scheduler's address" in err and "HOST:PORT" in err
    # the client that failed left no scheduler behind: the next run in this process has its local cluster
    code, out, err = _run(["eval", "bce", str(tmp_path / "d.csv"), "--engine", "dask", "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(-(np.log(0.8) + np.log(0.7)) / 2, rel=1e-14)
