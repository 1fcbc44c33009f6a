"""Regenerate the hostile inputs of this folder: what a user (or an attacker) may hand losscli beyond the
malformed files of ``../bad/``.

    python tests/data/hostile/make_hostile_files.py

Data files with markup, control characters and wide encodings; state files, baselines and check files
that are malformed, nested too deeply, overflowing or of an unknown schema. ``tests/test_hostile_inputs.py``
runs each through the command line and checks the exit status, an empty stdout on error, one message
line, no traceback, no control character on the terminal and no file left behind.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent

ROWS = [("a", 0, 0.1), ("b", 1, 0.8), ("c", 1, 0.7), ("d", 0, 0.2)]


def _csv(header: str, rows: list[str]) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def _state(**changes: object) -> dict:
    acc = {"n": 4, "n_total": 4, "clipped": 0, "sum_values": ["0x1.0000000000000p+0"],
           "sum_weights": ["0x1.0000000000000p+2"], "mean": "0x1.0000000000000p-2", "m2": "0x1.0000000000000p-3",
           "min": "0x1.0000000000000p-4", "max": "0x1.0000000000000p-1"}
    entry = {"loss": "mean_squared_error", "params": {}, "convention": "losscli", "reduction": "mean",
             "outputs": 1, "sources": ["shard.csv"], "warnings": [], "accumulator": acc}
    doc = {"kind": "losscli.engine.state", "schema": 1, "version": "0.1.0", "states": [entry]}
    for key, value in changes.items():
        if key in acc:
            acc[key] = value
        elif key in entry:
            entry[key] = value
        else:
            doc[key] = value
    return doc


def files() -> dict[str, bytes]:
    text = "y,p\n1,0.5\n0,0.2\n1,0.7\n"
    out: dict[str, bytes] = {
        # data whose text must stay text
        "markup_ids.csv": _csv("id,y,p", ['"[/]",0,0.1', '"[bold]x[/bold]",1,0.8', '"a,b",1,0.7', '"q""z",0,0.2']),
        "markup_groups.csv": _csv("g,y,p", ['"[/]",0,0.1', '"<!-- x",1,0.8', '"a|b",1,0.7', '"[red]",0,0.2']),
        "control_header.csv": b'y,"p\x1b[31m\nred"\n0,0.1\n1,0.8\n',
        "newline_ids.csv": _csv("id,y,p", ['"line\nbreak",0,0.1', '"tab\there",1,0.8', 'c,1,0.7', 'd,0,0.2']),
        # encodings and binary content
        "utf16le_nobom.csv": text.encode("utf-16-le"),
        "utf16be_nobom.csv": text.encode("utf-16-be"),
        "utf16_bom.csv": text.encode("utf-16"),
        "utf32_bom.csv": text.encode("utf-32"),
        "nul_early.csv": b"y,p\n\x00\x00\x00\x001,0.5\n",
        # values that must be shown as written
        "label_1e20.csv": _csv("y,a,b", ["1e20,0.5,0.5", "0,0.5,0.5"]),
        "label_almost_one.csv": _csv("y,p", ["1.0000000001,0.5", "0,0.5"]),
        "nan_rows.csv": _csv("y,p", ["1,0.5", ",0.3", "0,0.2", "1,"]),
        # state files for merge
        "state_ok.json": json.dumps(_state()).encode(),
        "state_nan_sum.json": json.dumps(_state(sum_values=["nan"])).encode(),
        "state_inf_mean.json": json.dumps(_state(mean="inf")).encode(),
        "state_schema_99.json": json.dumps(_state(schema=99)).encode(),
        "state_no_states.json": json.dumps(_state(states=[])).encode(),
        "state_negative_n.json": json.dumps(_state(n=-1)).encode(),
        "state_n_total_below_n.json": json.dumps(_state(n_total=1)).encode(),
        "state_unknown_loss.json": json.dumps(_state(loss="no_such_loss")).encode(),
        "state_bad_params.json": json.dumps(_state(params={"delta": "x"})).encode(),
        "state_accumulator_string.json": json.dumps(_state(accumulator="x")).encode(),
        "state_overflowing_sums.json": json.dumps(_state(sum_values=["0x1.fffffffffffffp+1023"] * 2)).encode(),
        "state_deep.json": b"[" * 100_000 + b"]" * 100_000,
        "state_huge_int.json": b'{"kind": "losscli.engine.state", "schema": ' + b"9" * 5000 + b"}",
        "state_nan_literal.json": b'{"kind": "losscli.engine.state", "schema": NaN}',
        "state_not_json.json": b"{'kind': 'state'",
        "state_list.json": b"[1, 2, 3]",
        # baselines
        "baseline_schema_99.json": json.dumps({"schema": 99, "loss": "binary_crossentropy", "value": 0.3}).encode(),
        "baseline_deep.json": b'{"loss": "bce", "value": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "baseline_bad_signature.json": json.dumps({"schema": 1, "loss": "binary_crossentropy", "value": 0.3,
                                                   "signature": {"labels_sha256": 5, "params": []}}).encode(),
    }
    check = '[[check]]\nname = "c"\nloss = "bce"\nlabels = "../bad/ok_labels.csv"\npreds = "../bad/ok_probs.csv"\n'
    for name, line in {
        "checks_confidence_5.toml": "baseline_preds = \"../bad/ok_probs.csv\"\nconfidence = 5",
        "checks_nan_maybe.toml": 'nan = "maybe"',
        "checks_max_nan.toml": "max = nan",
        "checks_max_inf.toml": "max = inf",
        "checks_bootstrap_huge.toml": "ci = 0.9\nbootstrap = 1000000000000",
        "checks_seed_negative.toml": "ci = 0.9\nseed = -1",
        "checks_ci_5.toml": "ci = 5",
        "checks_param_nan.toml": "params = { label_smoothing = nan }",
        "checks_huge_int.toml": "seed = " + "9" * 5000,
    }.items():
        out[name] = (check + line + "\n").encode()
    out["checks_deep.toml"] = b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n"
    return out


def main() -> None:
    for name, data in files().items():
        (HERE / name).write_bytes(data)


if __name__ == "__main__":
    main()
