"""The progress bar: on stderr for large inputs on a terminal only, with rows, speed and bytes."""

from __future__ import annotations

from types import SimpleNamespace

import losscli.report.progress as progress


def _plan(size, n_rows=None, path="x.csv", fmt="csv"):
    source = SimpleNamespace(size_bytes=size, n_rows=n_rows, path=path, name=path, format=fmt)
    return SimpleNamespace(preds=SimpleNamespace(source=source))


def test_no_bar_when_stderr_is_not_a_terminal(monkeypatch):
    monkeypatch.setattr(progress, "_stderr_is_terminal", lambda: False)
    assert progress.maybe_progress(_plan(1 << 30, 10**7)) is None


def test_no_bar_for_small_inputs(monkeypatch):
    monkeypatch.setattr(progress, "_stderr_is_terminal", lambda: True)
    assert progress.maybe_progress(_plan(1 << 20, 1000)) is None


def test_bar_counts_rows_and_bytes(monkeypatch, capsys):
    monkeypatch.setattr(progress, "_stderr_is_terminal", lambda: True)
    bar = progress.maybe_progress(_plan(64 << 20, 1000, fmt="npy"))
    assert bar is not None
    batch = [0] * 500
    bar.observe(batch, None, 0)
    task = bar._bar.tasks[0]
    assert task.completed == 500 and task.total == 1000
    assert "rows/s" in task.fields["speed"] and "MB" in task.fields["read"]
    bar.close()
    assert capsys.readouterr().out == ""  # never on stdout


def test_row_estimate_from_the_head_of_a_text_file(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("p\n" + "0.5\n" * 10000)
    est = progress._estimate_rows(str(f), f.stat().st_size)
    assert 9000 < est < 11000
