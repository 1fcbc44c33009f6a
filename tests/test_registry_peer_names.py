"""Peer spellings of loss names: torch functions and classes, Keras classes, scikit-learn functions;
the parameters a name implies; conventions per loss; suggestions; ``losscli LOSS`` without a command."""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import run_cli

import losscli
from losscli.errors import ParameterError, UnknownLossError, UsageError
from losscli.registry import REGISTRY, expression_params

#: peer spelling → (canonical entry, the parameters the name implies)
PEER_NAMES = {
    "mse_loss": ("mse", {}),
    "MSELoss": ("mse", {}),
    "MeanSquaredError": ("mse", {}),
    "mean_squared_error": ("mse", {}),
    "l1_loss": ("mae", {}),
    "L1Loss": ("mae", {}),
    "mean_absolute_error": ("mae", {}),
    "HuberLoss": ("huber", {}),
    "SmoothL1Loss": ("smooth_l1", {}),
    "nll_loss": ("sparse_categorical_crossentropy", {"log_probs": True}),
    "NLLLoss": ("sparse_categorical_crossentropy", {"log_probs": True}),
    "nll": ("sparse_categorical_crossentropy", {"log_probs": True}),
    "CrossEntropyLoss": ("sparse_categorical_crossentropy", {"from_logits": True}),
    "cross_entropy": ("sparse_categorical_crossentropy", {"from_logits": True}),
    "SparseCategoricalCrossentropy": ("sparse_categorical_crossentropy", {}),
    "binary_cross_entropy": ("binary_crossentropy", {}),
    "BCELoss": ("binary_crossentropy", {}),
    "binary_cross_entropy_with_logits": ("binary_crossentropy", {"from_logits": True}),
    "BCEWithLogitsLoss": ("binary_crossentropy", {"from_logits": True}),
    "BinaryCrossentropy": ("binary_crossentropy", {}),
    "log_loss": ("binary_crossentropy", {}),
    "CategoricalCrossentropy": ("categorical_crossentropy", {}),
    "kl_div": ("kl_divergence", {"log_probs": True}),
    "KLDivLoss": ("kl_divergence", {"log_probs": True}),
    "KLDivergence": ("kl_divergence", {}),
    "sigmoid_focal_loss": ("binary_focal_crossentropy", {"from_logits": True}),
    "BinaryFocalCrossentropy": ("binary_focal_crossentropy", {}),
    "poisson_nll_loss": ("poisson", {"from_logits": True}),
    "PoissonNLLLoss": ("poisson", {"from_logits": True}),
    "Poisson": ("poisson", {}),
    "hinge_loss": ("hinge", {}),
    "SquaredHinge": ("squared_hinge", {}),
    "brier_score_loss": ("brier", {}),
    "mean_poisson_deviance": ("poisson_deviance", {}),
    "mean_gamma_deviance": ("gamma_deviance", {}),
    "mean_tweedie_deviance": ("tweedie_deviance", {}),
    "mean_pinball_loss": ("pinball", {}),
    "quantile": ("pinball", {}),
    "gaussian_nll_loss": ("gaussian_nll", {}),
    "GaussianNLLLoss": ("gaussian_nll", {}),
    "multi_margin_loss": ("multi_margin", {}),
    "MultiMarginLoss": ("multi_margin", {}),
    "soft_margin_loss": ("soft_margin", {}),
    "MultiLabelSoftMarginLoss": ("multilabel_soft_margin", {}),
    "zero_one_loss": ("zero_one", {}),
    "hamming_loss": ("hamming", {}),
    "HingeEmbeddingLoss": ("hinge_embedding", {}),
    "margin_ranking_loss": ("margin_ranking", {}),
    "CosineEmbeddingLoss": ("cosine_embedding", {}),
}


@pytest.mark.parametrize("name", list(PEER_NAMES))
def test_peer_names_resolve_to_the_right_entry_case_insensitively(name):
    canonical, implied = PEER_NAMES[name]
    for spelling in (name, name.lower(), name.upper()):
        spec, got = REGISTRY.lookup(spelling)
        assert spec.name == canonical and got == implied, spelling
    assert expression_params(name) == implied


def test_a_name_that_implies_logits_computes_from_logits():
    y, x = np.array([1.0, 0.0, 1.0]), np.array([2.0, -1.0, 0.3])
    by_peer = losscli.evaluate("BCEWithLogitsLoss", y, x)
    by_option = losscli.evaluate("bce", y, x, from_logits=True)
    assert by_peer.params["from_logits"] is True and by_peer.value == by_option.value


def test_a_name_that_implies_log_probabilities_computes_from_them():
    y, lp = np.array([0, 2]), np.log(np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]]))
    r = losscli.evaluate("nll_loss", y, lp)
    np.testing.assert_allclose(r.per_sample, [-np.log(0.7), -np.log(0.6)], rtol=1e-15)


def test_contradicting_what_a_name_implies_is_a_usage_error():
    with pytest.raises(ParameterError, match="from_logits"):
        losscli.evaluate("BCEWithLogitsLoss", [1.0], [0.3], from_logits=False)
    with pytest.raises(ParameterError, match="from_logits"):
        losscli.evaluate("BCEWithLogitsLoss(from_logits=False)", [1.0], [0.3])


def test_unknown_names_suggest_peer_spellings_first_with_the_entry_they_name():
    with pytest.raises(UnknownLossError) as info:
        losscli.get_loss("mse_los")
    assert info.value.suggestions[0] == "mse_loss (= mse)"
    with pytest.raises(UnknownLossError) as info:
        losscli.get_loss("BCEWithLogits")
    assert info.value.suggestions[0] == "BCEWithLogitsLoss (= binary_crossentropy)"
    with pytest.raises(UnknownLossError) as info:
        losscli.get_loss("binary_crosentropy")
    assert info.value.suggestions[0] == "binary_crossentropy"


@pytest.mark.parametrize("spec", losscli.list_losses(), ids=lambda s: s.name)
def test_each_entry_lists_its_conventions_and_refuses_the_others(spec):
    assert spec.conventions[0] == "losscli"
    assert set(spec.conventions) <= {"losscli", "torch", "keras", "sklearn"}
    for other in {"torch", "keras", "sklearn"} - set(spec.conventions):
        with pytest.raises(UsageError) as info:
            losscli.Evaluator(spec.name, convention=other)
        assert all(c in str(info.value) for c in spec.conventions), str(info.value)


def test_convention_refusal_on_the_command_line(tmp_path, capsys):
    (tmp_path / "d.csv").write_text("y,p\n1,0.9\n0,0.2\n")
    code, out, err = run_cli(["eval", "focal", tmp_path / "d.csv", "--convention", "sklearn"], capsys)
    assert code == 2 and out == ""
    assert "not defined by scikit-learn" in err and "losscli, torch, keras" in err


def test_peer_names_on_the_command_line(tmp_path, capsys):
    np.save(tmp_path / "y.npy", np.array([0, 2, 1]))
    np.save(tmp_path / "x.npy", np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0], [1.0, 1.0, 0.0]]))
    files = ["--labels", tmp_path / "y.npy", "--preds", tmp_path / "x.npy", "-q"]
    code, out, _ = run_cli(["eval", "CrossEntropyLoss", *files], capsys)
    code2, out2, _ = run_cli(["eval", "scce", "--logits", *files], capsys)
    assert code == code2 == 0 and out == out2
    code, _, err = run_cli(["eval", "CrossEntropyLoss", "--probs", *files], capsys)
    assert code == 2 and "--probs contradicts it" in err


def test_a_loss_where_the_command_goes_suggests_eval(tmp_path, capsys):
    code, out, err = run_cli(["bce", "--labels", "y.csv", "--preds", "p.csv"], capsys)
    assert code == 2 and out == ""
    assert "losscli eval bce --labels y.csv --preds p.csv" in err
    code, _, err = run_cli(["mse_los", "data.csv"], capsys)
    assert code == 2 and "losscli eval LOSS data.csv" in err and "mse_loss (= mse)" in err
    code, _, err = run_cli(["frobnicate"], capsys)
    assert code == 2 and "No such command" in err


def test_following_the_suggestion_works(tmp_path, capsys):
    (tmp_path / "d.csv").write_text("y,p\n1,0.9\n0,0.2\n")
    code, _, err = run_cli(["bce", tmp_path / "d.csv", "-q"], capsys)
    suggested = err.split("to evaluate it: losscli ", 1)[1].strip().split()
    code, out, _ = run_cli(suggested, capsys)
    assert code == 0 and float(out) == pytest.approx(-(np.log(0.9) + np.log(0.8)) / 2, rel=1e-12)
