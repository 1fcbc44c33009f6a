"""Conventions: which library's definition of a loss losscli reproduces.

PyTorch, Keras and scikit-learn disagree on probability clipping, on the divisor of a weighted mean, on
label smoothing with class weights, on focal α and on what an empty input gives. A :class:`Convention`
holds every such switch; kernels and reductions read it. ``losscli`` is the default and is named in every
result.

==================  ==============================  ==============================  ==========================
topic               losscli (default)               torch                           keras / sklearn
==================  ==============================  ==============================  ==========================
probability clip    [ε, 1−ε], ε = 2.22e-16 (f64),   log clamped at −100 (BCE), no   keras: [1e-7, 1−1e-7] in
                    clipped values counted          clip otherwise                  float32; sklearn: [ε, 1−ε],
                                                                                    ε = finfo(input dtype).eps
prob rows ≠ 1       error (tolerance ``sum_tol``)   n/a (error, as losscli)         keras renormalises (warn);
                                                                                    sklearn uses as given (warn)
``mean``            Σ w·l / Σ w                     the loss's own torch divisor    keras Σ w·l / N;
                                                                                    sklearn Σ w·l / Σ w
empty / all ignored error                           NaN                             keras 0; sklearn error
focal α default     off unless given                0.25 (torchvision)              keras: binary off,
                                                                                    categorical 0.25
==================  ==============================  ==============================  ==========================
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from losscli.errors import UsageError
from losscli.records import record

if TYPE_CHECKING:
    from losscli.spec import LossSpec

#: Reduction names a user may ask for. ``mean`` means what the convention's library means by it;
#: ``none`` reduces nothing: the per-sample values are the whole result (the value is undefined).
REDUCTIONS = ("mean", "sum", "mean_over_n", "weighted_mean", "none")

#: Every name ``--reduction`` accepts: losscli's and the peers' (Keras, torch).
REDUCTION_NAMES = (*REDUCTIONS, "sum_over_batch_size", "mean_with_sample_weight", "batchmean")

#: Other libraries' names for the same reductions.
REDUCTION_ALIASES = {
    "sum_over_batch_size": "mean_over_n",
    "batchmean": "mean_over_n",
    "mean_with_sample_weight": "weighted_mean",
}

#: The rules a reduction resolves to. ``v`` are the reported per-sample values (w·l), ``w`` the
#: normalising weights, ``n`` the counted samples and ``k`` the outputs per sample of an element-wise loss.
RULES = {
    "weighted_mean": "Σv / Σw",
    "mean_over_n": "Σv / n",
    "sum": "Σv",
    "mean_over_elements": "Σv / (n·k)",
    "sum_over_elements": "k·Σv",
    "none": "none (per-sample values only)",
}

FLOAT64_EPS = float(np.finfo(np.float64).eps)
ONE_BELOW = 1.0 - FLOAT64_EPS / 2  # the largest double below 1
KERAS_EPS = 1e-7


@record(frozen=True)
class Convention:
    """The switches that make losscli reproduce one library.

    Attributes:
        name: ``losscli``, ``torch``, ``keras`` or ``sklearn``.
        clip: how probabilities are kept away from 0 and 1 before a log:
            ``machine_eps`` (float64 ε, counted), ``fixed`` (``fixed_eps``, from ``--eps``), ``keras_float32`` (cast to float32, clip to
            [1e-7, 1−1e-7] in float32), ``torch_log_clamp`` (log clamped at −100),
            ``dtype_eps`` (ε of the input's dtype, scikit-learn).
        renormalise: divide probability rows by their sum before a categorical loss (Keras).
        strict: reject inputs a library would accept with a warning (losscli's own convention).
        empty: what a mean over no samples (or zero total weight) gives: ``error``, ``zero`` or ``nan``.
        focal_alpha_binary / focal_alpha_categorical: the α a focal loss uses when none is given
            (``None`` = no α factor).
        hinge_map_01: map {0, 1} labels to {−1, +1} for the binary hinge losses.
        percent_mape: MAPE as a percentage (Keras) rather than a fraction (scikit-learn).
    """

    name: str
    description: str
    clip: str
    renormalise: bool
    strict: bool
    empty: str
    focal_alpha_binary: float | None
    focal_alpha_categorical: float | None
    percent_mape: bool
    mape_eps: float
    msle_floor: bool
    fixed_eps: float | None = None

    # ------------------------------------------------------------------ probability clipping
    def clip_bounds(self, dtype: np.dtype) -> tuple[float, float]:
        """The closed interval probabilities are clipped to before a log (``(0, 1)`` = no clip)."""
        if self.clip == "machine_eps":
            return FLOAT64_EPS, 1.0 - FLOAT64_EPS
        if self.clip == "keras_float32":
            return float(np.float32(KERAS_EPS)), float(np.float32(1.0) - np.float32(KERAS_EPS))
        if self.clip == "fixed" and self.fixed_eps is not None:
            # below 2**-53, 1 − ε rounds to 1 and p = 1 would not be clipped (0·log 0 gave NaN): the largest
            # double below 1 is the bound then
            return self.fixed_eps, min(1.0 - self.fixed_eps, ONE_BELOW)
        if self.clip == "dtype_eps":
            eps = float(np.finfo(dtype if np.issubdtype(dtype, np.floating) else np.float64).eps)
            return eps, 1.0 - eps
        return 0.0, 1.0

    def log_clamp(self) -> float | None:
        """A floor for log-probabilities (torch's −100), or ``None``."""
        return -100.0 if self.clip == "torch_log_clamp" else None

    def prepare_probabilities(self, p: np.ndarray) -> np.ndarray:
        """Probabilities as this convention computes with them (float32 round trip under keras)."""
        if self.clip == "keras_float32":
            return np.asarray(p, dtype=np.float32).astype(np.float64)
        return np.asarray(p, dtype=np.float64)

    # ------------------------------------------------------------------ reductions
    def resolve_reduction(self, spec: LossSpec, reduction: str, params: dict) -> str:
        """Map a user's reduction name to one of :data:`RULES` for ``spec`` under this convention."""
        reduction = REDUCTION_ALIASES.get(reduction, reduction)
        if reduction not in REDUCTIONS:
            raise UsageError(
                f"unknown reduction {reduction!r}", hint=f"choose one of {', '.join(REDUCTION_NAMES)}"
            )
        if reduction in ("weighted_mean", "none"):
            return reduction
        if self.name == "torch":
            if reduction == "mean":
                return spec.torch_mean(params) if callable(spec.torch_mean) else spec.torch_mean
            if reduction == "sum":
                return "sum_over_elements" if spec.elementwise else "sum"
            return reduction
        if self.name == "keras":
            return "mean_over_n" if reduction == "mean" else reduction
        return "weighted_mean" if reduction == "mean" else reduction

    def mean_rule(self, spec: LossSpec) -> str:
        """What ``mean`` is for ``spec`` under this convention's defaults, as text: a summary metric's rule
        where it applies (Keras' batch-level ``Dice()``), else the rule of :data:`RULES` it resolves to."""
        params = spec.defaults(self.name)
        summary = spec.summary
        if summary is not None and (summary.applies is None or summary.applies(params)):
            return summary.value
        return RULES[self.resolve_reduction(spec, "mean", params)]


CONVENTIONS: dict[str, Convention] = {
    c.name: c
    for c in (
        Convention(
            name="losscli",
            description=(
                "Σw·l/Σw means (PyTorch/scikit-learn normalisation); probabilities clipped to "
                "[2.22e-16, 1−2.22e-16] with the clipped count reported; exact log-space math from "
                "logits; focal α only when given; strict validation"
            ),
            clip="machine_eps",
            renormalise=False,
            strict=True,
            empty="error",
            focal_alpha_binary=None,
            focal_alpha_categorical=None,
            percent_mape=False,
            mape_eps=FLOAT64_EPS,
            msle_floor=False,
        ),
        Convention(
            name="torch",
            description=(
                "PyTorch 2.x: each loss's own 'mean' divisor (CE ÷ Σ class weight of targets, BCE ÷ numel, "
                "KL ÷ numel), BCE log clamped at −100, torchvision focal α = 0.25, NaN for an empty mean"
            ),
            clip="torch_log_clamp",
            renormalise=False,
            strict=True,
            empty="nan",
            focal_alpha_binary=0.25,
            focal_alpha_categorical=0.25,
            percent_mape=False,
            mape_eps=FLOAT64_EPS,
            msle_floor=False,
        ),
        Convention(
            name="keras",
            description=(
                "Keras 3: float32 clip to [1e-7, 1−1e-7], probability rows renormalised, 'mean' = "
                "sum_over_batch_size (Σw·l/N), binary focal α off unless given, categorical focal α = 0.25, "
                "0 for an empty mean"
            ),
            clip="keras_float32",
            renormalise=True,
            strict=False,
            empty="zero",
            focal_alpha_binary=None,
            focal_alpha_categorical=0.25,
            percent_mape=True,
            mape_eps=KERAS_EPS,
            msle_floor=True,
        ),
        Convention(
            name="sklearn",
            description=(
                "scikit-learn: clip to [ε, 1−ε] with ε = machine epsilon of the input dtype, rows not "
                "summing to 1 used as given (warning), Σs·l/Σs means, an empty input is an error"
            ),
            clip="dtype_eps",
            renormalise=False,
            strict=False,
            empty="error",
            focal_alpha_binary=None,
            focal_alpha_categorical=None,
            percent_mape=False,
            mape_eps=FLOAT64_EPS,
            msle_floor=False,
        ),
    )
}

DEFAULT_CONVENTION = "losscli"


def get_convention(name: str | Convention) -> Convention:
    """Look a convention up by name."""
    if isinstance(name, Convention):
        return name
    try:
        return CONVENTIONS[name]
    except KeyError:
        raise UsageError(
            f"unknown convention {name!r}", hint=f"choose one of {', '.join(CONVENTIONS)}"
        ) from None
