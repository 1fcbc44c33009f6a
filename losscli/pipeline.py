"""Wiring the stages: input batches → evaluator (validate, kernel, accumulate) → what reporters need.

Besides the :class:`~losscli.api.Result`, an evaluation keeps a small display sample for the table
view: the first and last rows and the worst samples, with their label, predicted class or value and the
probability given to the true class.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .api import Evaluator, Result
from .errors import InputError
from .inputs import Batch, InputPlan
from .losses._common import log_softmax, sigmoid
from .registry import LossSpec

SHOW = 5


@dataclass
class Evaluation:
    """One loss evaluated on one set of inputs."""

    result: Result
    inputs: dict[str, Any]
    ids: np.ndarray | None
    rows: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0

    @property
    def warnings(self) -> list[str]:
        return self.result.warnings


@dataclass
class _Kept:
    index: int
    id: Any
    y_true: np.ndarray
    y_pred: np.ndarray
    value: float


def run(
    plan: InputPlan,
    evaluator: Evaluator,
    *,
    keep_ids: bool = True,
    observers: list[Callable[[Batch, np.ndarray, int], None]] | None = None,
) -> Evaluation:
    """Evaluate every batch of ``plan``; errors are annotated with file, column and row.

    Each observer is called as ``observer(batch, per_sample_values, sample_offset)`` after a batch is
    evaluated (``--output`` writers, label hashing, per-class and per-group breakdowns, progress).
    """
    head: list[_Kept] = []
    tail: list[_Kept] = []
    worst: list[tuple[float, int, _Kept]] = []
    ids: list[np.ndarray] = []
    offset = 0
    batch: Batch | None = None
    try:
        for batch in plan.batches():
            values = evaluator.update(batch.y_true, batch.y_pred, batch.weights)
            n = len(batch)
            if keep_ids and batch.ids is not None:
                ids.append(np.asarray(batch.ids))
            for i in range(min(SHOW - len(head), n)):
                head.append(_keep(batch, values, i, offset))
            tail = (tail + [_keep(batch, values, i, offset) for i in range(max(0, n - SHOW), n)])[-SHOW:]
            if n:
                k = min(SHOW, n)
                top = np.argpartition(-values, k - 1)[:k] if n > k else np.arange(n)
                for i in top:
                    item = (float(values[i]), -(offset + int(i)), _keep(batch, values, int(i), offset))
                    if len(worst) < SHOW:
                        heapq.heappush(worst, item)
                    elif item[:2] > worst[0][:2]:
                        heapq.heapreplace(worst, item)
            for observer in observers or ():
                observer(batch, values, offset)
            offset += n
    except InputError as err:
        raise plan.annotate(err, batch, offset) from None
    result = evaluator.result()
    for w in plan.warnings:
        if w not in result.warnings:
            result.warnings.append(w)
    if plan.skipped:
        result.warnings.append(f"{plan.skipped} rows with missing values were skipped (--nan {plan.options.nan})")
    all_ids = np.concatenate(ids) if ids else None
    worst_sorted = [k for _, _, k in sorted(worst, key=lambda t: (-t[0], -t[1]))]
    rows = _display_rows(evaluator.spec, evaluator.params, head, tail, worst_sorted, offset, plan)
    return Evaluation(result, plan.describe(), all_ids, rows, plan.skipped)


def _keep(batch: Batch, values: np.ndarray, i: int, offset: int) -> _Kept:
    return _Kept(
        offset + i,
        None if batch.ids is None else batch.ids[i],
        np.atleast_1d(batch.y_true[i]),
        np.atleast_1d(batch.y_pred[i]),
        float(values[i]),
    )


def _display_rows(
    spec: LossSpec,
    params: dict[str, Any],
    head: list[_Kept],
    tail: list[_Kept],
    worst: list[_Kept],
    total: int,
    plan: InputPlan,
) -> list[dict[str, Any]]:
    names = None
    if plan.class_map:
        names = {j: str(k if not isinstance(k, float) or k != int(k) else int(k)) for k, j in plan.class_map.items()}
    seen = set()
    rows = []
    worst_idx = {k.index for k in worst}
    for tag, items in (("head", head), ("tail", tail), ("worst", worst)):
        for k in items:
            if k.index in seen:
                continue
            seen.add(k.index)
            label, predicted, p_true = describe(spec, params, k.y_true, k.y_pred, names)
            rows.append(
                {
                    "index": k.index,
                    "id": None if k.id is None else str(k.id),
                    "label": label,
                    "predicted": predicted,
                    "p_true": p_true,
                    "loss": k.value,
                    "worst": k.index in worst_idx,
                    "section": tag,
                }
            )
    return rows


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def describe(
    spec: LossSpec, params: dict[str, Any], y: np.ndarray, p: np.ndarray, names: dict[int, str] | None = None
) -> tuple[str, str, float | None]:
    """(label, predicted class or value, probability of the true class) of one sample, for display."""
    logits = bool(params.get("from_logits"))
    kind = spec.label_kind

    def name(j: int) -> str:
        return names.get(j, str(j)) if names else str(j)

    if kind in ("class_index", "distribution") and p.size > 1:
        probs = np.exp(log_softmax(p[None, :].astype(np.float64)))[0] if logits else p.astype(np.float64)
        true = int(np.argmax(y)) if kind == "distribution" else int(y[0])
        pred = int(np.argmax(probs))
        p_true = float(probs[true]) if spec.pred_kind == "distribution" and 0 <= true < probs.size else None
        soft = kind == "distribution" and not np.isin(y, (0.0, 1.0)).all()
        return (name(true) + (" (soft)" if soft else "")), name(pred), p_true
    if kind == "binary" and p.size == 1 and spec.pred_kind == "probability":
        prob = float(sigmoid(p.astype(np.float64))[0]) if logits else float(p[0])
        yv = float(y[0])
        return _fmt(yv), ("1" if prob >= 0.5 else "0"), (prob if yv >= 0.5 else 1.0 - prob)
    if kind == "class_index" and p.size == 1:  # binary Brier
        prob = float(p[0])
        yv = int(y[0])
        return name(yv), name(int(prob >= 0.5)), (prob if yv == 1 else 1.0 - prob)
    if p.size == 1:
        return _fmt(float(y[0])), _fmt(float(p[0])), None
    show = 3
    lab = ", ".join(_fmt(float(v)) for v in y[:show]) + (", …" if y.size > show else "")
    pre = ", ".join(_fmt(float(v)) for v in p[:show]) + (", …" if p.size > show else "")
    return f"[{lab}]", f"[{pre}]", None
