"""A header-less first row holding words beside other cells (``cat,0.78,0.22``: class names as labels, written
by ``np.savetxt(fmt="%s")``, ``df.to_csv(header=False)``, R's ``write.table(col.names = FALSE)``) is a sample
when one of its words is a value of its own column in another row below and each cell stands over cells of its
kind. It was read as a header: chosen by position the sample was lost with exit 0 (1.16741 for 1.14903 over 50
rows), and beside a file of numbers the row-count hint said ``--header``, which lost both first rows, exit 0.
Headers of names (``label,0,1`` over class names, ``y,0.5`` over numbers, ``0,1,spam`` over probabilities) stay
headers, and so does a lone word (``cat``, ``y`` above ``y``/``n``), which no other cell can show to be a
sample: beside numbers read as data, its row-count hint names both ``--no-header`` and ``--header``."""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import run_cli

CLASSES = ["cat", "dog"]


def _sample(n: int = 50, seed: int = 1) -> tuple[list[str], np.ndarray, float]:
    """Class-name labels (the first ``cat``), probabilities and scikit-learn's log loss over all ``n`` rows."""
    rng = np.random.default_rng(seed)
    labels = [str(v) for v in rng.choice(CLASSES, n)]
    labels[0] = "cat"
    p = rng.dirichlet([1, 1], n)
    y = np.array([CLASSES.index(v) for v in labels])
    return labels, p, float(-np.mean(np.log(p[np.arange(n), y])))


def _scce(capsys, *args) -> tuple[int, str, str]:
    return run_cli(["eval", "scce", *args, "--classes", ",".join(CLASSES), "-q"], capsys)


@pytest.mark.parametrize("engine", ["local", "dask"])
@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_a_first_row_of_a_class_name_and_probabilities_is_a_sample(tmp_path, capsys, engine, delimiter):
    labels, p, peer = _sample()
    f = tmp_path / ("d.csv" if delimiter == "," else "d.tsv")
    f.write_text("".join(f"{y}{delimiter}{a!r}{delimiter}{b!r}\n" for y, (a, b) in zip(labels, p.tolist(),
                                                                                     strict=True)))
    code, out, err = _scce(capsys, f, "--label-cols", "1", "--pred-cols", "2,3", "--engine", engine)
    assert code == 0 and float(out) == pytest.approx(peer, rel=1e-14), err
    if engine == "local":
        assert "is read as data, not as a header: 'cat' is also a value of its column below" in err


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_a_labels_file_of_class_names_without_a_header_gets_a_hint_that_works(tmp_path, capsys, engine):
    """A lone word stays a header (``label`` above a copy of the header below, files run together, looks alike):
    one row short of the predictions, the hint names --no-header beside --header."""
    labels, p, peer = _sample(30, seed=2)
    (tmp_path / "y.csv").write_text("".join(f"{v}\n" for v in labels))
    np.savetxt(tmp_path / "p.csv", p, delimiter=",")
    args = ["--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "--engine", engine]
    code, out, err = _scce(capsys, *args)
    assert (code, out) == (3, "") and "pass --no-header if both are samples, --header if both are column names" in err
    code, out, err = _scce(capsys, *args, "--no-header")
    assert code == 0 and float(out) == pytest.approx(peer, rel=1e-14), err


def test_a_header_over_numbers_beside_a_file_of_numbers_keeps_the_header_hint(tmp_path, capsys):
    """``y`` over numbers cannot be a sample: the hint stays ``--header`` (the other file's header of numbers)."""
    (tmp_path / "y.csv").write_text("y\n1\n0\n1\n0\n")
    (tmp_path / "p.csv").write_text("1\n0.8\n0.3\n0.6\n0.1\n")
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "-q"],
                             capsys)
    assert (code, out) == (3, "") and "pass --header if it is column names" in err and "--no-header" not in err


@pytest.mark.parametrize("header, pred_cols", [("label,0,1", "0,1"), ("label,p_cat,p_dog", "p_cat,p_dog")])
def test_headers_of_names_over_class_names_stay_headers(tmp_path, capsys, header, pred_cols):
    labels, p, peer = _sample(40, seed=4)
    f = tmp_path / "d.csv"
    f.write_text(header + "\n" + "".join(f"{y},{a!r},{b!r}\n" for y, (a, b) in zip(labels, p.tolist(), strict=True)))
    code, out, err = _scce(capsys, f, "--label-cols", "label", "--pred-cols", pred_cols)
    assert code == 0 and float(out) == pytest.approx(peer, rel=1e-14), err
    assert "read as data" not in err


def test_a_header_of_a_name_and_numbers_over_numbers_stays_a_header(tmp_path, capsys):
    rng = np.random.default_rng(5)
    y, q = rng.normal(size=25), rng.normal(size=25)
    f = tmp_path / "q.csv"
    f.write_text("y,0.5\n" + "".join(f"{a!r},{b!r}\n" for a, b in zip(y.tolist(), q.tolist(), strict=True)))
    code, out, err = run_cli(["eval", "mse", f, "--label-cols", "y", "--pred-cols", "0.5", "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(float(np.mean((y - q) ** 2)), rel=1e-14), err


@pytest.mark.parametrize("preds_header", ["p_n,p_y", "0,1", None])
def test_a_lone_word_over_its_own_values_stays_a_header(tmp_path, capsys, preds_header):
    """``y`` above ``y``/``n`` labels names its column: read as a header beside predictions under a header,
    pandas' names (``pd.DataFrame(p).to_csv(index=False)``) or none."""
    rng = np.random.default_rng(6)
    labels = [str(v) for v in rng.choice(["y", "n"], 20)]
    p = rng.dirichlet([1, 1], 20)
    (tmp_path / "yn.csv").write_text("y\n" + "".join(f"{v}\n" for v in labels))
    if preds_header is None:
        np.savetxt(tmp_path / "p.csv", p, delimiter=",")
    else:
        np.savetxt(tmp_path / "p.csv", p, delimiter=",", header=preds_header, comments="")
    args = ["eval", "scce", "--labels", tmp_path / "yn.csv", "--preds", tmp_path / "p.csv", "--classes", "n,y", "-q"]
    code, out, err = run_cli(args, capsys)
    y = np.array([["n", "y"].index(v) for v in labels])
    peer = float(-np.mean(np.log(p[np.arange(20), y])))
    assert code == 0 and float(out) == pytest.approx(peer, rel=1e-14), err


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_pandas_names_beside_a_column_named_after_one_of_its_values_stay_a_header(tmp_path, capsys, engine):
    """``pd.DataFrame(proba)`` with a label column ``spam`` added: ``0,1,spam`` names the columns."""
    rng = np.random.default_rng(9)
    labels = [str(v) for v in rng.choice(["ham", "spam"], 30)]
    p = rng.dirichlet([1, 1], 30)
    f = tmp_path / "f.csv"
    f.write_text("0,1,spam\n" + "".join(f"{a!r},{b!r},{v}\n" for (a, b), v in zip(p.tolist(), labels, strict=True)))
    code, out, err = run_cli(["eval", "scce", f, "--label-cols", "spam", "--pred-cols", "0,1", "--classes",
                              "ham,spam", "-q", "--engine", engine], capsys)
    y = np.array([["ham", "spam"].index(v) for v in labels])
    assert code == 0 and float(out) == pytest.approx(float(-np.mean(np.log(p[np.arange(30), y]))), rel=1e-14), err


def test_a_header_written_again_below_is_still_named(tmp_path, capsys):
    """Files run together (``cat a.csv b.csv``) repeat the header: the first row stays a header, and the copy
    below is refused as such."""
    (tmp_path / "y.csv").write_text("label\ncat\ndog\nlabel\nbird\ncat\n")
    (tmp_path / "p.csv").write_text("bird,cat,dog\n0.2,0.5,0.3\n0.1,0.1,0.8\n0.6,0.2,0.2\n0.3,0.4,0.3\n")
    code, out, err = run_cli(["eval", "cce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "-q"],
                             capsys)
    assert (code, out) == (3, "") and "the header again among the rows" in err, err


def _houses(tmp_path, header: str | None = None) -> tuple[object, float]:
    """Ids, prices and predictions without a header (or under ``header``); the peer's MSE over every row."""
    rng = np.random.default_rng(7)
    y = rng.normal(100, 10, 20)
    p = y + rng.normal(0, 5, 20)
    f = tmp_path / "houses.csv"
    f.write_text(("" if header is None else header + "\n")
                 + "".join(f"house_{i},{a!r},{b!r}\n" for i, (a, b) in enumerate(zip(y.tolist(), p.tolist(),
                                                                                     strict=True))))
    return f, float(np.mean((y - p) ** 2))


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_columns_chosen_by_position_under_a_first_row_that_may_be_a_sample_wait_for_a_header_option(
        tmp_path, capsys, engine):
    """``house_0,100.0,90.8`` (no word written again below) is guessed to be a header; by position none of its
    names is used, and the sample was lost with exit 0."""
    f, peer = _houses(tmp_path)
    args = ["eval", "mse", f, "--label-cols", "2", "--pred-cols", "#3", "-q", "--engine", engine]
    code, out, err = run_cli(args, capsys)
    assert (code, out) == (2, "") and "pass --header if it is column names, --no-header if it is a sample" in err
    code, out, err = run_cli([*args, "--no-header"], capsys)
    assert code == 0 and float(out) == pytest.approx(peer, rel=1e-14), err


@pytest.mark.parametrize("header, selection", [
    ("id,y,p", ["--label-cols", "2", "--pred-cols", "3"]),  # names over numbers: a header
    ("id,price,pred", ["--label-cols", "price", "--pred-cols", "3"]),  # a name chosen: the header is used
    (",y,p", ["--label-cols", "2", "--pred-cols", "3"]),  # an index's empty name: a header
])
def test_a_header_that_cannot_be_a_sample_or_whose_names_are_used_is_read(tmp_path, capsys, header, selection):
    f, peer = _houses(tmp_path, header)
    code, out, err = run_cli(["eval", "mse", f, *selection, "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(peer, rel=1e-14), err


def test_two_header_less_files_whose_first_rows_may_be_samples_wait_for_a_header_option(tmp_path, capsys):
    """``cat`` opening a labels file of class names and ``house_0,0.2,0.8`` (an id, probabilities) a predictions
    file, both without a header: read as headers, each file would lose its first sample, the row counts equal."""
    labels, p, peer = _sample(25, seed=10)
    (tmp_path / "y.csv").write_text("".join(f"{v}\n" for v in labels))
    (tmp_path / "p.csv").write_text("".join(f"house_{i},{a!r},{b!r}\n" for i, (a, b) in enumerate(p.tolist())))
    args = ["--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "--pred-cols", "2,3"]
    code, out, err = _scce(capsys, *args)
    assert (code, out) == (2, "") and "--no-header if they are samples" in err, err
    code, out, err = _scce(capsys, *args, "--no-header")
    assert code == 0 and float(out) == pytest.approx(peer, rel=1e-14), err


@pytest.mark.parametrize("header", ["id,question,label", "label"])
def test_role_names_chosen_by_position_are_read_as_a_header(tmp_path, capsys, header):
    labels, p, peer = _sample(12, seed=11)
    cols = len(header.split(","))
    rows = [[f"q{i}", f"what is {i}?", v][-cols:] for i, v in enumerate(labels)]
    (tmp_path / "y.csv").write_text(header + "\n" + "".join(",".join(r) + "\n" for r in rows))
    np.savetxt(tmp_path / "p.csv", p, delimiter=",", header="p_cat,p_dog", comments="")
    code, out, err = _scce(capsys, "--labels", tmp_path / "y.csv", "--label-cols", str(cols), "--preds",
                           tmp_path / "p.csv")
    assert code == 0 and float(out) == pytest.approx(peer, rel=1e-14), err


def test_a_words_row_read_as_data_beside_a_guessed_header_names_both_options(tmp_path, capsys):
    """``a1,cat`` (``cat`` again below: data) beside ``a1,0.3,0.7`` (ids written once: a guessed header): the
    hint said --header alone, which lost both first rows (0.279777 for 0.299001, exit 0)."""
    labels, p, peer = _sample(8, seed=12)
    (tmp_path / "y.csv").write_text("".join(f"a{i},{v}\n" for i, v in enumerate(labels)))
    (tmp_path / "p.csv").write_text("".join(f"a{i},{a!r},{b!r}\n" for i, (a, b) in enumerate(p.tolist())))
    args = ["--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "--label-cols", "2", "--pred-cols", "2:3"]
    code, out, err = _scce(capsys, *args)
    assert (code, out) == (3, "") and "pass --no-header if both are samples, --header if both are column" in err, err
    code, out, err = _scce(capsys, *args, "--no-header")
    assert code == 0 and float(out) == pytest.approx(peer, rel=1e-14), err


@pytest.mark.parametrize("options", [[], ["--id-col", "id"], ["--label-cols", "y", "--pred-cols", "p"],
                                     ["--engine", "dask"]])
def test_a_role_name_beside_a_word_of_the_column_below_keeps_the_header(tmp_path, capsys, options):
    """``id,y`` above ``a1,y``: ``y`` is a value below, but ``id`` names a role and no row holds it."""
    rng = np.random.default_rng(13)
    labels = [str(v) for v in rng.choice(["y", "n"], 12)]
    p = rng.uniform(0.05, 0.95, 12)
    (tmp_path / "y.csv").write_text("id,y\n" + "".join(f"a{i},{v}\n" for i, v in enumerate(labels)))
    (tmp_path / "p.csv").write_text("id,p\n" + "".join(f"a{i},{v!r}\n" for i, v in enumerate(p.tolist())))
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "--classes",
                              "n,y", "-q", *options], capsys)
    y = np.array([v == "y" for v in labels], dtype=float)
    peer = float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    assert code == 0 and float(out) == pytest.approx(peer, rel=1e-14), err


@pytest.mark.parametrize("first", ["id_001,1,0.9", "store_a,1,2", "user_17,3,2.5"])
def test_ids_like_names_and_positions_like_its_numbers_are_refused_by_position(tmp_path, capsys, first):
    """``id_001`` is a value, not the name ``id``; ``2`` in ``--label-cols 2`` is a position where ``3`` names no
    column of ``store_a,1,2``: read as a header, the first sample was lost with exit 0."""
    rng = np.random.default_rng(14)
    head = first.split(",")[0].rsplit("_", 1)[0]
    rows = [first.split(",")] + [[f"{head}_{i:03d}", str(int(rng.integers(0, 2))), repr(float(rng.uniform(0.1, 0.9)))]
                                 for i in range(2, 12)]
    (tmp_path / "d.csv").write_text("".join(",".join(r) + "\n" for r in rows))
    y, q = np.array([float(r[1]) for r in rows]), np.array([float(r[2]) for r in rows])
    args = ["eval", "mse", tmp_path / "d.csv", "--label-cols", "2", "--pred-cols", "3", "-q"]
    code, out, err = run_cli(args, capsys)
    assert (code, out) == (2, "") and "--no-header if it is a sample" in err, err
    code, out, err = run_cli([*args, "--no-header"], capsys)
    assert code == 0 and float(out) == pytest.approx(float(np.mean((y - q) ** 2)), rel=1e-14), err


def test_probabilities_written_as_integers_open_a_sample(tmp_path, capsys):
    """R's ``write.table(col.names = FALSE)`` writes 1.0 as ``1``: ``"setosa",1,0,0`` is a sample (it was read
    as a header, 0.253421 for 0.202737, exit 0)."""
    classes = ["setosa", "versicolor", "virginica"]
    labels = ["setosa", "versicolor", "virginica", "setosa", "versicolor", "virginica"]
    p = np.array([[1, 0, 0], [0.02, 0.9, 0.08], [0.1, 0.2, 0.7], [0.8, 0.15, 0.05], [0.3, 0.6, 0.1], [0, 0.25, 0.75]])
    (tmp_path / "r.csv").write_text("".join(f'"{v}",' + ",".join(f"{x:g}" for x in r) + "\n"
                                            for v, r in zip(labels, p, strict=True)))
    code, out, err = run_cli(["eval", "cce", tmp_path / "r.csv", "--label-cols", "1", "--pred-cols", "2:4",
                              "--classes", ",".join(classes), "-q"], capsys)
    y = np.array([classes.index(v) for v in labels])
    peer = float(-np.mean(np.log(np.clip(p[np.arange(6), y], 1e-15, 1))))
    assert code == 0 and float(out) == pytest.approx(peer, rel=1e-12), err


def test_text_answers_mixing_words_and_numbers_are_refused_by_position(tmp_path, capsys):
    """An evaluation file without a header whose gold answers are words and numbers (``Paris``, ``8``)."""
    rows = [["q001", "What is the capital of France?", "Paris", "1", "0.91"],
            ["q002", "How many legs does a spider have?", "8", "1", "0.72"],
            ["q003", "Who wrote Hamlet?", "Shakespeare", "0", "0.35"],
            ["q004", "2 + 2?", "4", "1", "0.66"]]
    (tmp_path / "e.csv").write_text("".join(",".join(r) + "\n" for r in rows))
    args = ["eval", "bce", tmp_path / "e.csv", "--label-cols", "4", "--pred-cols", "5", "-q"]
    code, out, err = run_cli(args, capsys)
    assert (code, out) == (2, "") and "--no-header if it is a sample" in err, err
    code, out, err = run_cli([*args, "--no-header"], capsys)
    y, q = np.array([1, 1, 0, 1.0]), np.array([0.91, 0.72, 0.35, 0.66])
    assert code == 0 and float(out) == pytest.approx(float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q))),
                                                     rel=1e-14), err


def test_a_lone_word_beside_predictions_under_a_header_gets_a_header_line_that_works(tmp_path):
    import subprocess
    import sys

    labels, p, peer = _sample(20, seed=15)
    (tmp_path / "y.csv").write_text("".join(f"{v}\n" for v in labels))
    np.savetxt(tmp_path / "p.csv", p, delimiter=",", header="p_cat,p_dog", comments="")
    base = f"{sys.executable} -m losscli eval scce --preds {tmp_path / 'p.csv'} --classes cat,dog -q --labels "
    done = subprocess.run(["bash", "-c", base + str(tmp_path / "y.csv")], capture_output=True, text=True, check=False)
    assert done.returncode == 3 and "in the shell, <(echo y1; cat" in done.stderr, done.stderr
    shell = done.stderr.split("in the shell, ")[1].split(" in place of ")[0]
    done = subprocess.run(["bash", "-c", base + shell], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and float(done.stdout) == pytest.approx(peer, rel=1e-14), done.stderr


def _yn(tmp_path, first: str | None, n: int = 12, seed: int = 16) -> tuple[list[str], np.ndarray, float]:
    """``y``/``n`` labels (the first ``y``), probabilities, and scikit-learn's log loss over every row."""
    rng = np.random.default_rng(seed)
    labels = [str(v) for v in rng.choice(["y", "n"], n)]
    labels[0] = "y"
    p = rng.uniform(0.1, 0.9, n)
    t = np.array([v == "y" for v in labels], dtype=float)
    return labels, p, float(-np.mean(t * np.log(p) + (1 - t) * np.log(1 - p)))


def test_a_role_name_its_column_holds_is_no_proof_of_a_sample(tmp_path, capsys):
    """``y,1`` above ``y,0.8``: ``y`` names the labels and is one of them. It was read as data (0.320294 for
    0.400367, exit 0); chosen by position, the run now waits for --header, which gives the right number; chosen
    by name, the header is read."""
    labels, p, peer = _yn(tmp_path, None)
    f = tmp_path / "y1.csv"
    f.write_text("y,1\n" + "".join(f"{v},{q!r}\n" for v, q in zip(labels, p.tolist(), strict=True)))
    args = ["eval", "bce", f, "--classes", "n,y", "-q"]
    code, out, err = run_cli([*args, "--label-cols", "1", "--pred-cols", "2"], capsys)
    assert (code, out) == (2, "") and "pass --header if it is column names" in err, err
    for extra in (["--label-cols", "1", "--pred-cols", "2", "--header"], ["--label-cols", "y", "--pred-cols", "=1"]):
        code, out, err = run_cli([*args, *extra], capsys)
        assert code == 0 and float(out) == pytest.approx(peer, rel=1e-14), (extra, err)


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_a_header_naming_the_labels_after_a_class_beside_header_less_predictions(tmp_path, capsys, engine):
    """``name,y`` above ``a,y``, beside predictions without a header: both read as they are (the hint said
    --header, which lost a row of each)."""
    labels, p, peer = _yn(tmp_path, None, seed=17)
    (tmp_path / "l.csv").write_text("name,y\n" + "".join(f"s{i},{v}\n" for i, v in enumerate(labels)))
    np.savetxt(tmp_path / "p.csv", p)
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "l.csv", "--preds", tmp_path / "p.csv",
                              "--classes", "n,y", "--label-cols", "y", "-q", "--engine", engine], capsys)
    assert code == 0 and float(out) == pytest.approx(peer, rel=1e-14), err


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_a_lone_role_name_label_beside_ids_without_a_header_waits_for_an_option(tmp_path, capsys, engine):
    """Labels ``y``/``n`` and predictions ``a0,0.36`` without headers: each file lost its first row, with equal
    counts, exit 0."""
    labels, p, peer = _yn(tmp_path, None, seed=18)
    (tmp_path / "l.csv").write_text("".join(f"{v}\n" for v in labels))
    (tmp_path / "p.csv").write_text("".join(f"a{i},{q!r}\n" for i, q in enumerate(p.tolist())))
    args = ["eval", "bce", "--labels", tmp_path / "l.csv", "--preds", tmp_path / "p.csv", "--pred-cols", "2",
            "--classes", "n,y", "-q", "--engine", engine]
    code, out, err = run_cli(args, capsys)
    assert (code, out) == (2, "") and "--no-header if they are samples" in err, err
    code, out, err = run_cli([*args, "--no-header"], capsys)
    assert code == 0 and float(out) == pytest.approx(peer, rel=1e-14), err
