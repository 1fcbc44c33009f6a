"""A Ctrl-C or SIGTERM whose exception a finaliser swallowed still ends the run as interrupted: nothing is
printed or put in place, and the exit status is 130 (143 for SIGTERM)."""

from __future__ import annotations

import pytest

from losscli import interrupts
from losscli.cli import main
from losscli.files import OutputTransaction


def test_a_remembered_signal_is_raised_again(monkeypatch):
    monkeypatch.setattr(interrupts, "received", None)
    interrupts.raise_if_received()
    monkeypatch.setattr(interrupts, "received", "interrupt")
    with pytest.raises(KeyboardInterrupt):
        interrupts.raise_if_received()
    monkeypatch.setattr(interrupts, "received", "terminate")
    with pytest.raises(interrupts.Terminated):
        interrupts.raise_if_received()


def test_no_file_is_put_in_place_after_a_swallowed_interrupt(monkeypatch, tmp_path):
    tmp = tmp_path / ".out.csv.part"
    with pytest.raises(KeyboardInterrupt), OutputTransaction() as tx:
        tmp.write_text("a\n")
        tx.stage(tmp, tmp_path / "out.csv")
        monkeypatch.setattr(interrupts, "received", "interrupt")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def _assert_ends(monkeypatch, capsys, status: int, word: str) -> None:
    """A JSON run on the sample data ends with ``status``, nothing on stdout and ``losscli: word`` alone."""
    monkeypatch.setattr(interrupts, "install", lambda: None)  # leave pytest's own handlers alone
    with pytest.raises(SystemExit) as info:
        main(["eval", "bce", "--labels", "sample_data/binary_labels.csv", "--preds", "sample_data/binary_probs.csv",
              "--json"])
    out, err = capsys.readouterr()
    assert info.value.code == status
    assert out == ""
    assert err.strip() == f"losscli: {word}"


@pytest.mark.parametrize("signal_name, status, word", [("interrupt", 130, "interrupted"),
                                                        ("terminate", 143, "terminated")])
def test_the_run_ends_interrupted_when_the_exception_was_swallowed(monkeypatch, capsys, signal_name, status, word):
    """The signal came during the evaluation, in a finaliser that only reported it: the run goes on to
    its end, where losscli notices and stops before printing the result."""
    from losscli import pipeline

    add = pipeline.DisplaySample.add

    def add_and_swallow(self, *args, **kwargs):
        add(self, *args, **kwargs)
        monkeypatch.setattr(interrupts, "received", signal_name)

    monkeypatch.setattr(pipeline.DisplaySample, "add", add_and_swallow)
    _assert_ends(monkeypatch, capsys, status, word)


@pytest.mark.parametrize("error", [ImportError("Failed to import 'zlib.decompress' - cannot initialise module strings"),
                                   OSError("read interrupted")])
@pytest.mark.parametrize("signal_name, status, word", [("interrupt", 130, "interrupted"),
                                                        ("terminate", 143, "terminated")])
def test_an_interrupt_turned_into_another_error_ends_the_run_interrupted(monkeypatch, capsys, error, signal_name,
                                                                         status, word):
    """Ctrl-C during an extension module's import comes out as an ImportError (Cython wraps it), during a
    read as the reader's own error: the run was interrupted, not an internal error (4) or bad data (3)."""
    from losscli import pipeline

    def interrupted(*args, **kwargs):
        monkeypatch.setattr(interrupts, "received", signal_name)
        raise error

    monkeypatch.setattr(pipeline, "run_many", interrupted)
    _assert_ends(monkeypatch, capsys, status, word)


def test_an_error_without_a_signal_is_still_reported_as_such(monkeypatch, capsys):
    from losscli import pipeline

    def broken(*args, **kwargs):
        raise ImportError("a real one")

    monkeypatch.setattr(interrupts, "received", None)
    monkeypatch.setattr(pipeline, "run_many", broken)
    monkeypatch.setattr(interrupts, "install", lambda: None)
    with pytest.raises(SystemExit) as info:
        main(["eval", "bce", "--labels", "sample_data/binary_labels.csv", "--preds", "sample_data/binary_probs.csv"])
    assert info.value.code == 4
    assert "internal error: ImportError: a real one" in capsys.readouterr().err


def test_an_eof_error_that_no_layer_named_is_an_internal_error_not_an_interrupt(monkeypatch, capsys):
    """click turns an EOFError into its Abort, as it does Ctrl-C: without a signal received it is a bug
    (exit 4, naming the EOFError), never "interrupted" (130)."""
    from losscli import pipeline

    def ended(*args, **kwargs):
        raise EOFError("Compressed file ended before the end-of-stream marker was reached")

    monkeypatch.setattr(interrupts, "received", None)
    monkeypatch.setattr(pipeline, "run_many", ended)
    monkeypatch.setattr(interrupts, "install", lambda: None)
    with pytest.raises(SystemExit) as info:
        main(["eval", "bce", "--labels", "sample_data/binary_labels.csv", "--preds", "sample_data/binary_probs.csv"])
    err = capsys.readouterr().err
    assert info.value.code == 4, err
    assert "internal error: EOFError: Compressed file ended" in err and "interrupted" not in err
