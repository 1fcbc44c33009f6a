"""--engine dask on a CSV file with a row of fewer cells than the header. pandas fills the cells missing at the end
of such a row with missing values, so Dask read the row with an empty cell, which ``--nan skip`` dropped (a number,
exit 0, where the local engine refuses the file). Each block whose last column has a missing value now has its
rows counted again, and a row cut short is refused as the local engine refuses it; empty cells are read as before."""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import run_cli

pytest.importorskip("dask.dataframe")
pytest.importorskip("dask.distributed")

ROWS, AT = 3000, 2500  # the short row: data row AT (file row AT + 2), in the file's second block or later


@pytest.fixture(autouse=True)
def _small_blocks(monkeypatch):
    import losscli.dask

    # several blocks, as a large file has (Dask cuts a file into size // blocksize of them)
    monkeypatch.setattr(losscli.dask, "CSV_BLOCKSIZE", 4_000)


def _scores(seed: int = 5) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 2, ROWS), rng.uniform(0.05, 0.95, ROWS).round(4)


def _lines(y: np.ndarray, p: np.ndarray, sep: str = ",", weights: bool = False) -> list[str]:
    return [sep.join([str(a), repr(float(b)), *(["1"] if weights else [])]) for a, b in zip(y, p, strict=True)]


def _write(path, header: str | None, lines: list[str]) -> None:
    path.write_text("".join(f"{line}\n" for line in ([header] if header else []) + lines), encoding="utf-8")


def _bce(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log1p(-p))))


def _blocks(path) -> int:
    """How many blocks Dask cuts the CSV file ``path`` into."""
    from dask.bytes import read_bytes

    import losscli.dask

    _, blocks = read_bytes(str(path), delimiter=b"\n", blocksize=losscli.dask.CSV_BLOCKSIZE, sample=False)
    return len(blocks[0])


def _refused_alike(args: list, file_row: int, cells: int, width: int, shown: str, capsys) -> None:
    for engine in ("local", "dask"):
        code, out, err = run_cli([*args, "--engine", engine], capsys)
        assert code == 3 and out == "", (engine, out, err)
        assert f"a row with {cells} cell{'s' if cells != 1 else ''} where the" in err, (engine, err)
        assert f"has {width}" in err and f"(value {shown!r})" in err, (engine, err)
        assert "Traceback" not in err, err
    assert f"row {file_row}" in err or "names the row" in err


@pytest.mark.parametrize("nan", ["skip", "error"])
@pytest.mark.parametrize("at", [3, AT])  # in the first block (the sample) and past it
def test_a_row_one_cell_short_is_refused_by_both_engines(tmp_path, capsys, nan, at):
    y, p = _scores()
    lines = _lines(y, p)
    lines[at] = str(y[at])  # the prediction left out
    _write(tmp_path / "scores.csv", "label,prob", lines)
    assert _blocks(tmp_path / "scores.csv") >= 5
    _refused_alike(["eval", "bce", tmp_path / "scores.csv", "--nan", nan, "-q"], at + 2, 1, 2, str(y[at]), capsys)
    lines[at] = f"{y[at]},0.5"  # the row given its cell, as the error asks
    _write(tmp_path / "fixed.csv", "label,prob", lines)
    p[at] = 0.5
    for engine in ("local", "dask"):
        code, out, err = run_cli(["eval", "bce", tmp_path / "fixed.csv", "--nan", nan, "--engine", engine, "-q"],
                                 capsys)
        assert code == 0, (engine, err)
        assert float(out) == pytest.approx(_bce(y, p), rel=1e-14), engine


def test_a_row_short_of_a_column_no_loss_reads_is_refused(tmp_path, capsys):
    y, p = _scores(6)
    lines = _lines(y, p, weights=True)
    lines[AT] = lines[AT].rsplit(",", 1)[0]
    _write(tmp_path / "scores.csv", "label,prob,w", lines)
    _refused_alike(["eval", "bce", tmp_path / "scores.csv", "--label-cols", "label", "--pred-cols", "prob",
                    "--nan", "skip", "-q"], AT + 2, 2, 3, lines[AT], capsys)


def test_a_quoted_row_cut_short_in_a_semicolon_file_is_refused(tmp_path, capsys):
    y, p = _scores(7)
    lines = _lines(y, p, sep=";")
    lines[AT] = f'"{y[AT]}"'
    _write(tmp_path / "scores.csv", "label;prob", lines)
    code, out, err = run_cli(["eval", "bce", tmp_path / "scores.csv", "--delimiter", ";", "--nan", "skip",
                              "--engine", "dask", "-q"], capsys)
    assert code == 3 and out == "", out
    assert "a row with 1 cell where the header has 2" in err and "semicolon-separated" in err, err


def test_a_headerless_file_with_a_short_row_is_refused(tmp_path, capsys):
    y, p = _scores(8)
    lines = _lines(y, p)
    lines[AT] = str(y[AT])
    _write(tmp_path / "scores.csv", None, lines)
    code, out, err = run_cli(["eval", "bce", tmp_path / "scores.csv", "--no-header", "--label-cols", "1",
                              "--pred-cols", "2", "--nan", "skip", "--engine", "dask", "-q"], capsys)
    assert code == 3 and out == "", out
    assert "a row with 1 cell where the rows have 2" in err, err


@pytest.mark.parametrize("note", ['"a, b"', '"a, b\nc"'])
def test_empty_cells_at_the_end_of_rows_are_read_as_before(tmp_path, capsys, monkeypatch, note):
    """A trailing delimiter is an empty cell, not a short row: skipped alike by both engines, past quoted cells
    that hold the delimiter or a line break (Dask splits a file into blocks at line breaks, so a file with line
    breaks in its cells is read in one block here)."""
    if "\n" in note:
        import losscli.dask

        monkeypatch.setattr(losscli.dask, "CSV_BLOCKSIZE", "64MB")
    y, p = _scores(9)
    lines = [f"{a},{float(b)!r},{note}" for a, b in zip(y, p, strict=True)]
    for i in (10, AT, AT + 7):
        lines[i] = f"{y[i]},,"
    _write(tmp_path / "scores.csv", "label,prob,note", lines)
    keep = np.ones(ROWS, bool)
    keep[[10, AT, AT + 7]] = False
    for engine in ("local", "dask"):
        code, out, err = run_cli(["eval", "bce", tmp_path / "scores.csv", "--label-cols", "label", "--pred-cols",
                                  "prob", "--nan", "skip", "--engine", engine, "-q"], capsys)
        assert code == 0, (engine, err)
        assert float(out) == pytest.approx(_bce(y[keep], p[keep]), rel=1e-14), engine


@pytest.mark.parametrize("at", [300, AT])  # (past the rows that show the delimiter)
def test_a_row_short_of_a_cell_among_r_row_names_is_refused(tmp_path, capsys, at):
    """R's write.table: a header of one name per column, every row a quoted row name first, spaces between cells
    (pandas reads row names that count up one by one as a RangeIndex from the block's first one)."""
    y, p = _scores(10)
    lines = [f'"{i + 1}" {a} {float(b)!r}' for i, (a, b) in enumerate(zip(y, p, strict=True))]
    lines[at] = f'"{at + 1}" {y[at]}'
    _write(tmp_path / "scores.txt", '"label" "prob"', lines)
    assert _blocks(tmp_path / "scores.txt") >= 5
    for engine in ("local", "dask"):
        code, out, err = run_cli(["eval", "bce", tmp_path / "scores.txt", "--nan", "skip", "--engine", engine, "-q"],
                                 capsys)
        assert code == 3 and out == "", (engine, out, err)
        assert "a row with " in err and " cells where the " in err, (engine, err)
    assert "a row with 2 cells where the rows above (row names" in err and "have 3" in err, err  # (Dask's)
    lines[at] = f'"{at + 1}" {y[at]} 0.5'
    _write(tmp_path / "fixed.txt", '"label" "prob"', lines)
    p[at] = 0.5
    for engine in ("local", "dask"):
        code, out, err = run_cli(["eval", "bce", tmp_path / "fixed.txt", "--nan", "skip", "--engine", engine, "-q"],
                                 capsys)
        assert code == 0, (engine, err)
        assert float(out) == pytest.approx(_bce(y, p), rel=1e-14), engine


@pytest.mark.parametrize("at", [100, AT])
def test_a_short_row_among_row_names_counting_from_zero_is_refused(tmp_path, capsys, at):
    """pandas' to_csv(index_label=False): a header one cell short, row names 0, 1, 2, ... that pandas reads as the
    block's default index when they open the file."""
    y, p = _scores(11)
    lines = [f"{i},{a},{float(b)!r}" for i, (a, b) in enumerate(zip(y, p, strict=True))]
    lines[at] = f"{at},{y[at]}"
    _write(tmp_path / "scores.csv", "label,prob", lines)
    code, out, err = run_cli(["eval", "bce", tmp_path / "scores.csv", "--nan", "skip", "--engine", "dask", "-q"],
                             capsys)
    assert code == 3 and out == "", out
    assert "a row with 2 cells where the rows above (row names" in err and "have 3" in err, err
