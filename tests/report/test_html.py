"""``eval --html``: the page's sections and numbers, offline and self-contained, and in a real browser
(headless Chromium with the network off) every chart is laid out and the console stays empty."""

from __future__ import annotations

import json
import re
import struct
import sys
from pathlib import Path

import pytest
from cli_helpers import run_cli

sys.path.insert(0, str(Path(__file__).parent))
import chromium  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data"


def report(tmp_path: Path, capsys, *args: object) -> str:
    out = tmp_path / "r.html"
    code, stdout, err = run_cli(["eval", *args, "--html", out, "-q"], capsys)
    assert code in (0, 1), err
    return out.read_text()


def charts(page: str) -> int:
    return int(re.search(r'data-charts="(\d+)"', page).group(1))


def test_binary_report_sections_and_numbers(tmp_path, capsys):
    page = report(tmp_path, capsys, "bce", "--labels", SAMPLE / "binary_labels.csv", "--preds",
                  SAMPLE / "binary_candidate.csv", "--pred-cols", "p", "--group-col", "region", "--by-class",
                  "--max-group", "0.5")
    for title in ("Summary", "Checks", "Loss distribution", "Reliability", "Per class", "Per group (region)",
                  "Worst samples"):
        assert f"<h2>{title}" in page, title
    assert charts(page) == 4 and page.count("<svg") == 4
    assert "0.31262" in page  # the value, as the summary shows it
    assert 'class="fail">FAIL' in page and "group south mean 0.712614" in page
    # self-contained: nothing to fetch, and a policy that forbids fetching
    assert not re.search(r'(src|href)="(?!data:|#)', page)
    assert "default-src 'none'" in page


def test_multiclass_leaderboard_and_logits(tmp_path, capsys):
    page = report(tmp_path, capsys, "cce", SAMPLE / "animals.csv", "--id-col", "id", "--by-class")
    assert "confidence (largest class probability)" in page and "img_0" in page
    board = report(tmp_path, capsys, "bce", "--labels", SAMPLE / "binary_labels.csv", "--preds",
                   SAMPLE / "binary_probs.csv", "--preds", SAMPLE / "binary_candidate.csv", "--pred-cols", "p",
                   "--ci", "0.9")
    assert "<h2>Leaderboard" in board and "#1 " in board and "#2 " in board
    assert charts(board) == 1 + 2 * 2  # the leaderboard, and distribution + reliability per file
    assert "lower is better" in board
    scores = report(tmp_path, capsys, "r2", "--labels", SAMPLE / "binary_labels.csv", "--preds",
                    SAMPLE / "binary_probs.csv", "--preds", SAMPLE / "binary_candidate.csv", "--pred-cols", "p")
    assert "higher is better" in scores and "lower is better" not in scores
    logits = report(tmp_path, capsys, "scce", "--labels", SAMPLE / "multiclass_labels.npy", "--preds",
                    SAMPLE / "multiclass_logits.npy", "--logits")
    assert "<h2>Reliability" in logits
    regression = report(tmp_path, capsys, "mse", SAMPLE / "regression.csv")
    assert "<h2>Reliability" not in regression and charts(regression) == 1


def test_values_are_escaped(tmp_path, capsys):
    data = tmp_path / "x.csv"
    data.write_text("id,label,p\n<b>evil</b>,1,0.01\nok,0,0.2\n")
    page = report(tmp_path, capsys, "bce", data, "--id-col", "id")
    assert "<b>evil</b>" not in page and "&lt;b&gt;evil&lt;/b&gt;" in page


def test_group_names_with_dollars_and_control_characters_are_drawn_as_written(tmp_path, capsys):
    """matplotlib reads text between two ``$`` as math: a group named ``$\\frac$`` was an internal error (exit
    4); a tab in a name printed matplotlib's warning about the glyph on stderr."""
    data = tmp_path / "g.csv"
    data.write_text('y,p,g\n1,0.8,"$\\frac$"\n0,0.3,"a\tb"\n1,0.6,c\n')
    out = tmp_path / "r.html"
    code, stdout, err = run_cli(["eval", "bce", data, "--group-col", "g", "--html", out, "-q"], capsys)
    assert code == 0 and err == "", err
    page = out.read_text()
    assert "$\\frac$" in page and "a\\tb" in page


def test_without_matplotlib_it_is_a_usage_error_before_reading(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    code, out, err = run_cli(["eval", "bce", tmp_path / "missing.csv", "--html", tmp_path / "r.html"], capsys)
    assert code == 2 and "pip install 'losscli[report]'" in err and out == ""
    assert not (tmp_path / "r.html").exists()


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


needs_browser = pytest.mark.skipif(chromium.browser() is None, reason="chromium not installed (.ci/run installs it)")


@needs_browser
def test_report_renders_in_chromium_offline(tmp_path):
    """The README's report, from its own script: every chart laid out, an empty console, a screenshot."""
    png, rendered = chromium.make_readme_report(tmp_path)
    page = (tmp_path / "report.html").read_text()
    assert rendered.console == []
    expected = charts(page)
    assert expected == 4
    assert f'data-charts-rendered="{expected}"' in rendered.dom
    width, height = _png_size(png)
    assert (width, height) == chromium.WINDOW
    assert png.stat().st_size > 20_000  # a picture, not a blank page


@needs_browser
def test_the_browser_check_catches_requests_and_errors(tmp_path):
    """The console check can fail: a blocked request and a script error are reported."""
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "script-src 'unsafe-inline'\"></head><body><img src=\"http://example.com/x.png\">"
        "<script>undefinedFunction()</script></body></html>"
    )
    rendered = chromium.render(page)
    text = " ".join(rendered.console)
    assert "example.com" in text and "undefinedFunction" in text


def test_readme_shows_the_committed_screenshot():
    readme = (ROOT / "README.md").read_text()
    assert "docs/report.png" in readme
    assert _png_size(ROOT / "docs" / "report.png") == chromium.WINDOW
    assert "losscli " + " ".join(chromium.COMMAND) in readme


def test_compare_report_shows_the_paired_differences(tmp_path, capsys):
    out = tmp_path / "c.html"
    code, _, err = run_cli(["compare", "bce", "--labels", SAMPLE / "binary_labels.csv", "--preds",
                            SAMPLE / "binary_candidate.csv", "--pred-cols", "p", "--baseline-preds",
                            SAMPLE / "binary_probs.csv", "--html", out, "--json"], capsys)
    assert code == 0, err
    page = out.read_text()
    assert "<h2>Paired comparison (candidate − baseline)" in page and "<h2>Per-sample differences" in page
    assert 'class="pass">better' in page and "-0.02305" in page
    assert "Samples that got most worse" in page
    assert charts(page) == 1 + 2 * 2  # differences, and distribution + reliability of both files


def test_check_report_has_every_check(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "k.html"
    code, _, err = run_cli(["check", "examples/losscheck.toml", "--html", out, "--json"], capsys)
    assert code == 0, err
    page = out.read_text()
    assert "<h2>Checks — " in page and "<h2>Paired comparison" in page
    for name in ("check fraud model: log loss", "check fraud model: regions", "check house prices: huber"):
        assert name in page, name


def test_a_calibration_loss_draws_its_own_bins(tmp_path, capsys):
    """The diagram of ece(strategy='quantile', n_bins=5) shows the loss's 5 equal-mass bins and its value, not
    ten equal-width bins whose ECE would differ from the reported one."""
    page = report(tmp_path, capsys, "ece(strategy='quantile', n_bins=5)", "--labels", SAMPLE / "binary_labels.csv",
                  "--preds", SAMPLE / "binary_probs.csv")
    assert re.search(r"Reliability — [^<]*· +ece 0\.0756<", page), re.findall(r"Reliability —[^<]*", page)
    assert "the loss&#x27;s 5 non-empty quantile bins" in page or "the loss's 5 non-empty quantile bins" in page
    plain = report(tmp_path, capsys, "bce", "--labels", SAMPLE / "binary_labels.csv", "--preds",
                   SAMPLE / "binary_probs.csv")
    assert re.search(r"Reliability — [^<]*· +ECE 0\.\d{4}<", plain)


def test_worst_samples_are_numbered_as_the_table_and_json_lines_number_them(tmp_path, capsys):
    """The page numbered a sample one more than every other report: the worst sample, --nl's index 2 and the
    table's row 2, was sample 3 on the page (and a compared sample's row 2 was row 3 there)."""
    (tmp_path / "y.csv").write_text("label\n1\n0\n1\n0\n")
    (tmp_path / "p.csv").write_text("p\n0.9\n\n0.05\n0.2\n")  # row 1 is skipped; row 2 is the worst
    (tmp_path / "old.csv").write_text("p\n0.9\n0.1\n0.7\n0.2\n")
    page = report(tmp_path, capsys, "bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv",
                  "--nan", "skip")
    worst = page[page.index("<h2>Worst samples"):]
    assert re.search(r"<tr><td>(\d+)</td>", worst).group(1) == "2"
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv",
                              "--nan", "skip", "--nl"], capsys)
    assert code == 0 and json.loads(out.splitlines()[1])["index"] == 2, err
    code, _, err = run_cli(["compare", "bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv",
                            "--baseline-preds", tmp_path / "old.csv", "--nan", "skip", "--bootstrap", "20",
                            "--html", tmp_path / "c.html", "-q"], capsys)
    assert code == 0, err
    page = (tmp_path / "c.html").read_text()
    worst = page[page.index("<h2>Samples that got most worse"):]
    assert re.search(r"<tr><td>(\d+)</td>", worst).group(1) == "2"


def test_a_slice_of_zero_weight_has_no_bar(tmp_path, capsys):
    """A group whose weights sum to 0 has an undefined mean: the page stopped with an internal error (exit 4,
    matplotlib given None for a bar) where the JSON says null; now its bar is empty and says so."""
    data = tmp_path / "g.csv"
    data.write_text("y,p,w,g\n1,0.5,1,a\n2,2.5,2,a\n3,2,0,b\n4,4.5,0,b\n")
    page = report(tmp_path, capsys, "mse", data, "--label-cols", "y", "--pred-cols", "p", "--weight-col", "w",
                  "--group-col", "g")
    assert "<h2>Per group (g)" in page and "undefined" in page
