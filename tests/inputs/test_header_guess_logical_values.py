"""A header-less first row of logical values (``TRUE,0.7``: Spark's ``df.write.csv``, ``data.table::fwrite``
with ``col.names = FALSE``, Julia's ``CSV.write(header = false)``) is a sample: it was read as a header, and
the sample lost with exit 0 once the columns were chosen by position (0.29076 for scikit-learn's 0.29900);
beside a file of numbers the row-count hint said ``--header``, which lost both files' first rows. A row of
logical values alone is a sample when it repeats one (``TRUE,TRUE,FALSE``) or is one cell, over logical values;
``False,True`` stays a header (class names, as pandas writes them)."""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import run_cli

Y = np.array([1, 0, 1, 1, 0, 0, 1, 0])
P = np.array([0.7, 0.2, 0.6, 0.9, 0.4, 0.1, 0.8, 0.3])
PEER = float(-np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P)))  # scikit-learn's log_loss: 0.29900…


def two_files(capsys, labels, preds) -> tuple[int, str, str]:
    """``eval bce --labels labels --preds preds -q``: (exit code, stdout, stderr)."""
    return run_cli(["eval", "bce", "--labels", labels, "--preds", preds, "-q"], capsys)


def logical(v: int, spelling: str) -> str:
    return {"upper": ["FALSE", "TRUE"], "lower": ["false", "true"], "title": ["False", "True"]}[spelling][v]


@pytest.mark.parametrize("engine", ["local", "dask"])
@pytest.mark.parametrize("spelling", ["upper", "lower", "title"])
def test_a_first_row_of_a_logical_value_and_a_number_is_a_sample(tmp_path, capsys, spelling, engine):
    f = tmp_path / "spark.csv"
    f.write_text("".join(f"{logical(y, spelling)},{p}\n" for y, p in zip(Y, P, strict=True)))
    args = ["eval", "bce", f, "--label-cols", "1", "--pred-cols", "2", "-q", "--engine", engine]
    code, out, err = run_cli(args, capsys)
    assert code == 0 and float(out) == pytest.approx(PEER, rel=1e-14), err
    if engine == "local":
        assert "holds numbers and logical values, not names" in err


def test_two_files_of_logical_labels_and_numbers_keep_every_row(tmp_path, capsys):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, (30, 3))
    q = rng.uniform(0.05, 0.95, (30, 3))
    (tmp_path / "l.csv").write_text("".join(",".join("TRUE" if v else "FALSE" for v in r) + "\n" for r in y))
    np.savetxt(tmp_path / "p.csv", q, delimiter=",")
    code, out, err = two_files(capsys, tmp_path / "l.csv", tmp_path / "p.csv")
    peer = float(np.mean(-(y * np.log(q) + (1 - y) * np.log(1 - q))))
    assert code == 0 and float(out) == pytest.approx(peer, rel=1e-14), err
    assert "holds logical values, not names" in err
    # one column: a lone TRUE may name a class (get_dummies(drop_first=True)), so the hint names the way
    (tmp_path / "one.csv").write_text("".join(f"{logical(v, 'upper')}\n" for v in Y))
    (tmp_path / "pp.csv").write_text("".join(f"{p}\n" for p in P))
    code, out, err = two_files(capsys, tmp_path / "one.csv", tmp_path / "pp.csv")
    assert (code, out) == (3, "") and "pass --no-header if it is a sample" in err, err
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "one.csv", "--preds", tmp_path / "pp.csv",
                              "--no-header", "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(PEER, rel=1e-14), err


def test_a_header_of_names_over_logical_labels_stays_a_header(tmp_path, capsys):
    f = tmp_path / "h.csv"
    f.write_text("y,p\n" + "".join(f"{logical(y, 'upper')},{p}\n" for y, p in zip(Y, P, strict=True)))
    code, out, err = run_cli(["eval", "bce", f, "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(PEER, rel=1e-14), err


def test_logical_class_names_stay_a_header(tmp_path, capsys):
    """``pd.get_dummies`` of a bool column, or ``pd.DataFrame(proba, columns=clf.classes_)`` for a bool target,
    writes the header ``False,True`` (over ``True,False`` rows in pandas 2): names of two classes, as before."""
    import pandas as pd

    y = Y.astype(bool)
    pd.get_dummies(pd.Series(y)).to_csv(tmp_path / "labels.csv", index=False)
    pd.DataFrame(np.column_stack([1 - P, P])).to_csv(tmp_path / "p.csv", index=False)
    pd.DataFrame(np.column_stack([1 - P, P]), columns=[False, True]).to_csv(tmp_path / "pb.csv", index=False)
    assert (tmp_path / "labels.csv").read_text().startswith("False,True\n")
    for preds in ("p.csv", "pb.csv"):
        code, out, err = run_cli(["eval", "cce", "--labels", tmp_path / "labels.csv", "--preds", tmp_path / preds,
                                  "-q"], capsys)
        assert code == 0 and float(out) == pytest.approx(PEER, rel=1e-14), (preds, err)


@pytest.mark.parametrize("first", ["TRUE,TRUE,FALSE", "false,false", "FALSE,TRUE,TRUE,"])
def test_a_header_less_row_of_logical_values_repeating_one_is_a_sample(tmp_path, capsys, first):
    cells = [c for c in first.split(",") if c]
    k = len(cells)
    rng = np.random.default_rng(3)
    rows = [cells] + [["TRUE" if v else "FALSE" for v in r] for r in rng.integers(0, 2, (9, k))]
    y = np.array([[c.lower() == "true" for c in r] for r in rows], dtype=float)
    end = "," if first.endswith(",") else ""  # a trailing delimiter on every line (awk, paste)
    q = rng.uniform(0.05, 0.95, (10, k))
    (tmp_path / "l.csv").write_text("".join(",".join(r) + end + "\n" for r in rows))
    np.savetxt(tmp_path / "p.csv", q, delimiter=",")
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "l.csv", "--preds", tmp_path / "p.csv",
                              *(["--label-cols", f"1:{k}"] if end else []), "-q"], capsys)
    peer = float(np.mean(-(y * np.log(q) + (1 - y) * np.log(1 - q))))
    assert code == 0 and float(out) == pytest.approx(peer, rel=1e-14), err


def test_get_dummies_with_drop_first_names_its_one_column(tmp_path, capsys):
    """``pd.get_dummies(y, drop_first=True)`` writes ``True`` over its rows: a header (read as a sample beside
    pandas' ``1`` above ``pd.DataFrame(proba)[[1]]``, which is read as data, both files gained a row and gave
    another number); the hint names both readings."""
    import pandas as pd

    pd.get_dummies(pd.Series(Y.astype(bool)), drop_first=True).to_csv(tmp_path / "l.csv", index=False)
    pd.DataFrame(np.column_stack([1 - P, P]))[[1]].to_csv(tmp_path / "p.csv", index=False)
    assert (tmp_path / "l.csv").read_text().startswith("True\n")
    code, out, err = two_files(capsys, tmp_path / "l.csv", tmp_path / "p.csv")
    assert (code, out) == (3, "") and "pass --header if both are column names" in err, err
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "l.csv", "--preds", tmp_path / "p.csv",
                              "--header", "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(PEER, rel=1e-14), err


def test_the_header_line_hint_for_a_tab_separated_file_works(tmp_path):
    import subprocess
    import sys

    labels = tmp_path / "l.tsv"
    labels.write_text("".join(f"{logical(y, 'upper')}\t{logical(1 - y, 'upper')}\n" for y in Y))
    (tmp_path / "p.csv").write_text("a,b\n" + "".join(f"{p},{1 - p}\n" for p in P))
    base = f"{sys.executable} -m losscli eval bce --preds {tmp_path / 'p.csv'} -q --labels "
    done = subprocess.run(["bash", "-c", base + str(labels)], capture_output=True, text=True, check=False)
    assert done.returncode == 3 and "in the shell, <(printf 'y1\\ty2\\n'; cat" in done.stderr, done.stderr
    shell = done.stderr.split("in the shell, ")[1].split(" in place of ")[0]
    done = subprocess.run(["bash", "-c", base + shell], capture_output=True, text=True, check=False)
    y2 = np.column_stack([Y, 1 - Y])
    p2 = np.column_stack([P, 1 - P])
    peer = float(np.mean(-(y2 * np.log(p2) + (1 - y2) * np.log(1 - p2))))
    assert done.returncode == 0 and float(done.stdout) == pytest.approx(peer, rel=1e-14), done.stderr


def test_one_logical_name_over_numbers_stays_a_header(tmp_path, capsys):
    """``pd.DataFrame(proba, columns=clf.classes_)[[True]]``: a column named True over probabilities."""
    (tmp_path / "y.csv").write_text("y\n" + "".join(f"{v}\n" for v in Y))
    (tmp_path / "p.csv").write_text("True\n" + "".join(f"{v}\n" for v in P))
    code, out, err = two_files(capsys, tmp_path / "y.csv", tmp_path / "p.csv")
    assert code == 0 and float(out) == pytest.approx(PEER, rel=1e-14), err


def test_excels_sep_line_above_a_logical_sample(tmp_path, capsys):
    f = tmp_path / "e.csv"
    f.write_text("sep=,\n" + "".join(f"{logical(y, 'upper')},{p}\n" for y, p in zip(Y, P, strict=True)))
    code, out, err = run_cli(["eval", "bce", f, "--label-cols", "1", "--pred-cols", "2", "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(PEER, rel=1e-14), err


def test_a_first_sample_read_as_logical_class_names_is_named_with_a_hint_that_gives_the_number(tmp_path, capsys):
    """``FALSE,TRUE`` opening header-less multi-label rows reads as class names: the row-count hint said
    --header, which dropped the first row of both files (a number, exit 0)."""
    import subprocess
    import sys

    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, (12, 2))
    y[0] = [0, 1]
    q = rng.uniform(0.05, 0.95, (12, 2))
    labels = tmp_path / "l.csv"
    labels.write_text("".join(",".join("TRUE" if v else "FALSE" for v in r) + "\n" for r in y))
    np.savetxt(tmp_path / "p.csv", q, delimiter=",")
    peer = float(np.mean(-(y * np.log(q) + (1 - y) * np.log(1 - q))))
    args = ["eval", "bce", "--labels", labels, "--preds", tmp_path / "p.csv", "-q"]
    code, out, err = run_cli(args, capsys)
    assert (code, out) == (3, "") and "(FALSE,TRUE) was read as a header" in err, err
    assert "pass --no-header if it is a sample" in err
    code, out, err = run_cli([*args, "--no-header"], capsys)
    assert code == 0 and float(out) == pytest.approx(peer, rel=1e-14), err
    # beside a file with a header of its own: a header line for the labels, in the shell
    (tmp_path / "ph.csv").write_text("p1,p2\n" + "".join(f"{a!r},{b!r}\n" for a, b in q.tolist()))
    code, out, err = run_cli(["eval", "bce", "--labels", labels, "--preds", tmp_path / "ph.csv", "-q"], capsys)
    assert code == 3 and f"<(echo y1,y2; cat {labels}) in place of {labels}" in err, err
    cmd = (f"{sys.executable} -m losscli eval bce --labels <(echo y1,y2; cat {labels}) --preds {tmp_path / 'ph.csv'} "
           "-q")
    done = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and float(done.stdout) == pytest.approx(peer, rel=1e-14), done.stderr


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_logical_names_beside_pandas_names_both_guessed_wait_for_a_header_option(tmp_path, capsys, engine):
    """``false,true`` over logical labels and ``0,1`` over 0/1 predictions, both header-less: each first row was
    read as a header and each file lost a sample, with no row-count mismatch (0.25 for 0.2, exit 0)."""
    y = np.array([[0, 1], [1, 0], [0, 0], [1, 1], [0, 1]])
    p = np.array([[0, 1], [1, 0], [0, 1], [1, 1], [0, 0]])
    (tmp_path / "l.csv").write_text("".join(",".join(logical(v, "lower") for v in r) + "\n" for r in y))
    (tmp_path / "p.csv").write_text("".join(",".join(map(str, r)) + "\n" for r in p))
    args = ["eval", "hamming", "--labels", tmp_path / "l.csv", "--preds", tmp_path / "p.csv", "-q", "--engine", engine]
    code, out, err = run_cli(args, capsys)
    assert (code, out) == (2, "") and "pass --no-header if the first rows are samples" in err, err
    code, out, err = run_cli([*args, "--no-header"], capsys)
    assert code == 0 and float(out) == pytest.approx(float(np.mean(y != p)), rel=1e-14), err
