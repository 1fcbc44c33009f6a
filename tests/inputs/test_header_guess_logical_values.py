"""A header-less first row of logical values (``TRUE,0.7``: Spark's ``df.write.csv``, ``data.table::fwrite``
with ``col.names = FALSE``, Julia's ``CSV.write(header = false)``) is a sample: it was read as a header, and
the sample lost with exit 0 once the columns were chosen by position (0.29076 for scikit-learn's 0.29900);
beside a file of numbers the row-count hint said ``--header``, which lost both files' first rows. A first row
of words and fractions over columns of words (``cat,0.3,0.7`` above ``dog,0.6,0.4``) reads as a sample as
well as a header: refused, naming both options, each of which gives its number."""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import run_cli
from sklearn.metrics import log_loss

Y = np.array([1, 0, 1, 1, 0, 0, 1, 0])
P = np.array([0.7, 0.2, 0.6, 0.9, 0.4, 0.1, 0.8, 0.3])
PEER = log_loss(Y, P)


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
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "l.csv", "--preds", tmp_path / "p.csv", "-q"],
                             capsys)
    peer = float(np.mean(-(y * np.log(q) + (1 - y) * np.log(1 - q))))
    assert code == 0 and float(out) == pytest.approx(peer, rel=1e-14), err
    assert "holds logical values, not names" in err
    (tmp_path / "one.csv").write_text("".join(f"{logical(v, 'upper')}\n" for v in Y))
    (tmp_path / "pp.csv").write_text("".join(f"{p}\n" for p in P))
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "one.csv", "--preds", tmp_path / "pp.csv", "-q"],
                             capsys)
    assert code == 0 and float(out) == pytest.approx(PEER, rel=1e-14), err


def test_a_header_of_names_over_logical_labels_stays_a_header(tmp_path, capsys):
    f = tmp_path / "h.csv"
    f.write_text("y,p\n" + "".join(f"{logical(y, 'upper')},{p}\n" for y, p in zip(Y, P, strict=True)))
    code, out, err = run_cli(["eval", "bce", f, "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(PEER, rel=1e-14), err


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_words_and_fractions_over_words_are_refused_and_both_options_work(tmp_path, capsys, engine):
    names = np.array(["dog", "cat"])
    proba = np.column_stack([np.round(1 - P, 6), P])
    f = tmp_path / "c.csv"
    f.write_text("".join(f"{names[y]},{a},{b}\n" for y, (a, b) in zip(Y, proba, strict=True)))
    args = ["eval", "scce", f, "--label-cols", "1", "--pred-cols", "2,3", "--classes", "dog,cat", "-q",
            "--engine", engine]
    code, out, err = run_cli(args, capsys)
    assert (code, out) == (2, "") and "cannot tell whether the first row (cat,0.3" in err, err
    assert "pass --no-header if it is a sample, or --header if it names the columns" in err
    code, out, err = run_cli([*args, "--no-header"], capsys)
    assert code == 0 and float(out) == pytest.approx(PEER, rel=1e-14), err
    code, out, err = run_cli([*args, "--header"], capsys)
    assert code == 0 and float(out) == pytest.approx(log_loss(Y[1:], proba[1:]), rel=1e-14), err


@pytest.mark.parametrize("header", ["label,0,1", "label,p0,p1"])
def test_names_over_words_with_no_fraction_among_them_stay_a_header(tmp_path, capsys, header):
    """pandas' integer column names beside a column of class names, and names of words: headers, as before."""
    f = tmp_path / "h.csv"
    f.write_text(header + "\n" + "".join(f"{['dog', 'cat'][y]},{1 - p},{p}\n" for y, p in zip(Y, P, strict=True)))
    code, out, err = run_cli(["eval", "scce", f, "--label-cols", "label", "--pred-cols", "2,3", "--classes",
                              "dog,cat", "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(PEER, rel=1e-14), err
