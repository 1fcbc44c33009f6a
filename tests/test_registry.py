"""The registry: names, aliases, metadata, safe inline parameters, plugins through entry points."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import losscli
from losscli.errors import ParameterError, UnknownLossError, UsageError
from losscli.registry import Registry, load_entry_points, parse_loss_expression, resolve
from losscli.spec import LABEL_KINDS

REQUIRED = {
    "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
    "binary_focal_crossentropy", "categorical_focal_crossentropy", "kl_divergence", "mse", "mae", "huber",
    "smooth_l1", "log_cosh", "msle", "mape", "poisson", "cosine_similarity", "hinge", "squared_hinge",
    "categorical_hinge", "multiclass_hinge", "brier", "dice", "tversky", "generalized_cross_entropy",
}


def test_every_required_loss_is_registered():
    names = {s.name for s in losscli.list_losses()}
    assert names >= REQUIRED


@pytest.mark.parametrize("spec", losscli.list_losses(), ids=lambda s: s.name)
def test_spec_is_self_describing(spec):
    d = spec.describe()
    assert d["label_kind"] in LABEL_KINDS
    assert d["formula"] and d["latex"] and d["description"] and d["peer"]
    # losses fall as predictions improve; the scores among the summary metrics rise
    assert d["higher_is_better"] is (spec.name in {"r2", "explained_variance", "d2_log_loss", "d2_brier"})
    for p in d["parameters"]:
        assert {"name", "type", "default", "doc"} <= set(p)
    doc = spec.doc
    assert "Formula" in doc or "formula" in doc.lower() or "l = " in doc, "docstring gives the formula"
    peers = ("torch", "Keras", "scikit-learn", "sklearn", "TF")
    assert any(p in doc or p in spec.peer for p in peers), "docstring or spec names the peer"


@pytest.mark.parametrize(
    "alias,canonical",
    [("bce", "binary_crossentropy"), ("log_loss", "binary_crossentropy"),
     ("weighted_binary_crossentropy", "binary_crossentropy"), ("cce", "categorical_crossentropy"),
     ("weighted_categorical_crossentropy", "categorical_crossentropy"),
     ("sparse_cce", "sparse_categorical_crossentropy"), ("scce", "sparse_categorical_crossentropy"),
     ("focal", "binary_focal_crossentropy"), ("binary_focal", "binary_focal_crossentropy"),
     ("categorical_focal", "categorical_focal_crossentropy"), ("kld", "kl_divergence"), ("kl", "kl_divergence"),
     ("BCE", "binary_crossentropy"), ("Huber", "huber")],
)
def test_aliases(alias, canonical):
    assert losscli.get_loss(alias).name == canonical


def test_unknown_name_suggests_close_names():
    with pytest.raises(UnknownLossError) as info:
        losscli.get_loss("binary_crosentropy")
    assert "binary_crossentropy" in str(info.value)
    assert isinstance(info.value, UsageError) and info.value.exit_code == 2


@pytest.mark.parametrize(
    "text,name,params",
    [("huber(delta=0.5)", "huber", {"delta": 0.5}),
     ("binary_focal_crossentropy(gamma=2, alpha=0.25)", "binary_focal_crossentropy", {"gamma": 2, "alpha": 0.25}),
     ("scce(from_logits=true, class_weights=[1, 2, 0.5])", "scce", {"from_logits": True, "class_weights": [1, 2, 0.5]}),
     ("bce", "bce", {}),
     ("bce()", "bce", {})],
)
def test_inline_parameters(text, name, params):
    assert parse_loss_expression(text) == (name, params)


@pytest.mark.parametrize("text", ["huber(delta=__import__('os').system('true'))", "huber(0.5)", "huber(delta=", "1bad"])
def test_inline_parameters_are_never_evaluated(text):
    with pytest.raises(UsageError):
        parse_loss_expression(text)


def test_resolve_binds_and_checks_parameters():
    spec, params = resolve("huber(delta=0.5)")
    assert params == {"delta": 0.5}
    with pytest.raises(ParameterError, match="delta"):
        resolve("huber(delta=-1)")
    with pytest.raises(ParameterError, match="did you mean gamma"):
        resolve("focal(gama=2)")
    with pytest.raises(ParameterError, match="given twice"):
        resolve("huber(delta=0.5)", {"delta": 2.0})
    _, p = resolve("bce", {"pos_weight": "2,3"})
    assert p["pos_weight"] == (2.0, 3.0)


def test_entry_point_plugin(tmp_path):
    """A third-party package registers a loss through the `losscli.losses` entry-point group."""
    pkg = tmp_path / "site"
    pkg.mkdir()
    (pkg / "losscli_cubic.py").write_text(textwrap.dedent('''
        import numpy as np
        from losscli.spec import KernelOutput, LossSpec

        def cubic_error(y_true, y_pred, *, conv):
            """Cubic error. Formula: l = |y - p|^3 (no peer: a test plugin; torch has none)."""
            return KernelOutput(np.abs(np.asarray(y_pred, float) - np.asarray(y_true, float)) ** 3)

        SPEC = LossSpec(name="cubic_error", fn=cubic_error, label_kind="real", pred_kind="real", params=(),
                        formula="l = |y - p|^3", latex="|y-p|^3", description="Cubic error.", peer="none",
                        aliases=("cubic",))
    '''))
    dist = pkg / "losscli_cubic-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: losscli-cubic\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[losscli.losses]\ncubic = losscli_cubic:SPEC\n")
    sys.path.insert(0, str(pkg))
    try:
        reg = Registry()
        assert load_entry_points(reg) == ["cubic"]
        assert reg.get("cubic").name == "cubic_error"
    finally:
        sys.path.remove(str(pkg))
    # and end to end, in a fresh interpreter, through the command line
    code = ("import sys; from losscli.cli import main; "
            "sys.argv=['losscli','eval','cubic','--labels','y.csv','--preds','p.csv','-q']; main()")
    (tmp_path / "y.csv").write_text("y\n1\n2\n")
    (tmp_path / "p.csv").write_text("p\n2\n4\n")
    env = {"PYTHONPATH": str(pkg), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                         env={**__import__("os").environ, **env})
    assert out.returncode == 0, out.stderr
    assert float(out.stdout) == pytest.approx((1 + 8) / 2)


def test_list_losses_api_shape():
    specs = losscli.list_losses()
    d = {s.name: s.describe() for s in specs}
    assert d["huber"]["parameters"][0]["name"] == "delta"
    assert d["binary_crossentropy"]["accepts_logits"] is True
    assert "bce" in d["binary_crossentropy"]["aliases"]


def test_examples_evaluate():
    for spec in losscli.list_losses():
        ex = spec.example
        r = losscli.evaluate(spec, np.asarray(ex["y_true"]), np.asarray(ex["y_pred"]), **ex.get("params", {}))
        assert np.isfinite(r.value)


def test_a_parameter_that_is_not_a_value_is_named_with_a_hint():
    with pytest.raises(UsageError) as info:
        parse_loss_expression("huber(delta=abc)")
    assert str(info.value).startswith("delta=abc in 'huber(delta=abc)' is not a value")
    assert "delta=0.5" in (info.value.hint or "")


def test_generalized_cross_entropy_under_keras_refuses_a_q_keras_refuses():
    """Keras' CategoricalGeneralizedCrossEntropy raises for q outside (0, 1); q = 1 gave a number Keras has
    not (the MAE of the probabilities), which losscli's own convention keeps."""
    y, p = np.array([0, 1]), np.array([[0.7, 0.2, 0.1], [0.3, 0.5, 0.2]])
    with pytest.raises(ParameterError, match=r"Keras takes q in \(0, 1\)"):
        losscli.evaluate("gce(q=1)", y, p, convention="keras")
    assert losscli.evaluate("gce(q=1)", y, p).value == pytest.approx(0.4, rel=1e-15)
    py = np.float32([0.7, 0.5]).astype(np.float64)  # Keras' probabilities, in float32
    assert losscli.evaluate("gce(q=0.7)", y, p, convention="keras").value == pytest.approx(
        np.mean((1 - py**0.7) / 0.7), rel=1e-14)


@pytest.mark.parametrize("given, read", [
    ("9223372036854775807", 2**63 - 1), (2**63 - 1, 2**63 - 1), (np.int64(100), 100), ("100", 100),
    ("5.0", 5), (5.0, 5), ("1e3", 1000), (2**70, 2**70),
])
def test_integer_parameters_are_read_exactly(given, read):
    """Digits are read as digits: 2**63 − 1 through a float was 2**63."""
    _, params = resolve("top_k_error", {"k": given})
    assert params["k"] == read and type(params["k"]) is int


@pytest.mark.parametrize("given", ["9007199254740992", 2**53, "-9007199254740992"])
def test_integer_bounds_are_compared_as_integers(given):
    """ignore_index is bounded to ±(2**53 − 1) (a text file's label 2**53 + 1 reads as 2**53), compared as integers."""
    with pytest.raises(ParameterError, match="ignore_index must be"):
        resolve("scce", {"ignore_index": given})
    assert resolve("scce", {"ignore_index": "-100"})[1]["ignore_index"] == -100


@pytest.mark.parametrize("given", ["1.5", "abc", 1e300, float("nan"), True, "inf"])
def test_an_integer_parameter_that_is_no_exact_integer_is_refused(given):
    with pytest.raises(ParameterError, match="ignore_index must be an integer"):
        resolve("scce", {"ignore_index": given})
