"""Every ``eval`` option means the same on the local and the Dask engine (or is refused there, exit 2).

Both engines take the same settings objects; this runs each option through both and compares the numbers,
the exit status and the files written. A new ``eval`` option must be added to ``CASES`` or ``REFUSED``.
"""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pytest

pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("dask.distributed")

from cli_helpers import run_cli  # noqa: E402

from losscli.cli import eval_cmd  # noqa: E402


@pytest.fixture(scope="module")
def scheduler():
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None)
    yield cluster.scheduler_address
    cluster.close()


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """Binary, multiclass, string-class and regression data in one-file and two-file layouts."""
    d = tmp_path_factory.mktemp("parity")
    rng = np.random.default_rng(3)
    n = 400
    y = rng.integers(0, 2, n).tolist()
    p = np.clip(rng.random(n), 0.01, 0.99).tolist()
    w = (rng.random(n) + 0.5).tolist()
    logits = rng.normal(size=(n, 3)).tolist()
    cls = rng.integers(0, 3, n)
    cls[::17] = -1
    cls = cls.tolist()
    lines = ["id,label,alt,p,z,weight,l0,l1,l2,cls,name,r,pa,pb,pc,lp"]
    names = ["cat", "dog", "bird"]
    for i in range(n):
        lines.append(f"s{i},{y[i]},{1 - y[i]},{p[i]!r},{float(rng.normal())!r},{w[i]!r},{logits[i][0]!r},{logits[i][1]!r},"
                     f"{logits[i][2]!r},{cls[i]},{names[max(cls[i], 0)]},{float(rng.normal())!r},"
                     f"{round(p[i] / 2, 2)},{round(p[i] / 2, 2)},{round(1 - p[i], 2)},{math.log(p[i])!r}")
    (d / "one.csv").write_text("\n".join(lines) + "\n")
    (d / "one_semicolon.csv").write_text("\n".join(x.replace(",", ";") for x in lines) + "\n")
    (d / "one_nan.csv").write_text("\n".join(lines[:5] + [lines[5].replace(f",{p[4]!r},", ",,")] + lines[6:]) + "\n")
    (d / "labels.csv").write_text("label\n" + "\n".join(str(v) for v in y) + "\n")
    (d / "preds.csv").write_text("p\n" + "\n".join(repr(v) for v in p) + "\n")
    (d / "noheader_one.csv").write_text("\n".join(f"{a},{b!r}" for a, b in zip(y, p, strict=True)) + "\n")
    (d / "numheader_one.csv").write_text("2020,2021\n" + "\n".join(f"{a},{b!r}" for a, b in zip(y, p, strict=True))
                                         + "\n")
    return d


ONE = ["{d}/one.csv", "--label-cols", "label"]
BCE = ["bce", *ONE, "--pred-cols", "p"]
SCCE = ["scce", "{d}/one.csv", "--label-cols", "cls", "--pred-cols", "l0,l1,l2", "--logits", "--ignore-index", "-1"]
HUBER = ["huber", "{d}/one.csv", "--label-cols", "z", "--pred-cols", "r"]

#: option name → arguments exercising it (the same on both engines).
CASES: dict[str, list[str]] = {
    "loss": BCE,
    "file": BCE,
    "labels": ["bce", "--labels", "{d}/labels.csv", "--preds", "{d}/preds.csv"],
    "preds": ["bce", "--labels", "{d}/labels.csv", "--preds", "{d}/preds.csv"],
    "label_cols": ["bce", "{d}/one.csv", "--label-cols", "alt", "--pred-cols", "p"],
    "pred_cols": BCE,
    "weight_col": [*BCE, "--weight-col", "weight"],
    "id_col": ["bce", "{d}/one.csv", "--label-cols", "label", "--pred-cols", "p", "--id-col", "id"],
    "classes": ["scce", "{d}/one.csv", "--label-cols", "name", "--pred-cols", "l0,l1,l2", "--logits",
                "--classes", "cat,dog,bird"],
    "from_logits": ["bce", *ONE, "--pred-cols", "z", "--logits"],
    "log_probs": ["bce", *ONE, "--pred-cols", "lp", "--log-probs"],
    "pred2_cols": ["margin_ranking", *ONE, "--pred-cols", "p", "--pred2-cols", "r"],
    "label_smoothing": [*SCCE, "--label-smoothing", "0.1"],
    "class_weights": [*SCCE, "--class-weights", "1,2,0.5"],
    "pos_weight": ["bce", *ONE, "--pred-cols", "z", "--logits", "--pos-weight", "3"],
    "ignore_index": SCCE,
    "gamma": ["focal", *ONE, "--pred-cols", "p", "--gamma", "3"],
    "alpha": ["focal", *ONE, "--pred-cols", "p", "--alpha", "0.4"],
    "delta": [*HUBER, "--delta", "0.3"],
    "beta": ["smooth_l1", "{d}/one.csv", "--label-cols", "z", "--pred-cols", "r", "--beta", "0.4"],
    "q": ["gce", "{d}/one.csv", "--label-cols", "label", "--pred-cols", "l0,l1,l2", "--logits", "--q", "0.5"],
    "eps": [*BCE, "--eps", "0.2"],
    "reduction": [*BCE, "--weight-col", "weight", "--reduction", "sum"],
    "convention": [*SCCE, "--convention", "torch", "--class-weights", "1,2,0.5"],
    "fmt": [*BCE, "--md"],
    "summary_only": [*BCE, "--summary-only"],
    "quiet": [*BCE, "-q"],
    "nan": ["bce", "{d}/one_nan.csv", "--label-cols", "label", "--pred-cols", "p", "--nan", "skip"],
    "sum_tol": ["scce", "{d}/one.csv", "--label-cols", "label", "--pred-cols", "pa,pb,pc", "--sum-tol", "0.05"],
    "chunk_rows": [*BCE, "--chunk-rows", "7"],
    "no_progress": [*BCE, "--no-progress"],
    "state_out": [*BCE, "--state-out", "{o}/state.json"],
    "engine": BCE,
    "scheduler": BCE,
    "no_header": ["bce", "{d}/noheader_one.csv", "--label-cols", "1", "--pred-cols", "2", "--no-header"],
    "header": ["bce", "{d}/numheader_one.csv", "--label-cols", "2020", "--pred-cols", "2021", "--header"],
    "delimiter": ["bce", "{d}/one_semicolon.csv", "--label-cols", "label", "--pred-cols", "p", "--delimiter", ";"],
    "max": [*BCE, "--max", "0.1"],
    "min": [*BCE, "--min", "5"],
    "warn_only": [*BCE, "--max", "0.1", "--warn-only"],
    "junit_xml": [*BCE, "--max", "0.1", "--junit-xml", "{o}/junit.xml"],
    "openmetrics": [*BCE, "--openmetrics", "{o}/metrics.txt"],
    "step_summary": [*BCE, "--step-summary"],
    "html": [*BCE, "--max", "0.1", "--html", "{o}/report.html"],
    "loss:summary_metrics": ["r2,explained_variance,rmse,max_error", "{d}/one.csv", "--label-cols", "z",
                             "--pred-cols", "r", "--chunk-rows", "64"],
    "loss:d2": ["d2_log_loss,d2_brier", *ONE, "--pred-cols", "p", "--weight-col", "weight"],
    "unit": [*SCCE, "--unit", "bits"],
    "loss:dice_axis_none": ["dice(axis=None),tversky(axis=None, alpha=0.3, beta=0.7)", *ONE, "--pred-cols", "p",
                            "--convention", "keras", "--chunk-rows", "64"],
    "loss:dice_keras_default": ["dice,tversky(alpha=0.3, beta=0.7)", *ONE, "--pred-cols", "p", "--convention",
                                "keras", "--chunk-rows", "64"],
    "loss:token_nll": ["token_nll", "{d}/one.csv", "--label-cols", "cls", "--pred-cols", "lp", "--ignore-index", "-1",
                       "--unit", "bits"],
    "n_bins": ["ece,mce,rmsce", *ONE, "--pred-cols", "l0,l1,l2", "--logits", "--n-bins", "5"],
    "words_col": ["token_nll", "{d}/one.csv", "--label-cols", "cls", "--pred-cols", "lp", "--ignore-index", "-1",
                  "--words-col", "label", "--bytes-col", "alt", "--chunk-rows", "64"],
    "bytes_col": ["scce", "{d}/one.csv", "--label-cols", "cls", "--pred-cols", "l0,l1,l2", "--logits",
                  "--ignore-index", "-1", "--bytes-col", "alt", "--unit", "bits"],
    "strategy": ["ece,mce,rmsce", *ONE, "--pred-cols", "l0,l1,l2", "--logits", "--n-bins", "5", "--strategy",
                 "quantile", "--chunk-rows", "64"],
    "loss:calibration": ["ece", *ONE, "--pred-cols", "p", "--weight-col", "weight", "--chunk-rows", "50"],
    "state_out:summary": ["rmse", "{d}/one.csv", "--label-cols", "z", "--pred-cols", "r", "--weight-col", "weight",
                          "--state-out", "{o}/state.json"],
}

#: Options that need per-sample values, which the Dask engine does not keep, or the labels' hash, which it does
#: not take (a baseline's labels could not be checked): refused there (exit 2).
REFUSED: dict[str, list[str]] = {
    "baseline": [*BCE, "--baseline", "{o}/base.json", "--force"],
    "max_increase": [*BCE, "--baseline", "{o}/base.json", "--max-increase", "0", "--eps", "0.3", "--force"],
    "max_rel_increase": [*BCE, "--baseline", "{o}/base.json", "--max-rel-increase", "1%", "--eps", "0.3",
                         "--force"],
    "update_baseline": [*BCE, "--baseline", "{o}/new_base.json", "--update-baseline"],
    "output": [*BCE, "--output", "{o}/out.csv"],
    "ci": [*BCE, "--ci", "0.9"],
    # the settings of a baseline and of --ci's bootstrap: usage errors without them (tests/commands/test_eval_gates.py)
    "force": [*BCE, "--baseline", "{o}/base.json", "--force"],
    "bootstrap": [*BCE, "--ci", "0.9", "--bootstrap", "50"],
    "seed": [*BCE, "--ci", "0.9", "--seed", "4"],
    "by_class": [*BCE, "--by-class"],
    "group_col": [*BCE, "--group-col", "cls"],
    "max_group": [*BCE, "--group-col", "cls", "--max-group", "1"],
    "max_class": [*BCE, "--max-class", "1"],
    "fmt:jsonl": [*BCE, "--nl"],
    "reduction:none": [*BCE, "--reduction", "none", "-q"],
    "weights": ["bce", "--labels", "{d}/labels.csv", "--preds", "{d}/preds.csv", "--weights", "{d}/preds.csv"],
    "preds2": ["margin_ranking", "--labels", "{d}/labels.csv", "--preds", "{d}/preds.csv", "--preds2",
               "{d}/labels.csv"],
    "words": ["token_nll", "--labels", "{d}/labels.csv", "--preds", "{d}/one.csv", "--pred-cols", "lp", "--words",
              "{d}/labels.csv"],
    "bytes": ["token_nll", "--labels", "{d}/labels.csv", "--preds", "{d}/one.csv", "--pred-cols", "lp", "--bytes",
              "{d}/labels.csv"],
    "input_format": [*BCE, "--input-format", "csv"],
}


def test_every_eval_option_is_covered():
    names = {p.name for p in eval_cmd.params}
    covered = set(CASES) | {k.split(":")[0] for k in REFUSED}
    assert names <= covered, f"add these eval options to the parity test: {sorted(names - covered)}"


def _run(args, capsys, tmp, engine, scheduler):
    out_dir = tmp / engine
    out_dir.mkdir(exist_ok=True)
    if any("{o}/base.json" in a for a in args):
        (out_dir / "base.json").write_text((tmp / "base.json").read_text())
    argv = ["eval"] + [a.replace("{o}", str(out_dir)) for a in args] + ["--engine", engine]
    if engine == "dask":
        argv += ["--scheduler", scheduler]
    if not {"--md", "-q", "--nl"} & set(argv):
        argv += ["--json"]
    code, out, err = run_cli(argv, capsys)
    files = {p.name: p.read_text() for p in sorted(out_dir.iterdir()) if p.name != "base.json"}
    return code, out, err, files


def _numbers(text: str) -> dict:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        return {"text": text}
    docs = doc if isinstance(doc, list) else [doc]
    return [{k: d.get(k) for k in ("loss", "value", "n", "ignored", "sum", "sum_weights", "convention", "params")}
            for d in docs]


def _same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=1e-12, abs=1e-15) or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


@pytest.mark.parametrize("option", sorted(CASES))
def test_option_means_the_same_on_both_engines(option, data, scheduler, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    code, out, err = run_cli(["eval", *[a.replace("{d}", str(data)) for a in BCE], "--json", "--summary-only"], capsys)
    assert code == 0, err
    (tmp_path / "base.json").write_text(out)
    args = [a.replace("{d}", str(data)) for a in CASES[option]]
    local = _run(args, capsys, tmp_path, "local", scheduler)
    dask = _run(args, capsys, tmp_path, "dask", scheduler)
    assert local[0] == dask[0], (local[2], dask[2])
    assert local[0] in (0, 1), local[2]
    if local[1].lstrip().startswith(("{", "[")):
        assert _same(_numbers(local[1]), _numbers(dask[1])), (local[1], dask[1])
    elif "-q" in args:
        assert float(local[1]) == pytest.approx(float(dask[1]), rel=1e-12)
    else:  # Markdown: the same table but for the engine's input description
        assert local[1].splitlines()[:3] == dask[1].splitlines()[:3]
    assert local[3].keys() == dask[3].keys()
    if "state.json" in local[3]:
        a, b = json.loads(local[3]["state.json"]), json.loads(dask[3]["state.json"])
        assert [e["loss"] for e in a["states"]] == [e["loss"] for e in b["states"]]
    assert not [p for p in os.listdir(tmp_path / "dask") if ".tmp-" in p]


@pytest.mark.parametrize("option", sorted(REFUSED))
def test_options_needing_per_sample_values_are_refused_by_dask(option, data, scheduler, capsys, tmp_path):
    code, out, err = run_cli(["eval", *[a.replace("{d}", str(data)) for a in BCE], "--json", "--summary-only"], capsys)
    assert code == 0, err
    (tmp_path / "base.json").write_text(out)
    args = [a.replace("{d}", str(data)) for a in REFUSED[option]]
    local = _run(args, capsys, tmp_path, "local", scheduler)
    assert local[0] in (0, 1), local[2]
    code, out, err, files = _run(args, capsys, tmp_path, "dask", scheduler)
    assert code == 2 and out == "" and "--engine local" in err
    assert files == {}
