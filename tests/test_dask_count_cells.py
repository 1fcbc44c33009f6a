"""Word and byte counts whose cells are missing (``NA``, ``none``, empty) are missing values on the Dask engine
as on the local one: dropped with ``--nan skip`` (the Dask engine refused them), refused without it; a text
that is no number is refused by name on both."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_helpers import run_cli

pytest.importorskip("dask.dataframe")
pytest.importorskip("dask.distributed")


def _write(path, cells: dict[int, str], n: int = 60) -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, n)
    x = rng.standard_normal((n, 3))
    words = rng.integers(1, 4, n).astype(str).tolist()
    for i, text in cells.items():
        words[i] = text
    lines = [",".join([str(y[i]), *(repr(float(v)) for v in x[i]), words[i]]) for i in range(n)]
    path.write_text("token,l0,l1,l2,words\n" + "\n".join(lines) + "\n")


def _run(path, engine: str, capsys, *extra: str) -> tuple[int, str, str]:
    return run_cli(["eval", "scce", str(path), "--label-cols", "token", "--pred-cols", "l*", "--logits",
                    "--words-col", "words", "--engine", engine, "--json", *extra], capsys)


def test_missing_counts_are_skipped_alike(tmp_path, capsys):
    _write(tmp_path / "lm.csv", {7: "NA", 9: "none", 20: ""})
    docs = []
    for engine in ("local", "dask"):
        code, out, err = _run(tmp_path / "lm.csv", engine, capsys, "--nan", "skip")
        assert code == 0, (engine, err)
        docs.append(json.loads(out))
    assert docs[0]["n"] == docs[1]["n"] == 57
    assert docs[0]["value"] == pytest.approx(docs[1]["value"], rel=1e-14)
    assert docs[0]["word_perplexity"] == pytest.approx(docs[1]["word_perplexity"], rel=1e-14)
    for engine in ("local", "dask"):
        code, out, err = _run(tmp_path / "lm.csv", engine, capsys)
        assert code == 3 and out == "", (engine, out)
        assert "missing word count" in err and "--nan skip" in err, (engine, err)


def test_a_text_among_counts_is_refused_by_name(tmp_path, capsys):
    _write(tmp_path / "lm.csv", {7: "NA", 10: "abc"})
    for engine in ("local", "dask"):
        code, out, err = _run(tmp_path / "lm.csv", engine, capsys, "--nan", "skip")
        assert code == 3 and out == "", (engine, out)
        assert "(value 'abc')" in err, (engine, err)
