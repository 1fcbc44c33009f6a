"""`--update-baseline` says the baseline is updated only once the file is in place."""

from __future__ import annotations

from cli_helpers import run_cli


def test_a_baseline_whose_write_is_rolled_back_is_not_said_updated(sample, tmp_path, capsys):
    """A side report that cannot be written rolls back every file of the run; the baseline was still said to
    be updated."""
    folder = tmp_path / "junit"
    folder.mkdir()
    baseline = tmp_path / "base.json"
    args = ["eval", "bce", "--labels", sample / "binary_labels.csv", "--preds", sample / "binary_probs.csv",
            "--baseline", baseline, "--update-baseline", "-q"]
    code, out, err = run_cli([*args, "--junit-xml", folder], capsys)
    assert code == 3 and out == "" and not baseline.exists()
    assert "updated" not in err
    code, _, err = run_cli(args, capsys)
    assert code == 0 and baseline.exists()
    assert err == f"losscli: baseline {baseline} updated\n"
