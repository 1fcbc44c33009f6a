"""R's write.table writes row names with no header cell of their own (``write.table(df, sep = ",")``): the header
is one cell shorter than every row. Such rows are read with their first column as the row names where it looks
like R's (quoted, texts, or 1, 2, 3, …: tests/io/test_r_row_names_read.py); a first column of other numbers
(unquoted, not counting from 1) is refused, since a header short of a label's or a prediction's name looks just
the same and that column would be dropped. The hint said to quote cells that contain the delimiter, which does
not fix it; it names R's row names and the two writes that do (``row.names = FALSE``, ``col.names = NA``)."""

from __future__ import annotations

import pytest
from cli_helpers import run_cli


@pytest.mark.parametrize("sep", [",", "\t"])
def test_a_header_one_cell_short_names_r_row_names(tmp_path, capsys, sep):
    path = tmp_path / ("r.tsv" if sep == "\t" else "r.csv")
    rows = [(1, 0.9), (0, 0.2), (1, 0.6)]
    # quote = FALSE, rows reordered (row names 3, 1, 2): a label column under a header short of its name alike
    path.write_text(f'y{sep}p\n' + "".join(f'{i}{sep}{y}{sep}{p}\n' for i, (y, p) in zip((3, 1, 2), rows, strict=True)))
    code, out, err = run_cli(["eval", "bce", path, "-q"], capsys)
    assert code == 3 and out == ""
    assert "row.names = FALSE" in err and "col.names = NA" in err
    fixed = tmp_path / ("fixed.tsv" if sep == "\t" else "fixed.csv")
    fixed.write_text(f'""{sep}"y"{sep}"p"\n' + "".join(f'"{i + 1}"{sep}{y}{sep}{p}\n' for i, (y, p) in enumerate(rows)))
    code, out, err = run_cli(["eval", "bce", fixed, "-q"], capsys)
    assert code == 0, err


def test_other_ragged_rows_keep_the_quoting_hint(tmp_path, capsys):
    path = tmp_path / "r.csv"
    path.write_text("y,p\n1,0.9\n0,0.2,7,8\n")
    code, _, err = run_cli(["eval", "bce", path, "-q"], capsys)
    assert code == 3 and "quote cells" in err and "row.names" not in err


@pytest.mark.parametrize("rows", [20, 5000])  # read by the standard library, and by pyarrow's reader
def test_one_stray_cell_below_rows_of_the_headers_width_is_no_row_name(tmp_path, capsys, rows):
    """Row names are on every row: a stray '0.5,0.1' in row 502 of a file whose rows above have one cell was
    blamed on R's write.table, whose hint does not apply."""
    path = tmp_path / "p.csv"
    path.write_text("y,p\n" + "".join("1,0.9,3\n" if i == rows // 2 else "1,0.9\n" for i in range(rows)))
    code, _, err = run_cli(["eval", "bce", path, "-q"], capsys)
    assert code == 3 and "quote cells" in err and "row.names" not in err, err
    assert f"row {rows // 2 + 2}" in err


def test_a_number_cut_at_its_decimal_comma_is_named_not_r_row_names(tmp_path, capsys):
    path = tmp_path / "p.csv"
    path.write_text("label,p\n0,-0,25\n1,0,05\n0,0,35\n")
    code, _, err = run_cli(["eval", "bce", path, "-q"], capsys)
    assert code == 3 and "'-0,25' looks like a number cut at its decimal comma" in err and "row.names" not in err
    fixed = tmp_path / "fixed.csv"  # the hint: decimal points (probabilities here, for bce)
    fixed.write_text("label,p\n0,0.25\n1,0.05\n0,0.35\n")
    code, out, err = run_cli(["eval", "bce", fixed, "-q"], capsys)
    assert code == 0 and float(out) > 0, err
