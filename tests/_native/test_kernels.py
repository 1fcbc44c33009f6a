"""The compiled kernels (losscli._native): vector math, agreement with the NumPy kernels, bit-identical
results for any chunking and thread count, every instruction-set level this CPU has, and the fallback.

Skipped as a whole when the extension is not built (``.ci/run`` checks that it is).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import losscli
from losscli import _native
from losscli.chunking import BLOCK, default_chunk_rows
from losscli.conventions import get_convention
from losscli.engine.accumulator import _block_stats
from losscli.engine.evaluator import Evaluator
from losscli.errors import LossCliError

_kernels = pytest.importorskip("losscli._native._kernels", reason="the compiled kernels are not built")
mpmath = pytest.importorskip("mpmath")

LEVELS = _kernels.levels()
REFERENCE = Path(__file__).parent.parent / "reference" / "reference_values.json"
CASES = json.loads(REFERENCE.read_text(encoding="utf-8"))["cases"]


@pytest.fixture
def kernels_env(monkeypatch):
    """Set LOSSCLI_* variables for one test; the loader reads them again before and after."""

    def use(**env: str) -> None:
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        _native.reset()

    monkeypatch.delenv("LOSSCLI_KERNELS", raising=False)
    monkeypatch.delenv("LOSSCLI_KERNEL_LEVEL", raising=False)
    _native.reset()
    yield use
    monkeypatch.undo()
    _native.reset()


@pytest.fixture(params=LEVELS)
def level(request, kernels_env) -> str:
    kernels_env(LOSSCLI_KERNEL_LEVEL=request.param)
    assert _native.kernels() is not None and _kernels.level() == request.param
    return request.param


# ------------------------------------------------------------------------------------------ vector math
def _ulps(got: float, exact) -> float:
    """|got − exact| in units of the last place of the correctly rounded result."""
    ref = float(exact)
    if ref == 0.0 or math.isinf(ref):
        return 0.0 if got == ref else math.inf
    ulp = math.ulp(ref) if abs(ref) >= 2.2250738585072014e-308 else 5e-324
    return float(abs(mpmath.mpf(got) - exact)) / ulp


def _hard_arguments(rng: np.random.Generator) -> dict[str, np.ndarray]:
    tiny = [5e-324, 1e-320, 2.225073858507201e-308, 2.2250738585072014e-308, 1e-300]
    near_one = [1 - 2**-53, 1 + 2**-52, 1 - 2**-52, 1 + 2**-51, 1.0, 0.7071067811865476, 1.4142135623730951]
    return {
        "exp": np.concatenate(
            [
                [-745.13, -745.0, -744.5, -709.0, -708.4, -708.39, 709.0, 709.78, 709.782, 0.0, -0.0],
                [2**-53, -(2**-53), 2**-1074, -(2**-1074), 0.34657359027997264, -0.34657359027997264],
                rng.uniform(-745, 709.7, 1500),
                rng.uniform(-1, 1, 500),
            ]
        ),
        "log": np.concatenate(
            [
                tiny,
                near_one,
                [1.7976931348623157e308, 2.0, 0.5, 3.0],
                np.exp(rng.uniform(-744, 709, 1500)),
                rng.uniform(0.5, 2.0, 500),
            ]
        ),
        "log1p": np.concatenate(
            [
                tiny,
                [-x for x in tiny],
                [
                    2**-53,
                    -(2**-53),
                    2**-54,
                    1 - 2**-53,
                    -(1 - 2**-53),
                    -0.5,
                    0.4142135623730951,
                    -0.2928932188134524,
                ],
                [1e300, 1.7976931348623157e308],
                rng.uniform(-1, 1, 1000),
                np.exp(rng.uniform(-740, 709, 500)),
                -np.exp(rng.uniform(-740, -1e-9, 500)),
            ]
        ),
    }


@pytest.mark.parametrize("fn", ["exp", "log", "log1p"])
def test_vector_math_within_two_ulp_of_mpmath(level, fn):
    mpmath.mp.prec = 120
    x = _hard_arguments(np.random.default_rng(7))[fn]
    out = np.empty_like(x)
    getattr(_kernels, fn)(x, out)
    exact = getattr(mpmath, fn)
    worst = max((_ulps(float(g), exact(mpmath.mpf(float(a)))), float(a)) for a, g in zip(x, out, strict=True))
    assert worst[0] <= 2.0, f"{fn}({worst[1]!r}) is {worst[0]:.2f} ulp off at level {level}"


def test_expm1_of_log_probabilities_within_0_52_ulp_of_mpmath(level):
    """e^x − 1 for x ≤ 0 (1 − p = −expm1(log p) of the focal losses), as near to correctly rounded as
    NumPy's: the boundaries of its argument reduction, where the result rounds to −1, and subnormals."""
    mpmath.mp.prec = 120
    rng = np.random.default_rng(13)
    x = np.concatenate(
        [
            [0.0, -0.0, -(2.0**-1074), -1e-300, -(2.0**-53), -0.34657359027997264, -0.3466, -0.6931471805599453],
            [-37.42, -37.43, -38.0, -40.0, -41.0, -745.0, -1e300],
            -np.exp(rng.uniform(-40, 4, 1500)),
            rng.uniform(-0.4, 0.0, 500),
            rng.uniform(-3.0, -0.3, 500),
            rng.uniform(-45.0, -30.0, 200),
        ]
    )
    out = np.empty_like(x)
    _kernels.expm1(x, out)
    worst = max((_ulps(float(g), mpmath.expm1(mpmath.mpf(float(a)))), float(a)) for a, g in zip(x, out, strict=True))
    assert worst[0] <= 0.52, f"expm1({worst[1]!r}) is {worst[0]:.3f} ulp off at level {level}"
    _kernels.expm1(np.array([-np.inf, np.nan, -0.0, 0.0]), out[:4])
    assert out[0] == -1.0 and np.isnan(out[1]) and out[2] == 0.0 and out[3] == 0.0


@pytest.mark.parametrize("gamma", [0.25, 0.5, 1.5, 2.5, 3.0, 3.7, 4.0, 7.3, 16.0])
def test_focal_power_within_0_7_ulp_of_mpmath(level, gamma):
    """(1 − p)^γ of the focal losses for any γ ≤ 16: e^{γ·log b} with a double-double log and exp (b³, b⁴
    from the exact square); 0.55 ulp for γ ≤ 4, 0.7 above, 1 for b³ and b⁴ on the baseline (no FMA)."""
    mpmath.mp.prec = 150
    rng = np.random.default_rng(3)
    b = np.concatenate(
        [
            [0.0, 1.0, 1 - 2**-53, 2**-1074, 1e-310, 2.2250738585072014e-308, 0.5, 0.7071067811865476],
            [0.7071067811865475, 1 + 2**-52],
            np.exp(rng.uniform(-40, 0, 600)),
            rng.uniform(0, 1, 600),
            1 - np.exp(rng.uniform(-40, -1, 200)),
        ]
    )
    out = np.empty_like(b)
    _kernels.power(b, out, gamma)
    worst = max((_ulps(float(o), mpmath.mpf(float(x)) ** gamma), float(x)) for x, o in zip(b, out, strict=True))
    bound = 1.0 if level == "baseline" and gamma in (3.0, 4.0) else 0.55 if gamma <= 4 else 0.7
    assert worst[0] <= bound, f"{worst[1]!r} ** {gamma} is {worst[0]:.3f} ulp off at level {level}"
    _kernels.power(np.array([0.0, 1.0, 0.5]), out[:3], 0.0)
    assert out[:3].tolist() == [1.0, 1.0, 1.0]


def test_vector_math_special_values(level):
    out = np.empty(4)
    _kernels.exp(np.array([-np.inf, np.inf, 800.0, -800.0]), out)
    assert out.tolist() == [0.0, np.inf, np.inf, 0.0]
    _kernels.log(np.array([0.0, -1.0, np.inf, np.nan]), out)
    assert out[0] == -np.inf and np.isnan(out[1]) and out[2] == np.inf and np.isnan(out[3])
    _kernels.log1p(np.array([-1.0, 0.0, np.inf, -0.0]), out)
    assert out[0] == -np.inf and out[1] == 0.0 and out[2] == np.inf


def test_log_table_is_what_its_comment_says():
    """K_INVC[j] = 20/(j + 15) rounded to a double, K_LOGC_HI + K_LOGC_LO = −log K_INVC[j] to 2^-106."""
    import re

    source = (Path(_native.__file__).parent / "_kernels.c").read_text(encoding="utf-8")

    def table(name: str) -> list[float]:
        body = re.search(name + r"\[16\] = \{(.*?)\};", source, re.S)
        assert body is not None, name
        return [float.fromhex(v.strip()) for v in body.group(1).split(",")]

    mpmath.mp.prec = 200
    invc, hi, lo = table("K_INVC"), table("K_LOGC_HI"), table("K_LOGC_LO")
    for j in range(16):
        assert invc[j] == float(mpmath.mpf(20) / (j + 15))
        exact = -mpmath.log(mpmath.mpf(invc[j]))
        assert hi[j] == float(exact)
        assert abs(mpmath.mpf(hi[j]) + mpmath.mpf(lo[j]) - exact) <= abs(exact) * mpmath.mpf(2) ** -106


def test_exp_table_is_what_its_comment_says():
    """K_EXP2_8[j] = 2^{j/8} rounded to a double (the vector levels' e^x reads it by k mod 8)."""
    import re

    source = (Path(_native.__file__).parent / "_kernels.c").read_text(encoding="utf-8")
    body = re.search(r"K_EXP2_8\[8\] = \{(.*?)\};", source, re.S)
    assert body is not None
    table = [float.fromhex(v.strip()) for v in body.group(1).split(",")]
    mpmath.mp.prec = 200
    assert table == [float(mpmath.power(2, mpmath.mpf(j) / 8)) for j in range(8)]


def test_exp_polynomial_is_as_accurate_as_its_comment_says():
    """1 + r·(1 + r·Σ K_Xi·r^{i−2}) is within 2^-58 of e^r, relatively, on |r| ≤ ln2/16 (and a little beyond,
    where the reduction's rounding can put r), evaluated exactly from the coefficients as written."""
    import re

    source = (Path(_native.__file__).parent / "_kernels.c").read_text(encoding="utf-8")
    coef = [float.fromhex(re.search(rf"#define K_X{i} (\S+)", source).group(1)) for i in range(2, 8)]
    mpmath.mp.prec = 200
    a = mpmath.log(2) / 16 * mpmath.mpf("1.0001")
    worst = mpmath.mpf(0)
    for k in range(-1000, 1001):
        r = a * k / 1000
        p = mpmath.mpf(0)
        for c in reversed(coef):
            p = p * r + mpmath.mpf(c)
        worst = max(worst, abs((1 + r * (1 + r * p)) / mpmath.exp(r) - 1))
    assert worst < mpmath.mpf(2) ** -58
    assert worst > mpmath.mpf(2) ** -60  # the bound is the polynomial's, not slack: a coefficient changed shows


# ------------------------------------------------------------------------------------------ block sums
@pytest.mark.parametrize("n", [1, 7, 8, 100, 129, 1000, 4099, BLOCK])
def test_block_sums_follow_numpys_pairwise_tree(level, n):
    rng = np.random.default_rng(n)
    v = rng.standard_normal(n) * np.exp(rng.standard_normal(n) * 8)
    w = rng.uniform(0, 3, n)
    ours = _kernels.block_stats(v, w, None, n)
    theirs = _block_stats(v, w, None)
    assert ours[0] == theirs[0]
    assert not theirs[1][1] and not theirs[2][1]  # (sum, scaled): moderate values are not scaled
    assert (ours[1], ours[2], ours[3]) == (theirs[1][0], theirs[2][0], theirs[3])  # Σv, Σw, mean bit for bit
    assert ours[5:] == theirs[5:]
    assert ours[4] == pytest.approx(theirs[4], rel=1e-13)  # M2 (fused multiply-adds may round differently)


def test_block_stats_with_a_mask(level):
    rng = np.random.default_rng(3)
    v = rng.uniform(0, 5, 5000)
    c = rng.uniform(size=5000) < 0.7
    v[~c] = 0.0
    nb, sv, sw, mean, m2, lo, hi = _kernels.block_stats(v, None, c.view(np.uint8), 5000)
    assert nb == c.sum() and sw == nb
    assert sv == pytest.approx(v.sum(), rel=1e-15)
    assert mean == pytest.approx(v[c].mean(), rel=1e-15)
    assert m2 == pytest.approx(((v[c] - v[c].mean()) ** 2).sum(), rel=1e-13)
    assert (lo, hi) == (v[c].min(), v[c].max())
    assert _kernels.block_stats(v, None, np.zeros(5000, np.uint8), 5000)[0] == 0


# ------------------------------------------------------------------------ agreement with the NumPy path
def _evaluate(case: dict) -> losscli.Result:
    sw = None if case["sample_weight"] is None else np.asarray(case["sample_weight"], dtype=np.float64)
    return losscli.evaluate(
        case["loss"],
        np.array(case["y_true"]),
        np.array(case["y_pred"]),
        sample_weight=sw,
        convention=case["convention"],
        reduction=case["reduction"],
        **case["params"],
    )


def _within_ulps(a: np.ndarray, b: np.ndarray, ulps: int = 4) -> np.ndarray:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    scale = np.spacing(np.maximum(np.abs(a), np.abs(b)))
    return same | (np.abs(a - b) <= ulps * scale)


def _focal_ulps(params: dict) -> int:
    """How far categorical focal loss may be from the NumPy path: log p may differ by 2 ulp (the vector
    log against NumPy's), 1 − p = −expm1(log p) then by 3, its γ-th power by 3γ + 1, times y' and log p
    once more, summed: 3⌈γ⌉ + 7 ulp (measured: up to 16 at γ = 4 on 20,000 rows)."""
    return 3 * math.ceil(params.get("gamma", 2.0)) + 7


def _native_cases() -> list[dict]:
    from losscli._native.dispatch import plan_for
    from losscli.conventions import get_convention
    from losscli.registry import resolve

    out = []
    for case in CASES:
        spec, params = resolve(case["loss"], dict(case["params"]))
        if plan_for(spec, params, get_convention(case["convention"])) is not None:
            out.append(case)
    return out


NATIVE_CASES = _native_cases()


def test_the_compiled_kernels_cover_their_reference_cases():
    losses = {c["loss"] for c in NATIVE_CASES}
    assert losses == {
        "binary_crossentropy",
        "binary_focal_crossentropy",
        "sparse_categorical_crossentropy",
        "categorical_crossentropy",
        "categorical_focal_crossentropy",
        "mse",
        "mae",
        "huber",
    }
    assert len(NATIVE_CASES) >= 100


@pytest.mark.parametrize("case", NATIVE_CASES, ids=[c["id"] for c in NATIVE_CASES])
def test_reference_cases_equal_the_numpy_path_within_4_ulp(case, kernels_env):
    ulps = _focal_ulps(case["params"]) if case["loss"] == "categorical_focal_crossentropy" else 4
    kernels_env(LOSSCLI_KERNELS="numpy")
    try:
        expected = _evaluate(case)
    except LossCliError as exc:
        expected = exc
    for level in LEVELS:
        kernels_env(LOSSCLI_KERNELS="auto", LOSSCLI_KERNEL_LEVEL=level)
        if isinstance(expected, LossCliError):
            with pytest.raises(type(expected)) as info:
                _evaluate(case)
            assert str(info.value) == str(expected)
            continue
        got = _evaluate(case)
        # rows off 1 that a convention accepts with a warning too: the compiled kernel takes them
        assert got.state is not None and got.state.stats is not None, "the compiled kernel did not run"
        assert _within_ulps(got.per_sample, expected.per_sample, ulps).all(), (
            level,
            got.per_sample,
            expected.per_sample,
        )
        for key in ("value", "mean", "sum", "weight_sum", "min", "max"):
            assert _within_ulps(getattr(got, key), getattr(expected, key), ulps), (level, key)
        assert (got.n, got.n_total, got.clipped, got.warnings) == (
            expected.n,
            expected.n_total,
            expected.clipped,
            expected.warnings,
        )


# ------------------------------------------------------------------------------- chunking and threads
def _inputs(kind: str, n: int, rng: np.random.Generator):
    if kind == "bce_logits":
        return (
            "bce",
            rng.integers(0, 2, n).astype(np.float32),
            rng.standard_normal(n, np.float32) * 4,
            {"from_logits": True},
        )
    if kind in ("bce_probs_torch", "bce_probs_pos_weight"):  # torch's log floor; losscli's clip, pos_weight
        p = rng.uniform(0, 1, n)
        p[::97] = 0.0
        p[1::89] = 1.0
        return "bce", rng.uniform(0, 1, n), p, {"pos_weight": 1.5} if kind == "bce_probs_pos_weight" else {}
    if kind == "scce_weighted":
        y = rng.integers(0, 5, n)
        y[::13] = -100
        return (
            "scce",
            y,
            rng.standard_normal((n, 5)) * 5,
            {
                "from_logits": True,
                "class_weights": (0.5, 1.0, 2.0, 0.0, 3.0),
                "ignore_index": -100,
            },
        )
    if kind == "scce_wide_weighted":  # float64 rows of 137 logits (one pass per row), some gaps beyond 709
        c = 137
        y = rng.integers(0, c, n)
        y[::17] = -100
        x = rng.standard_normal((n, c)) * 4
        x[::29, 5] = 900.0  # e^{x_c − x_y} overflows: the row is done again from its logits
        return "scce", y, x, {"from_logits": True, "class_weights": tuple(rng.uniform(0.2, 2.0, c)),
                              "ignore_index": -100}
    if kind == "scce_smooth":
        y = rng.integers(0, 6, n)
        y[::11] = -100
        return (
            "scce",
            y,
            rng.standard_normal((n, 6), np.float32) * 5,
            {
                "from_logits": True,
                "label_smoothing": 0.1,
                "class_weights": (0.5, 1.0, 2.0, 0.0, 3.0, 1.5),
                "ignore_index": -100,
            },
        )
    if kind == "cce_soft":
        y = rng.dirichlet(np.ones(7), n)
        y[::5] = np.eye(7)[rng.integers(0, 7, len(y[::5]))]
        return (
            "cce",
            y,
            rng.standard_normal((n, 7), np.float32) * 4,
            {"from_logits": True, "label_smoothing": 0.1, "class_weights": (1.0, 2.0, 0.5, 1.0, 3.0, 1.0, 0.25)},
        )
    if kind == "cce_probs_keras":
        y = rng.dirichlet(np.ones(6), n)
        y[::4] = np.eye(6)[rng.integers(0, 6, len(y[::4]))]
        p = rng.dirichlet(np.full(6, 0.3), n).astype(np.float32)
        return (
            "cce",
            y,
            p,
            {"label_smoothing": 0.1, "class_weights": (1.0, 2.0, 0.5, 1.0, 3.0, 0.25), "convention": "keras"},
        )
    if kind == "cce_probs_torch":
        y = np.eye(5)[rng.integers(0, 5, n)]
        p = rng.dirichlet(np.ones(5), n)
        p[::37] = np.eye(5)[rng.integers(0, 5, len(p[::37]))]  # log 0 floored at −100
        return "cce", y, p, {"class_weights": (1.0, 2.0, 0.5, 4.0, 1.0), "convention": "torch"}
    if kind == "cfocal_logits":
        return (
            "categorical_focal",
            rng.dirichlet(np.ones(8), n),
            rng.standard_normal((n, 8), np.float32) * 4,
            {"from_logits": True, "gamma": 3.0, "alpha": tuple(np.linspace(0.1, 0.8, 8)), "label_smoothing": 0.05},
        )
    if kind == "cfocal_probs":
        y = rng.integers(0, 4, n)  # class indices: one-hot rows for the categorical kernel
        p = rng.dirichlet(np.full(4, 0.5), n)
        return "categorical_focal", y, p, {"gamma": 2.0, "alpha": 0.25}
    if kind == "focal_fractional":
        p = rng.uniform(0, 1, n)
        p[::29] = 0.0
        return "focal", rng.uniform(0, 1, n), p, {"gamma": 1.5, "alpha": 0.4, "label_smoothing": 0.1}
    if kind == "cfocal_fractional":
        return (
            "categorical_focal",
            rng.dirichlet(np.ones(6), n),
            rng.standard_normal((n, 6)) * 3,
            {"from_logits": True, "gamma": 2.5},
        )
    if kind == "focal_logits":
        return (
            "focal",
            rng.uniform(0, 1, n),
            rng.standard_normal(n, np.float32) * 6,
            {"from_logits": True, "gamma": 2.0, "alpha": 0.25, "label_smoothing": 0.05},
        )
    if kind == "focal_probs":
        p = rng.uniform(0, 1, (n, 2))
        p[::31] = 0.0
        return "focal", (rng.uniform(size=(n, 2)) < 0.3).astype(np.int8), p, {"gamma": 3.0}
    if kind == "bce_multilabel":
        return "bce", (rng.uniform(size=(n, 3)) < 0.4).astype(np.int8), rng.uniform(0, 1, (n, 3)), {}
    if kind == "huber":
        return "huber", rng.standard_normal(n) * 3, rng.standard_normal(n, np.float32) * 3, {"delta": 0.8}
    y = rng.integers(0, 40, n).astype(np.int32)
    return "scce", y, rng.standard_normal((n, 40), np.float32) * 3, {"from_logits": True}


def _stream(loss, yt, yp, sw, params, cuts, convention="losscli", keep=True) -> tuple[dict, np.ndarray, dict]:
    """Summary, per-sample values and state of a chunked evaluation; ``keep=False``: no per-sample values
    read or kept, so the compiled kernels leave whole blocks' values in cache."""
    params = dict(params)
    ev = Evaluator(loss, convention=params.pop("convention", convention), keep_per_sample=keep, **params)
    ev.values_needed = keep
    start = 0
    for end in [*cuts, yp.shape[0]]:
        ev.update(yt[start:end], yp[start:end], None if sw is None else sw[start:end])
        start = end
    res = ev.result()
    assert res.state.stats is not None, "the compiled kernel did not run"
    return res.summary(), res.per_sample, res.state.to_json()


@pytest.mark.parametrize(
    "kind",
    [
        "bce_logits",
        "bce_probs_torch",
        "bce_probs_pos_weight",
        "bce_multilabel",
        "scce_weighted",
        "scce_wide",
        "scce_wide_weighted",
        "scce_smooth",
        "cce_soft",
        "cce_probs_keras",
        "cce_probs_torch",
        "cfocal_logits",
        "cfocal_probs",
        "cfocal_fractional",
        "focal_logits",
        "focal_probs",
        "focal_fractional",
        "huber",
    ],
)
def test_bit_identical_for_any_chunking_and_thread_count(level, kind, monkeypatch):
    rng = np.random.default_rng(11)
    n = 3 * BLOCK + 12345
    loss, yt, yp, params = _inputs(kind, n, rng)
    sw = rng.uniform(0, 2, n) if kind != "bce_logits" else None
    conv = "torch" if kind == "bce_probs_torch" else "losscli"
    monkeypatch.setenv("LOSSCLI_THREADS", "1")
    base = _stream(loss, yt, yp, sw, params, [], conv)
    cuts_list = [
        [BLOCK],
        [1, 2, 3, BLOCK - 1, BLOCK + 7],
        sorted(rng.choice(n, 9, replace=False).tolist()),
        list(range(4096, n, 4096)),
    ]
    for threads in ("1", "2", "3"):
        monkeypatch.setenv("LOSSCLI_THREADS", threads)
        for cuts in cuts_list:
            got = _stream(loss, yt, yp, sw, params, cuts, conv)
            assert got[0] == base[0], (threads, cuts)
            assert got[1].tobytes() == base[1].tobytes(), (threads, cuts)
            assert got[2] == base[2], (threads, cuts)
            alone = _stream(loss, yt, yp, sw, params, cuts, conv, keep=False)  # the value alone: same bits
            assert (alone[0], alone[2]) == (base[0], base[2]), (threads, cuts)


@pytest.mark.parametrize(
    "kind,ulps",
    # focal from logits: σ(x) and σ(−x) (each within 2 ulp of NumPy's) enter (1 − p_t)^γ, γ = 2 doubling
    # their difference, then times α_t and the BCE term
    [
        ("scce_weighted", 4),
        ("scce_wide", 4),
        ("scce_wide_weighted", 4),
        ("scce_smooth", 4),
        ("cce_soft", 4),
        ("cce_probs_keras", 4),
        ("cce_probs_torch", 4),
        ("cfocal_logits", _focal_ulps({"gamma": 3.0})),
        ("cfocal_probs", _focal_ulps({"gamma": 2.0})),
        ("cfocal_fractional", _focal_ulps({"gamma": 2.5})),
        ("focal_logits", 12),
        ("focal_probs", 4),
        # each path is up to 4 ulp from the exact value (α_t·(1 − p_t)^γ·BCE, rounded at each step; NumPy's
        # pow is itself an ulp off for 1 value in 20), in either direction: measured 6 apart at most;
        # test_focal_with_any_gamma_is_as_accurate_as_the_numpy_path checks both against mpmath
        ("focal_fractional", 8),
    ],
)
def test_chunked_result_equals_the_numpy_path_within_a_few_ulp(kind, ulps, kernels_env):
    rng = np.random.default_rng(5)
    loss, yt, yp, params = _inputs(kind, 2 * BLOCK + 99, rng)
    kernels_env(LOSSCLI_KERNELS="numpy")
    ref = losscli.evaluate(loss, yt, yp, **params)
    kernels_env(LOSSCLI_KERNELS="auto")
    got = losscli.evaluate(loss, yt, yp, **params)
    assert got.state.stats is not None
    assert (got.clipped, got.warnings) == (ref.clipped, ref.warnings)
    assert _within_ulps(got.per_sample, ref.per_sample, ulps).all()
    for key in ("value", "sum", "weight_sum", "min", "max"):
        assert _within_ulps(getattr(got, key), getattr(ref, key), ulps), key
    assert got.std == pytest.approx(ref.std, rel=1e-14)


@pytest.mark.parametrize(
    "loss,params",
    [
        ("focal", {"gamma": 1.5, "alpha": 0.4, "label_smoothing": 0.1}),
        ("focal", {"gamma": 0.5, "from_logits": True}),
        ("categorical_focal", {"gamma": 2.5, "from_logits": True}),
        ("categorical_focal", {"gamma": 2.0, "alpha": 0.25}),
    ],
)
def test_focal_with_any_gamma_is_as_accurate_as_the_numpy_path(loss, params, kernels_env):
    """Against the exact value of the formula on the float64 inputs (mpmath, 60 digits) both paths are within
    1e-15, and the compiled one is no further from it than the NumPy one plus an ulp."""
    mpmath.mp.prec = 200
    rng = np.random.default_rng(17)
    n, c = 600, 5
    if loss == "focal":
        y = rng.uniform(0, 1, n)
        x = rng.standard_normal(n) * 4 if params.get("from_logits") else rng.uniform(0, 1, n)
    else:
        y = rng.dirichlet(np.ones(c), n)
        x = rng.standard_normal((n, c)) * 3 if params.get("from_logits") else rng.dirichlet(np.ones(c), n)
    kernels_env(LOSSCLI_KERNELS="numpy")
    ref = losscli.evaluate(loss, y, x, **params).per_sample
    kernels_env(LOSSCLI_KERNELS="auto")
    got = losscli.evaluate(loss, y, x, **params)
    assert got.state.stats is not None
    g, eps = mpmath.mpf(params["gamma"]), float(params.get("label_smoothing", 0.0))
    tiny = mpmath.mpf(2.220446049250313e-16)

    def exact(i: int):
        if loss == "focal":
            yi = mpmath.mpf(float(y[i]) * (1.0 - eps) + 0.5 * eps)  # smoothed in float64 by both paths
            if params.get("from_logits"):
                p = 1 / (1 + mpmath.exp(-mpmath.mpf(float(x[i]))))
            else:
                p = min(max(mpmath.mpf(float(x[i])), tiny), 1 - tiny)
            loss_i = -(yi * mpmath.log(p) + (1 - yi) * mpmath.log(1 - p)) * (yi * (1 - p) + (1 - yi) * p) ** g
            a = params.get("alpha")
            return loss_i if a is None else (mpmath.mpf(a) * yi + (1 - mpmath.mpf(a)) * (1 - yi)) * loss_i
        row = [mpmath.mpf(float(v)) for v in x[i]]
        if params.get("from_logits"):
            z = mpmath.log(sum(mpmath.exp(v) for v in row))
            lp = [v - z for v in row]
        else:
            lp = [mpmath.log(min(max(v, tiny), 1 - tiny)) for v in row]
        a = mpmath.mpf(params.get("alpha", 1.0))
        return -sum(a * (1 - mpmath.exp(q)) ** g * mpmath.mpf(float(yk)) * q for q, yk in zip(lp, y[i], strict=True))

    err_ref = err_got = 0.0
    for i in range(n):
        e = exact(i)
        err_ref = max(err_ref, float(abs(mpmath.mpf(float(ref[i])) - e) / abs(e)))
        err_got = max(err_got, float(abs(mpmath.mpf(float(got.per_sample[i])) - e) / abs(e)))
    assert err_got <= 1e-15 and err_ref <= 1e-15, (err_got, err_ref)
    assert err_got <= err_ref + 2.3e-16, (err_got, err_ref)


# ------------------------------------------------------------------------------- invalid values, dtypes
BAD = [
    ("bce", [0, 1, 2], [0.1, 0.2, 0.3], {}),
    ("bce", [0, 1, 1], [0.1, np.nan, 0.3], {}),
    ("bce", [0, 1, 1], [0.1, 1.5, 0.3], {}),
    ("bce", [0, 1, 1], [0.1, -np.inf, 0.3], {"from_logits": True}),
    # labels read as the logits' BCE uses them (float32 and float64, in a whole vector of eight and in a tail)
    ("bce", [0, 1.5, 1], [0.1, 2.0, 0.3], {"from_logits": True}),
    ("bce", np.array([0, np.nan, 1], np.float32), [0.1, 2.0, 0.3], {"from_logits": True}),
    ("bce", [1.0] * 9 + [-0.5] + [0.0] * 10, [0.5] * 20, {"from_logits": True}),
    ("bce", np.array([1.0] * 4 + [1.25] + [0.0] * 15, np.float32), [0.5] * 20,
     {"from_logits": True, "label_smoothing": 0.1}),
    ("scce", [0, 3, 1], [[1.0, 2.0, 0.0]] * 3, {"from_logits": True}),
    ("scce", [0.0, 1.5, 1.0], [[1.0, 2.0, 0.0]] * 3, {"from_logits": True}),
    ("scce", [0, -1, 1], [[1.0, 2.0, 0.0]] * 3, {"from_logits": True, "ignore_index": -100}),
    # rows wider than 32 logits (read in one pass): a NaN, an infinite logit at the label, a bad label
    ("scce", [0, 3, 1], [[0.5] * 40, [0.5] * 39 + [np.nan], [0.5] * 40], {"from_logits": True}),
    ("scce", [0, 3, 1], [[0.5] * 40, [0.5] * 3 + [np.inf] + [0.5] * 36, [0.5] * 40], {"from_logits": True}),
    ("scce", [0, 40, 1], [[0.5] * 40] * 3, {"from_logits": True}),
    ("cce", [[0, 1], [1, 0], [2, 0]], [[1.0, 2.0]] * 3, {"from_logits": True}),
    ("cce", [[0, 1], [1, 0], [0.5, 0.2]], [[1.0, 2.0]] * 3, {"from_logits": True}),
    ("cce", [[0, 1], [1, 0], [1, 0]], [[1.0, 2.0], [np.nan, 0.0], [1.0, 2.0]], {"from_logits": True}),
    ("cce", [[0, 1], [1, 0], [1, 0]], [[0.2, 0.8], [1.5, -0.5], [0.5, 0.5]], {}),
    ("cce", [[0, 1], [1, 0], [1, 0]], [[0.2, 0.8], [np.nan, 0.5], [0.5, 0.5]], {}),
    ("cce", [[0, 1], [1, 0], [1, 0]], [[0.2, 0.8], [0.5, 0.4], [0.5, 0.5]], {}),
    ("cce", [[0, 1], [0.7, 0], [1, 0]], [[0.2, 0.8], [0.5, 0.5], [0.5, 0.5]], {"class_weights": (1.0, 2.0)}),
    ("categorical_focal", [[0, 1], [1, 0], [1, 0]], [[0.2, 0.8], [0.6, 0.5], [0.5, 0.5]], {"gamma": 3.0}),
    ("categorical_focal", [[0, 1], [1, 0]], [[1.0, 2.0], [np.inf, 0.5]], {"from_logits": True}),
    ("categorical_focal", [[0, 1], [1, 0]], [[0.2, 0.8], [0.6, 0.4]], {"alpha": (0.1, 0.2, 0.3)}),
    ("focal", [0, 1, 2], [0.1, 0.2, 0.3], {"gamma": 2.0}),
    ("focal", [0, 1, 1], [0.1, np.inf, 0.3], {"from_logits": True, "alpha": 0.25}),
    ("mse", [0.5, np.inf, 1.0], [0.1, 0.2, 0.3], {}),
    ("mse", np.array([0.5] * 11 + [np.nan] + [1.0] * 8, np.float32), np.zeros(20, np.float32), {}),
    ("mae", np.zeros(20, np.float32), np.array([0.5] * 18 + [-np.inf, 1.0]), {}),
    ("huber", [0.5, 1.0, 1.0], [0.1, 0.2, np.nan], {"delta": 2.0}),
]


@pytest.mark.parametrize("case", [c for c in BAD if c[0] == "bce" and c[3].get("from_logits")])
def test_invalid_bce_labels_give_the_numpy_paths_error_at_every_level(case, level, kernels_env):
    """BCE from logits reads its labels where they are used, in vectors of 8 (AVX-512), 4 (AVX2) or one
    (baseline): a bad label anywhere, in a whole vector or a tail, gives the NumPy path's error."""
    loss, yt, yp, params = case
    kernels_env(LOSSCLI_KERNELS="numpy")
    with pytest.raises(LossCliError) as expected:
        losscli.evaluate(loss, np.array(yt), np.array(yp), **params)
    kernels_env(LOSSCLI_KERNELS="auto")
    assert _native.kernels() is not None and _kernels.level() == level
    with pytest.raises(type(expected.value)) as got:
        losscli.evaluate(loss, np.array(yt), np.array(yp), **params)
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("loss,yt,yp,params", BAD)
def test_invalid_values_give_the_numpy_paths_error(loss, yt, yp, params, kernels_env):
    kernels_env(LOSSCLI_KERNELS="numpy")
    with pytest.raises(LossCliError) as expected:
        losscli.evaluate(loss, np.array(yt), np.array(yp), **params)
    kernels_env(LOSSCLI_KERNELS="auto")
    with pytest.raises(type(expected.value)) as got:
        losscli.evaluate(loss, np.array(yt), np.array(yp), **params)
    assert str(got.value) == str(expected.value)
    assert repr(getattr(got.value, "location", None)) == repr(getattr(expected.value, "location", None))


@pytest.mark.parametrize("convention", ["losscli", "torch", "keras"])
def test_categorical_label_rows_off_one_are_judged_by_the_numpy_path(convention, kernels_env):
    """A label row that does not sum to 1 is an error or a warning (by convention), on either path alike;
    one just inside the tolerance is used as given on both."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((40, 4))
    y = np.eye(4)[rng.integers(0, 4, 40)]
    y[17] = [0.5, 0.2, 0.2, 0.0]
    near = np.eye(4)[rng.integers(0, 4, 40)]
    near[9] = [0.5, 0.5 + 0.0999999, 0.0, 0.0]
    results = []
    for kernels in ("numpy", "auto"):
        kernels_env(LOSSCLI_KERNELS=kernels)
        try:
            r = losscli.evaluate("cce", y, x, from_logits=True, convention=convention, sum_tol=0.1)
            results.append(("ok", r.value, r.warnings))
        except LossCliError as exc:
            results.append(("error", str(exc), None))
        r = losscli.evaluate("cce", near, x, from_logits=True, convention=convention, sum_tol=0.1)
        results.append(("near", r.value, r.warnings))
    assert results[0][0] == results[2][0] and results[0][2] == results[2][2]
    if results[0][0] == "ok":
        assert _within_ulps(results[0][1], results[2][1]).all()
    else:
        assert results[0][1] == results[2][1]
    assert results[1][2] == results[3][2] and _within_ulps(results[1][1], results[3][1]).all()


@pytest.mark.parametrize("convention", ["losscli", "torch"])  # Keras' sparse CE has no label smoothing
@pytest.mark.parametrize("weighted", [False, True])
def test_smoothed_sparse_ce_equals_the_numpy_path(convention, weighted, kernels_env):
    rng = np.random.default_rng(8)
    y = rng.integers(0, 5, 3000)
    x = rng.standard_normal((3000, 5)) * 4
    params = {"from_logits": True, "label_smoothing": 0.2, "convention": convention}
    if weighted:
        params["class_weights"] = (1.0, 0.5, 2.0, 3.0, 0.25)
    kernels_env(LOSSCLI_KERNELS="numpy")
    ref = losscli.evaluate("scce", y, x, **params)
    kernels_env(LOSSCLI_KERNELS="auto")
    got = losscli.evaluate("scce", y, x, **params)
    assert got.state.stats is not None, "the compiled kernel did not run"
    assert _within_ulps(got.per_sample, ref.per_sample).all()
    assert _within_ulps(got.value, ref.value)


def _categorical_inputs(n: int = 600, c: int = 5, dtype=np.float64):
    rng = np.random.default_rng(21)
    y = rng.dirichlet(np.ones(c), n)
    y[::3] = np.eye(c)[rng.integers(0, c, len(y[::3]))]
    return y, rng.dirichlet(np.full(c, 0.5), n).astype(dtype), (rng.standard_normal((n, c)) * 3).astype(dtype)


_NO_CLIP = dataclasses.replace(get_convention("losscli"), clip="fixed", fixed_eps=0.0)

#: (loss, params, convention, predictions: probs/logits/log-probs/probs16/index labels, compiled?)
ELIGIBILITY = [
    ("cce", {}, "losscli", "probs", True),
    ("cce", {"label_smoothing": 0.1, "class_weights": (1.0, 2.0, 0.5, 3.0, 1.0)}, "keras", "probs32", True),
    ("cce", {"class_weights": (1.0, 2.0, 0.5, 3.0, 1.0)}, "torch", "probs", True),
    ("cce", {"class_weights": (1.0, 2.0, 0.5, 3.0, 1.0)}, "sklearn", "probs32", True),
    ("cce", {}, "losscli", "index", True),
    ("cce", {"log_probs": True}, "torch", "log_probs", False),
    ("cce", {}, "losscli", "probs16", True),  # float16 taken as float32 (exact)
    ("cce", {}, _NO_CLIP, "probs", False),  # no clip and no log floor: log 0 = −inf, NumPy's NaN
    ("categorical_focal", {}, "losscli", "probs", True),
    ("categorical_focal", {}, "keras", "probs32", True),
    ("categorical_focal", {"gamma": 4.0, "alpha": (0.1, 0.2, 0.3, 0.2, 0.2)}, "losscli", "logits", True),
    ("categorical_focal", {"gamma": 0.0, "label_smoothing": 0.1}, "losscli", "logits", True),
    ("categorical_focal", {"gamma": 1.0}, "losscli", "index", True),
    ("categorical_focal", {"gamma": 2.5}, "losscli", "probs", True),
    ("categorical_focal", {"gamma": 0.5, "alpha": 0.25}, "keras", "probs", True),
    ("categorical_focal", {"gamma": 17.0}, "losscli", "probs", False),  # NumPy's pow beyond γ = 16
    ("categorical_focal", {}, "keras", "logits", False),  # Keras: softmax(x) through its float32 clip
    ("categorical_focal", {"alpha": 0.25, "log_probs": True}, "losscli", "log_probs", False),
]


@pytest.mark.parametrize("loss,params,convention,preds,compiled", ELIGIBILITY)
def test_which_categorical_options_the_compiled_kernels_take(loss, params, convention, preds, compiled, kernels_env):
    """Dispatch is explicit: these options run compiled (the compiled path's statistics are in the result),
    the others on the NumPy kernels, with the NumPy path's values either way."""
    y, p, x = _categorical_inputs()
    yp = {"probs": p, "probs32": p.astype(np.float32), "probs16": p.astype(np.float16), "logits": x,
          "log_probs": np.log(p), "index": p}[preds]
    yt = np.argmax(y, axis=1) if preds == "index" else y
    kw = dict(params, from_logits=preds == "logits", convention=convention)
    kernels_env(LOSSCLI_KERNELS="numpy")
    ref = losscli.evaluate(loss, yt, yp, **kw)
    kernels_env(LOSSCLI_KERNELS="auto")
    got = losscli.evaluate(loss, yt, yp, **kw)
    assert (got.state.stats is not None) == compiled
    ulps = _focal_ulps(params) if loss == "categorical_focal" else 4
    assert _within_ulps(got.per_sample, ref.per_sample, ulps).all()
    assert (got.clipped, got.warnings) == (ref.clipped, ref.warnings)
    if not compiled:
        assert got.per_sample.tobytes() == ref.per_sample.tobytes()


@pytest.mark.parametrize("convention", ["losscli", "torch", "keras", "sklearn"])
def test_probability_rows_off_one_are_judged_as_on_the_numpy_path(convention, kernels_env):
    """A probability row outside the tolerance is an error (losscli, torch) or a warning (Keras renormalises,
    scikit-learn uses it as given) on both paths alike. The compiled kernel hands a chunk back where the
    convention refuses such rows (the NumPy path names the row), and takes it where the convention warns,
    so that which kernel computes a row never depends on the chunk it falls in."""
    y, p, _ = _categorical_inputs()
    p[40] = [0.5, 0.2, 0.2, 0.05, 0.06]  # sums to 1.01
    results = []
    for kernels in ("numpy", "auto"):
        kernels_env(LOSSCLI_KERNELS=kernels)
        try:
            r = losscli.evaluate("cce", y, p, convention=convention)
            results.append(("ok", r.per_sample, r.warnings, r.clipped, r.state.stats is not None))
        except LossCliError as exc:
            results.append(("error", str(exc), repr(exc.location), None, None))
    if convention in ("losscli", "torch"):
        assert results[0] == results[1]
        assert results[0][0] == "error"
        return
    (_, numpy_values, *numpy_rest, numpy_compiled), (_, values, *rest, compiled) = results
    assert rest == numpy_rest and (numpy_compiled, compiled) == (False, True)
    assert _within_ulps(values, numpy_values, 4).all()
    assert rest[0] == ["1 probability rows do not sum to 1 (sample 41, the first, sums to 1.01); "
                       + ("renormalised, as Keras does" if convention == "keras" else "used as given, as sklearn does")]


@pytest.mark.parametrize("convention", ["keras", "sklearn"])
@pytest.mark.parametrize("labels", ["probabilities", "soft labels"])
def test_rows_off_one_take_the_same_kernel_in_any_chunking(convention, labels, kernels_env):
    """Rows off 1 that the convention takes with a warning, in some chunks and not others: every chunking
    gives the per-sample values of one whole-array call, bit for bit, and one warning counting every such row
    with the first of them (not one per chunk)."""
    kernels_env(LOSSCLI_KERNELS="auto")
    rng = np.random.default_rng(21)
    n = 3 * BLOCK + 77
    y = np.eye(4)[rng.integers(0, 4, n)]
    p = rng.dirichlet(np.ones(4), n)
    off = np.sort(rng.choice(np.arange(BLOCK, n), 9, replace=False))
    if labels == "probabilities":
        p[off] *= 0.97
    else:
        y = rng.dirichlet(np.ones(4), n)
        y[off] *= 0.97
    whole = losscli.evaluate("cce", y, p, convention=convention)
    kind = "probability" if labels == "probabilities" else "label"
    assert [w for w in whole.warnings if "sum to 1" in w] == [
        f"9 {kind} rows do not sum to 1 (sample {off[0] + 1}, the first, sums to 0.97); "
        + ("renormalised, as Keras does" if convention == "keras" and kind == "probability"
           else f"used as given, as {convention} does")]
    for rows in (1000, BLOCK, BLOCK + 3, 2 * BLOCK):
        ev = losscli.Evaluator("cce", convention=convention, keep_per_sample=True)
        for start in range(0, n, rows):
            ev.update(y[start : start + rows], p[start : start + rows])
        r = ev.result()
        assert r.per_sample.tobytes() == whole.per_sample.tobytes(), rows
        assert (r.value, r.warnings) == (whole.value, whole.warnings), rows


def test_negative_sample_weight_is_reported(kernels_env):
    with pytest.raises(LossCliError, match="sample weights must be ≥ 0"):
        losscli.evaluate("bce", np.array([0, 1]), np.array([0.2, 0.7]), sample_weight=np.array([1.0, -1.0]))


@pytest.mark.parametrize(("ytype", "ptype"), [(np.float64, np.float32), (np.float32, np.float32),
                                              (np.float32, np.float64), (np.float64, np.float64),
                                              (np.int64, np.float32)])
def test_regression_losses_equal_the_numpy_path_bit_for_bit(ytype, ptype, level, kernels_env):
    """Float32 and float64 inputs are read where their losses are computed, others loaded first: every pair
    gives the NumPy path's bits, at every level."""
    rng = np.random.default_rng(9)
    y = (rng.standard_normal(BLOCK + 500) * 4).astype(ytype)
    p = rng.standard_normal(BLOCK + 500).astype(ptype)
    for loss in ("mse", "mae", "huber(delta=0.3)"):
        kernels_env(LOSSCLI_KERNELS="numpy")
        expected = losscli.evaluate(loss, y, p)
        kernels_env(LOSSCLI_KERNELS="auto")
        got = losscli.evaluate(loss, y, p)
        assert got.state.stats is not None
        assert got.per_sample.tobytes() == expected.per_sample.tobytes(), loss
        assert (got.value, got.sum, got.min, got.max) == (
            expected.value,
            expected.sum,
            expected.min,
            expected.max,
        )


def test_other_dtypes_and_shapes_take_the_numpy_path(kernels_env):
    kernels_env(LOSSCLI_KERNELS="auto")
    res = losscli.evaluate("bce", np.array([0, 1], np.uint16), np.array([0.2, 0.7], np.float16))
    assert res.state.stats is None
    assert res.value == pytest.approx(-(math.log(0.8) + math.log(0.7)) / 2, rel=1e-3)
    per_column = losscli.evaluate(
        "bce", np.array([[0, 1], [1, 1]]), np.array([[0.2, 0.7], [0.9, 0.6]]), pos_weight=(1.0, 2.0)
    )
    assert per_column.state.stats is None


def test_logits_in_the_unit_interval_warn_on_both_paths(kernels_env):
    y, x = np.array([0, 1] * 8), np.linspace(0.05, 0.95, 16)
    kernels_env(LOSSCLI_KERNELS="numpy")
    expected = losscli.evaluate("bce", y, x, from_logits=True).warnings
    kernels_env(LOSSCLI_KERNELS="auto")
    got = losscli.evaluate("bce", y, x, from_logits=True)
    assert got.state.stats is not None
    assert got.warnings == expected and expected


# -------------------------------------------------------------------------------------- levels, fallback
def test_each_level_can_be_forced(kernels_env):
    for level in LEVELS:
        kernels_env(LOSSCLI_KERNEL_LEVEL=level)
        assert _native.kernels() is not None
        assert _native.reason() == f"compiled kernels, {level} level"
    assert LEVELS[-1] == "baseline"


def test_an_unknown_or_unsupported_level_falls_back_with_a_reason(kernels_env):
    kernels_env(LOSSCLI_KERNEL_LEVEL="sse9")
    assert _native.kernels() is None
    assert "LOSSCLI_KERNEL_LEVEL=sse9" in _native.reason()
    res = losscli.evaluate("bce", np.array([0, 1]), np.array([0.2, 0.7]))
    assert res.state.stats is None


def test_numpy_kernels_forced_by_the_environment(kernels_env):
    kernels_env(LOSSCLI_KERNELS="numpy")
    assert _native.kernels() is None
    assert _native.reason() == "LOSSCLI_KERNELS=numpy is set"
    res = losscli.evaluate("scce", np.array([0, 1]), np.array([[2.0, 0.5], [0.1, 0.3]]), from_logits=True)
    assert res.state.stats is None
    assert res.per_sample[0] == pytest.approx(math.log1p(math.exp(-1.5)), rel=1e-15)


def test_report_command_and_require_flag():
    env = {k: v for k, v in os.environ.items() if k not in ("LOSSCLI_KERNELS", "LOSSCLI_KERNEL_LEVEL")}
    run = subprocess.run(
        [sys.executable, "-m", "losscli._native", "--require"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("compiled kernels, ")
    assert "CSV parser: compiled" in run.stdout
    forced = subprocess.run(
        [sys.executable, "-m", "losscli._native", "--require"],
        capture_output=True,
        text=True,
        check=False,
        env={**env, "LOSSCLI_KERNELS": "numpy"},
    )
    assert forced.returncode == 1 and "LOSSCLI_KERNELS=numpy" in forced.stdout
    assert "CSV parser: pyarrow's (LOSSCLI_KERNELS=numpy is set)" in forced.stdout


def test_cli_gives_the_same_numbers_on_both_paths(tmp_path):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5000, 3))
    y = rng.integers(0, 3, 5000)
    np.save(tmp_path / "p.npy", x)
    np.save(tmp_path / "y.npy", y)
    outs = []
    for choice in ("auto", "numpy"):
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "losscli",
                "eval",
                "scce",
                "--logits",
                "--labels",
                str(tmp_path / "y.npy"),
                "--preds",
                str(tmp_path / "p.npy"),
                "--format",
                "json",
            ],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "LOSSCLI_KERNELS": choice},
        )
        assert run.returncode == 0, run.stderr
        outs.append(json.loads(run.stdout))
    assert outs[0]["value"] == pytest.approx(outs[1]["value"], rel=1e-15)


def test_blocks_of_huge_values_are_summed_as_the_numpy_path_sums_them(kernels_env):
    y, x = np.zeros(BLOCK + 10), np.full(BLOCK + 10, 1e307)  # losses of 1e307: their sum overflows float64
    kernels_env(LOSSCLI_KERNELS="numpy")
    expected = losscli.evaluate("bce", y, x, from_logits=True)
    kernels_env(LOSSCLI_KERNELS="auto")
    got = losscli.evaluate("bce", y, x, from_logits=True)
    assert got.state.stats is not None
    assert got.value == expected.value == pytest.approx(1e307, rel=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("col", [0, 7, 8, 20, 32, 36])
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("wide_level", [lv for lv in LEVELS if lv != "baseline"])
def test_wide_rows_with_an_invalid_logit_give_the_numpy_paths_error(wide_level, value, col, dtype, kernels_env):
    """Rows wider than 32 logits are checked in the one-pass kernel (float32 as float32): any lane, any row,
    at each level that has that kernel."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((50, 37)).astype(dtype)
    y = rng.integers(0, 37, 50)
    x[23, col] = value
    kernels_env(LOSSCLI_KERNELS="numpy")
    with pytest.raises(LossCliError) as expected:
        losscli.evaluate("scce", y, x, from_logits=True)
    kernels_env(LOSSCLI_KERNELS="auto", LOSSCLI_KERNEL_LEVEL=wide_level)
    with pytest.raises(type(expected.value)) as got:
        losscli.evaluate("scce", y, x, from_logits=True)
    assert str(got.value) == str(expected.value)
    x[23, col] = 0.25
    kernels_env(LOSSCLI_KERNELS="numpy")
    ref = losscli.evaluate("scce", y, x, from_logits=True)
    kernels_env(LOSSCLI_KERNELS="auto", LOSSCLI_KERNEL_LEVEL=wide_level)
    ok = losscli.evaluate("scce", y, x, from_logits=True)
    assert ok.state.stats is not None and _within_ulps(ok.per_sample, ref.per_sample, 4).all()
    assert _within_ulps(ok.min, ref.min, 4) and _within_ulps(ok.max, ref.max, 4)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("c", [37, 1001])
def test_logits_all_in_the_unit_interval_are_warned_of_by_every_kernel(level, c, dtype):
    """The range of the logits that the kernels take as they read them (sixteen float32 at a time in the
    AVX-512 wide rows) decides the warning: every logit in [0, 1] warns; one outside, anywhere, does not."""
    rng = np.random.default_rng(c)
    x = rng.uniform(0, 1, (40, c)).astype(dtype)
    y = rng.integers(0, c, 40)
    warned = "every prediction lies in [0, 1]"
    assert any(warned in w for w in losscli.evaluate("scce", y, x, from_logits=True).warnings)
    for row, col in [(0, 0), (39, 20), (17, c - 1), (5, 8)]:
        for v in (-0.01, 1.01):
            z = x.copy()
            z[row, col] = v
            assert not any(warned in w for w in losscli.evaluate("scce", y, z, from_logits=True).warnings)


@pytest.mark.skipif(not {"avx512", "avx2"} <= set(LEVELS), reason="needs a CPU with both AVX-512 and AVX2")
def test_the_avx2_level_gives_the_avx512_levels_bits(kernels_env):
    """The AVX2 vector math repeats the AVX-512 operations one for one (its table read by permutes, 2^n
    applied in two exact steps), so both levels give the same bits: vector math on hard arguments, and
    whole kernels over narrow and wide rows, float32 and float64."""
    from losscli._native import dispatch

    rng = np.random.default_rng(5)
    hard = _hard_arguments(rng)
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -1.0, -2.0, 5e-324])
    math_args = {fn: np.concatenate([hard[fn], special, rng.uniform(-800, 800, 997)]) for fn in ("exp", "log", "log1p")}
    rows = []
    for c, dtype, scale in [
        (2, np.float32, 6),
        (10, np.float64, 6),
        (33, np.float32, 6),
        (40, np.float64, 6),
        (1001, np.float32, 6),
        (40, np.float64, 250),  # gaps beyond ±746: terms of 0 and subnormals, rows whose sum overflows
        (1001, np.float32, 250),
    ]:
        r = max(1, 60000 // c)
        rows.append((rng.integers(0, c, r), (rng.standard_normal((r, c)) * scale).astype(dtype)))
    binary = ((rng.random(50001) < 0.5) * 1.0, rng.standard_normal(50001) * 40)
    soft32 = (rng.random(50001).astype(np.float32), (rng.standard_normal(50001) * 40).astype(np.float32))
    out = {}
    for lv in ("avx512", "avx2"):
        _kernels.set_level(lv)
        try:
            got = []
            for fn, x in math_args.items():
                y = np.empty_like(x)
                with np.errstate(all="ignore"):
                    getattr(_kernels, fn)(x, y)
                got.append(y.tobytes())
            sparse = dispatch.FusedPlan(dispatch.SPARSE_LOGITS)
            for labels, x in rows:
                got.append(sparse.run(labels, x, None, head=0, block=BLOCK, threads=2)[0].tobytes())
            bce = dispatch.FusedPlan(dispatch.BCE_LOGITS)
            got.append(bce.run(*binary, None, head=0, block=BLOCK, threads=2)[0].tobytes())
            # float32 soft labels, smoothed: read by the AVX-512 BCE as it uses them, loaded first by AVX2's
            got.append(dispatch.FusedPlan(dispatch.BCE_LOGITS, smooth=0.1).run(*soft32, None, head=0, block=BLOCK,
                                                                                threads=2)[0].tobytes())
            out[lv] = got
        finally:
            _kernels.set_level(LEVELS[0])
    assert out["avx2"] == out["avx512"]


def test_the_report_ends_quietly_when_its_reader_stops_early():
    """``python -m losscli._native | grep -q …`` (as CI reads it): a closed pipe is not an error."""
    import os
    import subprocess
    import sys

    read, write = os.pipe()
    proc = subprocess.Popen([sys.executable, "-m", "losscli._native"], stdout=write, stderr=subprocess.PIPE)
    os.close(write)
    os.close(read)  # the reader is gone before the report is written
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and b"Traceback" not in err and b"BrokenPipe" not in err


@pytest.mark.parametrize("ignore", [2**53, -(2**53), 2**62, 2**63 - 1, 2**70])
def test_an_ignore_index_from_2_53_on_is_refused(ignore, kernels_env):
    """Labels are compared as float64 (by the compiled kernels, and as read from text files): a label
    2**53 + 1 equalled ignore_index 2**53 (a sample silently ignored), and 2**63 − 1 did not fit the
    compiled call (an internal error). From 2**53 on an ignore index is a parameter error."""
    with pytest.raises(LossCliError, match="ignore_index must be"):
        losscli.evaluate("scce", [0, 1], np.eye(2), from_logits=True, ignore_index=ignore)


def test_a_label_beyond_2_53_is_out_of_range_beside_the_largest_ignore_index(kernels_env):
    y = (np.arange(10) % 4).astype(np.int64)
    y[3] = 2**53 + 1
    x = np.random.default_rng(0).normal(size=(10, 4))
    for kernels in ("auto", "numpy"):
        kernels_env(LOSSCLI_KERNELS=kernels)
        with pytest.raises(LossCliError, match="labels must lie in"):
            losscli.evaluate("scce", y, x, from_logits=True, ignore_index=2**53 - 1)


@pytest.mark.parametrize("shape", [(6000, 300), (2_500_000,)])
def test_in_memory_arrays_take_few_large_chunks_with_the_same_bits(shape, kernels_env, monkeypatch):
    """``evaluate`` on arrays the compiled kernel reads in place calls it once per 8 Mi values after its first
    chunk, not once per 1 Mi (each call wakes the worker threads and ends on a partial piece of work); the
    numbers are those of chunks of the default size, bit for bit, and chunks the kernel turns down (the NumPy
    path's: boolean weights, or LOSSCLI_KERNELS=numpy) keep the size that bounds the NumPy path's copies."""
    rng = np.random.default_rng(8)
    if len(shape) == 2:
        x, y, loss = rng.standard_normal(shape).astype(np.float32) * 4, rng.integers(0, shape[1], shape[0]), "scce"
    else:
        x, y, loss = rng.standard_normal(shape) * 4, (rng.random(shape) < 0.4) * 1.0, "bce"
    calls: list[int] = []
    update = Evaluator.update

    def spy(self, y_true, y_pred, *args, **kwargs):
        calls.append(len(y_pred))
        return update(self, y_true, y_pred, *args, **kwargs)

    monkeypatch.setattr(Evaluator, "update", spy)
    big = losscli.evaluate(loss, y, x, from_logits=True)
    default = default_chunk_rows(shape[1] if len(shape) == 2 else 1)
    assert calls == [default, shape[0] - default]
    calls.clear()
    losscli.evaluate(loss, y, x, sample_weight=np.ones(shape[0], dtype=bool), from_logits=True)
    assert len(calls) >= 2 and max(calls) == default
    calls.clear()
    small = Evaluator(loss, from_logits=True)
    for start in range(0, shape[0], default_chunk_rows(shape[1] if len(shape) == 2 else 1)):
        stop = start + default_chunk_rows(shape[1] if len(shape) == 2 else 1)
        small.update(y[start:stop], x[start:stop])
    assert len(calls) > 1
    small_result = small.result()
    assert big.value == small_result.value and big.std == small_result.std
    assert np.array_equal(big.per_sample, small_result.per_sample)
    calls.clear()
    kernels_env(LOSSCLI_KERNELS="numpy")
    losscli.evaluate(loss, y, x, from_logits=True)
    assert len(calls) > 1


class _Sentinel:
    """numpy as ``dispatch`` sees it, with ``np.empty`` filled with a sentinel: what the kernel leaves
    unwritten shows."""

    SENTINEL = -12345.5

    def __getattr__(self, name):
        return getattr(np, name)

    def empty(self, shape, dtype=float):
        a = np.empty(shape, dtype)
        if a.dtype == np.float64:
            a.fill(self.SENTINEL)
        return a


@pytest.mark.parametrize("threads", ["1", "2"])
def test_values_nobody_reads_stay_in_cache_with_the_same_statistics(level, threads, monkeypatch):
    """With ``discard`` the whole blocks' values are never written to the chunk's array (the kernel sums
    them from its own block buffers) while the rows outside whole blocks are; the statistics are those of
    the values written. (Blocks cut into pieces for threads that would otherwise idle are written.)"""
    from losscli._native import dispatch
    from losscli.registry import resolve

    monkeypatch.setenv("LOSSCLI_THREADS", threads)
    monkeypatch.setattr(dispatch, "np", _Sentinel())
    rng = np.random.default_rng(3)
    n, head = 9 * BLOCK + 999, 777  # at least four blocks a thread: none is cut into pieces
    for loss, yt, yp, params in (_inputs("bce_logits", n, rng), _inputs("scce_weighted", n, rng)):
        conv = get_convention("losscli")
        spec, resolved = resolve(loss, params, conv.name)
        plan = dispatch.plan_for(spec, resolved, conv)
        kept = plan.run(yt, yp, None, head=head, block=BLOCK, threads=int(threads))
        alone = plan.run(yt, yp, None, head=head, block=BLOCK, threads=int(threads), discard=True)
        assert kept is not None and alone is not None
        assert alone[4].tobytes() == kept[4].tobytes() and alone[3] == kept[3] and alone[5] == kept[5]
        end = head + 9 * BLOCK
        assert (alone[0][head:end] == _Sentinel.SENTINEL).all(), "whole blocks were written"
        assert alone[0][:head].tobytes() == kept[0][:head].tobytes()
        assert alone[0][end:].tobytes() == kept[0][end:].tobytes()
        assert (kept[0] != _Sentinel.SENTINEL).all()


def test_a_block_summed_again_from_its_values_is_computed_again(kernels_env, monkeypatch):
    """A block the accumulator sums again from its values (values from 2**1006 on: here a loss of 1.5e308)
    makes the kernel run the chunk again with its values written: the value alone equals the value with
    them (it would be summed from values never written otherwise)."""
    rng = np.random.default_rng(5)
    monkeypatch.setenv("LOSSCLI_THREADS", "2")
    n = 10 * BLOCK + 100  # nine whole blocks after the head: none cut into pieces for the two threads
    y = rng.integers(0, 4, n)
    y[BLOCK : 2 * BLOCK] = -100  # the second chunk's first whole block (after the head completing the first)
    x = rng.standard_normal((n, 4))
    x[2 * BLOCK + 10], y[2 * BLOCK + 10] = (0.75e308, -0.75e308, 0.0, 0.0), 1  # its second: −log softmax 1.5e308
    params = {"from_logits": True, "ignore_index": -100}
    from losscli._native import dispatch

    monkeypatch.setattr(dispatch, "np", _Sentinel())  # what is left unwritten is not what was computed
    kept = _stream("scce", y, x, None, params, [50])
    assert math.isfinite(kept[0]["value"]) and kept[0]["value"] > 1e300
    alone = _stream("scce", y, x, None, params, [50], keep=False)
    assert (alone[0], alone[2]) == (kept[0], kept[2])
    assert losscli.evaluate("scce", y, x, per_sample=False, **params).value == kept[0]["value"]


@pytest.mark.parametrize("loss,params", [("bce", ["--logits"]), ("mse", [])])
def test_the_value_alone_on_the_command_line_has_the_bits_of_the_full_report(loss, params, tmp_path, kernels_env,
                                                                              monkeypatch):
    """``eval -q`` reads no per-sample value: the compiled kernel leaves whole blocks' values in cache
    (asked for with ``discard``), and prints the bits of the JSON report's value."""
    from click.testing import CliRunner

    from losscli._native import dispatch
    from losscli.cli import cli

    monkeypatch.setenv("LOSSCLI_THREADS", "2")
    rng = np.random.default_rng(8)
    n = 2_500_003
    np.save(tmp_path / "p.npy", (rng.standard_normal(n) * 3).astype(np.float32))
    np.save(tmp_path / "y.npy", rng.integers(0, 2, n).astype(np.float32))
    asked = []
    run = dispatch.FusedPlan.run

    def recorded(self, *args, **kwargs):
        asked.append(kwargs.get("discard", False))
        return run(self, *args, **kwargs)

    monkeypatch.setattr(dispatch.FusedPlan, "run", recorded)
    args = ["eval", loss, *params, "--labels", str(tmp_path / "y.npy"), "--preds", str(tmp_path / "p.npy")]
    full = CliRunner().invoke(cli, [*args, "--json"])
    assert full.exit_code == 0, full.output
    assert asked and not any(asked)
    asked.clear()
    alone = CliRunner().invoke(cli, [*args, "-q"])
    assert alone.exit_code == 0, alone.output
    assert asked and all(asked)
    assert alone.output.strip() == repr(json.loads(full.output)["value"])
