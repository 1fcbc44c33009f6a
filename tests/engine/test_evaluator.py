"""The Python API: result shape, errors as one exception type, convention-specific behaviour."""

from __future__ import annotations

import contextlib
import math
import warnings

import numpy as np
import pytest

import losscli
from losscli.errors import (
    EmptyInputError,
    InputError,
    LabelError,
    NonFiniteError,
    ProbabilityError,
    ShapeError,
)


@pytest.fixture(autouse=True)
def numpy_warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            yield


def test_result_shape():
    r = losscli.evaluate("sparse_categorical_crossentropy", np.array([0, 2, 1]),
                         np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0], [1.0, 1.0, 0.0]]), from_logits=True,
                         class_weights=[1, 2, 0.5], sample_weight=None, convention="losscli", reduction="mean")
    assert r.per_sample.dtype == np.float64 and r.per_sample.shape == (3,)
    assert r.n == 3 and r.weight_sum == pytest.approx(1 + 0.5 + 2)
    assert r.value == pytest.approx(r.per_sample.sum() / r.weight_sum)
    assert r.mean == r.value and r.sum == pytest.approx(r.per_sample.sum())
    assert r.convention == "losscli" and r.loss == "sparse_categorical_crossentropy"


@pytest.mark.parametrize(
    "call,error,words",
    [
        (lambda: losscli.evaluate("bce", [1, 0, 1], [0.5, 0.2]), ShapeError, "3 rows"),
        (lambda: losscli.evaluate("scce", [0, 3], [[0.5, 0.5], [0.2, 0.8]]), LabelError, "[0, 2)"),
        (lambda: losscli.evaluate("bce", [1, 0], [0.5, 1.2]), ProbabilityError, "--logits"),
        (lambda: losscli.evaluate("bce", [1, 0], [0.5, np.nan]), NonFiniteError, "NaN"),
        (lambda: losscli.evaluate("bce", [1, np.inf], [0.5, 0.1]), NonFiniteError, "inf"),
        (lambda: losscli.evaluate("bce", [2, 0], [0.5, 0.5]), LabelError, "0 or 1"),
        (lambda: losscli.evaluate("cce", [[1, 0], [0, 1]], [[0.5, 0.4], [0.5, 0.5]]), ProbabilityError, "sum to 1"),
        (lambda: losscli.evaluate("cce", [[1, 0], [0.5, 0.6]], [[0.5, 0.5], [0.5, 0.5]]), LabelError, "sum to 1"),
        (lambda: losscli.evaluate("mse", [1, 2], [1, 2], sample_weight=[1, -1]), InputError, "≥ 0"),
        (lambda: losscli.evaluate("mse", [1, 2], [1, 2], sample_weight=[0, 0]), EmptyInputError, "sum to 0"),
        (lambda: losscli.evaluate("scce", [1, 1], [[0.5, 0.5], [0.5, 0.5]], ignore_index=1), EmptyInputError, "ignored"),
        (lambda: losscli.evaluate("cce", [[1, 0]], [0.5, 0.5]), ShapeError, "rows"),
        (lambda: losscli.evaluate("scce", [1, 0], [0.5, 0.5]), ShapeError, "per class"),
        (lambda: losscli.evaluate("scce", [0.5, 1], [[0.5, 0.5], [0.5, 0.5]]), LabelError, "integer"),
        (lambda: losscli.evaluate("mse", ["a", "b"], [1, 2]), InputError, "non-numeric"),
    ],
)
def test_invalid_input_raises_one_exception_type(call, error, words):
    with pytest.raises(losscli.LossCliError) as info:
        call()
    assert isinstance(info.value, error)
    assert words in str(info.value)


def test_error_names_row_and_column():
    with pytest.raises(ProbabilityError) as info:
        losscli.evaluate("cce", np.eye(3)[[0, 1, 2, 0]], np.array([[0.2, 0.3, 0.5]] * 3 + [[0.2, 1.5, -0.7]]))
    loc = info.value.location
    assert (loc.array, loc.row, loc.column) == ("y_pred", 3, 1)


def test_an_error_names_its_array_once():
    with pytest.raises(losscli.LossCliError) as info:
        losscli.evaluate("bce", [1, 0], [0.3, np.nan])
    assert str(info.value).startswith("NaN in y_pred row 2 (value nan): ")
    with pytest.raises(ProbabilityError) as info:
        losscli.evaluate("bce", [1, 0], [1.5, 0.2])
    assert str(info.value).startswith("predictions must be probabilities in [0, 1] in y_pred row 1 (value 1.5)")


def test_unknown_parameter_is_usage_error():
    with pytest.raises(losscli.UsageError):
        losscli.evaluate("mse", [1.0], [1.0], gamma=2)


# --- conventions: each library's distinctive behaviour --------------------------------------------------


def test_probability_caps_per_convention():
    y, p = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    lc = losscli.evaluate("bce", y, p).per_sample
    assert lc == pytest.approx([-math.log(2.220446049250313e-16)] * 2)  # 36.04, as sklearn float64
    assert losscli.evaluate("bce", y, p).clipped == 2
    keras = losscli.evaluate("bce", y, p, convention="keras").per_sample
    assert keras == pytest.approx([16.118095, 15.942385], rel=1e-6)
    torch = losscli.evaluate("bce", y, p, convention="torch").per_sample
    assert torch == pytest.approx([100.0, 100.0])
    sk32 = losscli.evaluate("bce", y, p.astype(np.float32), convention="sklearn").per_sample
    assert sk32 == pytest.approx([-math.log(np.finfo(np.float32).eps)] * 2, rel=1e-6)  # 15.94


def test_keras_renormalises_rows_sklearn_uses_them_as_given():
    y = np.array([[0, 1], [1, 0]])
    p = np.array([[0.2, 0.7], [0.6, 0.3]])
    k = losscli.evaluate("cce", y, p, convention="keras")
    s = losscli.evaluate("cce", y, p, convention="sklearn")
    assert k.value == pytest.approx(0.32839, abs=1e-5)
    assert s.value == pytest.approx(0.43375, abs=1e-5)
    assert any("renormalised" in w for w in k.warnings) and any("as given" in w for w in s.warnings)
    with pytest.raises(ProbabilityError):
        losscli.evaluate("cce", y, p)  # strict by default


@pytest.mark.parametrize(("loss", "y", "want"), [
    ("kld", [[0.5, 0.5]], 0.5 * math.log(0.5 / 0.2) + 0.5 * math.log(0.5 / 0.6)),  # Keras KLDivergence: 0.366985
    ("gce", [1], (1 - math.sqrt(0.6)) / 0.5),  # Keras CategoricalGeneralizedCrossEntropy: 0.450807
])
def test_keras_warning_says_rows_are_used_as_given_where_keras_does_not_renormalise(loss, y, want):
    # Keras renormalises rows in its categorical cross-entropies only: KLDivergence and
    # CategoricalGeneralizedCrossEntropy take the probabilities as given, and so does losscli
    r = losscli.evaluate(loss, y, np.array([[0.2, 0.6]]), convention="keras")
    assert r.value == pytest.approx(want, rel=1e-6)
    assert any("as given" in w for w in r.warnings)
    assert not any("renormalised" in w for w in r.warnings)


def test_weighted_mean_divisors():
    x = np.array([[1.0, 2.0, 0.5], [0.2, -1.0, 0.3], [2.0, 0.1, -0.5]])
    y = np.array([0, 1, 2])
    w = np.array([1.0, 2.0, 4.0])
    lc = losscli.evaluate("scce", y, x, from_logits=True, sample_weight=w)
    ke = losscli.evaluate("scce", y, x, from_logits=True, sample_weight=w, convention="keras")
    to = losscli.evaluate("scce", y, x, from_logits=True, class_weights=list(w), convention="torch")
    assert lc.value == pytest.approx(lc.sum / 7)
    assert ke.value == pytest.approx(ke.sum / 3)
    assert to.value == pytest.approx(lc.value)
    kw = losscli.evaluate("scce", y, x, from_logits=True, sample_weight=w, convention="keras",
                          reduction="weighted_mean")
    assert kw.value == pytest.approx(lc.value)


def test_empty_mean_per_convention():
    y, x = np.array([1, 1]), np.array([[0.2, 0.8], [0.4, 0.6]])
    assert losscli.evaluate("scce", y, x, ignore_index=1, convention="keras").value == 0.0
    assert math.isnan(losscli.evaluate("scce", y, x, ignore_index=1, convention="torch").value)
    with pytest.raises(EmptyInputError):
        losscli.evaluate("scce", y, x, ignore_index=1, convention="sklearn")


def test_focal_alpha_defaults():
    y, x = np.array([1.0, 0.0, 0.0]), np.array([1.5, -0.7, 2.0])
    assert losscli.evaluate("focal", y, x, from_logits=True).value == pytest.approx(0.56706, abs=1e-5)
    assert losscli.evaluate("focal", y, x, from_logits=True, convention="torch").value == pytest.approx(
        0.42418, abs=1e-5)
    assert losscli.evaluate("focal", y, x, from_logits=True, alpha=0.25).value == pytest.approx(0.42418, abs=1e-5)


def test_kl_torch_mean_divides_by_elements():
    y = np.array([[0.2, 0.3, 0.5], [0.1, 0.6, 0.3]])
    p = np.array([[0.3, 0.3, 0.4], [0.2, 0.5, 0.3]])
    lc = losscli.evaluate("kl", y, p)
    to = losscli.evaluate("kl", y, p, convention="torch")
    assert to.value == pytest.approx(lc.value / 3)


def test_logits_extremes_are_exact():
    x = np.array([1e4, -1e4, 1000.0, -1000.0, 0.0])
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    r = losscli.evaluate("bce", y, x, from_logits=True)
    assert r.per_sample == pytest.approx([1e4, 1e4, 0.0, 0.0, math.log(2)])
    z = np.array([[1e4, -1e4, 0.0], [-1000.0, 1000.0, 0.0]])
    r = losscli.evaluate("scce", np.array([1, 1]), z, from_logits=True)
    assert r.per_sample == pytest.approx([2e4, 0.0])


def test_float32_input_accepted():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1000, 4)).astype(np.float32)
    y = rng.integers(0, 4, 1000)
    r32 = losscli.evaluate("scce", y, x, from_logits=True)
    r64 = losscli.evaluate("scce", y, x.astype(np.float64), from_logits=True)
    assert r32.value == r64.value


@pytest.mark.parametrize(("loss", "params", "make"), [
    ("tweedie_deviance", {"power": 1.5}, lambda r, n: (r.uniform(0, 3, n), r.uniform(0.1, 3, n))),
    ("pinball", {"alpha": [0.1, 0.9]}, lambda r, n: (r.normal(size=n), r.normal(size=(n, 2)))),
    ("gaussian_nll", {}, lambda r, n: (r.normal(size=n), np.stack([r.normal(size=n), r.uniform(0, 2, n)], 1))),
    ("multi_margin", {"p": 2}, lambda r, n: (r.integers(0, 4, n), r.normal(size=(n, 4)))),
    ("top_k_error", {"k": 2}, lambda r, n: (r.integers(0, 4, n), r.normal(size=(n, 4)))),
    ("hamming", {}, lambda r, n: (r.integers(0, 2, (n, 3)), r.uniform(size=(n, 3)))),
])
def test_streamed_in_chunks_equals_one_pass(loss, params, make):
    rng = np.random.default_rng(5)
    y, p = make(rng, 1000)
    w = rng.uniform(0, 2, 1000)
    one = losscli.evaluate(loss, y, p, sample_weight=w, **params)
    ev = losscli.Evaluator(loss, **params)
    for a in range(0, 1000, 137):
        ev.update(y[a:a + 137], p[a:a + 137], w[a:a + 137])
    r = ev.result()
    assert r.value == pytest.approx(one.value, rel=1e-13)
    np.testing.assert_array_equal(r.per_sample, one.per_sample)


def test_cce_takes_class_indices_as_the_command_line_does():
    """Class indices are one-hot rows for the losses over distributions (issue 15), in evaluate and in
    Evaluator.update; an index out of range is still a LabelError."""
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.2, 0.5, 0.3]])
    onehot = np.eye(3)[[0, 2, 1]]
    for loss in ("cce", "kld", "categorical_focal"):
        want = losscli.evaluate(loss, onehot, probs)
        got = losscli.evaluate(loss, [0, 2, 1], probs)
        assert got.value == want.value
        np.testing.assert_array_equal(got.per_sample, want.per_sample)
    ev = losscli.Evaluator("cce")
    ev.update([0, 2], probs[:2])
    ev.update([1], probs[2:])
    assert ev.result().value == losscli.evaluate("cce", onehot, probs).value
    with pytest.raises(losscli.InputError, match="label"):
        losscli.evaluate("cce", [0, 3, 1], probs)


def test_empty_inputs_are_refused_as_such_and_an_empty_chunk_adds_nothing():
    """bce, cce, focal and others raised numpy's 'zero-size array to reduction' ValueError; token_nll took a
    (N, K) array and failed in the kernel."""
    from losscli.errors import EmptyInputError, LossCliError, ShapeError
    from losscli.registry import REGISTRY

    for name in REGISTRY.names():
        for yt, yp in ((np.zeros(0), np.zeros(0)), (np.zeros(0, int), np.zeros((0, 3))), (np.zeros((0, 3)),
                                                                                              np.zeros((0, 3)))):
            with contextlib.suppress(LossCliError):  # any other exception fails the test
                losscli.evaluate(name, yt, yp)
    with pytest.raises(EmptyInputError):
        losscli.evaluate("bce", [], [])
    ev = losscli.Evaluator("scce", from_logits=True)
    ev.update(np.zeros(0, int), np.zeros((0, 4)))
    ev.update(np.array([1]), np.array([[0.1, 2.0, 0.3, 0.0]]))
    assert ev.result().value == losscli.evaluate("scce", [1], [[0.1, 2.0, 0.3, 0.0]], from_logits=True).value
    with pytest.raises(ShapeError, match="one column of log-probabilities"):
        losscli.evaluate("token_nll", np.zeros((2, 3)), -np.ones((2, 3)))


@pytest.mark.parametrize("loss, onehot", [("scce", False), ("cce", True), ("categorical_focal", True)])
def test_a_fortran_ordered_or_strided_array_gives_the_c_ordered_arrays_bits(loss, onehot):
    """``DataFrame.to_numpy()`` gives Fortran order: such arrays took the NumPy kernels where C-ordered ones
    (and the command line) took the compiled ones, 1 ulp apart on a quarter of the values."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3000, 5))
    y = rng.integers(0, 5, 3000)
    labels = np.eye(5)[y] if onehot else y
    w = rng.random(6000)[::2]
    a = losscli.evaluate(loss, labels, x, sample_weight=np.ascontiguousarray(w), from_logits=True)
    b = losscli.evaluate(loss, np.asfortranarray(labels), np.asfortranarray(x), sample_weight=w, from_logits=True)
    assert a.value == b.value and np.array_equal(a.per_sample, b.per_sample)


@pytest.mark.parametrize("loss, y, p", [("bce", np.array(1.0), np.array([0.9, 0.8])), ("cce", [0, 1], [[0.5, 0.5], [1.0]]),
                                        ("mse", [1.0, 2.0], [[1.0], [2.0, 3.0]])])
def test_a_0d_label_or_ragged_rows_are_shape_errors(loss, y, p):
    """A 0-d label beside predictions raised IndexError (in the compiled kernels' dispatch), ragged rows
    NumPy's ValueError: the README promises a LossCliError for every problem."""
    with pytest.raises(ShapeError):
        losscli.evaluate(loss, y, p)


def test_masked_values_and_dates_are_refused_not_scored():
    """A masked array's hidden values were scored (3.3e11 for 0.125), and dates as their nanoseconds or days
    (2.49e30); the hint for masked values works."""
    import pandas as pd

    from losscli.errors import InputError

    p = np.ma.masked_greater([1.5, 2.0, 1e6], 1e3)
    y = np.array([1.0, 2.0, 3.0])
    with pytest.raises(InputError, match="masked") as info:
        losscli.evaluate("mse", y, p)
    assert "getmaskarray" in info.value.hint
    keep = ~np.ma.getmaskarray(p)
    assert losscli.evaluate("mse", y[keep], p[keep].data).value == 0.125
    ev = losscli.Evaluator("mse")
    with pytest.raises(InputError, match="masked"):
        ev.update(y, p)
    for dates in (pd.Series(pd.to_datetime(["2020-01-01", "2020-01-02"])),
                  np.array(["2020-01-01", "2020-01-02"], dtype="datetime64[D]"), np.array([1, 2], dtype="timedelta64[s]")):
        with pytest.raises(InputError, match="dates|durations"):
            losscli.evaluate("mse", dates, [1.0, 2.0])
    assert losscli.evaluate("mse", [1.0, 2.0], np.ma.masked_array([1.0, 2.0], mask=[False, False])).value == 0.0


def test_writing_into_returned_values_does_not_change_the_sums():
    """The accumulator kept the rows of its partial block as views of the values update() returns: `v += 100`
    made MSE 102.5 for 2.5, and zeroing result().per_sample made BCE 0.0."""
    ev = losscli.Evaluator("mse")
    v = ev.update([1.0, 2.0], [0.0, 0.0])
    v += 100
    assert ev.result().value == 2.5
    ev = losscli.Evaluator("bce")
    ev.update([1.0, 0.0, 1.0], [0.9, 0.2, 0.6])
    want = ev.result().value
    ev.result().per_sample[:] = 0
    assert ev.result().value == want == losscli.evaluate("bce", [1.0, 0.0, 1.0], [0.9, 0.2, 0.6]).value


def test_chunks_of_two_float_types_under_a_dtype_clip_are_refused():
    """scikit-learn clips at the eps of the predictions' type: a float32 chunk then a float64 one gave 25.99, a
    value no single pass gives (36.04 in float64, 15.94 in float32)."""
    y = np.array([1, 0, 1, 0])
    ev = losscli.Evaluator("bce", convention="sklearn")
    ev.update(y[:2], np.array([0.0, 1.0], np.float32))
    with pytest.raises(losscli.UsageError, match="one type"):
        ev.update(y[2:], np.array([0.0, 1.0]))
    one = losscli.Evaluator("bce", convention="sklearn")  # the hint: one type
    one.update(y[:2], np.array([0.0, 1.0], np.float32).astype("float64"))
    one.update(y[2:], np.array([0.0, 1.0]))
    assert one.result().value == losscli.evaluate("bce", y, np.array([0.0, 1.0, 0.0, 1.0]), convention="sklearn").value
    ev = losscli.Evaluator("bce", convention="torch")  # a clip that does not depend on the type: taken
    ev.update(y[:2], np.array([0.1, 0.9], np.float32))
    ev.update(y[2:], np.array([0.1, 0.9]))


def test_a_merge_keeps_per_sample_values_only_where_both_kept_them():
    a, b = losscli.Evaluator("bce"), losscli.Evaluator("bce", keep_per_sample=False)
    a.update([1, 0], [0.3, 0.6])
    b.update([1, 0], [0.3, 0.6])
    r = a.merge(b).result()
    assert r.n == 4 and r.per_sample is None  # it listed 2 of the 4 samples
    with pytest.raises(losscli.UsageError, match="takes another Evaluator"):
        a.merge(3)
    with pytest.raises(losscli.UsageError, match="counts= maps"):
        losscli.Evaluator("scce", counts=["words"]).update([0], [[0.5, 0.5]], counts=[1])


@pytest.fixture
def kernels_choice(monkeypatch):
    from losscli import _native

    def use(kernels: str) -> None:
        monkeypatch.setenv("LOSSCLI_KERNELS", kernels)
        _native.reset()

    yield use
    monkeypatch.undo()
    _native.reset()


@pytest.mark.parametrize("kernels", ["numpy", "auto"])
def test_merged_shards_count_rows_off_one_in_one_warning(kernels, kernels_choice):
    """Shards with probability rows that do not sum to 1 (scikit-learn takes them as given) merge into one
    warning that counts them all and names the first, as one pass over the whole input does."""
    kernels_choice(kernels)
    rng = np.random.default_rng(1)
    y, p = np.eye(3)[rng.integers(0, 3, 5000)], rng.dirichlet(np.ones(3), 5000)
    p[[100, 3000, 4000]] *= 0.9
    first, second = (losscli.Evaluator("cce", convention="sklearn") for _ in range(2))
    first.update(y[:2500], p[:2500])
    second.update(y[2500:], p[2500:])
    assert second.warnings == ["2 probability rows do not sum to 1 (sample 501, the first, sums to 0.9); used as "
                               "given, as sklearn does"]
    merged = first.merge(second).result()
    whole = losscli.evaluate("cce", y, p, convention="sklearn")
    assert merged.warnings == whole.warnings == [
        "3 probability rows do not sum to 1 (sample 101, the first, sums to 0.9); used as given, as sklearn does"]
