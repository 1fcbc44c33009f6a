"""Write the real-world corpus: prediction and label files as pandas, polars, NumPy, scikit-learn and
PyTorch users write them, with the peer's own number for each case in ``cases.json``.

Every model is trained on a dataset bundled with scikit-learn (no network): iris (3 classes), digits
(10 classes), breast_cancer (binary) and diabetes (regression). Files are written by the library a user
would write them with, in that library's default layout:

- pandas ``to_csv`` with its default index (an unnamed first column), without it, and after a
  ``read_csv``/``to_csv`` round trip (``Unnamed: 0``); ``to_parquet`` of a shuffled frame
  (``__index_level_0__``); a ``Series`` written without a name (header ``0``);
- polars ``write_csv`` (no index; an integer ``row_id``);
- ``np.savetxt`` (no header) and ``np.save`` in float64 and float32 (``tensor.numpy()``);
- scikit-learn ``predict_proba`` and ``decision_function``; PyTorch logits;
- id columns in one or both files, in the same or another order; string and numeric class names.

Each case's ``expected`` is computed by the peer itself, in float64, on exactly the values written
(``source`` names the call); the generator checks that the written text reads back bit for bit. A
case's ``args`` are the ``losscli eval`` arguments after the loss name, with file names relative to this
directory. ``tests/inputs/test_realworld.py`` runs every case through the command line.

How to rerun (from the repository root)::

    pip install torch==2.13.0 scikit-learn polars
    python tests/data/realworld/make_realworld.py
"""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
N = 40  # samples per case: small files


def _subset(x: np.ndarray, y: np.ndarray, n: int = N, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(len(y), size=n, replace=False))
    return x[idx], y[idx]


class Corpus:
    def __init__(self) -> None:
        self.cases: list[dict] = []

    def add(self, case_id: str, loss: str, args: list[str], expected: float, source: str, writer: str,
            rtol: float = 1e-12) -> None:
        self.cases.append({"id": case_id, "loss": loss, "args": args, "expected": float(expected),
                           "rtol": rtol, "source": source, "writer": writer})


def _quiet(f, *args):  # noqa: ANN001, ANN202
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*args)


def _sklearn_clip(p: np.ndarray) -> np.ndarray:
    """``log_loss``'s clip of a float32 array, in float32 (it then sums in float32; the reference sums in
    float64, so it is computed on the clipped values upcast)."""
    eps = np.finfo(p.dtype).eps
    return np.clip(p, eps, 1 - eps)


def _check_csv(path: Path, values: np.ndarray, **read_kw: object) -> None:
    """The written numbers read back bit for bit (so the peer's number is the number of the file)."""
    back = pd.read_csv(path, **read_kw).to_numpy(dtype=np.float64)
    assert np.array_equal(back.reshape(values.shape), values), path


def main() -> None:  # noqa: PLR0915 - one flat list of cases reads best
    import polars as pl
    import torch
    import torch.nn.functional as F  # noqa: N812
    from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.metrics import log_loss, mean_absolute_error, mean_squared_error
    from sklearn.preprocessing import StandardScaler

    for old in HERE.glob("*"):
        if old.suffix in (".csv", ".tsv", ".npy", ".parquet", ".txt") or old.name == "cases.json":
            old.unlink()
    c = Corpus()

    # ------------------------------------------------------------------ iris: 3 classes, predict_proba
    iris = load_iris()
    x, y = _subset(iris.data, iris.target)
    model = LogisticRegression(max_iter=1000).fit(iris.data, iris.target)
    proba = model.predict_proba(x)
    ref = log_loss(y, proba)
    src = "sklearn.metrics.log_loss(y, LogisticRegression().predict_proba(x))"
    cols = [f"p_{k}" for k in range(3)]

    pd.DataFrame(proba, columns=cols).to_csv(HERE / "iris_proba_index.csv")
    pd.Series(y, name="label").to_csv(HERE / "iris_labels_index.csv")
    _check_csv(HERE / "iris_proba_index.csv", proba, index_col=0)
    c.add("iris_proba_pandas_index", "cce", ["--labels", "iris_labels_index.csv", "--preds",
          "iris_proba_index.csv"], ref, src, "pandas to_csv() (default index) in both files")
    c.add("iris_proba_pandas_index_sparse", "sparse_cce", ["--labels", "iris_labels_index.csv", "--preds",
          "iris_proba_index.csv"], ref, src, "pandas to_csv() (default index) in both files")

    pd.DataFrame(proba, columns=cols).to_csv(HERE / "iris_proba.csv", index=False)
    pd.Series(y, name="label").to_csv(HERE / "iris_labels.csv", index=False)
    c.add("iris_proba_pandas_noindex", "cce", ["--labels", "iris_labels.csv", "--preds", "iris_proba.csv"],
          ref, src, "pandas to_csv(index=False)")

    # labels with the index, predictions without it (two writers, one pipeline)
    c.add("iris_mixed_index", "sparse_cce", ["--labels", "iris_labels_index.csv", "--preds", "iris_proba.csv"],
          ref, src, "labels by to_csv(), predictions by to_csv(index=False)")

    # a read_csv/to_csv round trip: an empty first header cell and 'Unnamed: 0'
    pd.read_csv(HERE / "iris_proba_index.csv").to_csv(HERE / "iris_proba_roundtrip.csv")
    c.add("iris_proba_roundtrip_unnamed", "cce", ["--labels", "iris_labels.csv", "--preds",
          "iris_proba_roundtrip.csv"], ref, src, "pandas read_csv then to_csv(): ',Unnamed: 0,p_0,...'")

    # one file, string class names, the index
    names = iris.target_names
    one = pd.DataFrame(proba, columns=[f"p_{n}" for n in names])
    one.insert(0, "species", names[y])
    one = one.rename(columns={"species": "label"})
    one.to_csv(HERE / "iris_onefile_strings_index.csv")
    c.add("iris_onefile_string_classes_index", "cce", ["iris_onefile_strings_index.csv"], ref, src,
          "pandas to_csv() of one frame: index, label as class names, p_<name> columns")

    # one file, class names in another order than the columns
    shuffled_names = one[["label", "p_virginica", "p_setosa", "p_versicolor"]]
    shuffled_names.to_csv(HERE / "iris_onefile_strings_order.csv", index=False)
    c.add("iris_onefile_string_classes_column_order", "cce", ["iris_onefile_strings_order.csv"], ref, src,
          "pandas to_csv(index=False); prediction columns in another order than the classes")

    # numeric class names 1..3 with p_1..p_3 columns (labels as written by a 1-based pipeline)
    pd.DataFrame(proba, columns=[f"p_{k + 1}" for k in range(3)]).to_csv(HERE / "iris_proba_1based.csv",
                                                                         index=False)
    pd.Series(y + 1, name="label").to_csv(HERE / "iris_labels_1based.csv", index=False)
    c.add("iris_numeric_class_names_1based", "cce", ["--labels", "iris_labels_1based.csv", "--preds",
          "iris_proba_1based.csv"], log_loss(y + 1, proba, labels=[1, 2, 3]),
          "sklearn.metrics.log_loss(y + 1, proba, labels=[1, 2, 3])", "classes 1..3, columns p_1..p_3")

    # pd.DataFrame(predict_proba).to_csv(): ',0,1,2', the probability of class 1 selected by its name
    pd.DataFrame(proba).to_csv(HERE / "iris_proba_numbered_index.csv")
    pos = (y == 1).astype(int)
    pd.Series(pos, name="is_versicolor").to_csv(HERE / "iris_labels_class1_index.csv")
    c.add("iris_proba_numbered_columns_index_one_class", "bce", ["--labels", "iris_labels_class1_index.csv", "--preds",
          "iris_proba_numbered_index.csv", "--pred-cols", "=1", "--convention", "sklearn"],
          log_loss(pos, proba[:, 1], labels=[0, 1]), "sklearn.metrics.log_loss(y == 1, proba[:, 1])",
          "pandas to_csv() of pd.DataFrame(proba): the column named 1 beside the index's empty header cell")

    # np.savetxt: no header, default format '%.18e'
    np.savetxt(HERE / "iris_proba_savetxt.csv", proba, delimiter=",")
    np.savetxt(HERE / "iris_labels_savetxt.csv", y.astype(np.float64), delimiter=",")
    _check_csv(HERE / "iris_proba_savetxt.csv", proba, header=None)
    c.add("iris_savetxt_no_header", "sparse_cce", ["--labels", "iris_labels_savetxt.csv", "--preds",
          "iris_proba_savetxt.csv"], ref, src, "np.savetxt(path, a, delimiter=',') (no header)")

    # np.savetxt labels as integers ('%d')
    np.savetxt(HERE / "iris_labels_savetxt_int.txt", y, fmt="%d")
    c.add("iris_savetxt_int_labels", "sparse_cce", ["--labels", "iris_labels_savetxt_int.txt", "--preds",
          "iris_proba_savetxt.csv"], ref, src, "np.savetxt(path, y, fmt='%d')")

    # probabilities rounded to 3 decimals (rows no longer sum to 1 within 1e-3)
    rounded = np.round(proba, 3)
    pd.DataFrame(rounded, columns=cols).to_csv(HERE / "iris_proba_round3.csv", index=False)
    c.add("iris_proba_rounded_3_decimals", "sparse_cce", ["--labels", "iris_labels.csv", "--preds",
          "iris_proba_round3.csv"], _quiet(log_loss, y, rounded),
          "sklearn.metrics.log_loss(y, p) on the rounded p (it warns that rows do not sum to one)",
          "pandas to_csv(index=False) of np.round(proba, 3)")

    # ------------------------------------------------------------------ digits: 10 classes, torch logits
    digits = load_digits()
    xd, yd = _subset(digits.data, digits.target, seed=1)
    torch.manual_seed(0)
    scaler = StandardScaler().fit(digits.data)
    xt = torch.tensor(scaler.transform(digits.data), dtype=torch.float32)
    yt = torch.tensor(digits.target)
    net = torch.nn.Linear(64, 10)
    opt = torch.optim.SGD(net.parameters(), lr=0.5)
    for _ in range(60):
        opt.zero_grad()
        F.cross_entropy(net(xt), yt).backward()
        opt.step()
    with torch.no_grad():
        logits32 = net(torch.tensor(scaler.transform(xd), dtype=torch.float32)).numpy()
    logits = logits32.astype(np.float64)
    ref_d = float(F.cross_entropy(torch.tensor(logits), torch.tensor(yd)).item())
    src_d = "torch.nn.functional.cross_entropy(torch.tensor(logits, dtype=float64), y)"
    lcols = [f"logit_{k}" for k in range(10)]

    pd.DataFrame(logits, columns=lcols).to_csv(HERE / "digits_logits_index.csv")
    pd.DataFrame({"label": yd}).to_csv(HERE / "digits_labels_index.csv")
    c.add("digits_logits_pandas_index", "sparse_cce", ["--labels", "digits_labels_index.csv", "--preds",
          "digits_logits_index.csv", "--logits"], ref_d, src_d, "pandas to_csv() of torch logits")

    # pd.DataFrame(logits).to_csv(): the header ',0,1,...,9' names a column 1 beside the index's empty cell
    pd.DataFrame(logits).to_csv(HERE / "digits_logits_numbered_index.csv")
    c.add("digits_logits_numbered_columns_index", "sparse_cce", ["--labels", "digits_labels_index.csv", "--preds",
          "digits_logits_numbered_index.csv", "--logits", "--pred-cols", "0,1,2,3,4,5,6,7,8,9"], ref_d, src_d,
          "pandas to_csv() of pd.DataFrame(logits), the columns selected by their names 0..9")

    np.save(HERE / "digits_logits_f32.npy", logits32)
    np.save(HERE / "digits_labels.npy", yd)
    c.add("digits_logits_npy_float32", "sparse_cce", ["--labels", "digits_labels.npy", "--preds",
          "digits_logits_f32.npy", "--logits"], ref_d, src_d, "np.save(path, tensor.numpy()) (float32)")

    # an id column in both files, the predictions in another order
    ids = np.arange(1000, 1000 + len(yd))
    perm = np.random.default_rng(2).permutation(len(yd))
    pf = pd.DataFrame(logits, columns=lcols)
    pf.insert(0, "id", ids)
    pf.iloc[perm].to_csv(HERE / "digits_logits_id_shuffled.csv", index=False)
    pd.DataFrame({"id": ids, "label": yd}).to_csv(HERE / "digits_labels_id.csv", index=False)
    c.add("digits_logits_id_shuffled", "sparse_cce", ["--labels", "digits_labels_id.csv", "--preds",
          "digits_logits_id_shuffled.csv", "--logits"], ref_d, src_d,
          "pandas to_csv(index=False), an id column in both files, predictions in another order")

    # an id column in the predictions file only (same order)
    pf.to_csv(HERE / "digits_logits_id.csv", index=False)
    pd.DataFrame({"label": yd}).to_csv(HERE / "digits_labels.csv", index=False)
    c.add("digits_logits_id_preds_only", "sparse_cce", ["--labels", "digits_labels.csv", "--preds",
          "digits_logits_id.csv", "--logits"], ref_d, src_d, "an id column in the predictions file only")

    # polars: row_id integer column, no index
    pl.DataFrame({"row_id": np.arange(len(yd)), **{c_: logits[:, k] for k, c_ in enumerate(lcols)}}).write_csv(
        HERE / "digits_logits_polars.csv")
    pl.DataFrame({"row_id": np.arange(len(yd)), "label": yd}).write_csv(HERE / "digits_labels_polars.csv")
    back = pd.read_csv(HERE / "digits_logits_polars.csv")[lcols].to_numpy()
    assert np.array_equal(back, logits)
    c.add("digits_logits_polars_row_id", "sparse_cce", ["--labels", "digits_labels_polars.csv", "--preds",
          "digits_logits_polars.csv", "--logits"], ref_d, src_d, "polars write_csv with a row_id column")

    # one file, pandas parquet of a shuffled frame (writes __index_level_0__)
    frame = pd.DataFrame(logits, columns=lcols)
    frame.insert(0, "target", yd)
    frame.iloc[perm].to_parquet(HERE / "digits_onefile_shuffled.parquet")
    c.add("digits_parquet_index_level", "sparse_cce", ["digits_onefile_shuffled.parquet", "--logits"], ref_d,
          src_d, "pandas to_parquet() of a shuffled frame (keeps __index_level_0__)")

    # ------------------------------------------------------------------ breast cancer: binary
    bc = load_breast_cancer()
    xb, yb = _subset(bc.data, bc.target, n=N, seed=3)
    sc = StandardScaler().fit(bc.data)
    clf = LogisticRegression(max_iter=5000).fit(sc.transform(bc.data), bc.target)
    pb = clf.predict_proba(sc.transform(xb))[:, 1]
    ref_b = log_loss(yb, pb)
    src_b = "sklearn.metrics.log_loss(y, LogisticRegression().predict_proba(x)[:, 1])"
    pd.DataFrame({"prob": pb}).to_csv(HERE / "bc_proba_index.csv")
    pd.DataFrame({"y": yb}).to_csv(HERE / "bc_labels_index.csv")
    c.add("bc_bce_pandas_index", "bce", ["--labels", "bc_labels_index.csv", "--preds", "bc_proba_index.csv"],
          ref_b, src_b, "pandas to_csv() of predict_proba[:, 1]")

    # decision_function as logits, one file with an id column
    dfun = clf.decision_function(sc.transform(xb))
    ref_l = float(F.binary_cross_entropy_with_logits(torch.tensor(dfun), torch.tensor(yb, dtype=torch.float64)))
    pd.DataFrame({"id": [f"case-{i:03d}" for i in range(len(yb))], "label": yb, "score": dfun}).to_csv(
        HERE / "bc_decision_onefile.csv", index=False)
    c.add("bc_decision_function_logits", "bce", ["bc_decision_onefile.csv", "--logits"], ref_l,
          "torch.nn.functional.binary_cross_entropy_with_logits(decision_function(x), y) (float64)",
          "one file: string id, label, decision_function score")

    # float32 probabilities, scikit-learn's convention: the clip is float32's epsilon
    # (an unscaled, barely regularised model: many probabilities round to exactly 0 or 1 in float32)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        over = LogisticRegression(C=1e4, max_iter=20000).fit(bc.data, bc.target)
    p_all = over.predict_proba(bc.data)[:, 1].astype(np.float32)
    sure = np.flatnonzero((p_all == 1.0) | (p_all == 0.0))
    rng = np.random.default_rng(4)
    rest = np.setdiff1d(np.arange(len(p_all)), sure[:8])
    pick = np.sort(np.concatenate([sure[:8], rng.choice(rest, N - 8, replace=False)]))
    p32, y32 = p_all[pick], bc.target[pick]
    assert ((p32 == 1.0) | (p32 == 0.0)).sum() >= 8
    np.save(HERE / "bc_proba_f32.npy", p32)
    np.save(HERE / "bc_labels.npy", y32)
    c.add("bc_float32_sklearn_convention", "bce", ["--labels", "bc_labels.npy", "--preds", "bc_proba_f32.npy",
          "--convention", "sklearn"], log_loss(y32, _sklearn_clip(p32).astype(np.float64)),
          "sklearn.metrics.log_loss(y, p) with p clipped as log_loss clips a float32 array (at float32's eps), "
          "computed in float64",
          "np.save of float32 probabilities")

    # ------------------------------------------------------------------ diabetes: regression
    dia = load_diabetes()
    xr, yr = _subset(dia.data, dia.target, seed=5)
    reg = LinearRegression().fit(dia.data, dia.target)
    pr = reg.predict(xr)
    ref_r = mean_squared_error(yr, pr)
    src_r = "sklearn.metrics.mean_squared_error(y, LinearRegression().predict(x))"
    pd.Series(pr, name="prediction").to_csv(HERE / "dia_pred_index.csv")
    pd.Series(yr, name="target").to_csv(HERE / "dia_target_index.csv")
    c.add("diabetes_mse_pandas_index", "mse", ["--labels", "dia_target_index.csv", "--preds",
          "dia_pred_index.csv"], ref_r, src_r, "pandas Series.to_csv() (default index)")

    # a Series without a name: header '0'
    pd.Series(pr).to_csv(HERE / "dia_pred_unnamed_series.csv", index=False)
    pd.Series(yr).to_csv(HERE / "dia_target_unnamed_series.csv", index=False)
    c.add("diabetes_unnamed_series", "mse", ["--labels", "dia_target_unnamed_series.csv", "--preds",
          "dia_pred_unnamed_series.csv"], ref_r, src_r, "pandas Series.to_csv(index=False), no name: header 0")

    # np.savetxt, no header
    np.savetxt(HERE / "dia_pred_savetxt.txt", pr)
    np.savetxt(HERE / "dia_target_savetxt.txt", yr)
    c.add("diabetes_savetxt", "mae", ["--labels", "dia_target_savetxt.txt", "--preds", "dia_pred_savetxt.txt"],
          mean_absolute_error(yr, pr), "sklearn.metrics.mean_absolute_error(y, pred)", "np.savetxt (no header)")

    # one file with the index and an integer id 1..N
    f = pd.DataFrame({"sample": np.arange(1, len(yr) + 1), "target": yr, "prediction": pr})
    f.to_csv(HERE / "dia_onefile_index.csv")
    c.add("diabetes_onefile_index_and_counter", "mse", ["dia_onefile_index.csv"], ref_r, src_r,
          "pandas to_csv() of a frame with a 1..N counter column")

    # ids in both files, shuffled, polars
    rid = np.arange(len(yr)) * 7 + 3
    perm_r = np.random.default_rng(6).permutation(len(yr))
    pl.DataFrame({"id": rid[perm_r], "prediction": pr[perm_r]}).write_csv(HERE / "dia_pred_id_polars.csv")
    pl.DataFrame({"id": rid, "target": yr}).write_csv(HERE / "dia_target_id_polars.csv")
    c.add("diabetes_polars_id_shuffled", "mse", ["--labels", "dia_target_id_polars.csv", "--preds",
          "dia_pred_id_polars.csv"], ref_r, src_r, "polars write_csv, id in both files, another order")

    # float32 regression predictions as NPY
    np.save(HERE / "dia_pred_f64.npy", pr)
    np.save(HERE / "dia_target_f64.npy", yr)
    c.add("diabetes_npy_float64", "mse", ["--labels", "dia_target_f64.npy", "--preds", "dia_pred_f64.npy"],
          ref_r, src_r, "np.save float64")

    versions = {p: importlib.metadata.version(p) for p in ("numpy", "pandas", "polars", "scikit-learn", "torch")}
    doc = {"generator": "tests/data/realworld/make_realworld.py", "versions": versions, "cases": c.cases}
    (HERE / "cases.json").write_text(json.dumps(doc, indent=1) + "\n")
    print(f"{len(c.cases)} cases")


if __name__ == "__main__":
    main()
