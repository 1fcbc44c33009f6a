"""``--eps`` clips predicted probabilities: for losses none of which takes probabilities it would change
nothing, and is a usage error naming the losses it applies to; beside one that does it is taken."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_cli

DATA = Path(__file__).resolve().parents[2] / "sample_data"


def _mse() -> float:
    table = np.genfromtxt(DATA / "regression.csv", delimiter=",", names=True)
    return float(np.mean((table["y_true"] - table["y_pred"]) ** 2))


@pytest.mark.parametrize("loss", ["mse", "mse,huber"])
def test_eps_for_losses_without_probabilities_is_a_usage_error_and_its_hint_works(loss, capsys):
    code, out, err = run_cli(["eval", loss, DATA / "regression.csv", "--eps", "0.01", "-q"], capsys)
    assert code == 2 and out == ""
    assert "--eps clips predicted probabilities" in err and "mse" in err and "none" in err
    assert "leave out --eps" in err and "binary_crossentropy" in err and err.count("\n") == 1
    code, out, _ = run_cli(["eval", "mse", DATA / "regression.csv", "-q"], capsys)  # the hint
    assert code == 0 and float(out) == pytest.approx(_mse(), rel=1e-12)


def test_eps_beside_a_loss_on_probabilities_is_taken(capsys):
    y = np.loadtxt(DATA / "binary_labels.csv", delimiter=",", skiprows=1)
    p = np.clip(np.loadtxt(DATA / "binary_probs.csv", delimiter=",", skiprows=1), 0.2, 0.8)
    code, out, err = run_cli(["eval", "bce", "--labels", DATA / "binary_labels.csv", "--preds",
                              DATA / "binary_probs.csv", "--eps", "0.2", "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(float(np.mean(-(y * np.log(p) + (1 - y) * np.log1p(-p)))), rel=1e-12)


def _inputs(spec, mode: str, rng):
    """Labels and predictions with values at and beyond any clip: probabilities of exactly 0 and 1 and 1e-12
    from 1, or their logits or log-probabilities."""
    n = 40
    if spec.pred_kind == "distribution":
        p = rng.dirichlet(np.full(3, 0.05), n)
        p[0], p[1] = [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]
        k = rng.integers(0, 3, n)
        y = k if spec.label_kind == "class_index" else np.eye(3)[k]
        logits = np.log(np.maximum(p, 1e-300))
    else:
        p = rng.uniform(0, 1, n)
        p[:5] = [0.0, 1.0, 1e-12, 1 - 1e-12, 0.5]
        y = rng.integers(0, 2, n).astype(float)
        logits = np.log(np.maximum(p, 1e-300)) - np.log(np.maximum(1 - p, 1e-300))
    if mode == "logits":
        return y, np.clip(logits, -700, 700), {"from_logits": True}
    if mode == "log_probs":
        return y, np.log(np.maximum(p, 1e-300)), {"log_probs": True}
    return y, p, {}


def _cases():
    from losscli.registry import list_losses

    for spec in list_losses():
        if spec.pred_kind not in ("probability", "distribution"):
            continue
        names = {p.name for p in spec.params}
        for convention in spec.conventions:
            for mode in ("probabilities", "logits", "log_probs"):
                if mode == "probabilities" or {"logits": "from_logits", "log_probs": "log_probs"}[mode] in names:
                    yield pytest.param(spec.name, convention, mode, id=f"{spec.name}-{convention}-{mode}")


@pytest.mark.parametrize(("loss", "convention", "mode"), list(_cases()))
def test_each_loss_declares_where_the_clip_changes_it(loss, convention, mode):
    """A loss's declared ``clips`` is what its kernel does: with the clip at 0.2, values at and beyond the
    default clip change exactly where the declaration says the clip applies (so ``--eps`` is refused where
    it would change nothing, and taken where it does)."""
    import dataclasses

    import losscli
    from losscli.conventions import get_convention
    from losscli.engine.evaluator import Evaluator
    from losscli.errors import UsageError
    from losscli.registry import get_loss

    spec = get_loss(loss)
    y, x, params = _inputs(spec, mode, np.random.default_rng(0))
    conv = get_convention(convention)
    def at(eps: float) -> float:  # a fixed clip also drops Keras' float32 round trip: both sides drop it
        return losscli.evaluate(loss, y, x, convention=dataclasses.replace(conv, clip="fixed", fixed_eps=eps),
                                **params).value

    try:
        losscli.evaluate(loss, y, x, convention=conv, **params)
    except UsageError:  # under this convention the loss takes no such inputs (Keras, log-probabilities)
        return
    assert (at(0.2) != at(1e-300)) == Evaluator(loss, convention=convention, **params).clips()


@pytest.mark.parametrize(("loss", "flag", "kind"), [("bce", "--logits", "from logits"), ("brier", "", "as given")])
def test_eps_where_no_loss_clips_is_a_usage_error_and_its_hint_works(loss, flag, kind, capsys):
    args = ["eval", loss, "--labels", DATA / "binary_labels.csv", "--preds", DATA / "binary_probs.csv", "-q",
            *([flag] if flag else [])]
    code, out, err = run_cli([*args, "--eps", "0.2"], capsys)
    assert code == 2 and out == "" and kind in err and "leave out --eps" in err, err
    code, out, err = run_cli(args, capsys)  # the hint
    assert code == 0 and float(out) > 0, err


def test_eps_beside_keras_focal_loss_from_logits_is_taken(capsys):
    """Keras' binary focal loss from logits takes a sigmoid, then the clipped loss: --eps changes it."""
    args = ["eval", "binary_focal_crossentropy", "--labels", DATA / "binary_labels.csv", "--preds",
            DATA / "binary_probs.csv", "--logits", "--convention", "keras", "-q"]
    code, plain, err = run_cli(args, capsys)
    assert code == 0, err
    code, clipped, err = run_cli([*args, "--eps", "0.45"], capsys)
    assert code == 0 and float(clipped) != float(plain), err


@pytest.mark.parametrize(("loss", "flag", "convention"), [("bce", "--log-probs", "torch"),
                                                          ("binary_focal_crossentropy", "--logits", "keras")])
def test_an_eps_that_clips_log_probabilities_or_keras_logits_is_kept_in_the_state_and_signature(
        tmp_path, capsys, loss, flag, convention):
    """The clip applies to bce's log-probabilities and to Keras' focal loss from logits (their ``clips``), but
    their states and signatures left --eps out, as for logits computed exactly: shards clipped at 0.1 and
    unclipped merged into a mixture (exit 0), and the signatures of the two runs were one."""
    rng = np.random.default_rng(5)
    p = rng.uniform(0, 1, 60)
    p[:4] = [1e-9, 1 - 1e-9, 1e-4, 0.9999]
    x = np.log(p) if flag == "--log-probs" else np.log(p) - np.log1p(-p)
    y = rng.integers(0, 2, 60)
    files = []
    for k, part in enumerate((slice(0, 30), slice(30, 60))):
        yf, xf = tmp_path / f"y{k}.csv", tmp_path / f"x{k}.csv"
        yf.write_text("y\n" + "".join(f"{v}\n" for v in y[part]))
        xf.write_text("x\n" + "".join(f"{float(v)!r}\n" for v in x[part]))
        files.append((yf, xf))
    whole_y, whole_x = tmp_path / "y.csv", tmp_path / "x.csv"
    whole_y.write_text("y\n" + "".join(f"{v}\n" for v in y))
    whole_x.write_text("x\n" + "".join(f"{float(v)!r}\n" for v in x))
    base = ["eval", loss, flag, "--convention", convention]

    def run(yf, xf, *extra):
        code, out, err = run_cli([*base, "--labels", yf, "--preds", xf, *extra], capsys)
        assert code == 0, err
        return out

    signatures = [json.loads(run(whole_y, whole_x, "--json", *e))["signature"]["params"] for e in ([], ["--eps", "0.1"])]
    assert "eps" not in signatures[0] and signatures[1]["eps"] == 0.1
    one_pass = float(run(whole_y, whole_x, "-q", "--eps", "0.1"))
    assert one_pass != float(run(whole_y, whole_x, "-q"))
    run(*files[0], "-q", "--eps", "0.1", "--state-out", tmp_path / "s0.json")
    run(*files[1], "-q", "--state-out", tmp_path / "s1.json")
    code, out, err = run_cli(["merge", tmp_path / "s0.json", tmp_path / "s1.json", "-q"], capsys)
    assert code == 3 and out == "" and "eps" in err, err
    run(*files[1], "-q", "--eps", "0.1", "--state-out", tmp_path / "s1.json")
    code, out, err = run_cli(["merge", tmp_path / "s0.json", tmp_path / "s1.json", "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(one_pass, rel=1e-12), err


def test_the_message_names_the_convention_where_a_loss_clips_only_under_one(capsys):
    """KL from logits is computed exactly under torch, and clipped under Keras (a softmax, then Keras' clipped
    KL): --eps beside it under torch is refused, saying that --convention keras clips, where it is taken."""
    args = ["eval", "kl_divergence", "--labels", DATA / "multiclass_labels.npy", "--preds",
            DATA / "multiclass_probs.csv", "--logits", "-q", "--eps", "0.3"]
    code, out, err = run_cli([*args, "--convention", "torch"], capsys)
    assert code == 2 and out == "" and "under --convention keras it does" in err, err
    code, out, err = run_cli([*args, "--convention", "keras"], capsys)
    assert code == 0, err
    code, plain, err = run_cli([*args[:-2], "--convention", "keras"], capsys)
    assert code == 0 and float(out) != float(plain), err


def _keras_kld(y: np.ndarray, p: np.ndarray, eps: float) -> float:
    """Keras' ``kl_divergence`` after ``backend.set_epsilon(eps)``: labels and predictions clipped to
    [eps, 1], then Σ y·log(y/p) per row, in float64."""
    yc, pc = np.clip(y, eps, 1.0), np.clip(p, eps, 1.0)
    return float(np.mean(np.sum(yc * np.log(yc / pc), axis=1)))


def test_eps_clips_keras_kl_divergence_as_keras_set_epsilon_does(tmp_path, capsys):
    """Keras' KL clips labels and predictions at its epsilon: --eps is that epsilon (it was taken, kept in the
    signature, and changed nothing: 1.1538 for Keras' 0.4977 with backend.set_epsilon(0.1))."""
    y = np.array([[0.5, 0.5], [1.0, 0.0]])
    p = np.array([[0.01, 0.99], [0.5, 0.5]])
    np.savetxt(tmp_path / "y.csv", y, delimiter=",", header="y0,y1", comments="")
    np.savetxt(tmp_path / "p.csv", p, delimiter=",", header="p0,p1", comments="")
    args = ["eval", "kld", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "--convention", "keras"]
    code, out, err = run_cli([*args, "--eps", "0.1", "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    result = doc["results"][0] if "results" in doc else doc
    assert result["value"] == pytest.approx(_keras_kld(y, p, 0.1), rel=1e-12)
    assert result["clipped"] == 1
    code, out, err = run_cli([*args, "-q"], capsys)  # Keras' own epsilon
    assert code == 0 and float(out) == pytest.approx(_keras_kld(y, p, 1e-7), rel=1e-6), err


def test_eps_beside_keras_generalized_cross_entropy_is_refused_and_its_hint_works(capsys):
    """Keras' generalized cross-entropy clips nothing: --eps was taken and changed nothing but the float32
    rounding (1.4207 for the 1.1360 a clip at 0.1 would give)."""
    args = ["eval", "generalized_cross_entropy", "--labels", DATA / "multiclass_labels.npy", "--preds",
            DATA / "multiclass_probs.csv", "-q", "--convention", "keras"]
    code, out, err = run_cli([*args, "--eps", "0.1"], capsys)
    assert code == 2 and out == "" and "generalized_cross_entropy clips none" in err and "leave out --eps" in err
    code, out, err = run_cli(args, capsys)  # the hint: Keras' number, (1 − p_y^q)/q of the float32 probabilities
    y = np.load(DATA / "multiclass_labels.npy").astype(int)
    p = np.loadtxt(DATA / "multiclass_probs.csv", delimiter=",", skiprows=1).astype(np.float32).astype(np.float64)
    want = float(np.mean((1 - np.sqrt(p[np.arange(len(y)), y])) / 0.5))
    assert code == 0 and float(out) == pytest.approx(want, rel=1e-12), err


