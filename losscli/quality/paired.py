"""Paired, significance-aware comparison of two sets of predictions on the same labels.

Both prediction files are evaluated with the same loss, parameters, convention and labels; the samples are
paired by their row in the labels file. The comparison reports the difference of the reduction (candidate
− baseline) with a bootstrap confidence interval in which both ratios share the resample counts, the
numbers of samples that improved, worsened or stayed the same, and the samples that worsened most.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from losscli.errors import InputError
from losscli.quality.bootstrap import bootstrap_ratio
from losscli.quality.taps import rule_parts
from losscli.records import record
from losscli.values import finite_or_none as _num
from losscli.values import plain_params


@record(frozen=True)
class CompareSettings:
    """A paired comparison of two prediction files: bootstrap, listing and the fail-if-worse gate (built by
    :mod:`losscli.commands.settings`; kept here, with the comparison, so that a run that compares nothing
    does not create the class)."""

    resamples: int = 2000
    confidence: float = 0.95
    seed: int = 0
    top: int = 10
    tol: float = 1e-12
    fail_if_worse: bool = False


@record
class Side:
    """One evaluated prediction file, with what pairing and resampling need."""

    file: str
    result: Any
    values: np.ndarray
    weights: np.ndarray | None
    counted: np.ndarray | None
    rows: np.ndarray  # 0-based label-file rows of the samples
    ids: np.ndarray | None
    outputs: int
    rule: str


def _plain(v: Any) -> Any:
    if isinstance(v, (np.generic,)):
        v = v.item()
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _pair(cand: Side, base: Side) -> tuple[np.ndarray, np.ndarray, int]:
    """Indices into each side of the samples both scored, in label-file order; and how many were left out."""
    if cand.rows.shape == base.rows.shape and np.array_equal(cand.rows, base.rows):
        order = np.argsort(cand.rows, kind="stable")
        return order, order, 0
    common, ia, ib = np.intersect1d(cand.rows, base.rows, assume_unique=True, return_indices=True)
    left_out = cand.rows.size + base.rows.size - 2 * common.size
    return ia, ib, left_out


def paired_compare(
    cand: Side,
    base: Side,
    *,
    higher_is_better: bool = False,
    resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
    top: int = 10,
    tol: float = 1e-12,
) -> dict[str, Any]:
    """The comparison as a JSON-ready dict (see the module docstring)."""
    ia, ib, left_out = _pair(cand, base)
    if ia.size == 0:
        raise InputError(
            f"{cand.file} and {base.file} have no sample in common",
            hint="both must score rows of the same labels file (join by key with --id-col)",
        )

    def take(a: np.ndarray | None, idx: np.ndarray) -> np.ndarray | None:
        return None if a is None else a[idx]

    vc, vb = cand.values[ia], base.values[ib]
    num_c, den_c = rule_parts(cand.rule, vc, take(cand.weights, ia), take(cand.counted, ia), cand.outputs)
    num_b, den_b = rule_parts(base.rule, vb, take(base.weights, ib), take(base.counted, ib), base.outputs)
    if den_c is not None and den_b is not None and np.array_equal(den_c, den_b):
        den_b = den_c  # the same normalising weights: one resampled denominator serves both
    counted = np.ones(ia.size, dtype=bool)
    for c, idx in ((cand.counted, ia), (base.counted, ib)):
        if c is not None:
            counted &= c[idx]
    positive = positive_weight(take(cand.weights, ia), take(base.weights, ib), ia.size)
    weighted = counted & positive
    num, den, minus = weightful_parts(positive, num_c, den_c, num_b, den_b)
    iv = bootstrap_ratio(num, den, minus=minus, resamples=resamples, confidence=confidence, seed=seed)
    full = left_out == 0 and ia.size == cand.values.size == base.values.size
    sides_n = None
    if full:
        value_c, value_b = cand.result.value, base.result.value
    else:  # the values of the paired samples, and their counts
        value_c = float(num_c.sum() / den_c.sum()) if den_c is not None else float(num_c.sum())
        value_b = float(num_b.sum() / den_b.sum()) if den_b is not None else float(num_b.sum())
        sides_n = tuple(int(c[idx].sum()) if c is not None else int(idx.size)
                        for c, idx in ((cand.counted, ia), (base.counted, ib)))
    d = vc - vb
    worse = -d if higher_is_better else d
    counts = outcome_counts(worse, weighted, tol)
    idx = worst_indices(worse, weighted, tol, top)
    ids = cand.ids[ia] if cand.ids is not None else None
    worst = [worst_row(i, int(cand.rows[ia[i]]), None if ids is None else ids[i], float(vc[i]), float(vb[i]))
             for i in idx.tolist()]
    warnings = []
    if left_out:
        warnings.append(f"{left_out} samples scored in only one of the two runs are left out of the pairing")
    return comparison_document(cand, base, value_c, value_b, int(weighted.sum()), iv, higher_is_better, counts,
                               worst, tol, warnings, sides_n)


def positive_weight(w_c: np.ndarray | None, w_b: np.ndarray | None, n: int) -> np.ndarray:
    """The pairs whose normalising weight is positive on both sides (every pair, without weights): a pair of
    weight 0 carries no evidence, so it is neither counted among the pairs nor resampled."""
    out = np.ones(n, dtype=bool)
    for w in (w_c, w_b):
        if w is not None:
            out &= w > 0
    return out


def weightful_parts(positive: np.ndarray, num_c: np.ndarray, den_c: np.ndarray | None, num_b: np.ndarray,
                    den_b: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None,
                                                       tuple[np.ndarray, np.ndarray | None]]:
    """The bootstrap's parts (``num_c, den_c, minus=(num_b, den_b)``) without the pairs of weight 0 (not
    ``positive``) that add nothing to any sum: Σnum/Σden is the same without them, and resampling them would only make resamples
    of fewer weighted pairs (or of none: a ratio 0/0, dropped as undefined). Where there are none, the parts
    are the very arrays given (the resamples are those of before)."""
    idle = ~positive & (num_c == 0) & (num_b == 0)
    for den in (den_c, den_b):
        if den is not None:
            idle &= den == 0
    if not idle.any():
        return num_c, den_c, (num_b, den_b)
    keep = ~idle
    kept_c = None if den_c is None else den_c[keep]
    kept_b = kept_c if den_b is den_c else None if den_b is None else den_b[keep]
    return num_c[keep], kept_c, (num_b[keep], kept_b)


def outcome_counts(worse: np.ndarray, counted: np.ndarray, tol: float) -> dict[str, int]:
    """How many counted samples improved, worsened or stayed within ±tol (``worse`` > 0 is worse)."""
    worsened = counted & (worse > tol)
    improved = counted & (worse < -tol)
    return {"improved": int(improved.sum()), "worsened": int(worsened.sum()),
            "unchanged": int((counted & ~worsened & ~improved).sum())}


def worst_indices(worse: np.ndarray, counted: np.ndarray, tol: float, top: int) -> np.ndarray:
    """The ``top`` most worsened counted samples, most worsened first (ties by position)."""
    idx = np.flatnonzero(counted & (worse > tol)) if top > 0 else np.zeros(0, dtype=np.int64)
    if idx.size > top:
        idx = idx[np.argpartition(-worse[idx], top - 1)[:top]]
    return idx[np.lexsort((idx, -worse[idx]))]


def worst_row(index: int, row: int, sample_id: Any, candidate: float, baseline: float) -> dict[str, Any]:
    out: dict[str, Any] = {"index": index, "row": row}
    if sample_id is not None:
        out["id"] = _plain(sample_id)
    out.update({"candidate": _num(candidate), "baseline": _num(baseline), "difference": _num(candidate - baseline)})
    return out


TOO_FEW = "too few pairs to tell"


def fewest_pairs(confidence: float) -> int:
    """The fewest pairs with which a paired test can reach ``confidence``: n sign flips give no two-sided p
    below 2/2**n, so n ≥ 1 + log2(1/(1 − confidence)) (6 at 95 %, 8 at 99 %). With fewer, a bootstrap
    interval that excludes 0 (one of the few distinct resamples, or all of them equal) claims too much."""
    return max(1, math.ceil(1.0 + math.log2(1.0 / (1.0 - confidence)) - 1e-9))


def comparison_document(cand: Any, base: Any, value_c: float, value_b: float, n: int, iv: Any,
                        higher_is_better: bool, counts: dict[str, int], worst: list[dict[str, Any]], tol: float,
                        warnings: list[str], sides_n: tuple[int, int] | None = None) -> dict[str, Any]:
    """The JSON-ready comparison (``cand``/``base`` need ``file`` and ``result``; ``sides_n``: the samples
    each side's value is over, where not its whole result's)."""
    if higher_is_better:
        verdict = "worse" if iv.high < 0 else "better" if iv.low > 0 else "no significant difference"
    else:
        verdict = "worse" if iv.low > 0 else "better" if iv.high < 0 else "no significant difference"
    if not (math.isfinite(iv.low) and math.isfinite(iv.high)):
        verdict = "undefined"
    elif n < fewest_pairs(iv.confidence):
        verdict = TOO_FEW
        warnings = [*warnings, f"{n} counted pair{'s' if n != 1 else ''}: no paired test reaches "
                    f"{iv.confidence * 100:g}% with fewer than {fewest_pairs(iv.confidence)}, so no difference is "
                    "called significant"]
    n_c, n_b = sides_n if sides_n is not None else (cand.result.n, base.result.n)
    diff = value_c - value_b
    r = cand.result
    return {
        "schema": 1,
        "command": "compare",
        "loss": r.loss,
        "params": plain_params(r.params),
        "convention": r.convention,
        "reduction": r.reduction,
        "n": n,
        "candidate": {"file": cand.file, "value": _num(value_c), "n": n_c},
        "baseline": {"file": base.file, "value": _num(value_b), "n": n_b},
        "difference": {
            "mean": _num(diff),
            "relative": _num(diff / abs(value_b)) if value_b else None,
            "ci": iv.to_dict(),
            "p_value": _num(iv.p_value),
        },
        "verdict": verdict,
        "higher_is_better": higher_is_better,
        "samples": {**counts, "tol": tol},
        "worst": worst,
        "warnings": warnings,
    }
