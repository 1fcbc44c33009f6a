"""DataFrames in the Python API: pandas, polars, pyarrow and PyCapsule objects give the command line's
numbers on the same data, with the same column grammar, inference, class mapping and errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from cli_helpers import run_cli

import losscli
from losscli.errors import InputError, UsageError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"


def cli_json(args, capsys) -> dict:
    code, out, err = run_cli(["eval", *args, "--json"], capsys)
    assert code == 0, err
    return json.loads(out)


class Capsule:
    """Only the Arrow PyCapsule stream interface, as a third-party frame library would expose it."""

    def __init__(self, table: pa.Table) -> None:
        self._table = table

    def __arrow_c_stream__(self, requested_schema=None):
        return self._table.__arrow_c_stream__(requested_schema)


def frames_of(csv: Path) -> list:
    df = pd.read_csv(csv)
    return [df, pl.read_csv(csv), pa.Table.from_pandas(df), Capsule(pa.Table.from_pandas(df))]


@pytest.mark.parametrize("kind", ["pandas", "polars", "pyarrow", "capsule"])
def test_string_labels_and_ids_match_the_cli(kind, capsys):
    frame = frames_of(SAMPLE / "animals.csv")[["pandas", "polars", "pyarrow", "capsule"].index(kind)]
    want = cli_json(["cce", SAMPLE / "animals.csv", "--id-col", "id"], capsys)
    r = losscli.evaluate("cce", frame, id_col="id")
    assert r.value == want["value"] and r.n == want["n"]
    np.testing.assert_array_equal(r.per_sample, want["per_sample"])
    table = r.to_frame()
    assert table.index.name == "id" and list(table.index) == want["ids"]
    assert table["categorical_crossentropy"].tolist() == want["per_sample"]


@pytest.mark.parametrize("make", [pd.read_csv, pl.read_csv])
def test_selections_weights_and_classes_match_the_cli(make, capsys, tmp_path):
    csv = SAMPLE / "binary_candidate.csv"
    frame = make(csv)
    labels = pd.read_csv(SAMPLE / "binary_labels.csv")["label"].to_numpy()
    if isinstance(frame, pd.DataFrame):
        frame = frame.assign(label=np.where(labels == 1, "fraud", "ok"), w=np.linspace(0.5, 2, len(labels)))
    else:
        frame = frame.with_columns(pl.Series("label", np.where(labels == 1, "fraud", "ok")),
                                   pl.Series("w", np.linspace(0.5, 2, len(labels))))
    path = tmp_path / "case.csv"
    (frame.to_pandas() if isinstance(frame, pl.DataFrame) else frame).to_csv(path, index=False)
    want = cli_json(["bce", path, "--label-cols", "label", "--pred-cols", "p", "--weight-col", "w",
                     "--classes", "ok,fraud"], capsys)
    r = losscli.evaluate("bce", frame, label_cols="label", pred_cols=["p"], weight_col="w", classes=["ok", "fraud"])
    assert r.value == want["value"] and r.weight_sum == want["weight_sum"]


def test_list_column_of_logits_matches_the_jsonl_cli(capsys, tmp_path):
    rng = np.random.default_rng(5)
    logits = rng.normal(size=(40, 5))
    y = rng.integers(0, 5, size=40)
    recs = [{"doc": i, "target": int(y[i]), "logits": logits[i].tolist()} for i in range(40)]
    path = tmp_path / "s.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    want = cli_json(["cce", path, "--label-cols", "target", "--pred-cols", "logits", "--logits", "--id-col", "doc"],
                    capsys)
    frame = pl.DataFrame({"doc": list(range(40)), "target": y, "logits": logits.tolist()})
    r = losscli.evaluate("cce", frame, label_cols="target", pred_cols="logits", id_col="doc", from_logits=True)
    assert r.value == want["value"]
    np.testing.assert_array_equal(r.per_sample, want["per_sample"])


def test_arrays_with_classes_and_class_indices_for_cce():
    probs = pd.read_csv(SAMPLE / "animals.csv")
    p = probs[["cat", "dog", "bird"]].to_numpy()
    names = probs["label"].to_numpy()
    by_name = losscli.evaluate("cce", names, p, classes=["cat", "dog", "bird"])
    index = np.array([["cat", "dog", "bird"].index(v) for v in names])
    assert by_name.value == losscli.evaluate("cce", index, p).value == losscli.evaluate("cce", probs).value
    assert by_name.value == losscli.evaluate("scce", names, p, classes=["cat", "dog", "bird"]).value
    with pytest.raises(InputError, match=r"'cow' is not one of the classes.*row 3"):
        losscli.evaluate("cce", ["cat", "dog", "cow"], p[:3], classes=["cat", "dog", "bird"])


def test_missing_values_skip_and_rows():
    df = pd.DataFrame({"y": [1, 0, 1, 0], "p": [0.9, np.nan, 0.6, 0.2]})
    with pytest.raises(InputError, match="NaN"):
        losscli.evaluate("bce", df)
    r = losscli.evaluate("bce", df, nan="skip")
    assert r.n == 3 and r.rows.tolist() == [0, 2, 3]
    assert r.to_frame().index.tolist() == [0, 2, 3]
    assert r.value == losscli.evaluate("bce", [1, 1, 0], [0.9, 0.6, 0.2]).value


def test_usage_errors():
    df = pd.DataFrame({"y": [1, 0], "p": [0.9, 0.2]})
    with pytest.raises(UsageError, match="no column named 'q'"):
        losscli.evaluate("bce", df, pred_cols="q")
    with pytest.raises(UsageError, match="not a DataFrame"):
        losscli.evaluate("bce", [1, 0])
    with pytest.raises(UsageError, match="select columns of a DataFrame"):
        losscli.evaluate("bce", [1, 0], [0.9, 0.2], label_cols="y")
    with pytest.raises(UsageError, match="weight_col"):
        losscli.evaluate("bce", df, sample_weight=[1, 1])
    with pytest.raises(UsageError, match="DataFrames"):
        losscli.evaluate("bce", [1, 0], [0.9, 0.2], nan="skip")


def test_two_frames_with_the_same_columns_in_another_order_pair_them_by_name():
    """As the command line pairs two files' columns: by position it was 1.67 for 0.083."""
    rng = np.random.default_rng(0)
    y = rng.normal(size=(40, 2))
    q = y + 0.3 * rng.normal(size=(40, 2))
    expected = float(np.mean((y - q) ** 2))
    dy = pd.DataFrame(y, columns=["a", "b"])
    dp = pd.DataFrame(q[:, ::-1], columns=["b", "a"])
    assert losscli.evaluate("mse", dy, dp).value == pytest.approx(expected, rel=1e-13)
    assert losscli.evaluate("mse", pl.from_pandas(dy), pl.from_pandas(dp)).value == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize("names", [["p_0", "p_1", "p_2"], ["p0", "p1", "p2"], ["prob0", "prob1", "prob2"]])
def test_class_numbers_in_prediction_column_names_order_them(names, tmp_path, capsys):
    """Columns p2, p0, p1 beside class indices: p_k was matched by name, pk and probk by position."""
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.5, 0.3, 0.2]])
    y = [0, 1, 2, 0]
    df = pd.DataFrame({"label": y, names[2]: probs[:, 2], names[0]: probs[:, 0], names[1]: probs[:, 1]})
    expected = float(-np.mean(np.log(probs[np.arange(4), y])))
    assert losscli.evaluate("cce", df).value == pytest.approx(expected, rel=1e-13)
    df.to_csv(tmp_path / "d.csv", index=False)
    code, out, err = run_cli(["eval", "cce", tmp_path / "d.csv", "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(expected, rel=1e-13), err


def test_evaluators_of_other_losses_or_parameters_do_not_merge():
    a = losscli.Evaluator("bce")
    a.update([1, 0], [0.9, 0.2])
    for other in (losscli.Evaluator("mse"), losscli.Evaluator("bce", from_logits=True)):
        other.update([1, 0], [0.9, 0.2])
        with pytest.raises(losscli.UsageError):
            a.merge(other)


def test_a_weighted_and_an_unweighted_evaluator_do_not_merge_as_the_command_refuses_their_states():
    a = losscli.Evaluator("bce")
    a.update([1, 0, 1], [0.9, 0.2, 0.6], [5, 5, 5])
    b = losscli.Evaluator("bce")
    b.update([0, 1], [0.3, 0.4])
    with pytest.raises(losscli.UsageError, match="sample weights"):
        a.merge(b)
    ones = losscli.Evaluator("bce")
    ones.update([0, 1], [0.3, 0.4], [1, 1])
    whole = losscli.evaluate("bce", [1, 0, 1, 0, 1], [0.9, 0.2, 0.6, 0.3, 0.4], sample_weight=[5, 5, 5, 1, 1])
    assert a.merge(ones).result().value == pytest.approx(whole.value, rel=1e-15)
    assert losscli.Evaluator("bce").merge(b).result().value == b.result().value  # an empty one merges with any


def test_torch_tensors_with_a_graph_or_in_bfloat16_are_read():
    torch = pytest.importorskip("torch")
    y = torch.tensor([1, 0, 1])
    p = torch.tensor([0.8, 0.3, 0.6], requires_grad=True)
    expected = torch.nn.functional.binary_cross_entropy(p.detach().double(), y.double()).item()
    assert losscli.evaluate("bce", y, p).value == pytest.approx(expected, rel=1e-13)
    exact = p.detach().bfloat16().double()  # the bfloat16 numbers themselves
    assert losscli.evaluate("bce", y, p.detach().bfloat16()).value == pytest.approx(
        torch.nn.functional.binary_cross_entropy(exact, y.double()).item(), rel=1e-13)
    # a list of tensors with a graph, a sparse tensor and a lazily negated one: the same numbers (each raised
    # torch's or NumPy's own exception); a meta tensor, which holds no values, is a usage error
    value = losscli.evaluate("bce", y, p).value
    assert losscli.evaluate("bce", list(y), list(p)).value == value
    assert losscli.evaluate("bce", y, p.detach().to_sparse()).value == value
    assert losscli.evaluate("bce", y, (-p.detach())._neg_view()).value == value
    with pytest.raises(UsageError, match="meta device"):
        losscli.evaluate("bce", y, torch.empty(3, device="meta"))


def test_two_series_or_arrow_arrays_are_arrays_not_frames():
    """pandas 3 gives a Series the Arrow stream interface: two Series were taken for two DataFrames and
    failed (pandas: AttributeError; polars: 'non-struct type double')."""
    import pyarrow as pa

    y, p = np.array([1.0, 2.0, 3.0]), np.array([1.5, 2.0, 2.0])
    expected = float(np.mean((y - p) ** 2))
    assert losscli.evaluate("mse", pd.Series(y, name="y"), pd.Series(p, name="p")).value == expected
    assert losscli.evaluate("mse", pa.chunked_array([y]), pa.array(p)).value == expected
    pl = pytest.importorskip("polars")
    assert losscli.evaluate("mse", pl.Series("y", y), pl.Series("p", p)).value == expected


def test_two_frames_whose_unnamed_indexes_disagree_are_refused_as_their_files_are():
    """Unnamed indexes were dropped, so two frames whose rows were shuffled apart were paired by position
    (0.887 for 0.933, no warning), where their Parquet files are refused; an unnamed index other than the
    default one is kept now, as ``to_parquet`` keeps it, and checked row by row."""
    from losscli.errors import InputError

    y, p, perm = np.array([1.0, 0, 1, 0, 1]), np.array([0.9, 0.2, 0.6, 0.3, 0.7]), np.array([3, 0, 4, 1, 2])
    labels, preds = pd.DataFrame({"y": y}), pd.DataFrame({"p": p[perm]}, index=perm)
    with pytest.raises(InputError, match="another order"):
        losscli.evaluate("bce", labels, preds)
    expected = losscli.evaluate("bce", y, p).value
    assert losscli.evaluate("bce", labels.iloc[perm], preds).value == expected  # the same rows by index
    assert losscli.evaluate("bce", pd.DataFrame({"y": y, "p": p}).iloc[perm]).value == pytest.approx(expected, rel=1e-15)


def test_the_evaluator_and_the_counts_read_tensors_as_evaluate_does():
    """``Evaluator.update`` and ``word_counts=`` took tensors as they were: one that requires grad raised
    torch's RuntimeError, bfloat16 a TypeError (the README promises ``evaluate``'s results); float8 logits
    raised too."""
    torch = pytest.importorskip("torch")
    y, p, w = torch.tensor([1, 0, 1]), torch.tensor([0.9, 0.2, 0.6], requires_grad=True), torch.tensor([1.0, 2.0, 0.5])
    want = losscli.evaluate("bce", y, p, sample_weight=w).value
    ev = losscli.Evaluator("bce")
    ev.update(y, p, w.requires_grad_())
    assert ev.result().value == want
    half = p.detach().to(torch.bfloat16)
    ev = losscli.Evaluator("bce")
    ev.update(y, half)
    assert ev.result().value == losscli.evaluate("bce", y.numpy(), half.float().numpy()).value
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]])
    r = losscli.evaluate("scce", [0, 1, 0], probs, word_counts=torch.tensor([1.0, 2, 3], requires_grad=True))
    assert r.metrics["words"] == 6
    e4 = torch.tensor([0.5, -1.0, 2.0]).to(torch.float8_e4m3fn)
    assert losscli.evaluate("bce", [1, 0, 1], e4, from_logits=True).value == losscli.evaluate(
        "bce", [1, 0, 1], e4.float().numpy(), from_logits=True).value


@pytest.mark.parametrize("classes", [[False, True], ["False", "True"]])
def test_boolean_labels_match_the_classes_false_true(classes):
    """Boolean labels beside classes=[False, True] were refused ("label 1 is not one of the classes"), where
    the command line reads the same CSV; booleans and their names match as 0 and 1 now."""
    want = losscli.evaluate("bce", [1, 0, 1], [0.9, 0.2, 0.6]).value
    assert losscli.evaluate("bce", [True, False, True], [0.9, 0.2, 0.6], classes=classes).value == want
    df = pd.DataFrame({"y": [True, False, True], "p": [0.9, 0.2, 0.6]})
    assert losscli.evaluate("bce", df, classes=classes).value == want


def test_word_counts_beside_classes_or_a_frame_name_the_column_option():
    """word_counts= beside classes= said the loss "takes no parameter 'word_counts'"; the counts of a frame
    are a column (words_col=), and following the hint gives the arrays' numbers."""
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]])
    with pytest.raises(UsageError, match="words_col") as info:
        losscli.evaluate("scce", ["a", "b"], probs, classes=["a", "b", "c"], word_counts=[1, 2])
    assert "words_col" in info.value.hint
    df = pd.DataFrame({"label": ["a", "b"], "a": [0.7, 0.1], "b": [0.2, 0.8], "c": [0.1, 0.1], "w": [1, 2]})
    got = losscli.evaluate("scce", df, classes=["a", "b", "c"], pred_cols="a:c", words_col="w").metrics
    assert got == losscli.evaluate("scce", [0, 1], probs, word_counts=[1, 2]).metrics


def test_class_values_beyond_2_53_stay_apart():
    """classes=[2**53, 2**53 + 1] said "lists 9007199254740993 twice": class keys went through a float."""
    probs = np.array([[0.7, 0.3], [0.2, 0.8]])
    got = losscli.evaluate("scce", np.array([2**53, 2**53 + 1]), probs, classes=[2**53, 2**53 + 1]).value
    assert got == losscli.evaluate("scce", [0, 1], probs).value


def test_count_columns_beside_logits_are_not_predictions(tmp_path, capsys):
    """Columns named words and bytes beside three logits were taken for two more classes (4.88 for 1.46,
    exit 0) unless named with words_col/bytes_col; they are left out of the predictions, with a note."""
    rng = np.random.default_rng(0)
    logits, tokens = rng.standard_normal((50, 3)), rng.integers(0, 3, 50)
    df = pd.DataFrame({"label": tokens, "l0": logits[:, 0], "l1": logits[:, 1], "l2": logits[:, 2],
                       "words": rng.integers(1, 9, 50), "bytes": rng.integers(5, 40, 50)})
    want = losscli.evaluate("scce", tokens, logits, from_logits=True).value
    assert losscli.evaluate("scce", df, from_logits=True).value == want
    df.to_csv(tmp_path / "lm.csv", index=False)
    code, out, err = run_cli(["eval", "scce", tmp_path / "lm.csv", "--logits", "--json"], capsys)
    doc = json.loads(out)
    assert code == 0 and doc["inputs"]["preds"]["columns"] == ["l0", "l1", "l2"], err
    assert any("per-row count" in note for note in doc["inputs"]["notes"])
    assert doc["value"] == pytest.approx(want, rel=1e-15)


def test_class_columns_named_like_counts_stay_predictions_and_big_classes_match_text_files(tmp_path, capsys):
    """Probability columns named words/numbers/bytes (three classes) were left out as per-row counts; and
    classes beyond 2**53 given as text no longer matched a CSV's labels, read as float64."""
    rng = np.random.default_rng(0)
    probs, y = rng.dirichlet(np.ones(3), 30), rng.integers(0, 3, 30)
    df = pd.DataFrame({"label": y, "words": probs[:, 0], "numbers": probs[:, 1], "bytes": probs[:, 2]})
    assert losscli.evaluate("cce", df).value == pytest.approx(losscli.evaluate("cce", y, probs).value, rel=1e-15)
    (tmp_path / "big.csv").write_text("label,p\n12345678901234567,0.8\n22345678901234567,0.3\n")
    code, out, err = run_cli(["eval", "bce", tmp_path / "big.csv", "--classes", "22345678901234567,12345678901234567",
                              "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(losscli.evaluate("bce", [1, 0], [0.8, 0.3]).value, rel=1e-15), err


def test_two_prediction_columns_naming_one_class_are_refused(tmp_path, capsys):
    """Columns p_1 and p_true with labels 0, 1, true: label 1 was scored against p_true (0.916 for 0.223)."""
    (tmp_path / "d.csv").write_text("label,p_0,p_1,p_true\n0,0.8,0.1,0.1\n1,0.1,0.8,0.1\ntrue,0.1,0.1,0.8\n")
    code, out, err = run_cli(["eval", "cce", tmp_path / "d.csv", "-q"], capsys)
    assert (code, out) == (2, "") and "name one class" in err


def test_classes_in_a_set_are_refused_and_a_string_is_split_as_on_the_command_line():
    """A set has no order: its order (and the value: 0.2798 or 1.6094) changed with PYTHONHASHSEED. A string was
    taken letter by letter ('ab' worked, 'cat,dog' was refused)."""
    y, p = ["cat", "dog", "cat"], [0.9, 0.2, 0.6]
    want = losscli.evaluate("bce", y, p, classes=["cat", "dog"]).value
    for given in ({"cat", "dog"}, frozenset({"cat", "dog"}), {"cat": 0, "dog": 1}):
        with pytest.raises(UsageError, match="in their order"):
            losscli.evaluate("bce", y, p, classes=given)
    assert losscli.evaluate("bce", y, p, classes="cat,dog").value == want
    assert losscli.evaluate("bce", y, p, classes=("cat", "dog")).value == want


@pytest.mark.parametrize("bad", [None, 3, 1.5])
def test_a_loss_that_is_not_a_name_is_a_usage_error(bad):
    with pytest.raises(UsageError, match="a loss is a name"):
        losscli.evaluate(bad, [1.0, 0.0], [0.5, 0.5])
    with pytest.raises(UsageError, match="a loss is a name"):
        losscli.Evaluator(bad)


def test_a_column_selection_that_is_not_a_name_is_a_usage_error():
    frame = pd.DataFrame({"y": [1, 0], "p": [0.2, 0.3]})
    with pytest.raises(UsageError, match="label_cols= takes a column name"):
        losscli.evaluate("bce", frame, label_cols=0)
    assert losscli.evaluate("bce", frame, label_cols="y", pred_cols="p").n == 2
