"""R's ``write.table(df, "f.txt")`` with its defaults: cells separated by one space, texts, names and row names
quoted, and a header one cell short (no name for the row names). The file was read as one column (header
``y "p"``), so every run ended in a misleading message (no label column, a column named ``target "score"``,
``1 0.9`` not a number). It is now read as space-separated: the header one short has its first column read as
the row names (an index), giving R's number as its two other writes (``row.names = FALSE``, ``col.names = NA``)
do, and so do quoted factors and ``NA``.

The files are written here as R writes them, byte for byte (``write.table``: ``sep = " "``, ``quote = TRUE``,
``eol = "\\n"``, ``na = "NA"``, row names ``"1"``, ``"2"``, …, numbers to 15 significant digits).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from cli_helpers import log_loss, run_cli

from losscli.io.detect import sniff_delimiter

Y = [1, 0, 1, 1, 0]
P = [0.9, 0.2, 0.6, 0.35, 1e-04]
BCE = -sum(y * math.log(p) + (1 - y) * math.log(1 - p) for y, p in zip(Y, P, strict=True)) / len(Y)


def _r_number(v: float | int) -> str:
    """A number as R writes it (15 significant digits, R's exponent spelling: ``1e-04``)."""
    if isinstance(v, int):
        return str(v)
    text = f"{v:.15g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{exponent[0]}{abs(int(exponent)):02d}"
    return text


def write_table(path: Path, columns: dict[str, list], *, row_names: bool = True, col_names: str = "TRUE",
                sep: str = " ") -> Path:
    """What ``write.table(data.frame(columns), path, sep = sep, row.names = row_names, col.names = col_names)``
    writes (``col_names``: ``"TRUE"``, R's default, or ``"NA"``, a ``""`` header cell above the row names)."""
    names = [f'"{c}"' for c in columns]
    if row_names and col_names == "NA":
        names = ['""', *names]
    lines = [sep.join(names)]
    n = len(next(iter(columns.values())))
    for i in range(n):
        cells = [f'"{v}"' if isinstance(v, str) else ("NA" if v is None else _r_number(v))
                 for v in (col[i] for col in columns.values())]
        lines.append(sep.join(([f'"{i + 1}"'] if row_names else []) + cells))
    path.write_bytes(("\n".join(lines) + "\n").encode())
    return path


def test_the_default_write_table_gives_r_s_number_as_its_other_writes_do(tmp_path, capsys):
    f = write_table(tmp_path / "f.txt", {"target": Y, "score": P})
    assert f.read_text().splitlines()[:2] == ['"target" "score"', '"1" 1 0.9']
    code, out, err = run_cli(["eval", "bce", f, "-q"], capsys)  # the row names read as an index
    assert code == 0 and float(out) == pytest.approx(BCE, rel=1e-12), err
    code, out, err = run_cli(["eval", "bce", f, "--label-cols", "target", "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(BCE, rel=1e-12), err
    for fixed in (write_table(tmp_path / "a.txt", {"target": Y, "score": P}, row_names=False),
                  write_table(tmp_path / "b.txt", {"target": Y, "score": P}, col_names="NA")):
        code, out, err = run_cli(["eval", "bce", fixed, "-q"], capsys)
        assert code == 0, err
        assert float(out) == pytest.approx(BCE, rel=1e-12)
        code, out, err = run_cli(["eval", "bce", fixed, "--label-cols", "target", "-q"], capsys)
        assert code == 0 and float(out) == pytest.approx(BCE, rel=1e-12)


def test_labels_and_predictions_files_of_write_table(tmp_path, capsys):
    y = write_table(tmp_path / "y.txt", {"y": Y})
    p = write_table(tmp_path / "p.txt", {"p": P})
    code, out, err = run_cli(["eval", "bce", "--labels", y, "--preds", p, "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(BCE, rel=1e-12), err
    y = write_table(tmp_path / "y.txt", {"y": Y}, col_names="NA")
    p = write_table(tmp_path / "p.txt", {"p": P}, col_names="NA")
    code, out, err = run_cli(["eval", "bce", "--labels", y, "--preds", p, "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(BCE, rel=1e-12)


def test_a_matrix_of_probabilities_and_factor_labels(tmp_path, capsys):
    probs = [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.5, 0.25, 0.25]]
    labels = ["a", "b", "c", "b"]
    expected = -sum(math.log(r["abc".index(c)]) for r, c in zip(probs, labels, strict=True)) / len(labels)
    y = write_table(tmp_path / "y.txt", {"y": labels}, col_names="NA")  # a factor: quoted
    p = write_table(tmp_path / "p.txt", {f"p_{c}": [r[j] for r in probs] for j, c in enumerate("abc")},
                    col_names="NA")
    code, out, err = run_cli(["eval", "scce", "--labels", y, "--preds", p, "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(expected, rel=1e-12)


def test_missing_values_are_named_as_written(tmp_path, capsys):
    f = write_table(tmp_path / "f.txt", {"y": [1, None, 0], "p": [0.9, 0.5, 0.2]}, col_names="NA")
    code, out, err = run_cli(["eval", "bce", f, "-q"], capsys)
    assert code == 3 and out == "" and "row 3" in err and "'NA'" in err
    code, out, err = run_cli(["eval", "bce", f, "-q", "--nan", "skip"], capsys)
    assert code == 0 and float(out) == pytest.approx(-(math.log(0.9) + math.log(0.8)) / 2, rel=1e-12)


@pytest.mark.parametrize("text", [
    '"y" "p"\n"1" 1 0.9\n"2" 0 0.2\n',
    '"" "y" "p"\n"1" 1 0.9\n"2" NA 0.2\n',
    '"y" "p"\n"cat" 0.9\n"dog in a hat" 0.2\n',
    '"1" TRUE 0.9\n"2" FALSE 1e-04\n',
])
def test_r_space_tables_are_sniffed_as_space_separated(text):
    assert sniff_delimiter(text) == " "


@pytest.mark.parametrize("text", [
    '"p"\n"a b"\n"c d"\n',  # one column of texts with spaces
    "y p\nhello world\n",  # words
    '"y" "p"\n"1"  1 0.9\n',  # two spaces: padding, not R's write.table
    '"y" "p" "q" "r"\n"1" 1 0.9\n',  # a header two cells away from the rows
])
def test_other_texts_are_not(text):
    assert sniff_delimiter(text) != " "


def test_quote_false_row_names_under_unquoted_names(tmp_path, capsys):
    """``write.table(df, quote = FALSE)``: names one fewer than the numbers of each row (its row names first)
    were read as one column ``y pred``; a space separates them, and the row names are an index."""
    text = "y pred\n1 1 0.9\n2 0 0.2\n3 1 0.7\n4 0 0.4\n"
    assert sniff_delimiter(text) == " "
    assert sniff_delimiter("y pred\n1 0.9\n0 0.2\n") == " " and sniff_delimiter("2 3\n1 1 0.9\n") == ","
    for name in ("r.txt", "r.csv"):
        (tmp_path / name).write_text(text)
        code, out, err = run_cli(["eval", "bce", tmp_path / name, "-q"], capsys)
        assert code == 0 and float(out) == pytest.approx(log_loss([1, 0, 1, 0], [0.9, 0.2, 0.7, 0.4]), rel=1e-12), err
