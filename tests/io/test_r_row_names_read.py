"""R's write.table writes row names under no header cell of their own: the header is one cell shorter than every
row. losscli refused such a file (exit 3, with the writes that avoid it); R's read.table and pandas' read_csv
take its first column as the row names (an index), and so does losscli now: not a label or a prediction, but a
pandas index, checked against the other file's as one is (the same row names in another order are refused).

The files are written here byte for byte as R writes them: ``write.table(df, f)`` (one space between cells;
texts, names and row names quoted: ``"1"``, ``"2"``, …), ``write.table(df, f, sep = ",")`` and ``sep = "\\t"``,
``quote = FALSE`` (row names 1, 2, … unquoted; not with spaces, where names and words are not told apart from
cells), with numbers to 15 significant digits.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_cli

RNG = np.random.default_rng(11)
N = 40
Y = [int(v) for v in RNG.integers(0, 2, N)]
P = [float(v) for v in np.round(RNG.uniform(0.02, 0.98, N), 6)]
BCE = -sum(y * math.log(p) + (1 - y) * math.log(1 - p) for y, p in zip(Y, P, strict=True)) / N


def write_table(path: Path, columns: dict[str, list], *, row_names: list[str] | None = None, row_names_on: bool = True,
                sep: str = " ", quote: bool = True, order: list[int] | None = None) -> Path:
    """What ``write.table(df, path, sep = sep, quote = quote, row.names = row_names_on)`` writes, for the data
    frame of ``columns`` (rows in ``order``; their row names ``row_names``, R's default "1", "2", … of the rows
    as first made, which a reordering ``df[order, ]`` keeps)."""
    n = len(next(iter(columns.values())))
    order = list(range(n)) if order is None else order
    names = row_names or [str(i + 1) for i in range(n)]

    def q(text: str) -> str:
        return f'"{text}"' if quote else text

    lines = [sep.join(q(c) for c in columns)]
    for i in order:
        cells = [q(v) if isinstance(v, str) else repr(v) if isinstance(v, float) else str(v)
                 for v in (col[i] for col in columns.values())]
        lines.append(sep.join(([q(names[i])] if row_names_on else []) + cells))
    path.write_bytes(("\n".join(lines) + "\n").encode())
    return path


@pytest.mark.parametrize(("sep", "quote"), [(" ", True), (",", True), ("\t", True), (",", False), ("\t", False)])
def test_one_file_with_row_names_gives_the_number_of_the_file_without(tmp_path, capsys, sep, quote):
    f = write_table(tmp_path / "f.txt", {"y": Y, "p": P}, sep=sep, quote=quote)
    assert f.read_text().splitlines()[1] == sep.join([q := ('"1"' if quote else "1"), str(Y[0]), repr(P[0])]), q
    plain = write_table(tmp_path / "plain.txt", {"y": Y, "p": P}, sep=sep, quote=quote, row_names_on=False)
    code, out, err = run_cli(["eval", "bce", plain, "-q"], capsys)
    assert code == 0, err
    expected = float(out)
    assert expected == pytest.approx(BCE, rel=1e-12)
    for extra in ([], ["--label-cols", "y"], ["--label-cols", "y", "--pred-cols", "p"]):
        code, out, err = run_cli(["eval", "bce", f, "-q", *extra], capsys)
        assert code == 0, err  # exit 3 before: a row with 3 cells where the header has 2
        assert float(out) == expected
    code, out, err = run_cli(["eval", "bce", f, "--format", "json"], capsys)
    doc = json.loads(out)
    assert doc["value"] == expected and doc["inputs"]["labels"]["columns"] == ["y"]
    assert doc["inputs"]["preds"]["columns"] == ["p"]
    assert any("row names" in note for note in doc["inputs"]["notes"])


def test_row_names_that_are_texts(tmp_path, capsys):
    f = write_table(tmp_path / "f.csv", {"y": Y, "p": P}, sep=",", row_names=[f"s{i:03d}" for i in range(N)])
    code, out, err = run_cli(["eval", "bce", f, "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(BCE, rel=1e-12)
    unquoted = write_table(tmp_path / "u.csv", {"y": Y, "p": P}, sep=",", quote=False,
                           row_names=[f"s{i:03d}" for i in range(N)])
    code, out, err = run_cli(["eval", "bce", unquoted, "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(BCE, rel=1e-12), err


@pytest.mark.parametrize("sep", [" ", ","])
def test_labels_and_predictions_files_with_row_names(tmp_path, capsys, sep):
    y = write_table(tmp_path / "y.txt", {"y": Y}, sep=sep)
    p = write_table(tmp_path / "p.txt", {"p": P}, sep=sep)
    code, out, err = run_cli(["eval", "bce", "--labels", y, "--preds", p, "-q"], capsys)
    assert code == 0, err  # exit 3 before
    assert float(out) == pytest.approx(BCE, rel=1e-12)


@pytest.mark.parametrize("sep", [" ", ","])
def test_row_names_in_another_order_are_refused_as_shuffled_and_the_hint_works(tmp_path, capsys, sep):
    """The predictions of a shuffled frame (``p[sample(nrow(p)), ]`` keeps its row names): paired by position
    they would give another number; they are refused as a pandas index in another order is."""
    order = [int(i) for i in np.random.default_rng(3).permutation(N)]
    y = write_table(tmp_path / "y.txt", {"y": Y}, sep=sep)
    p = write_table(tmp_path / "p.txt", {"p": P}, sep=sep, order=order)
    code, out, err = run_cli(["eval", "bce", "--labels", y, "--preds", p, "-q"], capsys)
    assert code == 3 and out == "", err
    assert "another order" in err and "p.txt" in err and "column named id in both files" in err
    # the hint: the row names as a column named id in both files (cbind(id = rownames(df), df), row.names = FALSE)
    ids = [str(i + 1) for i in range(N)]
    y = write_table(tmp_path / "y.txt", {"id": ids, "y": Y}, sep=sep, row_names_on=False)
    p = write_table(tmp_path / "p.txt", {"id": ids, "p": P}, sep=sep, order=order, row_names_on=False)
    code, out, err = run_cli(["eval", "bce", "--labels", y, "--preds", p, "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(BCE, rel=1e-12)


def test_a_large_file_with_row_names_and_a_row_without_past_the_sample(tmp_path, capsys):
    """Past 1 MB (read in blocks by the compiled parser and pyarrow) and past the 64 KiB sample."""
    n = 60000
    rng = np.random.default_rng(5)
    y = [int(v) for v in rng.integers(0, 2, n)]
    p = [float(v) for v in np.round(rng.uniform(0.02, 0.98, n), 6)]
    f = write_table(tmp_path / "big.csv", {"y": y, "p": p}, sep=",")
    assert f.stat().st_size > 1 << 20
    plain = write_table(tmp_path / "plain.csv", {"y": y, "p": p}, sep=",", row_names_on=False)
    code, out, err = run_cli(["eval", "bce", plain, "-q"], capsys)
    assert code == 0, err
    expected = float(out)
    code, out, err = run_cli(["eval", "bce", f, "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(expected, rel=1e-12)
    with open(f, "a") as fh:
        fh.write("1,0.5\n")  # a row without its row name
    code, out, err = run_cli(["eval", "bce", f, "-q"], capsys)
    assert code == 3 and out == ""
    assert f"big.csv row {n + 2}" in err and "a row with 2 cells" in err and "row names" in err


@pytest.mark.parametrize("sep", [" ", ","])
def test_row_names_in_another_order_beside_labels_without_are_refused_and_the_hint_works(tmp_path, capsys, sep):
    """R numbers rows from 1: predictions whose row names hold 1 … N in another order beside labels written
    without row names were paired by position (a wrong number, exit 0), where pandas' 0 … N−1 were refused."""
    order = [int(i) for i in np.random.default_rng(3).permutation(N)]
    y = write_table(tmp_path / "y.txt", {"y": Y}, sep=sep, row_names_on=False)
    p = write_table(tmp_path / "p.txt", {"p": P}, sep=sep, order=order)
    code, out, err = run_cli(["eval", "bce", "--labels", y, "--preds", p, "-q"], capsys)
    assert code == 3 and out == "", err
    assert "row names of" in err and f"(1 to {N})" in err and "p.txt row 2" in err
    assert "rownames(df)" in err and "row.names = FALSE" in err
    # the hint: its rows follow its row names, so sorted by them (df[order(as.numeric(rownames(df))), ])
    p = write_table(tmp_path / "p.txt", {"p": P}, sep=sep)
    code, out, err = run_cli(["eval", "bce", "--labels", y, "--preds", p, "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(BCE, rel=1e-12)


def write_csv(path: Path, columns: dict[str, list], order: list[int]) -> Path:
    """What R's ``write.csv(df, path)`` writes of the data frame of ``columns`` with its rows in ``order``: a
    header whose first cell is ``""`` above the row names, every text quoted."""
    lines = [",".join(['""', *(f'"{c}"' for c in columns)])]
    lines += [",".join([f'"{i + 1}"', *(repr(col[i]) if isinstance(col[i], float) else str(col[i])
                                        for col in columns.values())]) for i in order]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_write_csv_row_names_in_another_order_beside_labels_without_are_refused(tmp_path, capsys, engine):
    """write.csv's row names (under a "" header cell) hold 1 … N: in another order beside labels written without
    row names they were paired by position (1.02 for 1.01 on 50 rows, exit 0) on both engines, as were
    write.table's under --engine dask, where pandas' 0 … N−1 were refused."""
    if engine == "dask":
        pytest.importorskip("dask.distributed")
    order = [int(i) for i in np.random.default_rng(3).permutation(N)]
    y = write_table(tmp_path / "y.csv", {"y": Y}, sep=",", row_names_on=False)
    args = ["--engine", engine, "--labels", y, "-q"]
    for p in (write_csv(tmp_path / "p.csv", {"p": P}, order), write_table(tmp_path / "p.txt", {"p": P}, order=order)):
        code, out, err = run_cli(["eval", "bce", *args, "--preds", p], capsys)
        assert code == 3 and out == "", err
        assert "another order" in err and f"{p.name} row 2" in err and "rownames(df)" in err, err
        assert "row.names = FALSE" in err, err
    # the hint: its rows follow the row names, so sorted by them; or in the labels' order without them
    for p in (write_csv(tmp_path / "p.csv", {"p": P}, list(range(N))),
              write_table(tmp_path / "p.csv", {"p": P}, sep=",", row_names_on=False)):
        code, out, err = run_cli(["eval", "bce", *args, "--preds", p], capsys)
        assert code == 0, err
        assert float(out) == pytest.approx(BCE, rel=1e-12)


def test_a_pandas_index_from_one_in_another_order_is_refused_and_one_in_order_is_not(tmp_path, capsys):
    """A pandas index counting from 1 (``df.index += 1``) is R's numbering: shuffled, it is refused as the index
    from 0 is; in order, it pairs the rows as they are."""
    order = [int(i) for i in np.random.default_rng(4).permutation(N)]
    y = write_table(tmp_path / "y.csv", {"y": Y}, sep=",", row_names_on=False)
    rows = "".join(f"{i + 1},{P[i]!r}\n" for i in order)
    p = tmp_path / "p.csv"
    p.write_text(",p\n" + rows)
    code, out, err = run_cli(["eval", "bce", "--labels", y, "--preds", p, "-q"], capsys)
    assert code == 3 and out == "" and "df.sort_index()" in err and "index=False" in err, err
    p.write_text(",p\n" + "".join(f"{i + 1},{P[i]!r}\n" for i in range(N)))
    code, out, err = run_cli(["eval", "bce", "--labels", y, "--preds", p, "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(BCE, rel=1e-12), err


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_row_names_from_one_in_another_order_beside_parquet_labels_of_pandas_default_index_are_refused(
        tmp_path, capsys, engine):
    """Labels written by ``df.to_parquet`` keep pandas' default RangeIndex (0, 1, …) in their metadata: they are
    labels without row names, as a CSV written with index=False is. The local engine watched only that range
    from 0, so write.csv's row names 1 … N in another order were paired by position (a wrong number, exit 0)
    where the Dask engine, and the same labels as CSV, refused them."""
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    if engine == "dask":
        pytest.importorskip("dask.distributed")
    order = [int(i) for i in np.random.default_rng(3).permutation(N)]
    y = tmp_path / "y.parquet"
    pd.DataFrame({"y": Y}).to_parquet(y)
    args = ["eval", "bce", "--engine", engine, "--labels", y, "-q"]
    code, out, err = run_cli([*args, "--preds", write_csv(tmp_path / "p.csv", {"p": P}, order)], capsys)
    assert code == 3 and out == "" and "another order" in err and "row.names = FALSE" in err, err
    assert "RangeIndex" not in err, err
    code, out, err = run_cli([*args, "--preds", write_csv(tmp_path / "p.csv", {"p": P}, list(range(N)))], capsys)
    assert code == 0 and float(out) == pytest.approx(BCE, rel=1e-12), err
    # the labels' own numbering from 0 in another order is refused as before, naming their RangeIndex
    p = tmp_path / "p0.csv"
    p.write_text(",p\n" + "".join(f"{i},{P[i]!r}\n" for i in order))
    code, out, err = run_cli([*args, "--preds", p], capsys)
    assert code == 3 and out == "" and "another order" in err, err


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_an_id_column_from_1_in_another_order_names_the_column_in_its_hint(tmp_path, capsys, engine):
    """A column named id holding 1 … N in another order beside labels without one is refused on both engines
    with a hint about that column (sort by it, or drop it), not about a pandas index; both hints work."""
    if engine == "dask":
        pytest.importorskip("dask.distributed")
    order = [int(i) for i in np.random.default_rng(6).permutation(N)]
    y = write_table(tmp_path / "y.csv", {"y": Y}, sep=",", row_names_on=False, quote=False)
    ids = [i + 1 for i in range(N)]
    p = write_table(tmp_path / "p.csv", {"id": ids, "p": P}, sep=",", row_names_on=False, quote=False, order=order)
    args = ["eval", "bce", "--engine", engine, "--labels", y, "-q", "--preds"]
    code, out, err = run_cli([*args, p], capsys)
    assert code == 3 and out == "", err
    assert "df.sort_values('id'" in err and "df.drop(columns='id')" in err and "sort_index" not in err, err
    for fixed in (write_table(tmp_path / "sorted.csv", {"id": ids, "p": P}, sep=",", row_names_on=False, quote=False),
                  write_table(tmp_path / "dropped.csv", {"p": P}, sep=",", row_names_on=False, quote=False)):
        code, out, err = run_cli([*args, fixed], capsys)
        assert code == 0 and float(out) == pytest.approx(BCE, rel=1e-12), err


@pytest.mark.parametrize("engine", ["local", "dask"])
@pytest.mark.parametrize("n", [N, 1500])
def test_a_counting_index_beside_the_other_numbering_in_another_order_is_refused(tmp_path, capsys, engine, n):
    """Labels written by pandas with their index (0 … N−1, in order) beside predictions with R's row names
    (1 … N) in another order — or labels written by R's write.csv (row names 1 … N in order) beside a pandas
    index (0 … N−1) in another order — number the same rows from another start: both were paired by position
    on both engines (a wrong number, exit 0), past the first rows read as within them. Refused, with the hint
    of the other file's numbering; sorting it by that column, or writing it without, gives the number."""
    if engine == "dask":
        pytest.importorskip("dask.distributed")
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(n)
    y = [int(v) for v in rng.integers(0, 2, n)]
    p = [float(v) for v in np.round(rng.uniform(0.02, 0.98, n), 6)]
    expected = -sum(a * math.log(b) + (1 - a) * math.log(1 - b) for a, b in zip(y, p, strict=True)) / n
    order = [int(i) for i in rng.permutation(n)]
    args = ["eval", "bce", "--engine", engine, "-q"]
    pandas_labels = tmp_path / "y.csv"
    pd.DataFrame({"y": y}).to_csv(pandas_labels)
    r_labels = write_csv(tmp_path / "ry.csv", {"y": y}, list(range(n)))
    r_shuffled = write_csv(tmp_path / "p.csv", {"p": p}, order)
    pandas_shuffled = tmp_path / "pp.csv"
    pd.DataFrame({"p": p}).iloc[order].to_csv(pandas_shuffled)
    for labels, preds, fixes in ((pandas_labels, r_shuffled, ("rownames(df)", "row.names = FALSE")),
                                 (r_labels, pandas_shuffled, ("df.sort_index()", "index=False"))):
        code, out, err = run_cli([*args, "--labels", labels, "--preds", preds], capsys)
        assert code == 3 and out == "", err
        assert "another order" in err and f"{preds.name} row 2" in err, err
        assert all(fix in err for fix in fixes), err
    # the hints: sorted by the column, or in the labels' order without it
    fixed = {"sorted": (write_csv(tmp_path / "p_sorted.csv", {"p": p}, list(range(n))),
                        tmp_path / "pp_sorted.csv"),
             "without": (write_table(tmp_path / "p_plain.csv", {"p": p}, sep=",", row_names_on=False),
                         tmp_path / "pp_plain.csv")}
    pd.DataFrame({"p": p}).iloc[order].sort_index().to_csv(fixed["sorted"][1])
    pd.DataFrame({"p": p}).to_csv(fixed["without"][1], index=False)
    for r_fixed, pandas_fixed in fixed.values():
        for labels, preds in ((pandas_labels, r_fixed), (r_labels, pandas_fixed)):
            code, out, err = run_cli([*args, "--labels", labels, "--preds", preds], capsys)
            assert code == 0, err
            assert float(out) == pytest.approx(expected, rel=1e-12)
