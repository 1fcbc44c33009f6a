"""Cross-entropy family: binary, categorical, sparse, focal, KL divergence, generalised CE.

Each kernel returns the unreduced loss of every sample (see :class:`KernelOutput`). From logits the math
stays in log space (``log σ(x) = −logaddexp(0, −x)``, log-softmax via log-sum-exp); from probabilities
the values are clipped as the convention prescribes and the clipped values are counted.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from losscli.conventions import Convention
from losscli.losses._common import (
    binary_log_loss,
    clip_log_probabilities,
    clipped_probabilities,
    f64,
    log1m_exp,
    log_softmax,
    per_column,
    row_mean,
    safe_log,
    safe_log1m,
    sigmoid,
    sigmoid_cross_entropy,
    smooth_binary,
    smooth_categorical,
    softplus_parts,
    sparse_nll_from_logits,
)
from losscli.spec import (
    IGNORE_BOUND_HINT,
    KernelOutput,
    Param,
    clips_probabilities,
    clips_probabilities_and_log_probabilities,
    never_clips,
    register_loss,
)


def _clips_binary_focal(params: dict, convention: str) -> bool:
    """Binary focal loss clips probabilities and log-probabilities, and logits under Keras (which turns them
    into probabilities by a sigmoid first)."""
    return not params.get("from_logits") or convention == "keras"


def _clips_probabilities_or_keras_logits(params: dict, convention: str) -> bool:
    """The clip applies to probabilities, and to logits under Keras (a softmax, then the clipped loss)."""
    return clips_probabilities(params, convention) or (bool(params.get("from_logits")) and convention == "keras")


SMOOTHING = Param("label_smoothing", "float", 0.0, "label smoothing ε", low=0.0, high=1.0, allow_none=False)
CLASS_WEIGHTS = Param("class_weights", "floats", None, "one weight per class (C values)", low=0.0)


def _binary_log_terms(
    y_pred: np.ndarray, conv: Convention, from_logits: bool, log_probs: bool = False
) -> tuple[np.ndarray, np.ndarray, int]:
    """(log p, log(1−p), clipped count) for binary predictions given as logits, log-probabilities
    (kept within the log of the convention's clip; torch's −100 floor applies to both terms) or
    probabilities."""
    if log_probs:
        log_p, clipped = clip_log_probabilities(y_pred, conv)
        log_q = log1m_exp(log_p)
        floor = conv.log_clamp()
        if floor is not None:
            log_p, log_q = np.maximum(log_p, floor), np.maximum(log_q, floor)
        return log_p, log_q, clipped
    if from_logits:
        pos, neg, lp = softplus_parts(f64(y_pred))
        log_p = neg + lp  # −log σ(x) = softplus(−x)
        log_q = pos + lp  # −log(1 − σ(x)) = −log σ(−x) = softplus(x), no cancellation
        return np.negative(log_p, out=log_p), np.negative(log_q, out=log_q), 0
    p, clipped = clipped_probabilities(y_pred, conv)
    return safe_log(p, conv), safe_log1m(p, conv), clipped


@register_loss(
    "binary_crossentropy",
    clips=clips_probabilities_and_log_probabilities,
    perplexity=True,
    conventions=("torch", "keras", "sklearn"),
    peer_names=("BCELoss", "binary_cross_entropy_with_logits(from_logits=True)", "BCEWithLogitsLoss(from_logits=True)", "BinaryCrossentropy"),
    accepts_log_probs=True,
    aliases=("bce", "log_loss", "weighted_binary_crossentropy", "binary_cross_entropy", "logloss"),
    label_kind="binary",
    pred_kind="probability",
    accepts_logits=True,
    elementwise=True,
    params=(
        replace(SMOOTHING, peers=("keras",)),
        Param(
            "pos_weight",
            "float_or_floats",
            None,
            "weight of the positive term: one value, or one per output column",
            low=0.0,
            peers=("torch",),
            logits_only=("torch",),  # BCEWithLogitsLoss's; torch's BCELoss has none
        ),
    ),
    formula="l = −[pw·y·log p + (1−y)·log(1−p)], mean over outputs; y ← y(1−ε)+ε/2; sklearn, predict_proba "
            "(N, 2): l = −Σ_c y_c·log p_c",
    latex=r"\ell = -\left[w_{+}\,y\log p + (1-y)\log(1-p)\right]",
    description="Binary (and multi-label) cross-entropy / log loss, optionally with a positive-class weight.",
    peer="torch binary_cross_entropy(_with_logits) with pos_weight; Keras BinaryCrossentropy; sklearn log_loss",
    torch_mean="mean_over_n",
    example={"y_true": [1, 0, 1], "y_pred": [0.9, 0.2, 0.6]},
)
def binary_crossentropy(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    conv: Convention,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    pos_weight: float | tuple[float, ...] | None = None,
    log_probs: bool = False,
) -> KernelOutput:
    r"""Binary cross-entropy.

    Formula (per output, then the mean over the K outputs of a multi-label row)::

        l = −[pw·y·log p + (1 − y)·log(1 − p)],   y ← y(1 − ε) + ε/2

    From logits x: ``l = max(x, 0) − x·y + log1p(e^{−|x|})`` (with a positive weight,
    ``log p = log σ(x) = −logaddexp(0, −x)`` and ``log(1 − p) = log σ(−x)``), exact for any finite x (torch ``binary_cross_entropy_with_logits``, TF ``weighted_cross_entropy_with_logits``).
    From probabilities p is clipped to the convention's bounds (losscli: [2.22e-16, 1 − 2.22e-16];
    torch: log clamped at −100; keras: [1e-7, 1 − 1e-7] in float32; sklearn: ε of the dtype).
    scikit-learn's ``log_loss`` takes the columns of a row as one distribution: ``l = −Σ_c y_c·log p_c`` (a
    binary ``predict_proba`` (N, 2) with labels y as ``[1 − y, y]``; its value, not the mean of two BCEs);
    the two columns are paired with the classes by name where they name them (``p0, p1`` or ``p1, p0``,
    ``proba_1``, a header ``1,0``; ``cat, dog`` beside labels cat/dog, the first column's class the negative
    one, or in the order of ``--classes NEGATIVE,POSITIVE``), else taken in column order (class 0's first);
    logits, ``pos_weight`` and multi-label rows, which it has no form for, are refused under that convention.
    ``pos_weight`` follows torch's ``pos_weight`` (broadcast along the output columns).
    From log-probabilities a = log p: log(1 − p) = log1m_exp(a) (exact; a is kept within the log of the
    convention's clip, torch's −100 floor applies to both terms); a term whose factor is 0 is 0.
    """
    k = 1 if y_pred.ndim == 1 else y_pred.shape[1]
    pw = per_column(pos_weight, k, "pos_weight")
    if conv.name == "sklearn" and k > 1 and not (from_logits or log_probs) and pw is None:
        # scikit-learn's log_loss takes a row's K columns as one distribution (a binary predict_proba (N, 2),
        # its 1-D labels as [1 − y, y]): −Σ_c y_c·log p_c, p clipped to [ε, 1 − ε] of its dtype, not renormalised
        y = smooth_binary(y_true, label_smoothing) if label_smoothing else y_true
        p, clipped = clipped_probabilities(y_pred, conv)
        log_p = safe_log(p, conv)
        with np.errstate(invalid="ignore"):
            terms = np.where(y == 0, 0.0, y * log_p)
        return KernelOutput(0.0 - terms.sum(axis=1), clipped=clipped)  # 0 − 0 is +0, where −0 printed "-0.0"
    if log_probs:
        y = smooth_binary(y_true, label_smoothing)
        log_p, log_q, clipped = _binary_log_terms(y_pred, conv, False, True)
        wy = y if pw is None else pw * y
        with np.errstate(invalid="ignore"):
            pos = np.where(wy == 0, 0.0, wy * log_p)
            neg = np.where(y == 1, 0.0, (1.0 - y) * log_q)
        return KernelOutput(row_mean(-(pos + neg)), clipped=clipped)
    if pw is None:  # the common case, in per-thread scratch (labels are cast inside the ufuncs)
        y = smooth_binary(y_true, label_smoothing) if label_smoothing else y_true
        if from_logits:
            return KernelOutput(row_mean(sigmoid_cross_entropy(y_pred, y)))
        loss, clipped = binary_log_loss(y_pred, y, conv)
        return KernelOutput(row_mean(loss), clipped=clipped)
    y = smooth_binary(y_true, label_smoothing)
    log_p, log_q, clipped = _binary_log_terms(y_pred, conv, from_logits)
    pos = y * log_p if pw is None else (pw * y) * log_p
    loss = -(pos + (1.0 - y) * log_q)
    return KernelOutput(row_mean(loss), clipped=clipped)


def _categorical_log_probs(
    y_pred: np.ndarray,
    conv: Convention,
    from_logits: bool,
    used: np.ndarray | None = None,
    log_probs: bool = False,
    floor: bool = True,
) -> tuple[np.ndarray, int]:
    """Row-wise log-probabilities of ``(N, C)`` predictions, and the count of clipped values.

    ``used`` marks the entries that enter the loss; only those are counted as clipped. Log-probabilities
    are used as given (torch ``nll_loss`` and ``kl_div`` do not clamp them). ``floor=False``: no log floor
    (torch's −100 is its BCE's, not ``kl_div``'s).
    """
    if log_probs:
        return f64(y_pred), 0
    if from_logits:
        return log_softmax(y_pred), 0
    p = conv.prepare_probabilities(y_pred)
    if conv.renormalise:
        p = p / p.sum(axis=1, keepdims=True)
    lo, hi = conv.clip_bounds(y_pred.dtype)
    clipped = 0
    if lo > 0.0 or hi < 1.0:
        out = (p < lo) | (p > hi)
        clipped = int(np.count_nonzero(out if used is None else out & used))
        if clipped or out.any():
            p = np.clip(p, lo, hi)
    if not floor:
        with np.errstate(divide="ignore"):
            return np.log(p), clipped
    return safe_log(p, conv), clipped


def _class_weight_vector(class_weights: tuple[float, ...] | None, c: int) -> np.ndarray | None:
    from losscli.errors import ParameterError

    if class_weights is None:
        return None
    cw = np.asarray(class_weights, dtype=np.float64)
    if cw.size != c:
        raise ParameterError(
            f"class_weights has {cw.size} values but the predictions have {c} classes",
            hint=f"give exactly {c} weights, one per prediction column",
        )
    return cw


@register_loss(
    "categorical_crossentropy",
    clips=clips_probabilities,
    perplexity=True,
    conventions=("torch", "keras", "sklearn"),
    peer_names=("CategoricalCrossentropy",),
    accepts_log_probs=True,
    aliases=("cce", "weighted_categorical_crossentropy", "categorical_cross_entropy"),
    label_kind="distribution",
    pred_kind="distribution",
    accepts_logits=True,
    multiclass=True,
    params=(replace(SMOOTHING, peers=("torch", "keras")), CLASS_WEIGHTS),
    formula="l = −Σ_c w_c·y'_c·log p_c, y' = y(1−ε)+ε/C; weighted mean ÷ Σ_c w_c·y_c",
    latex=r"\ell = -\sum_c w_c\, y'_c \log p_c,\quad y' = (1-\varepsilon)y + \varepsilon/C",
    description="Categorical cross-entropy on one-hot or soft labels, optionally class-weighted.",
    peer="torch cross_entropy with probability targets; Keras CategoricalCrossentropy; sklearn log_loss",
    torch_mean="mean_over_n",
    example={"y_true": [[1, 0, 0], [0, 1, 0]], "y_pred": [[0.7, 0.2, 0.1], [0.3, 0.5, 0.2]]},
)
def categorical_crossentropy(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    conv: Convention,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    class_weights: tuple[float, ...] | None = None,
    log_probs: bool = False,
) -> KernelOutput:
    r"""Categorical cross-entropy.

    Formula::

        l = −Σ_c w_c · y'_c · log p_c,   y' = y(1 − ε) + ε/C,   normalising weight = Σ_c w_c · y_c

    so that on one-hot labels it equals sparse categorical cross-entropy (torch ``cross_entropy`` with
    class weights divides by the weight of the target class). Under the torch convention the mean is
    ÷ N, as torch does for probability targets; under keras the class weight of ``argmax(y)`` multiplies
    the unweighted loss (Keras turns ``class_weight`` into sample weights). From logits p = softmax(x)
    via log-sum-exp; from probabilities keras renormalises rows, the others use them as given; from
    log-probabilities (``log_probs``) log p is the input itself.
    """
    y = f64(y_true)
    c = y_pred.shape[1]
    ys = smooth_categorical(y, label_smoothing)
    log_p, clipped = _categorical_log_probs(y_pred, conv, from_logits, used=ys != 0, log_probs=log_probs)
    cw = _class_weight_vector(class_weights, c)
    if cw is None:
        return KernelOutput(-(ys * log_p).sum(axis=1), clipped=clipped)
    if conv.name == "keras":
        w = cw[np.argmax(y, axis=1)]
        return KernelOutput(-(ys * log_p).sum(axis=1) * w, weight=w, clipped=clipped)
    loss = -(ys * log_p * cw).sum(axis=1)
    return KernelOutput(loss, weight=y @ cw, clipped=clipped)


@register_loss(
    "sparse_categorical_crossentropy",
    clips=clips_probabilities,
    perplexity=True,
    conventions=("torch", "keras", "sklearn"),
    peer_names=("SparseCategoricalCrossentropy", "cross_entropy(from_logits=True)", "CrossEntropyLoss(from_logits=True)", "nll_loss(log_probs=True)", "NLLLoss(log_probs=True)", "nll(log_probs=True)"),
    accepts_log_probs=True,
    aliases=("sparse_cce", "scce", "sparse_categorical_cross_entropy"),
    label_kind="class_index",
    pred_kind="distribution",
    accepts_logits=True,
    multiclass=True,
    params=(
        replace(SMOOTHING, peers=("torch",)),
        CLASS_WEIGHTS,
        Param("ignore_index", "int", None, "label value whose samples are ignored (loss 0, not counted)",
              low=-(2**53 - 1), high=2**53 - 1, bound_hint=IGNORE_BOUND_HINT),
    ),
    formula="l = (1−ε)·w_y·(−log p_y) + (ε/C)·Σ_c w_c·(−log p_c); weighted mean ÷ Σ w_y",
    latex=r"\ell = (1-\varepsilon)\,w_y(-\log p_y) + \frac{\varepsilon}{C}\sum_c w_c(-\log p_c)",
    description="Cross-entropy on integer class labels, with class weights, smoothing and an ignored label.",
    peer="torch cross_entropy / nll_loss (index targets); Keras SparseCategoricalCrossentropy",
    torch_mean="weighted_mean",
    example={
        "y_true": [0, 2, 1],
        "y_pred": [[2.0, 0.5, -1.0], [0.1, 0.2, 3.0], [1.0, 1.0, 0.0]],
        "params": {"from_logits": True},
    },
)
def sparse_categorical_crossentropy(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    conv: Convention,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    class_weights: tuple[float, ...] | None = None,
    ignore_index: int | None = None,
    log_probs: bool = False,
) -> KernelOutput:
    r"""Sparse (integer-label) categorical cross-entropy.

    Formula (torch ``cross_entropy`` with index targets, ``weight``, ``ignore_index`` and
    ``label_smoothing``)::

        l = (1 − ε) · w_y · (−log p_y) + (ε/C) · Σ_c w_c · (−log p_c)

    with normalising weight w_y, so ``mean`` = Σ l / Σ w_y over counted samples (torch's divisor).
    Ignored samples give 0 and count in neither sum. From logits: −log p_y = log(1 + Σ_{c≠y} e^{x_c − x_y})
    (= softplus(x_other − x_y) for two classes), exact even for tiny losses.
    Under keras, class weights multiply the whole loss (Keras' class_weight → sample_weight).
    From log-probabilities (``log_probs``, torch ``nll_loss``): −log p_y is −input_y itself.
    """
    labels = np.asarray(y_true)
    if labels.dtype.kind == "f":
        labels = labels.astype(np.int64)
    n, c = y_pred.shape
    counted = None
    if ignore_index is not None:
        counted = labels != ignore_index
        labels = np.where(counted, labels, 0)
    rows = np.arange(n)
    cw = _class_weight_vector(class_weights, c)
    # log p of every class is needed for smoothing, and for class-weighted probabilities (to count the
    # clipped values as before); from logits with class weights only the target's −log p is (exact form)
    need_all = bool(label_smoothing) or (cw is not None and conv.name != "keras" and not from_logits)
    clipped = 0
    if from_logits and not need_all:
        nll = sparse_nll_from_logits(y_pred, labels)
        log_p = None
    else:
        used = None
        if not need_all:
            used = np.zeros(y_pred.shape, dtype=bool)
            used[rows, labels] = True
            if counted is not None:
                used &= counted[:, None]
        log_p, clipped = _categorical_log_probs(y_pred, conv, from_logits, used=used, log_probs=log_probs)
        nll = -log_p[rows, labels]
    eps = label_smoothing
    if cw is None or conv.name == "keras":
        loss = nll if not eps else (1.0 - eps) * nll - (eps / c) * log_p.sum(axis=1)
        weight = None
        if cw is not None:
            weight = cw[labels]
            loss = loss * weight
    else:
        weight = cw[labels]
        loss = weight * nll
        if eps:
            loss = (1.0 - eps) * loss - (eps / c) * (log_p @ cw)
    if counted is not None:
        loss = np.where(counted, loss, 0.0)
        if weight is not None:
            weight = np.where(counted, weight, 0.0)
    return KernelOutput(loss, weight=weight, counted=counted, clipped=clipped)


@register_loss(
    "binary_focal_crossentropy",
    clips=_clips_binary_focal,
    conventions=("torch", "keras"),
    peer_names=("BinaryFocalCrossentropy", "sigmoid_focal_loss(from_logits=True)"),
    accepts_log_probs=True,
    aliases=("focal", "binary_focal", "focal_loss"),
    label_kind="binary",
    pred_kind="probability",
    accepts_logits=True,
    elementwise=True,
    params=(
        Param("gamma", "float", 2.0, "focusing parameter γ", low=0.0, allow_none=False),
        Param(
            "alpha",
            "float",
            None,
            "balancing α for the positive class (applied only when given; a negative α turns it off, as "
            "torchvision's alpha=-1, where the convention's default applies it)",
            low=-1.0,
            high=1.0,
        ),
        replace(SMOOTHING, peers=("keras",)),
    ),
    formula="l = α_t·(1−p_t)^γ·BCE, p_t = y·p + (1−y)(1−p), α_t = α·y + (1−α)(1−y) when α is given",
    latex=r"\ell = \alpha_t (1-p_t)^{\gamma}\,\mathrm{BCE}(y, p)",
    description="Binary focal loss (Lin et al.), α applied only when given (torchvision's default 0.25 under "
                "--convention torch).",
    peer="torchvision.ops.sigmoid_focal_loss; Keras BinaryFocalCrossentropy",
    torch_mean="mean_over_n",
    example={"y_true": [1, 0, 0], "y_pred": [1.5, -0.7, 2.0], "params": {"from_logits": True}},
)
def binary_focal_crossentropy(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    conv: Convention,
    from_logits: bool = False,
    gamma: float = 2.0,
    alpha: float | None = None,
    label_smoothing: float = 0.0,
    log_probs: bool = False,
) -> KernelOutput:
    r"""Binary focal cross-entropy.

    Formula (mean over the outputs of a multi-label row)::

        l = α_t · (1 − p_t)^γ · BCE(y, p),   p_t = y·p + (1 − y)(1 − p),   α_t = α·y + (1 − α)(1 − y)

    α is applied only when given (torchvision applies its default 0.25 under the torch convention; Keras
    ``BinaryFocalCrossentropy`` only with ``apply_class_balancing``). From logits, BCE is the exact
    log-space value and 1 − p_t = y·σ(−x) + (1 − y)·σ(x); under the keras convention the logits go
    through σ and the clipped BCE, as Keras does. Smoothed labels enter p_t, as in Keras. From
    log-probabilities a = log p: BCE from a and log1m_exp(a), 1 − p_t = y·(−expm1(a)) + (1 − y)·e^a.
    """
    y = smooth_binary(y_true, label_smoothing)
    if alpha is None:
        alpha = conv.focal_alpha_binary
    if alpha is not None and alpha < 0:  # torchvision's alpha=-1: no balancing
        alpha = None
    if from_logits and conv.name == "keras":
        y_pred, from_logits = sigmoid(f64(y_pred)), False
    if log_probs:
        log_p, log_q, clipped = _binary_log_terms(y_pred, conv, False, True)
        with np.errstate(invalid="ignore"):
            bce = -(np.where(y == 0, 0.0, y * log_p) + np.where(y == 1, 0.0, (1.0 - y) * log_q))
        one_minus_pt = y * -np.expm1(log_p) + (1.0 - y) * np.exp(log_p)
    elif from_logits:
        x = f64(y_pred)
        bce = sigmoid_cross_entropy(x, y)
        one_minus_pt = y * sigmoid(-x) + (1.0 - y) * sigmoid(x)
        clipped = 0
    else:
        p, clipped = clipped_probabilities(y_pred, conv)
        bce = -(y * safe_log(p, conv) + (1.0 - y) * safe_log1m(p, conv))
        one_minus_pt = y * (1.0 - p) + (1.0 - y) * p
    loss = np.power(one_minus_pt, gamma) * bce
    if alpha is not None:
        loss = (alpha * y + (1.0 - alpha) * (1.0 - y)) * loss
    return KernelOutput(row_mean(loss), clipped=clipped)


@register_loss(
    "categorical_focal_crossentropy",
    clips=_clips_probabilities_or_keras_logits,
    conventions=("keras",),
    peer_names=("CategoricalFocalCrossentropy",),
    accepts_log_probs=True,
    aliases=("categorical_focal", "softmax_focal"),
    label_kind="distribution",
    pred_kind="distribution",
    accepts_logits=True,
    multiclass=True,
    params=(
        Param("gamma", "float", 2.0, "focusing parameter γ", low=0.0, allow_none=False),
        Param(
            "alpha",
            "float_or_floats",
            None,
            "α: one value or one per class (applied only when given)",
            low=0.0,
        ),
        SMOOTHING,
    ),
    formula="l = −Σ_c α_c·(1−p_c)^γ·y'_c·log p_c",
    latex=r"\ell = -\sum_c \alpha_c (1-p_c)^{\gamma}\, y'_c \log p_c",
    description="Categorical focal loss over one-hot or soft labels.",
    peer="Keras CategoricalFocalCrossentropy",
    torch_mean="mean_over_n",
    example={"y_true": [[1, 0, 0], [0, 1, 0]], "y_pred": [[0.7, 0.2, 0.1], [0.3, 0.5, 0.2]]},
)
def categorical_focal_crossentropy(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    conv: Convention,
    from_logits: bool = False,
    gamma: float = 2.0,
    alpha: float | tuple[float, ...] | None = None,
    label_smoothing: float = 0.0,
    log_probs: bool = False,
) -> KernelOutput:
    r"""Categorical focal cross-entropy (Keras ``CategoricalFocalCrossentropy``).

    Formula::

        l = −Σ_c α_c · (1 − p_c)^γ · y'_c · log p_c,   y' = y(1 − ε) + ε/C

    α is applied only when given under losscli (Keras always applies its default 0.25). From logits,
    log p is the exact log-softmax and 1 − p_c = −expm1(log p_c); under keras the probabilities are
    renormalised and clipped, as Keras does (also after a softmax of logits). From log-probabilities
    (``log_probs``) log p is the input itself.
    """
    c = y_pred.shape[1]
    ys = smooth_categorical(f64(y_true), label_smoothing)
    if alpha is None:
        alpha = conv.focal_alpha_categorical
    if from_logits and conv.name == "keras":
        y_pred, from_logits = np.exp(log_softmax(y_pred)), False
    log_p, clipped = _categorical_log_probs(y_pred, conv, from_logits, used=ys != 0, log_probs=log_probs)
    one_minus_p = -np.expm1(log_p)
    terms = np.power(one_minus_p, gamma) * ys * log_p
    if alpha is not None:
        terms = terms * per_column(alpha, c, "alpha")
    return KernelOutput(-terms.sum(axis=1), clipped=clipped)


@register_loss(
    "kl_divergence",
    clips=_clips_probabilities_or_keras_logits,
    conventions=("torch", "keras"),
    peer_names=("KLDivergence", "kl_div(log_probs=True)", "KLDivLoss(log_probs=True)"),
    accepts_log_probs=True,
    aliases=("kld", "kl", "kullback_leibler_divergence"),
    label_kind="distribution",
    pred_kind="distribution",
    accepts_logits=True,
    multiclass=True,
    formula="l = Σ_c y_c·(log y_c − log p_c), 0 where y_c = 0",
    latex=r"\ell = \sum_c y_c \log\frac{y_c}{p_c}",
    description="Kullback–Leibler divergence KL(y_true ‖ y_pred) between distributions.",
    peer="torch kl_div(log q, p) summed per sample ('batchmean'); Keras KLDivergence",
    torch_mean="mean_over_elements",
    example={"y_true": [[0.6, 0.3, 0.1], [0.2, 0.5, 0.3]], "y_pred": [[0.5, 0.4, 0.1], [0.3, 0.3, 0.4]]},
)
def kl_divergence(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    conv: Convention,
    from_logits: bool = False,
    log_probs: bool = False,
) -> KernelOutput:
    r"""Kullback–Leibler divergence KL(y_true ‖ y_pred).

    Formula::

        l = Σ_c y_c · (log y_c − log p_c)     (terms with y_c = 0 are 0)

    torch ``kl_div(input=log p, target=y)`` summed over classes; its ``'mean'`` divides by N·C (the
    torch convention reproduces that), ``'batchmean'`` is losscli's mean. Under keras both y and p are
    clipped to [ε, 1] first (ε = 1e-7, Keras' epsilon, or ``--eps``), so y = 0 contributes a tiny negative
    term, as in Keras. With
    ``log_probs`` the predictions are log q, exactly torch's ``kl_div`` input.
    """
    y = f64(y_true)
    if conv.name == "keras":
        if from_logits:
            y_pred = np.exp(log_softmax(y_pred))
        # Keras' epsilon (1e-7), or --eps (Keras with backend.set_epsilon), for both; the upper bound is 1
        eps = conv.fixed_eps if conv.clip == "fixed" and conv.fixed_eps is not None else 1e-7
        yk = np.clip(conv.prepare_probabilities(y), eps, 1.0)
        pk = conv.prepare_probabilities(y_pred)
        clipped = int(np.count_nonzero(pk < eps))
        pk = np.clip(pk, eps, 1.0)
        return KernelOutput((yk * (np.log(yk) - np.log(pk))).sum(axis=1), clipped=clipped)
    log_p, clipped = _categorical_log_probs(y_pred, conv, from_logits, used=y != 0, log_probs=log_probs, floor=False)
    pos = y > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(pos, y * (np.log(np.where(pos, y, 1.0)) - log_p), 0.0)
    return KernelOutput(terms.sum(axis=1), clipped=clipped)


def _keras_q(params: dict, conv: Convention) -> None:
    """Keras' CategoricalGeneralizedCrossEntropy takes q in (0, 1): q = 1 (MAE) has no Keras number."""
    from losscli.errors import ParameterError

    if conv.name == "keras" and params.get("q", 0.5) >= 1.0:
        raise ParameterError(f"generalized_cross_entropy: Keras takes q in (0, 1), not {params['q']!r}",
                             hint="give q below 1, or --convention losscli for q = 1 (the MAE of the probabilities)")


@register_loss(
    "generalized_cross_entropy",
    clips=never_clips,  # (1 − p_y^q)/q is finite at p_y = 0, and Keras' form clips nothing either
    conventions=("keras",),
    peer_names=("CategoricalGeneralizedCrossEntropy",),
    accepts_log_probs=True,
    aliases=("gce", "categorical_generalized_cross_entropy"),
    label_kind="class_index",
    pred_kind="distribution",
    accepts_logits=True,
    multiclass=True,
    params=(
        Param(
            "q",
            "float",
            0.5,
            "q in (0, 1]; q → 0 gives cross-entropy, q = 1 MAE",
            low=0.0,
            high=1.0,
            open_low=True,
            allow_none=False,
        ),
    ),
    formula="l = (1 − p_y^q)/q",
    latex=r"\ell = \frac{1 - p_y^{\,q}}{q}",
    description="Generalised cross-entropy (Zhang & Sabuncu), robust to label noise.",
    peer="Keras CategoricalGeneralizedCrossEntropy",
    torch_mean="mean_over_n",
    example={"y_true": [0, 1], "y_pred": [[0.7, 0.2, 0.1], [0.3, 0.5, 0.2]]},
    check=lambda y_true, y_pred, params, conv, row_offset: _keras_q(params, conv),
)
def generalized_cross_entropy(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    conv: Convention,
    from_logits: bool = False,
    q: float = 0.5,
    log_probs: bool = False,
) -> KernelOutput:
    r"""Generalised cross-entropy (Keras ``CategoricalGeneralizedCrossEntropy``).

    Formula::

        l = (1 − p_y^q) / q

    From logits p_y^q = exp(q · log_softmax(x)_y), from log-probabilities exp(q · input_y). No clipping
    (as Keras).
    """
    labels = np.asarray(y_true).astype(np.int64)
    rows = np.arange(labels.shape[0])
    if log_probs:
        return KernelOutput(-np.expm1(q * f64(y_pred)[rows, labels]) / q)
    if from_logits:
        log_py = -sparse_nll_from_logits(y_pred, labels)
        return KernelOutput(-np.expm1(q * log_py) / q)
    p = conv.prepare_probabilities(y_pred)[rows, labels]
    return KernelOutput((1.0 - np.power(p, q)) / q)
