"""Generate ``reference_values.json``: independent reference values for every losscli loss.

Every expected number in the JSON comes from a call into a real peer library -- PyTorch (float64 tensors),
torchvision, scikit-learn (float64 arrays) or Keras 3 (torch backend; float32 as Keras computes by default,
or ``dtype="float64"`` where a Keras-only loss is the reference of losscli's own float64 convention). The
inputs are drawn from ``numpy.random.default_rng`` with a fixed seed, so a rerun writes the same file
(up to the last bits of float32 Keras results across library versions). Each case's ``source`` names the
exact peer call(s); where a reduction is plain arithmetic on the peer's per-sample values (e.g. losscli's
``mean_over_n``), the source says so.

How to rerun (from the repository root)::

    pip install torch==2.13.0 scikit-learn keras==3.15.1
    # optional, for torchvision.ops.sigmoid_focal_loss (never let pip replace torch):
    pip install --no-deps 'torchvision==0.28.*'
    KERAS_BACKEND=torch python tests/reference/generate_reference.py

The library versions are recorded in the JSON header. ``tests/test_reference.py`` reads only the JSON, so
the test suite needs neither torch nor Keras.

Case fields: ``id``, ``loss`` (losscli canonical name), ``params`` (losscli parameter names),
``convention``, ``reduction``, ``y_true``, ``y_pred``, ``sample_weight``, ``expected_per_sample`` (the
weighted per-sample values w_i*l_i), ``expected_value`` (a float, ``"nan"`` or null), ``rtol``, ``atol``,
``source``.

Keras in float64: Keras 3 on the torch backend caps its dtype promotion at 32 bits, so even a loss built
with ``dtype="float64"`` computes parts (e.g. ``ops.mean``) in float32. Where Keras is the float64
reference (losscli's own convention for Keras-defined losses: log_cosh, cosine_similarity, hinge,
squared_hinge, categorical_hinge, dice, tversky, generalized_cross_entropy, focal from probabilities),
Keras' unchanged loss code is run with that cap lifted (see ``keras_float64``); ``_check_keras_float64``
asserts the result against float64 formulas before anything is written.

Tolerances: torch / scikit-learn / Keras-float64 references use rtol 1e-10, atol 1e-12. Keras-convention
cases compare against Keras' float32 computation; they use rtol 1e-6 and an atol of at least 1e-7, widened
per case to 4x the largest rounding difference (beyond 0.5e-6 relative) between Keras in float32 and Keras
in float64 on the same float32-rounded inputs (elements whose difference is a real semantic one, such as
the float32 clip bound 1-1e-7 -> 0.99999988, are excluded from that estimate).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path

os.environ["KERAS_BACKEND"] = "torch"  # must be set before keras is imported

import keras  # noqa: E402
import numpy as np  # noqa: E402
import sklearn  # noqa: E402
import sklearn.metrics as skm  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from keras.src.backend.common import dtypes as _kdtypes  # noqa: E402

warnings.filterwarnings("ignore")  # sklearn's "rows do not sum to 1", torch's kl_div 'mean' warning, ...

OUT = Path(__file__).with_name("reference_values.json")
SEED = 20260521
RNG = np.random.default_rng(SEED)
EPS64 = float(np.finfo(np.float64).eps)  # 2.220446049250313e-16 -- losscli's clip

#: Tversky under losscli's own convention: True = the canonical index TP/(TP + α·FP + β·FN + 1e-7)
#: (Salehi et al. 2017, Keras' docstring, Keras master after keras-team/keras#23333, loss_conventions.md
#: §1.2); False = the numbers Keras 3.15.1 computes, where α weighs Σ y·(1−p) (missed positives) and β
#: weighs Σ (1−y)·p. The keras-convention cases always use Keras 3.15.1 as installed.
TVERSKY_LOSSCLI_CANONICAL = True
TVERSKY_NOTE = (" -- alpha and beta passed to Keras swapped: Keras 3.15.1 applies alpha to Σy(1-p), fixed by "
                "keras#23333; = canonical 1 - TP/(TP + alpha*FP + beta*FN + 1e-7), FP=Σ(1-y)p, FN=Σy(1-p)")

if keras.backend.backend() != "torch":  # pragma: no cover - guarded by the assignment above
    sys.exit("run with KERAS_BACKEND=torch")


# ----------------------------------------------------------------------------------- torchvision focal
def _load_sigmoid_focal_loss():
    """torchvision.ops.sigmoid_focal_loss, and a description of how it was obtained.

    The PyPI torchvision wheel's compiled extension needs a CUDA build of torch; with the CPU build
    ``import torchvision`` fails before ``ops`` can be used. The focal loss itself is pure Python, so
    in that case the installed file ``torchvision/ops/focal_loss.py`` is executed directly (its only
    import from the package, the usage logger, is replaced by a no-op). Without torchvision at all,
    the formula is reproduced with torch ops.
    """
    try:
        import torchvision
        from torchvision.ops import sigmoid_focal_loss

        return sigmoid_focal_loss, f"torchvision.ops.sigmoid_focal_loss (torchvision {torchvision.__version__})"
    except Exception:
        pass
    try:
        dist = importlib.metadata.distribution("torchvision")
        path = Path(dist.locate_file("torchvision/ops/focal_loss.py"))
        src = path.read_text()
        marker = "from ..utils import _log_api_usage_once"
        if marker not in src:
            raise RuntimeError("unexpected focal_loss.py")
        src = src.replace(marker, "def _log_api_usage_once(obj):\n    return None")
        ns: dict = {}
        exec(compile(src, str(path), "exec"), ns)
        return ns["sigmoid_focal_loss"], (
            f"torchvision.ops.sigmoid_focal_loss (the installed torchvision {dist.version} "
            "ops/focal_loss.py executed directly: the wheel's compiled extension needs CUDA torch)"
        )
    except Exception:
        pass

    def sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2, reduction="none"):
        p = torch.sigmoid(inputs)
        ce = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
        p_t = p * targets + (1 - p) * (1 - targets)
        loss = ce * ((1 - p_t) ** gamma)
        if alpha >= 0:
            loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
        return {"none": loss, "mean": loss.mean(), "sum": loss.sum()}[reduction]

    return sigmoid_focal_loss, (
        "torchvision.ops.sigmoid_focal_loss formula reproduced with torch ops "
        "(torchvision not installed): BCE_with_logits*(1-p_t)^gamma*alpha_t"
    )


SIGMOID_FOCAL, FOCAL_SRC = _load_sigmoid_focal_loss()


# ----------------------------------------------------------------------------------- helpers
def t(a) -> torch.Tensor:
    return torch.as_tensor(np.asarray(a, dtype=np.float64))


def tl(a) -> torch.Tensor:
    return torch.as_tensor(np.asarray(a), dtype=torch.long)


def npy(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy().astype(np.float64)
    return np.asarray(keras.ops.convert_to_numpy(x), dtype=np.float64)


def f64(x) -> float:
    return float(np.asarray(npy(x) if not isinstance(x, (float, int, np.floating)) else x).reshape(()))


def row_mean(a) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    return a if a.ndim == 1 else a.mean(axis=-1)


def tolist(a):
    if a is None:
        return None
    a = np.asarray(a)
    if a.dtype.kind in "iu":
        return a.astype(int).tolist()
    return a.astype(np.float64).tolist()


CASES: list[dict] = []
IDS: set[str] = set()


def add(
    id: str,
    loss: str,
    convention: str,
    reduction: str,
    y_true,
    y_pred,
    *,
    per_sample,
    value,
    source: str,
    params: dict | None = None,
    sample_weight=None,
    rtol: float = 1e-10,
    atol: float = 1e-12,
) -> None:
    assert id not in IDS, id
    assert convention in ("losscli", "torch", "keras", "sklearn")
    assert reduction in ("mean", "sum", "mean_over_n")
    IDS.add(id)
    if value is not None:
        value = float(value)
        if value != value:
            value = "nan"
    ps = None if per_sample is None else [float(v) for v in np.asarray(per_sample, dtype=np.float64).ravel()]
    CASES.append(
        {
            "id": id,
            "loss": loss,
            "params": dict(params or {}),
            "convention": convention,
            "reduction": reduction,
            "y_true": tolist(y_true),
            "y_pred": tolist(y_pred),
            "sample_weight": tolist(sample_weight),
            "expected_per_sample": ps,
            "expected_value": value,
            "rtol": float(rtol),
            "atol": float(atol),
            "source": source,
        }
    )


def emit(base, loss, convention, y, p, *, per_sample, values, source, params=None, sw=None, **tol):
    """One case per reduction in ``values`` ({reduction: (value, note)}) sharing inputs and per-sample."""
    for red, (val, note) in values.items():
        add(
            f"{base}/{red}",
            loss,
            convention,
            red,
            y,
            p,
            params=params,
            sample_weight=sw,
            per_sample=per_sample,
            value=val,
            source=source + (f"; {red}: {note}" if note else ""),
            **tol,
        )


def losscli_values(per_sample, norm_w, n=None, reductions=("mean", "sum", "mean_over_n"), mean_note=None):
    """losscli/sklearn reductions from peer per-sample values: mean = Σv/Σw, sum = Σv, mean_over_n = Σv/N."""
    v = np.asarray(per_sample, dtype=np.float64)
    n = len(v) if n is None else n
    out = {}
    for r in reductions:
        if r == "mean":
            out[r] = (v.sum() / np.sum(norm_w), mean_note or "sum(per_sample)/sum(w) (numpy)")
        elif r == "sum":
            out[r] = (v.sum(), "sum(per_sample) (numpy)")
        else:
            out[r] = (v.sum() / n, f"sum(per_sample)/{n} (numpy)")
    return out


# ----------------------------------------------------------------------------------- Keras helpers
KERAS_RED = {"mean": "sum_over_batch_size", "sum": "sum", "mean_over_n": "sum_over_batch_size"}


@contextmanager
def keras_float64():
    """Run Keras' own loss code in true float64.

    Keras 3 on a non-TensorFlow backend caps its type promotion at 32 bits
    (``keras.src.backend.common.dtypes.BIT64_TO_BIT32_DTYPE``: float64 -> float32), so a loss built with
    ``dtype="float64"`` still takes e.g. ``ops.mean`` in float32 (MSE of 0.1 vs 0.3 comes out as
    0.03999999910593033). Inside this context the cap is lifted and floatx is float64; the loss code
    is unchanged. ``_check_keras_float64`` verifies the result against float64 formulas.
    """
    saved, fx = dict(_kdtypes.BIT64_TO_BIT32_DTYPE), keras.config.floatx()
    _kdtypes.BIT64_TO_BIT32_DTYPE.clear()
    keras.config.set_floatx("float64")
    try:
        yield
    finally:
        _kdtypes.BIT64_TO_BIT32_DTYPE.update(saved)
        keras.config.set_floatx(fx)


def kcall(cls: str, y, p, sw=None, reduction=None, dtype="float32", **kw):
    if dtype == "float64" and keras.config.floatx() != "float64":
        with keras_float64():
            return kcall(cls, y, p, sw, reduction, dtype, **kw)
    loss = getattr(keras.losses, cls)(reduction=reduction, dtype=dtype, **kw)
    sw = None if sw is None else np.asarray(sw, dtype=np.float64)
    out = npy(loss(np.asarray(y), np.asarray(p, dtype=np.float64), sample_weight=sw))
    return out


def _f32(a):
    a = np.asarray(a)
    return a if a.dtype.kind in "iu" else a.astype(np.float32).astype(np.float64)


def keras_case(base, loss, cls, y, p, *, kw=None, params=None, sw=None, reductions=("mean",),
               kshape=None, ysw=None, note=""):
    """Keras-convention cases: Keras 3 (torch backend) in float32, per-sample via reduction=None.

    ``kshape`` reshapes y/p for Keras ((N,) binary inputs become (N, 1) so each row is one sample).
    ``ysw`` overrides the sample weight handed to Keras (class weights folded in, as model.fit does).
    """
    kw = dict(kw or {})
    ky, kp = np.asarray(y), np.asarray(p, dtype=np.float64)
    if kshape is not None:
        ky, kp = ky.reshape(kshape), kp.reshape(kshape)
    ksw = ysw if ysw is not None else sw
    per = kcall(cls, ky, kp, ksw, None, "float32", **kw)
    per64 = kcall(cls, _f32(ky), _f32(kp), None if ksw is None else _f32(ksw), None, "float64", **kw)
    diffs = [np.abs(per - per64)]
    vals = {}
    for red in reductions:
        v32 = f64(kcall(cls, ky, kp, ksw, KERAS_RED[red], "float32", **kw))
        v64 = f64(kcall(cls, _f32(ky), _f32(kp), None if ksw is None else _f32(ksw), KERAS_RED[red],
                        "float64", **kw))
        diffs.append(np.array([abs(v32 - v64)]) if v32 == v32 else np.zeros(1))
        vals[red] = (v32, f"keras.losses.{cls}(reduction={KERAS_RED[red]!r})")
    allv = np.concatenate([per.ravel()] + [np.array([v[0]]) for v in vals.values()])
    d = np.concatenate([x.ravel() for x in diffs])
    absv = np.abs(allv)
    rounding = d <= 1e-4 * np.maximum(1.0, absv)  # larger differences are semantic (float32 clip bounds)
    excess = np.maximum(0.0, d - 0.5e-6 * absv)[rounding]  # what rtol=1e-6 would not cover with margin
    atol = max(1e-7, 4.0 * float(excess.max()) if excess.size else 0.0)
    kws = ", ".join(f"{k}={v!r}" for k, v in kw.items())
    src = (f"keras {keras.__version__} (torch backend, float32) keras.losses.{cls}({kws}) "
           f"per-sample via reduction=None{', sample_weight' if ksw is not None else ''}"
           f"{'; inputs reshaped to ' + str(kshape) if kshape else ''}{'; ' + note if note else ''}")
    emit(base, loss, "keras", y, p, per_sample=per, values=vals, source=src, params=params, sw=sw,
         rtol=1e-6, atol=atol)


def k64(cls, y, p, sw=None, reduction=None, **kw):
    """Keras in float64 (reference of losscli's own convention for Keras-defined losses)."""
    return kcall(cls, y, p, sw, reduction, "float64", **kw)


def k64_values(cls, y, p, sw, reductions=("mean", "sum", "mean_over_n"), **kw):
    """losscli reductions through Keras' own float64 reductions: mean = mean_with_sample_weight (Σw·l/Σw),
    sum = sum, mean_over_n = sum_over_batch_size."""
    red = {"mean": "mean_with_sample_weight" if sw is not None else "sum_over_batch_size",
           "sum": "sum", "mean_over_n": "sum_over_batch_size"}
    return {r: (f64(k64(cls, y, p, sw, red[r], **kw)), f"keras reduction={red[r]!r} (float64)")
            for r in reductions}


# ----------------------------------------------------------------------------------- inputs
def r4(a):
    return np.round(a, 4)


def bin_labels(shape):
    y = RNG.integers(0, 2, size=shape).astype(np.float64)
    return y


def probs(shape, lo=0.02, hi=0.98):
    return r4(RNG.uniform(lo, hi, size=shape))


def logits(shape, scale=2.0):
    return np.round(RNG.normal(0.0, scale, size=shape), 3)


def weights(n):
    return np.round(RNG.uniform(0.2, 2.0, size=n), 2)


def softmax_np(x):
    return npy(torch.softmax(t(x), dim=-1))


def onehot(idx, c):
    return np.eye(c)[np.asarray(idx)]


def sk_bce_elementwise(y, p):
    """scikit-learn log_loss of each element on its own (labels=[0, 1], normalize=False)."""
    y, p = np.asarray(y), np.asarray(p, dtype=np.float64)
    out = [skm.log_loss([int(a)], [b], labels=[0, 1], normalize=False) for a, b in zip(y.ravel(), p.ravel(), strict=True)]
    return np.array(out).reshape(y.shape)


def sk_logloss_rows(idx, P, c):
    """scikit-learn log_loss of each row on its own (labels=range(C), normalize=False)."""
    return np.array([skm.log_loss([int(i)], [row], labels=list(range(c)), normalize=False)
                     for i, row in zip(idx, P, strict=True)])


SK_BCE_SRC = (f"sklearn {sklearn.__version__} log_loss per element ([y],[p], labels=[0,1], normalize=False); "
              "float64 clip eps=2.22e-16")


# =================================================================================== binary_crossentropy
def gen_bce():
    L = "binary_crossentropy"
    N, K = 6, 3
    # --- losscli, probabilities (N,), sklearn
    y, p, sw = bin_labels(N), probs(N), weights(N)
    per = sk_bce_elementwise(y, p)
    emit("bce/losscli/probs_1d", L, "losscli", y, p, per_sample=per,
         values={"mean": (skm.log_loss(y, p, labels=[0, 1]), "log_loss(y, p)")},
         source=SK_BCE_SRC)
    vals = {
        "mean": (skm.log_loss(y, p, sample_weight=sw, labels=[0, 1]), "log_loss(y, p, sample_weight=sw)"),
        "sum": (skm.log_loss(y, p, sample_weight=sw, labels=[0, 1], normalize=False),
                "log_loss(..., sample_weight=sw, normalize=False)"),
        "mean_over_n": (skm.log_loss(y, p, sample_weight=sw, labels=[0, 1], normalize=False) / N,
                        f"log_loss(..., normalize=False)/{N}"),
    }
    emit("bce/losscli/probs_1d_weighted", L, "losscli", y, p, per_sample=per * sw, values=vals, sw=sw,
         source=SK_BCE_SRC + " times sample_weight")

    # --- losscli, exact 0/1 probabilities: cap 36.04 (sklearn float64)
    y0 = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
    p0 = np.array([0.0, 1.0, 1.0, 0.0, 0.5, 0.25])
    per0 = sk_bce_elementwise(y0, p0)
    assert abs(per0[0] - 36.04365338911715) < 1e-9
    emit("bce/losscli/probs_exact_0_1_cap_36.04", L, "losscli", y0, p0, per_sample=per0,
         values={"mean": (skm.log_loss(y0, p0, labels=[0, 1]), "log_loss(y, p)"),
                 "sum": (skm.log_loss(y0, p0, labels=[0, 1], normalize=False), "normalize=False")},
         source=SK_BCE_SRC + " (p exactly 0 or 1 -> -log(2.22e-16) = 36.0437)")

    # --- losscli, multi-label N x K probabilities
    Y, P, sw = bin_labels((N, K)), probs((N, K)), weights(N)
    per = row_mean(sk_bce_elementwise(Y, P))
    emit("bce/losscli/probs_multilabel", L, "losscli", Y, P, per_sample=per,
         values=losscli_values(per, np.ones(N), reductions=("mean",)), source=SK_BCE_SRC + ", mean over K=3")
    emit("bce/losscli/probs_multilabel_weighted", L, "losscli", Y, P, per_sample=per * sw, sw=sw,
         values=losscli_values(per * sw, sw), source=SK_BCE_SRC + ", mean over K=3, times sample_weight")

    # --- losscli, soft labels + label smoothing from probabilities (torch BCE on clipped p)
    Ys = r4(RNG.uniform(0, 1, size=(N, K)))
    per = row_mean(npy(F.binary_cross_entropy(t(P).clamp(EPS64, 1 - EPS64), t(Ys), reduction="none")))
    emit("bce/losscli/probs_soft_labels", L, "losscli", Ys, P, per_sample=per,
         values=losscli_values(per, np.ones(N), reductions=("mean", "sum")),
         source="torch.nn.functional.binary_cross_entropy(p.clamp(2.22e-16, 1-2.22e-16), y_soft, "
                "reduction='none').mean(-1)")
    eps_ls = 0.2
    Yls = Y * (1 - eps_ls) + eps_ls / 2
    per = row_mean(npy(F.binary_cross_entropy(t(P).clamp(EPS64, 1 - EPS64), t(Yls), reduction="none")))
    emit("bce/losscli/probs_label_smoothing_0.2", L, "losscli", Y, P, per_sample=per * sw, sw=sw,
         params={"label_smoothing": eps_ls}, values=losscli_values(per * sw, sw, reductions=("mean", "sum")),
         source="torch binary_cross_entropy(p.clamp(eps,1-eps), y*(1-0.2)+0.1, reduction='none').mean(-1)*sw")

    # --- losscli, logits (N,) and N x K, torch exact
    x1, y1 = logits(N), bin_labels(N)
    per = npy(F.binary_cross_entropy_with_logits(t(x1), t(y1), reduction="none"))
    emit("bce/losscli/logits_1d", L, "losscli", y1, x1, params={"from_logits": True}, per_sample=per,
         values={"mean": (f64(F.binary_cross_entropy_with_logits(t(x1), t(y1))), "torch reduction='mean'"),
                 "sum": (f64(F.binary_cross_entropy_with_logits(t(x1), t(y1), reduction="sum")),
                         "torch reduction='sum'")},
         source="torch.nn.functional.binary_cross_entropy_with_logits(x, y, reduction='none')")
    X = logits((N, K))
    per = row_mean(npy(F.binary_cross_entropy_with_logits(t(X), t(Y), reduction="none")))
    emit("bce/losscli/logits_multilabel_weighted", L, "losscli", Y, X, params={"from_logits": True},
         per_sample=per * sw, sw=sw, values=losscli_values(per * sw, sw),
         source="torch binary_cross_entropy_with_logits(x, y, reduction='none').mean(-1) * sample_weight")
    perls = row_mean(npy(F.binary_cross_entropy_with_logits(t(X), t(Yls), reduction="none")))
    emit("bce/losscli/logits_label_smoothing_0.2", L, "losscli", Y, X,
         params={"from_logits": True, "label_smoothing": eps_ls}, per_sample=perls,
         values=losscli_values(perls, np.ones(N), reductions=("mean",)),
         source="torch binary_cross_entropy_with_logits(x, y*(1-0.2)+0.2/2, reduction='none').mean(-1)")
    per = row_mean(npy(F.binary_cross_entropy_with_logits(t(X), t(Ys), reduction="none")))
    emit("bce/losscli/logits_soft_labels", L, "losscli", Ys, X, params={"from_logits": True}, per_sample=per,
         values=losscli_values(per, np.ones(N), reductions=("mean",)),
         source="torch binary_cross_entropy_with_logits(x, y_soft, reduction='none').mean(-1)")

    # --- pos_weight (scalar and per column) on N x 3 logits
    for name, pw in (("scalar_3", 3.0), ("per_column", [1.0, 2.5, 0.5])):
        pwt = t(pw) if isinstance(pw, list) else t([pw])
        per = row_mean(npy(F.binary_cross_entropy_with_logits(t(X), t(Y), pos_weight=pwt, reduction="none")))
        src = f"torch binary_cross_entropy_with_logits(x, y, pos_weight=tensor({pw}), reduction='none').mean(-1)"
        emit(f"bce/losscli/logits_pos_weight_{name}", L, "losscli", Y, X,
             params={"from_logits": True, "pos_weight": pw}, per_sample=per,
             values=losscli_values(per, np.ones(N), reductions=("mean", "sum")), source=src)
        emit(f"bce/losscli/logits_pos_weight_{name}_weighted", L, "losscli", Y, X,
             params={"from_logits": True, "pos_weight": pw}, per_sample=per * sw, sw=sw,
             values=losscli_values(per * sw, sw, reductions=("mean", "mean_over_n")), source=src + " * sw")
    # pos_weight + label smoothing
    per = row_mean(npy(F.binary_cross_entropy_with_logits(t(X), t(Yls), pos_weight=t([1.0, 2.5, 0.5]),
                                                          reduction="none")))
    emit("bce/losscli/logits_pos_weight_label_smoothing", L, "losscli", Y, X,
         params={"from_logits": True, "pos_weight": [1.0, 2.5, 0.5], "label_smoothing": eps_ls},
         per_sample=per, values=losscli_values(per, np.ones(N), reductions=("mean",)),
         source="torch binary_cross_entropy_with_logits(x, y*(1-0.2)+0.1, pos_weight=tensor([1,2.5,.5]),"
                " reduction='none').mean(-1)")
    # pos_weight from probabilities: BCE-with-logits on logit(p) reproduces -[pw*y*log p + (1-y) log(1-p)]
    per = row_mean(npy(F.binary_cross_entropy_with_logits(torch.logit(t(P)), t(Y), pos_weight=t([2.0]),
                                                          reduction="none")))
    emit("bce/losscli/probs_pos_weight_2", L, "losscli", Y, P, params={"pos_weight": 2.0}, per_sample=per,
         values=losscli_values(per, np.ones(N), reductions=("mean",)),
         source="torch binary_cross_entropy_with_logits(torch.logit(p), y, pos_weight=tensor([2.]), "
                "reduction='none').mean(-1)  (= -[2*y*log p + (1-y)*log(1-p)], p in [0.02, 0.98])")

    # --- extremes from logits: ±1000, ±1e4 (finite, exact)
    xe = np.array([1000.0, -1000.0, 1000.0, -1000.0, 1e4, -1e4, 1e4, -1e4, 0.0])
    ye = np.array([1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0])
    per = npy(F.binary_cross_entropy_with_logits(t(xe), t(ye), reduction="none"))
    assert np.all(np.isfinite(per)) and per[1] == 1000.0 and per[6] == 1e4
    emit("bce/losscli/logits_extreme_1000_1e4", L, "losscli", ye, xe, params={"from_logits": True},
         per_sample=per, values={"mean": (f64(F.binary_cross_entropy_with_logits(t(xe), t(ye))),
                                          "torch reduction='mean'"),
                                 "sum": (f64(F.binary_cross_entropy_with_logits(t(xe), t(ye), reduction="sum")),
                                         "torch reduction='sum'")},
         source="torch binary_cross_entropy_with_logits(x, y, reduction='none') (exact log-space, unclamped)")
    Xe = np.array([[1000.0, -1000.0, 3.0], [-1e4, 1e4, -2.0], [0.5, -0.5, 1000.0]])
    Ye = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    per = row_mean(npy(F.binary_cross_entropy_with_logits(t(Xe), t(Ye), pos_weight=t([2.0, 0.5, 1.0]),
                                                          reduction="none")))
    emit("bce/losscli/logits_extreme_multilabel_pos_weight", L, "losscli", Ye, Xe,
         params={"from_logits": True, "pos_weight": [2.0, 0.5, 1.0]}, per_sample=per,
         values=losscli_values(per, np.ones(3), reductions=("mean",)),
         source="torch binary_cross_entropy_with_logits(x, y, pos_weight=tensor([2,.5,1]), reduction='none')"
                ".mean(-1)")

    # ------------------------------------------------------------------ torch convention
    yt = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0])
    pt = np.array([0.0, 1.0, 1.0, 0.0, 0.3, 0.8, 0.999])
    swt = weights(7)
    per = npy(F.binary_cross_entropy(t(pt), t(yt), reduction="none"))
    assert per[0] == 100.0 and per[1] == 100.0
    emit("bce/torch/probs_log_clamp_100", L, "torch", yt, pt, per_sample=per,
         values={"mean": (f64(F.binary_cross_entropy(t(pt), t(yt))), "torch reduction='mean'"),
                 "sum": (f64(F.binary_cross_entropy(t(pt), t(yt), reduction="sum")), "torch reduction='sum'")},
         source="torch.nn.functional.binary_cross_entropy(p, y, reduction='none') (log clamped at -100)")
    emit("bce/torch/probs_weight", L, "torch", yt, pt, sw=swt,
         per_sample=npy(F.binary_cross_entropy(t(pt), t(yt), weight=t(swt), reduction="none")),
         values={"mean": (f64(F.binary_cross_entropy(t(pt), t(yt), weight=t(swt))),
                          "torch reduction='mean' (÷ numel, not Σw)"),
                 "sum": (f64(F.binary_cross_entropy(t(pt), t(yt), weight=t(swt), reduction="sum")),
                         "torch reduction='sum'")},
         source="torch binary_cross_entropy(p, y, weight=sample_weight, reduction='none')")
    W = t(sw)[:, None]
    per = npy(F.binary_cross_entropy(t(P), t(Y), weight=W, reduction="none")).mean(-1)
    emit("bce/torch/probs_multilabel_weight", L, "torch", Y, P, sw=sw, per_sample=per,
         values={"mean": (f64(F.binary_cross_entropy(t(P), t(Y), weight=W)), "torch reduction='mean' (÷ N·K)"),
                 "sum": (f64(F.binary_cross_entropy(t(P), t(Y), weight=W, reduction="sum")),
                         "torch reduction='sum' over all N·K elements")},
         source="torch binary_cross_entropy(p, y, weight=sample_weight[:, None], reduction='none').mean(-1)")
    pw = [1.0, 2.5, 0.5]
    per = npy(F.binary_cross_entropy_with_logits(t(X), t(Y), weight=W, pos_weight=t(pw), reduction="none"))
    emit("bce/torch/logits_multilabel_pos_weight_weight", L, "torch", Y, X, sw=sw,
         params={"from_logits": True, "pos_weight": pw}, per_sample=per.mean(-1),
         values={"mean": (f64(F.binary_cross_entropy_with_logits(t(X), t(Y), weight=W, pos_weight=t(pw))),
                          "torch reduction='mean' (÷ N·K)"),
                 "sum": (f64(F.binary_cross_entropy_with_logits(t(X), t(Y), weight=W, pos_weight=t(pw),
                                                                reduction="sum")), "torch reduction='sum'"),
                 "mean_over_n": (per.mean(-1).sum() / N, f"sum(per_sample)/{N} (numpy)")},
         source="torch binary_cross_entropy_with_logits(x, y, weight=sw[:, None], pos_weight=tensor([1,2.5,.5]),"
                " reduction='none').mean(-1)")
    per = npy(F.binary_cross_entropy_with_logits(t(xe), t(ye), reduction="none"))
    emit("bce/torch/logits_extreme", L, "torch", ye, xe, params={"from_logits": True}, per_sample=per,
         values={"mean": (f64(F.binary_cross_entropy_with_logits(t(xe), t(ye))), "torch reduction='mean'")},
         source="torch binary_cross_entropy_with_logits(x, y, reduction='none') (no ±100 clamp from logits)")

    # ------------------------------------------------------------------ keras convention
    # D1: Keras' own BinaryCrossentropyTest.test_unweighted -> 3.98559 (float32 clip 1-1e-7 = 0.99999988)
    keras_case("D1/keras/bce_test_unweighted_3.98559", L, "BinaryCrossentropy",
               np.array([[1.0, 0.0], [1.0, 0.0]]), np.array([[1.0, 1.0], [1.0, 0.0]]),
               reductions=("mean", "sum"), note="Keras BinaryCrossentropyTest.test_unweighted")
    keras_case("D1/keras/bce_clip_caps_16.118_15.942", L, "BinaryCrossentropy",
               np.array([1.0, 0.0, 1.0, 0.0]), np.array([0.0, 1.0, 1.0, 0.0]), kshape=(4, 1),
               reductions=("mean",), note="p=0,y=1 -> -log(1e-7)=16.118; p=1,y=0 -> -log(1.19e-7)=15.942")
    keras_case("bce/keras/probs_1d_weighted", L, "BinaryCrossentropy", y, p, sw=sw, kshape=(N, 1),
               reductions=("mean", "sum", "mean_over_n"))
    keras_case("bce/keras/probs_multilabel_label_smoothing", L, "BinaryCrossentropy", Y, P,
               kw={"label_smoothing": 0.2}, params={"label_smoothing": 0.2}, reductions=("mean",))
    keras_case("bce/keras/logits_multilabel_weighted", L, "BinaryCrossentropy", Y, X, sw=sw,
               kw={"from_logits": True}, params={"from_logits": True}, reductions=("mean", "sum"))
    keras_case("bce/keras/logits_extreme", L, "BinaryCrossentropy", ye, xe, kshape=(len(xe), 1),
               kw={"from_logits": True}, params={"from_logits": True}, reductions=("mean",),
               note="torch backend: exact binary_cross_entropy_with_logits")

    # ------------------------------------------------------------------ sklearn convention
    emit("bce/sklearn/probs_exact_0_1_cap_36.04", L, "sklearn", y0, p0, per_sample=per0,
         values={"mean": (skm.log_loss(y0, p0, labels=[0, 1]), "log_loss(y, p)")}, source=SK_BCE_SRC)
    per = sk_bce_elementwise(y, p)
    emit("bce/sklearn/probs_weighted", L, "sklearn", y, p, sw=sw, per_sample=per * sw,
         values={"mean": (skm.log_loss(y, p, sample_weight=sw), "log_loss(y, p, sample_weight=sw)"),
                 "sum": (skm.log_loss(y, p, sample_weight=sw, normalize=False), "normalize=False")},
         source=SK_BCE_SRC + " times sample_weight")


# =================================================================================== categorical CE
def gen_cce_and_scce():
    N, C = 6, 4
    idx = RNG.integers(0, C, size=N)
    idx[:C] = np.arange(C)  # every class present
    Yoh = onehot(idx, C)
    X = logits((N, C))
    P = softmax_np(X)
    sw = weights(N)
    cw = [1.0, 2.0, 0.5, 4.0]
    cwa = np.array(cw)
    eps_ls = 0.2
    Ysoft = softmax_np(logits((N, C), 1.0))
    labels = list(range(C))
    SK = f"sklearn {sklearn.__version__} log_loss"

    # ------------------------------------------------------------- categorical_crossentropy, losscli
    L = "categorical_crossentropy"
    per = sk_logloss_rows(idx, P, C)
    emit("cce/losscli/probs_onehot", L, "losscli", Yoh, P, per_sample=per,
         values={"mean": (skm.log_loss(idx, P, labels=labels), "log_loss(argmax y, p)"),
                 "sum": (skm.log_loss(idx, P, labels=labels, normalize=False), "normalize=False")},
         source=f"{SK} per row ([argmax y_i], [p_i], labels=range(4), normalize=False)")
    emit("cce/losscli/probs_onehot_weighted", L, "losscli", Yoh, P, sw=sw, per_sample=per * sw,
         values={"mean": (skm.log_loss(idx, P, labels=labels, sample_weight=sw), "log_loss(sample_weight=sw)"),
                 "sum": (skm.log_loss(idx, P, labels=labels, sample_weight=sw, normalize=False),
                         "normalize=False"),
                 "mean_over_n": (skm.log_loss(idx, P, labels=labels, sample_weight=sw, normalize=False) / N,
                                 f"log_loss(normalize=False)/{N}")},
         source=f"{SK} per row times sample_weight")
    P0 = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.2, 0.3, 0.5]])
    i0 = np.array([0, 0, 2, 1])
    per0 = sk_logloss_rows(i0, P0, 3)
    emit("cce/losscli/probs_exact_0_1_cap_36.04", L, "losscli", onehot(i0, 3), P0, per_sample=per0,
         values={"mean": (skm.log_loss(i0, P0, labels=[0, 1, 2]), "log_loss(argmax y, p)")},
         source=f"{SK} per row (float64 clip: p=0 -> 36.0437)")
    per = npy(F.cross_entropy(torch.log(t(P).clamp(EPS64, 1 - EPS64)), t(Ysoft), reduction="none"))
    emit("cce/losscli/probs_soft_labels", L, "losscli", Ysoft, P, per_sample=per,
         values=losscli_values(per, np.ones(N), reductions=("mean",)),
         source="torch cross_entropy(log(p.clamp(eps,1-eps)), y_soft (probability target), reduction='none')"
                " (log_softmax of log p = log p for rows summing to 1)")
    per = npy(F.cross_entropy(torch.log(t(P)), t(Yoh), label_smoothing=eps_ls, reduction="none"))
    emit("cce/losscli/probs_label_smoothing_0.2", L, "losscli", Yoh, P, params={"label_smoothing": eps_ls},
         per_sample=per * sw, sw=sw, values=losscli_values(per * sw, sw, reductions=("mean", "sum")),
         source="torch cross_entropy(log p, y_onehot, label_smoothing=0.2, reduction='none') * sw")
    per = npy(F.cross_entropy(t(X), t(Yoh), reduction="none"))
    emit("cce/losscli/logits_onehot", L, "losscli", Yoh, X, params={"from_logits": True}, per_sample=per,
         values={"mean": (f64(F.cross_entropy(t(X), t(Yoh))), "torch reduction='mean'"),
                 "sum": (f64(F.cross_entropy(t(X), t(Yoh), reduction="sum")), "torch reduction='sum'")},
         source="torch cross_entropy(x, y_onehot (probability target), reduction='none')")
    per = npy(F.cross_entropy(t(X), t(Ysoft), label_smoothing=eps_ls, reduction="none"))
    emit("cce/losscli/logits_soft_labels_smoothing", L, "losscli", Ysoft, X,
         params={"from_logits": True, "label_smoothing": eps_ls}, per_sample=per * sw, sw=sw,
         values=losscli_values(per * sw, sw),
         source="torch cross_entropy(x, y_soft, label_smoothing=0.2, reduction='none') * sw")
    # class weights, one-hot: l_i = -Σ_c cw_c y_ic log p_ic; normaliser Σ_c cw_c y_ic = cw[y_i]
    per = npy(F.cross_entropy(t(X), t(Yoh), weight=t(cw), reduction="none"))
    emit("cce/losscli/logits_class_weights", L, "losscli", Yoh, X,
         params={"from_logits": True, "class_weights": cw}, per_sample=per,
         values={"mean": (f64(F.cross_entropy(t(X), tl(idx), weight=t(cw))),
                          "torch cross_entropy(x, argmax y (index target), weight=cw) 'mean' (÷ Σ cw[y])"),
                 "sum": (f64(F.cross_entropy(t(X), t(Yoh), weight=t(cw), reduction="sum")), "torch 'sum'"),
                 "mean_over_n": (per.sum() / N, f"sum(per_sample)/{N} (numpy)")},
         source="torch cross_entropy(x, y_onehot, weight=class_weights, reduction='none')")
    nw = sw * (Yoh @ cwa)
    emit("cce/losscli/logits_class_weights_weighted", L, "losscli", Yoh, X, sw=sw,
         params={"from_logits": True, "class_weights": cw}, per_sample=per * sw,
         values=losscli_values(per * sw, nw, reductions=("mean", "sum"),
                               mean_note="sum(per_sample)/sum(sw * cw[y]) (numpy)"),
         source="torch cross_entropy(x, y_onehot, weight=class_weights, reduction='none') * sw")
    per = npy(F.cross_entropy(t(X), t(Yoh), weight=t(cw), label_smoothing=eps_ls, reduction="none"))
    emit("cce/losscli/logits_class_weights_label_smoothing", L, "losscli", Yoh, X,
         params={"from_logits": True, "class_weights": cw, "label_smoothing": eps_ls}, per_sample=per,
         values=losscli_values(per, Yoh @ cwa, reductions=("mean", "sum"),
                               mean_note="sum(per_sample)/sum_i sum_c cw_c*y_ic (unsmoothed y) (numpy)"),
         source="torch cross_entropy(x, y_onehot, weight=cw, label_smoothing=0.2, reduction='none') "
                "(= -Σ_c cw_c·y'_c·log p_c)")
    per = npy(F.cross_entropy(t(X), t(Ysoft), weight=t(cw), reduction="none"))
    emit("cce/losscli/logits_soft_labels_class_weights", L, "losscli", Ysoft, X,
         params={"from_logits": True, "class_weights": cw}, per_sample=per,
         values=losscli_values(per, Ysoft @ cwa, reductions=("mean",),
                               mean_note="sum(per_sample)/sum_i sum_c cw_c*y_ic (numpy)"),
         source="torch cross_entropy(x, y_soft, weight=cw, reduction='none')")
    Xe = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 0.0], [1e4, -1e4, 0.0], [-1e4, 0.0, 1e4],
                   [0.0, 0.0, 0.0]])
    ie = np.array([1, 1, 0, 0, 2])
    per = npy(F.cross_entropy(t(Xe), t(onehot(ie, 3)), reduction="none"))
    assert np.all(np.isfinite(per)) and per[0] == 2000.0
    emit("cce/losscli/logits_extreme_1000_1e4", L, "losscli", onehot(ie, 3), Xe, params={"from_logits": True},
         per_sample=per, values={"mean": (f64(F.cross_entropy(t(Xe), t(onehot(ie, 3)))), "torch 'mean'")},
         source="torch cross_entropy(x, y_onehot, reduction='none') (log_softmax, exact)")

    # ------------------------------------------------------------- categorical_crossentropy, torch
    per = npy(F.cross_entropy(t(X), t(Yoh), weight=t(cw), label_smoothing=eps_ls, reduction="none"))
    emit("cce/torch/logits_prob_target_class_weights_smoothing", L, "torch", Yoh, X,
         params={"from_logits": True, "class_weights": cw, "label_smoothing": eps_ls}, per_sample=per,
         values={"mean": (f64(F.cross_entropy(t(X), t(Yoh), weight=t(cw), label_smoothing=eps_ls)),
                          "torch 'mean' with probability target: ÷ N"),
                 "sum": (f64(F.cross_entropy(t(X), t(Yoh), weight=t(cw), label_smoothing=eps_ls, reduction="sum")),
                         "torch 'sum'")},
         source="torch cross_entropy(x, y_onehot (probability target), weight=cw, label_smoothing=0.2, "
                "reduction='none')")
    per = npy(F.cross_entropy(t(X), t(Yoh), weight=t(cw), reduction="none"))
    emit("cce/torch/logits_prob_target_class_weights", L, "torch", Yoh, X,
         params={"from_logits": True, "class_weights": cw}, per_sample=per,
         values={"mean": (f64(F.cross_entropy(t(X), t(Yoh), weight=t(cw))), "torch 'mean', prob target: ÷ N")},
         source="torch cross_entropy(x, y_onehot (probability target), weight=cw, reduction='none')")
    per = npy(F.cross_entropy(torch.log(t(P)), t(Ysoft), reduction="none"))
    emit("cce/torch/probs_soft_labels", L, "torch", Ysoft, P, per_sample=per,
         values={"mean": (f64(F.cross_entropy(torch.log(t(P)), t(Ysoft))), "torch 'mean' (÷ N)")},
         source="torch cross_entropy(log p, y_soft, reduction='none') (p interior, rows sum to 1)")

    # ------------------------------------------------------------- categorical_crossentropy, keras
    D2y, D2p = np.array([1, 0]), np.array([[0.2, 0.7], [0.6, 0.3]])
    keras_case("D2/keras/cce_renormalised_0.32839", L, "CategoricalCrossentropy", onehot(D2y, 2), D2p,
               reductions=("mean", "sum"), note="rows not summing to 1 are renormalised p/Σp")
    keras_case("cce/keras/probs_onehot_weighted", L, "CategoricalCrossentropy", Yoh, P, sw=sw,
               reductions=("mean", "sum", "mean_over_n"))
    keras_case("cce/keras/probs_exact_0_1_cap", L, "CategoricalCrossentropy", onehot(i0, 3), P0,
               reductions=("mean",), note="float32 clip [1e-7, 1-1e-7] after renormalisation")
    keras_case("cce/keras/logits_label_smoothing", L, "CategoricalCrossentropy", Yoh, X,
               kw={"from_logits": True, "label_smoothing": eps_ls},
               params={"from_logits": True, "label_smoothing": eps_ls}, reductions=("mean",))
    keras_case("cce/keras/logits_class_weights_as_sample_weight", L, "CategoricalCrossentropy", Yoh, X,
               kw={"from_logits": True}, params={"from_logits": True, "class_weights": cw},
               ysw=cwa[idx], reductions=("mean", "sum"),
               note="class_weights folded into sample_weight=cw[argmax y] as model.fit(class_weight=) does")

    # ------------------------------------------------------------- categorical_crossentropy, sklearn
    emit("D2/sklearn/cce_not_renormalised_0.43375", L, "sklearn", onehot(D2y, 2), D2p,
         per_sample=sk_logloss_rows(D2y, D2p, 2),
         values={"mean": (skm.log_loss(D2y, D2p), "log_loss(y, p) (warns, uses rows as given)"),
                 "sum": (skm.log_loss(D2y, D2p, normalize=False), "normalize=False")},
         source=f"{SK} per row ([y_i], [p_i], labels=[0,1], normalize=False)")
    emit("cce/sklearn/probs_exact_0_1_cap_36.04", L, "sklearn", onehot(i0, 3), P0, per_sample=per0,
         values={"mean": (skm.log_loss(i0, P0, labels=[0, 1, 2]), "log_loss")}, source=f"{SK} per row")

    # ------------------------------------------------------------- sparse CE, losscli
    L = "sparse_categorical_crossentropy"
    per = sk_logloss_rows(idx, P, C)
    emit("scce/losscli/probs", L, "losscli", idx, P, per_sample=per,
         values={"mean": (skm.log_loss(idx, P, labels=labels), "log_loss(y, p)")},
         source=f"{SK} per row ([y_i], [p_i], labels=range(4), normalize=False)")
    emit("scce/losscli/probs_weighted", L, "losscli", idx, P, sw=sw, per_sample=per * sw,
         values={"mean": (skm.log_loss(idx, P, labels=labels, sample_weight=sw), "log_loss(sample_weight=sw)"),
                 "sum": (skm.log_loss(idx, P, labels=labels, sample_weight=sw, normalize=False),
                         "normalize=False"),
                 "mean_over_n": (skm.log_loss(idx, P, labels=labels, sample_weight=sw, normalize=False) / N,
                                 f"log_loss(normalize=False)/{N}")},
         source=f"{SK} per row times sample_weight")
    wcomb = sw * cwa[idx]
    emit("scce/losscli/probs_class_weights_weighted", L, "losscli", idx, P, sw=sw,
         params={"class_weights": cw}, per_sample=per * wcomb,
         values={"mean": (skm.log_loss(idx, P, labels=labels, sample_weight=wcomb),
                          "log_loss(sample_weight=sw*cw[y])"),
                 "sum": (skm.log_loss(idx, P, labels=labels, sample_weight=wcomb, normalize=False),
                         "log_loss(sample_weight=sw*cw[y], normalize=False)")},
         source=f"{SK} per row times sample_weight*class_weights[y]")
    emit("scce/losscli/probs_exact_0_1_cap_36.04", L, "losscli", i0, P0, per_sample=per0,
         values={"mean": (skm.log_loss(i0, P0, labels=[0, 1, 2]), "log_loss")}, source=f"{SK} per row")
    per = npy(F.cross_entropy(t(X), tl(idx), reduction="none"))
    emit("scce/losscli/logits", L, "losscli", idx, X, params={"from_logits": True}, per_sample=per,
         values={"mean": (f64(F.cross_entropy(t(X), tl(idx))), "torch 'mean'"),
                 "sum": (f64(F.cross_entropy(t(X), tl(idx), reduction="sum")), "torch 'sum'")},
         source="torch cross_entropy(x, y, reduction='none')")
    per = npy(F.cross_entropy(t(X), tl(idx), weight=t(cw), reduction="none"))
    emit("scce/losscli/logits_class_weights", L, "losscli", idx, X,
         params={"from_logits": True, "class_weights": cw}, per_sample=per,
         values={"mean": (f64(F.cross_entropy(t(X), tl(idx), weight=t(cw))), "torch 'mean' (÷ Σ cw[y])"),
                 "sum": (f64(F.cross_entropy(t(X), tl(idx), weight=t(cw), reduction="sum")), "torch 'sum'"),
                 "mean_over_n": (per.sum() / N, f"sum(per_sample)/{N} (numpy)")},
         source="torch cross_entropy(x, y, weight=class_weights, reduction='none')")
    emit("scce/losscli/logits_class_weights_weighted", L, "losscli", idx, X, sw=sw,
         params={"from_logits": True, "class_weights": cw}, per_sample=per * sw,
         values=losscli_values(per * sw, wcomb, reductions=("mean",),
                               mean_note="sum(per_sample)/sum(sw*cw[y]) (numpy)"),
         source="torch cross_entropy(x, y, weight=class_weights, reduction='none') * sw")
    per = npy(F.cross_entropy(t(X), tl(idx), label_smoothing=eps_ls, reduction="none"))
    emit("scce/losscli/logits_label_smoothing", L, "losscli", idx, X,
         params={"from_logits": True, "label_smoothing": eps_ls}, per_sample=per,
         values={"mean": (f64(F.cross_entropy(t(X), tl(idx), label_smoothing=eps_ls)), "torch 'mean'")},
         source="torch cross_entropy(x, y, label_smoothing=0.2, reduction='none')")
    per = npy(F.cross_entropy(torch.log(t(P).clamp(EPS64, 1 - EPS64)), tl(idx), label_smoothing=eps_ls,
                              reduction="none"))
    emit("scce/losscli/probs_label_smoothing", L, "losscli", idx, P, params={"label_smoothing": eps_ls},
         per_sample=per,
         values={"mean": (f64(F.cross_entropy(torch.log(t(P).clamp(EPS64, 1 - EPS64)), tl(idx),
                                              label_smoothing=eps_ls)), "torch 'mean'")},
         source="torch cross_entropy(log(p.clamp(eps,1-eps)), y, label_smoothing=0.2, reduction='none')")
    # ignore_index (and with class weights + smoothing: torch's split, ÷ Σ w_y of non-ignored)
    iidx = idx.copy()
    iidx[[1, 5]] = -1
    per = npy(F.cross_entropy(t(X), tl(iidx), ignore_index=-1, reduction="none"))
    emit("scce/losscli/logits_ignore_index", L, "losscli", iidx, X,
         params={"from_logits": True, "ignore_index": -1}, per_sample=per,
         values={"mean": (f64(F.cross_entropy(t(X), tl(iidx), ignore_index=-1)), "torch 'mean' (÷ #non-ignored)"),
                 "sum": (f64(F.cross_entropy(t(X), tl(iidx), ignore_index=-1, reduction="sum")), "torch 'sum'"),
                 "mean_over_n": (per.sum() / (N - 2), f"sum(per_sample)/{N - 2} non-ignored (numpy)")},
         source="torch cross_entropy(x, y, ignore_index=-1, reduction='none')")
    per = npy(F.cross_entropy(t(X), tl(iidx), ignore_index=-1, reduction="none"))
    emit("scce/losscli/logits_ignore_index_weighted", L, "losscli", iidx, X, sw=sw,
         params={"from_logits": True, "ignore_index": -1}, per_sample=per * sw,
         values=losscli_values(per * sw, sw * (iidx != -1), n=N - 2,
                               mean_note="sum(per_sample)/sum(sw of non-ignored) (numpy)"),
         source="torch cross_entropy(x, y, ignore_index=-1, reduction='none') * sw")
    jidx = idx.copy()
    jidx[[0, 4]] = -100
    kw = dict(weight=t(cw), ignore_index=-100, label_smoothing=eps_ls)
    per = npy(F.cross_entropy(t(X), tl(jidx), reduction="none", **kw))
    emit("scce/losscli/logits_ignore_class_weights_smoothing", L, "losscli", jidx, X,
         params={"from_logits": True, "ignore_index": -100, "class_weights": cw, "label_smoothing": eps_ls},
         per_sample=per,
         values={"mean": (f64(F.cross_entropy(t(X), tl(jidx), **kw)), "torch 'mean' (both terms ÷ Σ cw[y] valid)"),
                 "sum": (f64(F.cross_entropy(t(X), tl(jidx), reduction="sum", **kw)), "torch 'sum'")},
         source="torch cross_entropy(x, y, weight=cw, ignore_index=-100, label_smoothing=0.2, reduction='none')")
    # D3 / D4 (3 x 3 logits, class weights [1, 2, 4]; the demo's own inputs are not given in
    # loss_conventions.md, so these inputs are ours and the numbers differ from the demo's)
    Xd = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3], [1.2, 0.2, 3.1]])
    yd = np.array([2, 0, 1])
    wd = [1.0, 2.0, 4.0]
    per = npy(F.cross_entropy(t(Xd), tl(yd), weight=t(wd), reduction="none"))
    for conv in ("losscli", "torch"):
        emit(f"D3/{conv}/scce_class_weights_div_sum_w", L, conv, yd, Xd,
             params={"from_logits": True, "class_weights": wd}, per_sample=per,
             values={"mean": (f64(F.cross_entropy(t(Xd), tl(yd), weight=t(wd))), "torch 'mean' (÷ Σ w[y] = 7)")},
             source="torch cross_entropy(x, y, weight=[1,2,4], reduction='none')")
    keras_case("D3/keras/scce_class_weights_div_n", L, "SparseCategoricalCrossentropy", yd, Xd,
               kw={"from_logits": True}, params={"from_logits": True, "class_weights": wd},
               ysw=np.array(wd)[yd], reductions=("mean",),
               note="class_weights folded into sample_weight=cw[y] (model.fit class_weight); "
                    "sum_over_batch_size ÷ N=3, i.e. 7/3 x the torch value")
    kw = dict(weight=t(wd), label_smoothing=eps_ls)
    per = npy(F.cross_entropy(t(Xd), tl(yd), reduction="none", **kw))
    for conv in ("losscli", "torch"):
        emit(f"D4/{conv}/scce_smoothing_x_class_weights", L, conv, yd, Xd,
             params={"from_logits": True, "class_weights": wd, "label_smoothing": eps_ls}, per_sample=per,
             values={"mean": (f64(F.cross_entropy(t(Xd), tl(yd), **kw)),
                              "torch 'mean': (1-ε)·Σw_y·NLL/Σw_y + (ε/C)·ΣΣ w_c(-log p_c)/Σw_y")},
             source="torch cross_entropy(x, y, weight=[1,2,4], label_smoothing=0.2, reduction='none')")
    Yd = onehot(yd, 3)
    per = npy(F.cross_entropy(t(Xd), t(Yd), reduction="none", **kw))
    emit("D4/torch/cce_prob_target_smoothing_x_class_weights", "categorical_crossentropy", "torch", Yd, Xd,
         params={"from_logits": True, "class_weights": wd, "label_smoothing": eps_ls}, per_sample=per,
         values={"mean": (f64(F.cross_entropy(t(Xd), t(Yd), **kw)), "torch 'mean' prob target ÷ N = 3")},
         source="torch cross_entropy(x, y_onehot (probability target), weight=[1,2,4], label_smoothing=0.2, "
                "reduction='none')")
    keras_case("D4/keras/cce_smoothing_no_weights", "categorical_crossentropy", "CategoricalCrossentropy",
               Yd, Xd, kw={"from_logits": True, "label_smoothing": eps_ls},
               params={"from_logits": True, "label_smoothing": eps_ls}, reductions=("mean",))
    # extremes
    per = npy(F.cross_entropy(t(Xe), tl(ie), reduction="none"))
    emit("scce/losscli/logits_extreme_1000_1e4", L, "losscli", ie, Xe, params={"from_logits": True},
         per_sample=per, values={"mean": (f64(F.cross_entropy(t(Xe), tl(ie))), "torch 'mean'")},
         source="torch cross_entropy(x, y, reduction='none')")

    # ------------------------------------------------------------- sparse CE, torch
    per = npy(F.cross_entropy(t(X), tl(iidx), weight=t(cw), ignore_index=-1, reduction="none"))
    emit("scce/torch/logits_class_weights_ignore", L, "torch", iidx, X,
         params={"from_logits": True, "class_weights": cw, "ignore_index": -1}, per_sample=per,
         values={"mean": (f64(F.cross_entropy(t(X), tl(iidx), weight=t(cw), ignore_index=-1)),
                          "torch 'mean' (÷ Σ cw[y] of non-ignored)"),
                 "sum": (f64(F.cross_entropy(t(X), tl(iidx), weight=t(cw), ignore_index=-1, reduction="sum")),
                         "torch 'sum'")},
         source="torch cross_entropy(x, y, weight=cw, ignore_index=-1, reduction='none')")
    per = npy(F.nll_loss(torch.log(t(P)), tl(idx), weight=t(cw), reduction="none"))
    emit("scce/torch/probs_nll_of_log", L, "torch", idx, P, params={"class_weights": cw}, per_sample=per,
         values={"mean": (f64(F.nll_loss(torch.log(t(P)), tl(idx), weight=t(cw))), "torch nll_loss 'mean'")},
         source="torch nll_loss(log p, y, weight=cw, reduction='none') (p interior)")
    # D9: all ignored -> torch NaN (mean) / 0 (sum); keras 0
    ia = np.array([-1, -1, -1])
    Xa = Xd
    per = npy(F.cross_entropy(t(Xa), tl(ia), ignore_index=-1, reduction="none"))
    emit("D9/torch/scce_all_ignored", L, "torch", ia, Xa, params={"from_logits": True, "ignore_index": -1},
         per_sample=per,
         values={"mean": (f64(F.cross_entropy(t(Xa), tl(ia), ignore_index=-1)), "torch 'mean' -> NaN"),
                 "sum": (f64(F.cross_entropy(t(Xa), tl(ia), ignore_index=-1, reduction="sum")), "torch 'sum' -> 0")},
         source="torch cross_entropy(x, y, ignore_index=-1, reduction='none')")
    keras_case("D9/keras/scce_all_ignored", L, "SparseCategoricalCrossentropy", ia, Xa,
               kw={"from_logits": True, "ignore_class": -1}, params={"from_logits": True, "ignore_index": -1},
               reductions=("mean", "sum"), note="divide_no_nan -> 0")

    # ------------------------------------------------------------- sparse CE, keras
    keras_case("D2/keras/scce_renormalised_0.32839", L, "SparseCategoricalCrossentropy", D2y, D2p,
               reductions=("mean",), note="p/Σp then clip")
    keras_case("scce/keras/probs_weighted", L, "SparseCategoricalCrossentropy", idx, P, sw=sw,
               reductions=("mean", "sum", "mean_over_n"))
    keras_case("scce/keras/probs_exact_0_1_cap", L, "SparseCategoricalCrossentropy", i0, P0,
               reductions=("mean",))
    keras_case("scce/keras/logits_ignore_class_weighted", L, "SparseCategoricalCrossentropy", iidx, X, sw=sw,
               kw={"from_logits": True, "ignore_class": -1}, params={"from_logits": True, "ignore_index": -1},
               reductions=("mean", "sum", "mean_over_n"), note="ignored samples masked; mean ÷ #non-ignored")
    keras_case("scce/keras/probs_class_weights_as_sample_weight", L, "SparseCategoricalCrossentropy", idx, P,
               sw=sw, ysw=sw * cwa[idx], params={"class_weights": cw}, reductions=("mean", "sum"),
               note="sample_weight = sw * class_weights[y] (model.fit class_weight), mean ÷ N")
    keras_case("scce/keras/logits_extreme", L, "SparseCategoricalCrossentropy", ie, Xe,
               kw={"from_logits": True}, params={"from_logits": True}, reductions=("mean",))

    # ------------------------------------------------------------- sparse CE, sklearn
    emit("D2/sklearn/scce_not_renormalised_0.43375", L, "sklearn", D2y, D2p,
         per_sample=sk_logloss_rows(D2y, D2p, 2),
         values={"mean": (skm.log_loss(D2y, D2p), "log_loss(y, p)")}, source=f"{SK} per row")
    per = sk_logloss_rows(idx, P, C)
    emit("scce/sklearn/probs_weighted", L, "sklearn", idx, P, sw=sw, per_sample=per * sw,
         values={"mean": (skm.log_loss(idx, P, sample_weight=sw, labels=labels), "log_loss(sample_weight=sw)"),
                 "sum": (skm.log_loss(idx, P, sample_weight=sw, labels=labels, normalize=False),
                         "normalize=False")},
         source=f"{SK} per row times sample_weight")
    emit("scce/sklearn/probs_exact_0_1_cap_36.04", L, "sklearn", i0, P0, per_sample=per0,
         values={"mean": (skm.log_loss(i0, P0, labels=[0, 1, 2]), "log_loss")}, source=f"{SK} per row")


# =================================================================================== focal losses
def focal_tv(x, y, alpha, gamma):
    """torchvision sigmoid_focal_loss, reduction='none' (alpha=-1 disables α)."""
    return npy(SIGMOID_FOCAL(t(x), t(y), alpha=alpha, gamma=gamma, reduction="none"))


def gen_focal():
    L = "binary_focal_crossentropy"
    N, K = 6, 3
    Y, X, P, sw = bin_labels((N, K)), logits((N, K)), probs((N, K)), weights(N)

    # D5: logits [1.5, -0.7, 2], y = [1, 0, 0], gamma 2
    xd, yd = np.array([1.5, -0.7, 2.0]), np.array([1.0, 0.0, 0.0])
    per = focal_tv(xd, yd, -1, 2.0)
    emit("D5/losscli/bfocal_alpha_off_0.56706", L, "losscli", yd, xd, params={"from_logits": True},
         per_sample=per, values=losscli_values(per, np.ones(3), reductions=("mean",),
                                              mean_note="mean of torchvision per-element values (numpy)"),
         source=FOCAL_SRC + "(x, y, alpha=-1 (off), gamma=2, reduction='none')")
    per = focal_tv(xd, yd, 0.25, 2.0)
    emit("D5/losscli/bfocal_alpha_0.25_0.42418", L, "losscli", yd, xd, params={"from_logits": True, "alpha": 0.25},
         per_sample=per, values=losscli_values(per, np.ones(3), reductions=("mean",)),
         source=FOCAL_SRC + "(x, y, alpha=0.25, gamma=2, reduction='none')")
    emit("D5/torch/bfocal_default_alpha_0.25_0.42418", L, "torch", yd, xd, params={"from_logits": True},
         per_sample=per,
         values={"mean": (f64(SIGMOID_FOCAL(t(xd), t(yd), reduction="mean")), "torchvision reduction='mean'")},
         source=FOCAL_SRC + "(x, y) defaults alpha=0.25, gamma=2")
    keras_case("D5/keras/bfocal_default_alpha_off_0.56706", L, "BinaryFocalCrossentropy", yd, xd,
               kshape=(3, 1), kw={"from_logits": True, "gamma": 2.0}, params={"from_logits": True},
               reductions=("mean",), note="apply_class_balancing=False: alpha unused")
    keras_case("D5/keras/bfocal_balanced_0.42418", L, "BinaryFocalCrossentropy", yd, xd, kshape=(3, 1),
               kw={"from_logits": True, "apply_class_balancing": True, "alpha": 0.25},
               params={"from_logits": True, "alpha": 0.25}, reductions=("mean",))

    # losscli from probabilities: Keras in float64 (probabilities in [0.02, 0.98]: Keras' 1e-7 clip inactive)
    def kf(y, p, sw=None, **kw):
        return k64("BinaryFocalCrossentropy", y, p, sw, None, **kw)

    src = f"keras {keras.__version__} keras.losses.BinaryFocalCrossentropy(dtype='float64', {{}}) reduction=None"
    per = kf(Y, P, gamma=2.0)
    emit("bfocal/losscli/probs_default", L, "losscli", Y, P, per_sample=per,
         values=k64_values("BinaryFocalCrossentropy", Y, P, None, ("mean",), gamma=2.0),
         source=src.format("gamma=2"))
    per = kf(Y, P, sw, gamma=2.0)
    emit("bfocal/losscli/probs_default_weighted", L, "losscli", Y, P, sw=sw, per_sample=per,
         values=k64_values("BinaryFocalCrossentropy", Y, P, sw, gamma=2.0),
         source=src.format("gamma=2") + ", sample_weight")
    kw = {"gamma": 3.5, "apply_class_balancing": True, "alpha": 0.75}
    per = kf(Y, P, **kw)
    emit("bfocal/losscli/probs_gamma_3.5_alpha_0.75", L, "losscli", Y, P, params={"gamma": 3.5, "alpha": 0.75},
         per_sample=per, values=k64_values("BinaryFocalCrossentropy", Y, P, None, ("mean", "sum"), **kw),
         source=src.format("gamma=3.5, apply_class_balancing=True, alpha=0.75"))
    kw = {"gamma": 2.0, "label_smoothing": 0.2}
    per = kf(Y, P, **kw)
    emit("bfocal/losscli/probs_label_smoothing", L, "losscli", Y, P, params={"label_smoothing": 0.2},
         per_sample=per, values=k64_values("BinaryFocalCrossentropy", Y, P, None, ("mean",), **kw),
         source=src.format("gamma=2, label_smoothing=0.2"))
    # gamma = 0 reduces to BCE
    per = row_mean(sk_bce_elementwise(Y, P))
    emit("bfocal/losscli/probs_gamma_0_is_bce", L, "losscli", Y, P, params={"gamma": 0.0}, per_sample=per,
         values=losscli_values(per, np.ones(N), reductions=("mean",)), source=SK_BCE_SRC + ", mean over K")
    # exact 0/1 probabilities: sklearn-capped BCE times (1-p_t)^gamma
    y0 = np.array([1.0, 0.0, 1.0, 0.0, 1.0])
    p0 = np.array([0.0, 1.0, 1.0, 0.0, 0.5])
    pt = y0 * p0 + (1 - y0) * (1 - p0)
    per = sk_bce_elementwise(y0, p0) * (1 - pt) ** 2
    emit("bfocal/losscli/probs_exact_0_1_cap_36.04", L, "losscli", y0, p0, per_sample=per,
         values=losscli_values(per, np.ones(5), reductions=("mean",)),
         source=SK_BCE_SRC + " times (1-p_t)^2 with p_t = y*p+(1-y)*(1-p) (numpy)")

    # losscli from logits: torchvision (exact log-space BCE)
    per = row_mean(focal_tv(X, Y, -1, 2.0))
    emit("bfocal/losscli/logits_default", L, "losscli", Y, X, params={"from_logits": True}, per_sample=per * sw,
         sw=sw, values=losscli_values(per * sw, sw), source=FOCAL_SRC + "(x, y, alpha=-1, gamma=2).mean(-1) * sw")
    per = row_mean(focal_tv(X, Y, 0.4, 1.5))
    emit("bfocal/losscli/logits_gamma_1.5_alpha_0.4", L, "losscli", Y, X,
         params={"from_logits": True, "gamma": 1.5, "alpha": 0.4}, per_sample=per,
         values=losscli_values(per, np.ones(N), reductions=("mean",)),
         source=FOCAL_SRC + "(x, y, alpha=0.4, gamma=1.5).mean(-1)")
    Yls = Y * 0.8 + 0.1
    per = row_mean(focal_tv(X, Yls, -1, 2.0))
    emit("bfocal/losscli/logits_label_smoothing", L, "losscli", Y, X,
         params={"from_logits": True, "label_smoothing": 0.2}, per_sample=per,
         values=losscli_values(per, np.ones(N), reductions=("mean",)),
         source=FOCAL_SRC + "(x, y*(1-0.2)+0.1, alpha=-1, gamma=2).mean(-1)")
    xe = np.array([1000.0, -1000.0, 1000.0, -1000.0, 1e4, -1e4, 0.0])
    ye = np.array([1.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0])
    per = focal_tv(xe, ye, -1, 2.0)
    assert np.all(np.isfinite(per)) and per[1] == 1000.0
    emit("bfocal/losscli/logits_extreme", L, "losscli", ye, xe, params={"from_logits": True}, per_sample=per,
         values=losscli_values(per, np.ones(len(xe)), reductions=("mean",)),
         source=FOCAL_SRC + "(x, y, alpha=-1, gamma=2) (exact BCE from logits)")

    # torch convention: torchvision, alpha 0.25 by default
    per = focal_tv(X, Y, 0.25, 2.0)
    emit("bfocal/torch/logits_multilabel_default", L, "torch", Y, X, params={"from_logits": True},
         per_sample=per.mean(-1),
         values={"mean": (f64(SIGMOID_FOCAL(t(X), t(Y), reduction="mean")), "torchvision 'mean' (÷ N·K)"),
                 "sum": (f64(SIGMOID_FOCAL(t(X), t(Y), reduction="sum")), "torchvision 'sum' (all elements)")},
         source=FOCAL_SRC + "(x, y) (alpha=0.25, gamma=2), reduction='none' .mean(-1)")
    per = focal_tv(X, Y, 0.6, 3.0)
    emit("bfocal/torch/logits_alpha_0.6_gamma_3", L, "torch", Y, X,
         params={"from_logits": True, "alpha": 0.6, "gamma": 3.0}, per_sample=per.mean(-1),
         values={"mean": (f64(SIGMOID_FOCAL(t(X), t(Y), alpha=0.6, gamma=3.0, reduction="mean")), "torchvision 'mean'")},
         source=FOCAL_SRC + "(x, y, alpha=0.6, gamma=3)")
    per = focal_tv(xe, ye, 0.25, 2.0)
    emit("bfocal/torch/logits_extreme", L, "torch", ye, xe, params={"from_logits": True}, per_sample=per,
         values={"mean": (f64(SIGMOID_FOCAL(t(xe), t(ye), reduction="mean")), "torchvision 'mean'")},
         source=FOCAL_SRC + "(x, y) (unclipped)")

    # keras convention
    keras_case("bfocal/keras/probs_weighted", L, "BinaryFocalCrossentropy", Y, P, sw=sw, kw={"gamma": 2.0},
               reductions=("mean", "sum"))
    keras_case("bfocal/keras/probs_exact_0_1", L, "BinaryFocalCrossentropy", y0, p0, kshape=(5, 1),
               kw={"gamma": 2.0}, reductions=("mean",))
    keras_case("bfocal/keras/logits_extreme_sigmoid_then_clip", L, "BinaryFocalCrossentropy", ye, xe,
               kshape=(len(xe), 1), kw={"from_logits": True, "gamma": 2.0}, params={"from_logits": True},
               reductions=("mean",), note="Keras applies sigmoid then the float32 clip even from logits "
                                          "(logit ±1000 wrong side -> 15.94 / 16.12, not 1000)")
    keras_case("bfocal/keras/logits_balanced_smoothing", L, "BinaryFocalCrossentropy", Y, X,
               kw={"from_logits": True, "gamma": 2.0, "apply_class_balancing": True, "alpha": 0.3,
                   "label_smoothing": 0.1},
               params={"from_logits": True, "alpha": 0.3, "label_smoothing": 0.1}, reductions=("mean",))

    # ------------------------------------------------------------- categorical focal
    L = "categorical_focal_crossentropy"
    C = 4
    idx = RNG.integers(0, C, size=N)
    Yoh = onehot(idx, C)
    Xc = logits((N, C))
    Pc = softmax_np(Xc)
    srcc = f"keras {keras.__version__} keras.losses.CategoricalFocalCrossentropy(dtype='float64', {{}}) reduction=None"

    def kc(y, p, sw=None, **kw):
        return k64("CategoricalFocalCrossentropy", y, p, sw, None, **kw)

    per = kc(Yoh, Pc, alpha=1.0, gamma=2.0)
    emit("cfocal/losscli/probs_default_no_alpha", L, "losscli", Yoh, Pc, per_sample=per,
         values=k64_values("CategoricalFocalCrossentropy", Yoh, Pc, None, ("mean", "sum"), alpha=1.0, gamma=2.0),
         source=srcc.format("alpha=1.0 (losscli: no α unless given), gamma=2"))
    per = kc(Yoh, Pc, sw, alpha=0.25, gamma=2.0)
    emit("cfocal/losscli/probs_alpha_0.25_weighted", L, "losscli", Yoh, Pc, sw=sw, params={"alpha": 0.25},
         per_sample=per, values=k64_values("CategoricalFocalCrossentropy", Yoh, Pc, sw, alpha=0.25, gamma=2.0),
         source=srcc.format("alpha=0.25, gamma=2") + ", sample_weight")
    al = [0.1, 0.2, 0.3, 0.4]
    per = kc(Yoh, Pc, alpha=al, gamma=1.0)
    emit("cfocal/losscli/probs_alpha_per_class_gamma_1", L, "losscli", Yoh, Pc, params={"alpha": al, "gamma": 1.0},
         per_sample=per,
         values=k64_values("CategoricalFocalCrossentropy", Yoh, Pc, None, ("mean",), alpha=al, gamma=1.0),
         source=srcc.format(f"alpha={al}, gamma=1"))
    per = kc(Yoh, Pc, alpha=1.0, gamma=2.0, label_smoothing=0.2)
    emit("cfocal/losscli/probs_label_smoothing", L, "losscli", Yoh, Pc, params={"label_smoothing": 0.2},
         per_sample=per,
         values=k64_values("CategoricalFocalCrossentropy", Yoh, Pc, None, ("mean",), alpha=1.0, gamma=2.0,
                           label_smoothing=0.2),
         source=srcc.format("alpha=1.0, gamma=2, label_smoothing=0.2"))
    per = kc(Yoh, Xc, alpha=1.0, gamma=2.0, from_logits=True)
    emit("cfocal/losscli/logits_default", L, "losscli", Yoh, Xc, params={"from_logits": True}, per_sample=per,
         values=k64_values("CategoricalFocalCrossentropy", Yoh, Xc, None, ("mean",), alpha=1.0, gamma=2.0,
                           from_logits=True),
         source=srcc.format("alpha=1.0, gamma=2, from_logits=True") + " (moderate logits: Keras' clip inactive)")
    per = npy(F.cross_entropy(t(Xc), tl(idx), reduction="none"))
    emit("cfocal/losscli/probs_gamma_0_is_cce", L, "losscli", Yoh, Pc, params={"gamma": 0.0},
         per_sample=sk_logloss_rows(idx, Pc, C),
         values={"mean": (skm.log_loss(idx, Pc, labels=list(range(C))), "log_loss")},
         source=f"sklearn {sklearn.__version__} log_loss per row (gamma=0, no α: focal = CCE)")
    # extreme logits, one-hot: focal = CE*(1-exp(-CE))^gamma with torch's exact CE
    Xe = np.array([[1000.0, -1000.0, 0.0], [-1e4, 1e4, 0.0], [2.0, 1.0, 0.5]])
    ie = np.array([1, 0, 2])
    ce = F.cross_entropy(t(Xe), tl(ie), reduction="none")
    per = npy(ce * (1 - torch.exp(-ce)) ** 2)
    emit("cfocal/losscli/logits_extreme", L, "losscli", onehot(ie, 3), Xe, params={"from_logits": True},
         per_sample=per, values=losscli_values(per, np.ones(3), reductions=("mean",)),
         source="ce = torch cross_entropy(x, y, reduction='none'); ce*(1-exp(-ce))**2 (one-hot, no α)")

    keras_case("cfocal/keras/probs_default_alpha_0.25_weighted", L, "CategoricalFocalCrossentropy", Yoh, Pc, sw=sw,
               reductions=("mean", "sum"), note="alpha=0.25 always applied")
    keras_case("cfocal/keras/probs_renormalised", L, "CategoricalFocalCrossentropy",
               onehot(np.array([1, 0]), 2), np.array([[0.2, 0.7], [0.6, 0.3]]), reductions=("mean",))
    keras_case("cfocal/keras/logits_alpha_per_class", L, "CategoricalFocalCrossentropy", Yoh, Xc,
               kw={"from_logits": True, "alpha": al}, params={"from_logits": True, "alpha": al},
               reductions=("mean",))
    keras_case("cfocal/keras/logits_extreme_clipped", L, "CategoricalFocalCrossentropy", onehot(ie, 3), Xe,
               kw={"from_logits": True}, params={"from_logits": True}, reductions=("mean",),
               note="softmax, renormalise, clip to [1e-7, 1-1e-7] in float32")


# =================================================================================== KL divergence
def gen_kl():
    L = "kl_divergence"
    N, C = 6, 4
    Yp = softmax_np(logits((N, C), 1.0))
    Yp[0] = [0.5, 0.5, 0.0, 0.0]  # zeros in y_true contribute 0
    Q = softmax_np(logits((N, C), 1.0))
    Xq = logits((N, C))
    sw = weights(N)

    def kl(logq, p, reduction="none"):
        return F.kl_div(logq, t(p), reduction=reduction)

    per = npy(kl(torch.log(t(Q)), Yp)).sum(-1)
    emit("kl/losscli/probs", L, "losscli", Yp, Q, per_sample=per,
         values={"mean": (f64(kl(torch.log(t(Q)), Yp, "batchmean")), "torch kl_div 'batchmean'"),
                 "sum": (f64(kl(torch.log(t(Q)), Yp, "sum")), "torch kl_div 'sum'")},
         source="torch kl_div(log q, p, reduction='none').sum(-1) = KL(y_true || y_pred)")
    emit("kl/losscli/probs_weighted", L, "losscli", Yp, Q, sw=sw, per_sample=per * sw,
         values=losscli_values(per * sw, sw), source="torch kl_div(log q, p, reduction='none').sum(-1) * sw")
    perx = npy(kl(F.log_softmax(t(Xq), -1), Yp)).sum(-1)
    emit("kl/losscli/logits", L, "losscli", Yp, Xq, params={"from_logits": True}, per_sample=perx,
         values={"mean": (f64(kl(F.log_softmax(t(Xq), -1), Yp, "batchmean")), "torch kl_div 'batchmean'")},
         source="torch kl_div(log_softmax(x), p, reduction='none').sum(-1)")
    emit("kl/torch/probs_mean_div_numel", L, "torch", Yp, Q, per_sample=per,
         values={"mean": (f64(kl(torch.log(t(Q)), Yp, "mean")), "torch kl_div 'mean' (÷ N·C)"),
                 "sum": (f64(kl(torch.log(t(Q)), Yp, "sum")), "torch kl_div 'sum'"),
                 "mean_over_n": (f64(kl(torch.log(t(Q)), Yp, "batchmean")), "torch kl_div 'batchmean'")},
         source="torch kl_div(log q, p, reduction='none').sum(-1)")
    emit("kl/torch/logits", L, "torch", Yp, Xq, params={"from_logits": True}, per_sample=perx,
         values={"mean": (f64(kl(F.log_softmax(t(Xq), -1), Yp, "mean")), "torch kl_div 'mean' (÷ N·C)")},
         source="torch kl_div(log_softmax(x), p, reduction='none').sum(-1)")
    # D6 (2 x 3; the demo's own inputs are not given in loss_conventions.md)
    P6 = np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]])
    Q6 = np.array([[0.3, 0.4, 0.3], [0.4, 0.3, 0.3]])
    per6 = npy(kl(torch.log(t(Q6)), P6)).sum(-1)
    emit("D6/torch/kl_mean_vs_batchmean", L, "torch", P6, Q6, per_sample=per6,
         values={"mean": (f64(kl(torch.log(t(Q6)), P6, "mean")), "torch kl_div 'mean' (÷ numel = 6)"),
                 "mean_over_n": (f64(kl(torch.log(t(Q6)), P6, "batchmean")), "torch kl_div 'batchmean'")},
         source="torch kl_div(log q, p, reduction='none').sum(-1)")
    emit("D6/losscli/kl_batchmean", L, "losscli", P6, Q6, per_sample=per6,
         values={"mean": (f64(kl(torch.log(t(Q6)), P6, "batchmean")), "torch kl_div 'batchmean'")},
         source="torch kl_div(log q, p, reduction='none').sum(-1)")
    keras_case("D6/keras/kl", L, "KLDivergence", P6, Q6, reductions=("mean",))
    keras_case("kl/keras/probs_zeros_in_y_weighted", L, "KLDivergence", Yp, Q, sw=sw, reductions=("mean", "sum"),
               note="y and p clipped to [1e-7, 1]: y=0 gives a tiny negative term")


# =================================================================================== regression losses
def gen_regression():
    N, K = 6, 3
    Yr = np.round(RNG.normal(0, 2, size=(N, K)), 3)
    Pr = np.round(Yr + RNG.normal(0, 1.5, size=(N, K)), 3)
    y1 = np.round(RNG.normal(0, 2, size=N), 3)
    p1 = np.round(y1 + RNG.normal(0, 1.5, size=N), 3)
    sw = weights(N)
    W = t(sw)[:, None].expand(N, K)

    for L, tf, skf, kcls in (("mse", F.mse_loss, skm.mean_squared_error, "MeanSquaredError"),
                             ("mae", F.l1_loss, skm.mean_absolute_error, "MeanAbsoluteError")):
        tn = tf.__name__
        per = row_mean(npy(tf(t(Pr), t(Yr), reduction="none")))
        emit(f"{L}/losscli/multioutput", L, "losscli", Yr, Pr, per_sample=per,
             values={"mean": (skf(Yr, Pr), f"sklearn {skf.__name__}(y, p)")},
             source=f"torch {tn}(p, y, reduction='none').mean(-1)")
        emit(f"{L}/losscli/multioutput_weighted", L, "losscli", Yr, Pr, sw=sw, per_sample=per * sw,
             values={"mean": (skf(Yr, Pr, sample_weight=sw), f"sklearn {skf.__name__}(y, p, sample_weight=sw)"),
                     "sum": ((per * sw).sum(), "sum(per_sample) (numpy)"),
                     "mean_over_n": ((per * sw).sum() / N, f"sum(per_sample)/{N} (numpy)")},
             source=f"torch {tn}(p, y, reduction='none').mean(-1) * sw")
        per1 = npy(tf(t(p1), t(y1), reduction="none"))
        emit(f"{L}/losscli/single_output_weighted", L, "losscli", y1, p1, sw=sw, per_sample=per1 * sw,
             values={"mean": (skf(y1, p1, sample_weight=sw), f"sklearn {skf.__name__}(sample_weight=sw)")},
             source=f"torch {tn}(p, y, reduction='none') * sw")
        emit(f"{L}/torch/multioutput_weight", L, "torch", Yr, Pr, sw=sw, per_sample=per * sw,
             values={"mean": (f64(tf(t(Pr), t(Yr), weight=W)), f"torch {tn}(weight=sw[:,None]) 'mean' (Σw·l/Σw)"),
                     "sum": (f64(tf(t(Pr), t(Yr), weight=W, reduction="sum")), "torch 'sum' over all N·K elements")},
             source=f"torch {tn}(p, y, weight=sw[:, None], reduction='none').mean(-1)")
        emit(f"{L}/torch/multioutput", L, "torch", Yr, Pr, per_sample=per,
             values={"mean": (f64(tf(t(Pr), t(Yr))), "torch 'mean' (÷ N·K)"),
                     "sum": (f64(tf(t(Pr), t(Yr), reduction="sum")), "torch 'sum'")},
             source=f"torch {tn}(p, y, reduction='none').mean(-1)")
        keras_case(f"{L}/keras/multioutput_weighted", L, kcls, Yr, Pr, sw=sw, reductions=("mean", "sum"))
        emit(f"{L}/sklearn/multioutput_weighted", L, "sklearn", Yr, Pr, sw=sw, per_sample=per * sw,
             values={"mean": (skf(Yr, Pr, sample_weight=sw), f"sklearn {skf.__name__}(sample_weight=sw)")},
             source=f"torch {tn}(p, y, reduction='none').mean(-1) * sw")

    # D7: Keras MeanSquaredErrorTest sum with sample_weight 2.3 (227.69) vs torch flat sum (2.3*297)
    y7 = np.array([[1.0, 9.0, 2.0], [-5.0, -2.0, 6.0]])
    p7 = np.array([[4.0, 8.0, 12.0], [8.0, 1.0, 3.0]])
    sw7 = np.array([2.3, 2.3])
    keras_case("D7/keras/mse_sum_of_per_sample_means", "mse", "MeanSquaredError", y7, p7, sw=sw7,
               reductions=("sum", "mean"))
    W7 = t(sw7)[:, None].expand(2, 3)
    emit("D7/torch/mse_flat_sum", "mse", "torch", y7, p7, sw=sw7,
         per_sample=npy(F.mse_loss(t(p7), t(y7), weight=W7, reduction="none")).mean(-1),
         values={"sum": (f64(F.mse_loss(t(p7), t(y7), weight=W7, reduction="sum")), "torch 'sum' = 2.3*297")},
         source="torch mse_loss(p, y, weight=2.3, reduction='none').mean(-1)")

    # huber / smooth_l1
    L = "huber"
    for delta in (1.0, 0.5, 2.0):
        params = {} if delta == 1.0 else {"delta": delta}
        per = row_mean(npy(F.huber_loss(t(Pr), t(Yr), delta=delta, reduction="none")))
        emit(f"huber/losscli/delta_{delta}_weighted", L, "losscli", Yr, Pr, sw=sw, params=params,
             per_sample=per * sw, values=losscli_values(per * sw, sw),
             source=f"torch huber_loss(p, y, delta={delta}, reduction='none').mean(-1) * sw")
        emit(f"huber/torch/delta_{delta}_weight", L, "torch", Yr, Pr, sw=sw, params=params, per_sample=per * sw,
             values={"mean": (f64(F.huber_loss(t(Pr), t(Yr), delta=delta, weight=W)),
                              "torch huber_loss(weight=sw[:,None]) 'mean' (÷ numel)"),
                     "sum": (f64(F.huber_loss(t(Pr), t(Yr), delta=delta, weight=W, reduction="sum")), "torch 'sum'")},
             source=f"torch huber_loss(p, y, delta={delta}, weight=sw[:, None], reduction='none').mean(-1)")
        keras_case(f"huber/keras/delta_{delta}_weighted", L, "Huber", Yr, Pr, sw=sw, kw={"delta": delta},
                   params=params, reductions=("mean",))
    per = npy(F.huber_loss(t(p1), t(y1), reduction="none"))
    emit("huber/losscli/single_output", L, "losscli", y1, p1, per_sample=per,
         values={"mean": (f64(F.huber_loss(t(p1), t(y1))), "torch 'mean'")},
         source="torch huber_loss(p, y, reduction='none')")
    L = "smooth_l1"
    for beta in (1.0, 0.5, 2.0):
        params = {} if beta == 1.0 else {"beta": beta}
        per = row_mean(npy(F.smooth_l1_loss(t(Pr), t(Yr), beta=beta, reduction="none")))
        emit(f"smooth_l1/losscli/beta_{beta}_weighted", L, "losscli", Yr, Pr, sw=sw, params=params,
             per_sample=per * sw, values=losscli_values(per * sw, sw),
             source=f"torch smooth_l1_loss(p, y, beta={beta}, reduction='none').mean(-1) * sw")
        per = row_mean(npy(F.smooth_l1_loss(t(Pr), t(Yr), beta=beta, reduction="none")))
        emit(f"smooth_l1/torch/beta_{beta}", L, "torch", Yr, Pr, params=params, per_sample=per,
             values={"mean": (f64(F.smooth_l1_loss(t(Pr), t(Yr), beta=beta)), "torch 'mean' (÷ N·K)"),
                     "sum": (f64(F.smooth_l1_loss(t(Pr), t(Yr), beta=beta, reduction="sum")), "torch 'sum'")},
             source=f"torch smooth_l1_loss(p, y, beta={beta}, reduction='none').mean(-1)")
    per = row_mean(npy(F.smooth_l1_loss(t(Pr), t(Yr), beta=0.5, reduction="none"))) * sw
    emit("smooth_l1/torch/beta_0.5_weight", L, "torch", Yr, Pr, sw=sw, params={"beta": 0.5}, per_sample=per,
         values={"mean": ((npy(F.smooth_l1_loss(t(Pr), t(Yr), beta=0.5, reduction="none")) * sw[:, None]).mean(),
                          "(torch smooth_l1_loss(reduction='none') * sw[:,None]).mean() (÷ numel, as huber)")},
         source="torch smooth_l1_loss(p, y, beta=0.5, reduction='none').mean(-1) * sw (torch has no weight=)")

    # log_cosh (Keras-defined)
    L = "log_cosh"
    srck = f"keras {keras.__version__} keras.losses.LogCosh(dtype='float64') reduction=None"
    emit("log_cosh/losscli/multioutput", L, "losscli", Yr, Pr, per_sample=k64("LogCosh", Yr, Pr),
         values=k64_values("LogCosh", Yr, Pr, None, ("mean",)), source=srck)
    emit("log_cosh/losscli/multioutput_weighted", L, "losscli", Yr, Pr, sw=sw, per_sample=k64("LogCosh", Yr, Pr, sw),
         values=k64_values("LogCosh", Yr, Pr, sw), source=srck + ", sample_weight")
    keras_case("log_cosh/keras/multioutput_weighted", L, "LogCosh", Yr, Pr, sw=sw, reductions=("mean", "sum"))

    # positive targets for msle / mape / poisson
    Ypos = np.round(RNG.uniform(0.1, 5.0, size=(N, K)), 3)
    Ppos = np.round(RNG.uniform(0.1, 5.0, size=(N, K)), 3)
    ypos1 = np.round(RNG.uniform(0.1, 5.0, size=N), 3)
    ppos1 = np.round(RNG.uniform(0.1, 5.0, size=N), 3)
    for L, skf, kcls in (("msle", skm.mean_squared_log_error, "MeanSquaredLogarithmicError"),
                         ("mape", skm.mean_absolute_percentage_error, "MeanAbsolutePercentageError")):
        per = skf(Ypos.T, Ppos.T, multioutput="raw_values")
        src = (f"sklearn {sklearn.__version__} {skf.__name__}(y.T, p.T, multioutput='raw_values') "
               "(per-sample mean over outputs)")
        emit(f"{L}/losscli/multioutput", L, "losscli", Ypos, Ppos, per_sample=per,
             values={"mean": (skf(Ypos, Ppos), f"sklearn {skf.__name__}(y, p)")}, source=src)
        emit(f"{L}/losscli/multioutput_weighted", L, "losscli", Ypos, Ppos, sw=sw, per_sample=per * sw,
             values={"mean": (skf(Ypos, Ppos, sample_weight=sw), f"sklearn {skf.__name__}(sample_weight=sw)"),
                     "sum": ((per * sw).sum(), "sum(per_sample) (numpy)"),
                     "mean_over_n": ((per * sw).sum() / N, f"sum(per_sample)/{N} (numpy)")},
             source=src + " * sw")
        per1 = skf(ypos1[None, :], ppos1[None, :], multioutput="raw_values")
        emit(f"{L}/sklearn/single_output_weighted", L, "sklearn", ypos1, ppos1, sw=sw, per_sample=per1 * sw,
             values={"mean": (skf(ypos1, ppos1, sample_weight=sw), f"sklearn {skf.__name__}(sample_weight=sw)")},
             source=f"sklearn {skf.__name__}(y[None,:], p[None,:], multioutput='raw_values') * sw")
        keras_case(f"{L}/keras/multioutput_weighted", L, kcls, Ypos, Ppos, sw=sw, reductions=("mean", "sum"))
    # MAPE with a zero target (D12: eps 2.2e-16 fraction vs Keras 1e-7 percent)
    y12 = np.array([[0.0, 2.0], [1.0, -4.0], [3.0, 3.0]])
    p12 = np.array([[0.5, 1.0], [1.5, -3.0], [2.0, 3.5]])
    per = skm.mean_absolute_percentage_error(y12.T, p12.T, multioutput="raw_values")
    for conv in ("losscli", "sklearn"):
        emit(f"D12/{conv}/mape_fraction_zero_target", "mape", conv, y12, p12, per_sample=per,
             values={"mean": (skm.mean_absolute_percentage_error(y12, p12), "sklearn mean_absolute_percentage_error")},
             source="sklearn mean_absolute_percentage_error(y.T, p.T, multioutput='raw_values') "
                    "(|y-p|/max(|y|, 2.22e-16), fraction)")
    keras_case("D12/keras/mape_percent_zero_target", "mape", "MeanAbsolutePercentageError", y12, p12,
               reductions=("mean",), note="×100, |y| floored at 1e-7")
    # MSLE with zeros and negatives under Keras (D13: floored to 1e-7)
    keras_case("msle/keras/zeros_and_negatives_floored", "msle", "MeanSquaredLogarithmicError",
               np.array([[0.0, 1.0], [2.0, -0.5]]), np.array([[0.5, -0.2], [2.0, 1.0]]), reductions=("mean",))
    per = skm.mean_squared_log_error(np.array([[0.0, 1.0], [2.0, 0.5]]).T, np.array([[0.5, 0.0], [2.0, 1.0]]).T,
                                     multioutput="raw_values")
    emit("msle/losscli/zeros", "msle", "losscli", np.array([[0.0, 1.0], [2.0, 0.5]]),
         np.array([[0.5, 0.0], [2.0, 1.0]]), per_sample=per,
         values={"mean": (skm.mean_squared_log_error(np.array([[0.0, 1.0], [2.0, 0.5]]),
                                                     np.array([[0.5, 0.0], [2.0, 1.0]])), "sklearn")},
         source="sklearn mean_squared_log_error(y.T, p.T, multioutput='raw_values') (log1p, no floor)")

    # poisson (rate input)
    L = "poisson"
    per = row_mean(npy(F.poisson_nll_loss(torch.log(t(Ppos)), t(Ypos), log_input=True, reduction="none")))
    emit("poisson/losscli/multioutput_weighted", L, "losscli", Ypos, Ppos, sw=sw, per_sample=per * sw,
         values=losscli_values(per * sw, sw),
         source="torch poisson_nll_loss(log p, y, log_input=True, full=False, reduction='none').mean(-1) * sw "
                "(= p - y*log p)")
    per = row_mean(npy(F.poisson_nll_loss(t(Ppos), t(Ypos), log_input=False, reduction="none")))
    emit("poisson/torch/rate_eps_1e-8", L, "torch", Ypos, Ppos, per_sample=per,
         values={"mean": (f64(F.poisson_nll_loss(t(Ppos), t(Ypos), log_input=False)), "torch 'mean' (÷ N·K)"),
                 "sum": (f64(F.poisson_nll_loss(t(Ppos), t(Ypos), log_input=False, reduction="sum")), "torch 'sum'")},
         source="torch poisson_nll_loss(p, y, log_input=False, eps=1e-8, reduction='none').mean(-1)")
    keras_case("poisson/keras/multioutput_weighted", L, "Poisson", Ypos, Ppos, sw=sw, reductions=("mean", "sum"))
    y10, p10 = np.array([3.0]), np.array([2.0])
    keras_case("D10/keras/poisson_rate_-0.0794", L, "Poisson", y10, p10, kshape=(1, 1), reductions=("mean",))
    emit("D10/torch/poisson_rate_-0.0794", L, "torch", y10, p10,
         per_sample=npy(F.poisson_nll_loss(t(p10), t(y10), log_input=False, reduction="none")),
         values={"mean": (f64(F.poisson_nll_loss(t(p10), t(y10), log_input=False)), "torch 'mean'")},
         source="torch poisson_nll_loss(2., 3., log_input=False) (not the default log-rate input: 1.3891)")
    emit("D10/losscli/poisson_rate", L, "losscli", y10, p10,
         per_sample=npy(F.poisson_nll_loss(torch.log(t(p10)), t(y10), log_input=True, reduction="none")),
         values={"mean": (f64(F.poisson_nll_loss(torch.log(t(p10)), t(y10), log_input=True)), "torch 'mean'")},
         source="torch poisson_nll_loss(log 2, 3, log_input=True) = 2 - 3 log 2")

    # cosine similarity
    L = "cosine_similarity"
    srck = f"keras {keras.__version__} keras.losses.CosineSimilarity(dtype='float64') reduction=None"
    emit("cosine/losscli/weighted", L, "losscli", Yr, Pr, sw=sw, per_sample=k64("CosineSimilarity", Yr, Pr, sw),
         values=k64_values("CosineSimilarity", Yr, Pr, sw), source=srck + ", sample_weight")
    emit("cosine/losscli/unweighted", L, "losscli", Yr, Pr, per_sample=k64("CosineSimilarity", Yr, Pr),
         values=k64_values("CosineSimilarity", Yr, Pr, None, ("mean",)), source=srck)
    keras_case("cosine/keras/weighted", L, "CosineSimilarity", Yr, Pr, sw=sw, reductions=("mean", "sum"))


# =================================================================================== margin / other losses
def gen_other():
    N, K = 6, 3
    sw = weights(N)
    Y01 = bin_labels((N, K))
    S = np.round(RNG.normal(0, 1.2, size=(N, K)), 3)
    Ypm = 2 * bin_labels((N, K)) - 1
    y01 = bin_labels(N)
    y01[:2] = [0.0, 1.0]
    s1 = np.round(RNG.normal(0, 1.2, size=N), 3)

    for L, cls in (("hinge", "Hinge"), ("squared_hinge", "SquaredHinge")):
        srck = f"keras {keras.__version__} keras.losses.{cls}(dtype='float64') reduction=None"
        emit(f"{L}/losscli/labels_01_multioutput", L, "losscli", Y01, S, per_sample=k64(cls, Y01, S),
             values=k64_values(cls, Y01, S, None, ("mean", "sum")), source=srck + " (0/1 mapped to -1/+1)")
        emit(f"{L}/losscli/labels_pm1_weighted", L, "losscli", Ypm, S, sw=sw, per_sample=k64(cls, Ypm, S, sw),
             values=k64_values(cls, Ypm, S, sw), source=srck + ", sample_weight")
        keras_case(f"{L}/keras/labels_01_weighted", L, cls, Y01, S, sw=sw, reductions=("mean", "sum"))
    per = k64("Hinge", y01.reshape(N, 1), s1.reshape(N, 1), sw)
    for conv in ("sklearn", "losscli"):
        emit(f"hinge/{conv}/binary_01_weighted", "hinge", conv, y01, s1, sw=sw, per_sample=per,
             values={"mean": (skm.hinge_loss(y01, s1, sample_weight=sw), "sklearn hinge_loss(y, s, sample_weight=sw)")},
             source=f"keras.losses.Hinge(dtype='float64') on (N,1), reduction=None, sample_weight; "
                    f"value sklearn {sklearn.__version__} hinge_loss")

    # categorical hinge (Keras), one-hot labels
    L = "categorical_hinge"
    C = 4
    idx = RNG.integers(0, C, size=N)
    idx[:C] = np.arange(C)
    Yoh = onehot(idx, C)
    Sc = np.round(RNG.normal(0, 1.0, size=(N, C)), 3)
    srck = f"keras {keras.__version__} keras.losses.CategoricalHinge(dtype='float64') reduction=None"
    emit("cat_hinge/losscli/weighted", L, "losscli", Yoh, Sc, sw=sw, per_sample=k64("CategoricalHinge", Yoh, Sc, sw),
         values=k64_values("CategoricalHinge", Yoh, Sc, sw), source=srck + ", sample_weight")
    d11 = np.array([[-0.54, -0.37, -0.48, -0.58]])
    emit("D11/losscli/categorical_hinge_1.37", L, "losscli", onehot([1], 4), d11,
         per_sample=k64("CategoricalHinge", onehot([1], 4), d11),
         values=k64_values("CategoricalHinge", onehot([1], 4), d11, None, ("mean",)), source=srck)
    keras_case("D11/keras/categorical_hinge_1.37", L, "CategoricalHinge", onehot([1], 4), d11, reductions=("mean",))
    keras_case("cat_hinge/keras/weighted", L, "CategoricalHinge", Yoh, Sc, sw=sw, reductions=("mean", "sum"))

    # multiclass hinge (scikit-learn Crammer-Singer)
    L = "multiclass_hinge"
    labels = list(range(C))
    per = np.array([skm.hinge_loss([int(i)], [row], labels=labels) for i, row in zip(idx, Sc, strict=True)])
    src = f"sklearn {sklearn.__version__} hinge_loss per row ([y_i], [s_i], labels=range(4))"
    emit("mc_hinge/losscli/unweighted", L, "losscli", idx, Sc, per_sample=per,
         values={"mean": (skm.hinge_loss(idx, Sc, labels=labels), "hinge_loss(y, s)")}, source=src)
    emit("mc_hinge/losscli/weighted", L, "losscli", idx, Sc, sw=sw, per_sample=per * sw,
         values={"mean": (skm.hinge_loss(idx, Sc, labels=labels, sample_weight=sw), "hinge_loss(sample_weight=sw)"),
                 "sum": ((per * sw).sum(), "sum(per_sample) (numpy)"),
                 "mean_over_n": ((per * sw).sum() / N, f"sum(per_sample)/{N} (numpy)")},
         source=src + " * sw")
    emit("mc_hinge/sklearn/weighted", L, "sklearn", idx, Sc, sw=sw, per_sample=per * sw,
         values={"mean": (skm.hinge_loss(idx, Sc, labels=labels, sample_weight=sw), "hinge_loss(sample_weight=sw)")},
         source=src + " * sw")
    for conv in ("losscli", "sklearn"):
        emit(f"D11/{conv}/multiclass_hinge_0.89", L, conv, np.array([1]), d11,
             per_sample=[skm.hinge_loss([1], d11, labels=labels)],
             values={"mean": (skm.hinge_loss([1], d11, labels=labels), "hinge_loss")},
             source=f"sklearn {sklearn.__version__} hinge_loss([1], [[-.54,-.37,-.48,-.58]], labels=range(4))")

    # brier (scikit-learn)
    L = "brier"
    yb, pb = bin_labels(N), probs(N)
    per = np.array([skm.brier_score_loss([a], [b]) for a, b in zip(yb, pb, strict=True)])
    src = f"sklearn {sklearn.__version__} brier_score_loss per sample"
    for conv in ("losscli", "sklearn"):
        emit(f"brier/{conv}/binary_weighted", L, conv, yb, pb, sw=sw, per_sample=per * sw,
             values={"mean": (skm.brier_score_loss(yb, pb, sample_weight=sw), "brier_score_loss(sample_weight=sw)")},
             source=src + " * sw")
    emit("brier/losscli/binary", L, "losscli", yb, pb, per_sample=per,
         values={"mean": (skm.brier_score_loss(yb, pb), "brier_score_loss(y, p)"),
                 "sum": (per.sum(), "sum(per_sample) (numpy)")}, source=src)
    Pm = softmax_np(logits((N, C)))
    perm = np.array([skm.brier_score_loss([int(a)], [b], labels=labels) for a, b in zip(idx, Pm, strict=True)])
    src = f"sklearn {sklearn.__version__} brier_score_loss per sample (labels=range(4); multiclass, not halved)"
    emit("brier/losscli/multiclass", L, "losscli", idx, Pm, per_sample=perm,
         values={"mean": (skm.brier_score_loss(idx, Pm, labels=labels), "brier_score_loss(y, P, labels)")},
         source=src)
    for conv in ("losscli", "sklearn"):
        emit(f"brier/{conv}/multiclass_weighted", L, conv, idx, Pm, sw=sw, per_sample=perm * sw,
             values={"mean": (skm.brier_score_loss(idx, Pm, labels=labels, sample_weight=sw),
                              "brier_score_loss(sample_weight=sw)"),
                     "sum": ((perm * sw).sum(), "sum(per_sample) (numpy)")},
             source=src + " * sw")

    # dice / tversky (Keras, axis=-1)
    Ys = bin_labels((N, 5))
    Ys[0] = 0.0  # an all-negative sample (only eps keeps the ratio finite)
    Ps = probs((N, 5))
    tv_variants = [{}, {"alpha": 0.7, "beta": 0.3}, {"alpha": 0.2, "beta": 0.9}]
    for L, cls, variants in (("dice", "Dice", [{}]), ("tversky", "Tversky", tv_variants)):
        for params in variants:
            tag = "default" if not params else "_".join(f"{k}_{v}" for k, v in params.items())
            kw = dict(params, axis=-1)
            kw64, note = dict(kw), ""
            if L == "tversky" and params and TVERSKY_LOSSCLI_CANONICAL:
                kw64["alpha"], kw64["beta"] = kw["beta"], kw["alpha"]
                note = TVERSKY_NOTE
            srck = (f"keras {keras.__version__} keras.losses.{cls}("
                    f"{', '.join(f'{k}={v}' for k, v in kw64.items())}, dtype='float64') reduction=None{note}")
            emit(f"{L}/losscli/{tag}", L, "losscli", Ys, Ps, params=params, per_sample=k64(cls, Ys, Ps, **kw64),
                 values=k64_values(cls, Ys, Ps, None, ("mean",), **kw64), source=srck)
            emit(f"{L}/losscli/{tag}_weighted", L, "losscli", Ys, Ps, sw=sw, params=params,
                 per_sample=k64(cls, Ys, Ps, sw, **kw64), values=k64_values(cls, Ys, Ps, sw, **kw64),
                 source=srck + ", sample_weight")
            # axis=-1 given: under the keras convention dice and tversky default to Keras' axis=None
            keras_case(f"{L}/keras/{tag}_weighted", L, cls, Ys, Ps, sw=sw, kw=kw, params=dict(params, axis="-1"),
                       reductions=("mean", "sum"),
                       note=("Keras 3.15.1 as installed: alpha weighs Σy(1-p) (missed positives), beta Σ(1-y)p; "
                             "Keras master (keras#23333) swaps this") if L == "tversky" and params else "")
    # which term alpha weighs: y=[1,1,0], p=[1,0,0] has FN=1 (missed positive), FP=0
    yt, pt = np.array([[1.0, 1.0, 0.0]]), np.array([[1.0, 0.0, 0.0]])
    for a, b in ((1.0, 0.0), (0.0, 1.0)):
        ka, kb = (b, a) if TVERSKY_LOSSCLI_CANONICAL else (a, b)
        emit(f"tversky/losscli/which_term_alpha_weighs_a{a:g}_b{b:g}", "tversky", "losscli", yt, pt,
             params={"alpha": a, "beta": b}, per_sample=k64("Tversky", yt, pt, alpha=ka, beta=kb, axis=-1),
             values=k64_values("Tversky", yt, pt, None, ("mean",), alpha=ka, beta=kb, axis=-1),
             source=f"keras {keras.__version__} keras.losses.Tversky(alpha={ka:g}, beta={kb:g}, axis=-1, "
                    f"dtype='float64'){TVERSKY_NOTE if TVERSKY_LOSSCLI_CANONICAL else ''}; here FP=0, FN=1")
        keras_case(f"tversky/keras/which_term_alpha_weighs_a{a:g}_b{b:g}", "tversky", "Tversky", yt, pt,
                   kw={"alpha": a, "beta": b, "axis": -1}, params={"alpha": a, "beta": b, "axis": "-1"},
                   reductions=("mean",),
                   note="Keras 3.15.1 as installed: alpha weighs the missed positive here")

    # generalized cross entropy (Keras CategoricalGeneralizedCrossEntropy), integer labels
    L = "generalized_cross_entropy"
    Xg = logits((N, C))
    Pg = softmax_np(Xg)
    cls = "CategoricalGeneralizedCrossEntropy"
    for q in (0.5, 0.7, 0.2):
        params = {} if q == 0.5 else {"q": q}
        srck = f"keras {keras.__version__} keras.losses.{cls}(q={q}, dtype='float64') reduction=None"
        emit(f"gce/losscli/q_{q}_weighted", L, "losscli", idx, Pg, sw=sw, params=params,
             per_sample=k64(cls, idx, Pg, sw, q=q), values=k64_values(cls, idx, Pg, sw, q=q),
             source=srck + ", sample_weight")
    srck = f"keras {keras.__version__} keras.losses.{cls}(q=0.5, dtype='float64') on torch.softmax(x) reduction=None"
    emit("gce/losscli/logits", L, "losscli", idx, Xg, params={"from_logits": True},
         per_sample=k64(cls, idx, Pg, q=0.5), values=k64_values(cls, idx, Pg, None, ("mean",), q=0.5), source=srck)
    keras_case("gce/keras/weighted", L, cls, idx, Pg, sw=sw, reductions=("mean", "sum"))


# =================================================================================== main

# =================================================================================== losses of issue 13
# Everything below draws from RNG after every earlier case, so the earlier cases are unchanged.
def _sk_per_element(fn, y, p, **kw):
    """A scikit-learn metric of each element on its own ([y], [p])."""
    y, p = np.asarray(y, dtype=np.float64), np.asarray(p, dtype=np.float64)
    return np.array([fn([a], [b], **kw) for a, b in zip(y.ravel(), p.ravel(), strict=True)]).reshape(y.shape)


def gen_poisson_log_input():
    L = "poisson"
    N, K = 6, 2
    Y = RNG.integers(0, 6, size=(N, K)).astype(np.float64)
    X = logits((N, K), scale=1.0)
    sw = weights(N)
    tsrc = "torch.nn.functional.poisson_nll_loss(x, y, log_input=True, full={full}, reduction='none').mean(-1)"
    for full in (False, True):
        per = row_mean(npy(F.poisson_nll_loss(t(X), t(Y), log_input=True, full=full, reduction="none")))
        params = {"from_logits": True, "full": full}
        emit(f"poisson/torch/log_input_full_{full}", L, "torch", Y, X, params=params, per_sample=per,
             values={"mean": (f64(F.poisson_nll_loss(t(X), t(Y), log_input=True, full=full)), "torch 'mean' (÷ N·K)"),
                     "sum": (f64(F.poisson_nll_loss(t(X), t(Y), log_input=True, full=full, reduction="sum")),
                             "torch 'sum' over N·K elements")},
             source=tsrc.format(full=full))
        emit(f"poisson/losscli/log_input_full_{full}_weighted", L, "losscli", Y, X, params=params, sw=sw,
             per_sample=per * sw, values=losscli_values(per * sw, sw), source=tsrc.format(full=full) + " * sw")
    y1, x1 = Y[:, 0], X[:, 0]
    per = npy(F.poisson_nll_loss(t(x1), t(y1), log_input=True, reduction="none"))
    emit("poisson/losscli/log_input_1d", L, "losscli", y1, x1, params={"from_logits": True}, per_sample=per,
         values={"mean": (f64(F.poisson_nll_loss(t(x1), t(y1), log_input=True)), "torch 'mean'")},
         source="torch poisson_nll_loss(x, y, log_input=True, reduction='none')")
    # rates with the Stirling term: torch full=True (log_input=False adds 1e-8 inside the log)
    P = np.round(np.exp(X), 4)
    per = row_mean(npy(F.poisson_nll_loss(t(P), t(Y), log_input=False, full=True, reduction="none")))
    emit("poisson/torch/rate_full", L, "torch", Y, P, params={"full": True}, per_sample=per,
         values={"mean": (f64(F.poisson_nll_loss(t(P), t(Y), log_input=False, full=True)), "torch 'mean'")},
         source="torch poisson_nll_loss(p, y, log_input=False, full=True, reduction='none').mean(-1)")
    per = row_mean(npy(F.poisson_nll_loss(torch.log(t(P)), t(Y), log_input=True, full=True, reduction="none")))
    emit("poisson/losscli/rate_full", L, "losscli", Y, P, params={"full": True}, per_sample=per,
         values=losscli_values(per, np.ones(N), reductions=("mean",)),
         source="torch poisson_nll_loss(log p, y, log_input=True, full=True, reduction='none').mean(-1) "
                "(= p - y log p + Stirling term for y > 1)")


def gen_deviances():
    N = 8
    y = np.round(RNG.uniform(0.0, 5.0, size=N), 2)
    y[0], y[1] = 0.0, 1.0
    mu = np.round(RNG.uniform(0.2, 4.0, size=N), 3)
    ypos = np.where(y > 0, y, 0.5)
    sw = weights(N)
    cases = [("poisson_deviance", {}, skm.mean_poisson_deviance, {}, y, "mean_poisson_deviance"),
             ("gamma_deviance", {}, skm.mean_gamma_deviance, {}, ypos, "mean_gamma_deviance")]
    for power in (-1.0, 0.0, 1.0, 1.5, 2.0, 3.0):
        yy = ypos if power >= 2 else y
        if power < 0:
            yy = np.round(RNG.normal(1.0, 2.0, size=N), 2)  # any real target for p < 0
        cases.append(("tweedie_deviance", {"power": power}, skm.mean_tweedie_deviance, {"power": power}, yy,
                      f"mean_tweedie_deviance(power={power})"))
    for loss, params, fn, kw, yy, name in cases:
        per = _sk_per_element(fn, yy, mu, **kw)
        src = f"sklearn {sklearn.__version__} {name} per element ([y], [mu])"
        tag = f"{loss}/" + ("_".join(f"{k}_{v:g}" for k, v in params.items()) or "default")
        for conv in ("losscli", "sklearn"):
            emit(f"{tag}/{conv}", loss, conv, yy, mu, params=params, per_sample=per,
                 values={"mean": (fn(yy, mu, **kw), f"{name}(y, mu)")}, source=src)
        vals = {"mean": (fn(yy, mu, sample_weight=sw, **kw), f"{name}(y, mu, sample_weight=sw)"),
                "sum": (np.sum(per * sw), "sum(per_sample) (numpy)"),
                "mean_over_n": (np.sum(per * sw) / N, f"sum(per_sample)/{N} (numpy)")}
        emit(f"{tag}/losscli_weighted", loss, "losscli", yy, mu, params=params, sw=sw, per_sample=per * sw,
             values=vals, source=src + " times sample_weight")


def gen_pinball():
    L = "pinball"
    N, K = 7, 3
    y = np.round(RNG.normal(0.0, 2.0, size=N), 3)
    q = np.round(RNG.normal(0.0, 2.0, size=N), 3)
    sw = weights(N)
    for alpha in (0.1, 0.5, 0.9):
        per = _sk_per_element(skm.mean_pinball_loss, y, q, alpha=alpha)
        src = f"sklearn {sklearn.__version__} mean_pinball_loss([y], [q], alpha={alpha}) per sample"
        emit(f"pinball/alpha_{alpha}/losscli", L, "losscli", y, q, params={"alpha": alpha}, per_sample=per,
             values={"mean": (skm.mean_pinball_loss(y, q, alpha=alpha), "mean_pinball_loss(y, q)")}, source=src)
        emit(f"pinball/alpha_{alpha}/sklearn_weighted", L, "sklearn", y, q, params={"alpha": alpha}, sw=sw,
             per_sample=per * sw,
             values={"mean": (skm.mean_pinball_loss(y, q, alpha=alpha, sample_weight=sw), "sample_weight=sw"),
                     "sum": (np.sum(per * sw), "sum(per_sample) (numpy)")}, source=src + " times sample_weight")
    # N x K outputs with one alpha (sklearn multioutput='uniform_average')
    Y, Q = np.round(RNG.normal(0.0, 2.0, size=(N, K)), 3), np.round(RNG.normal(0.0, 2.0, size=(N, K)), 3)
    per = row_mean(_sk_per_element(skm.mean_pinball_loss, Y, Q, alpha=0.25))
    emit("pinball/multioutput_alpha_0.25", L, "sklearn", Y, Q, params={"alpha": 0.25}, per_sample=per,
         values={"mean": (skm.mean_pinball_loss(Y, Q, alpha=0.25), "mean_pinball_loss(Y, Q) uniform_average")},
         source="sklearn mean_pinball_loss per element, mean over K=3")
    # three quantile columns against one label column, one alpha per column
    alphas = [0.1, 0.5, 0.9]
    Qs = np.sort(np.round(y[:, None] + RNG.normal(0.0, 1.5, size=(N, 3)), 3), axis=1)
    cols = np.stack([_sk_per_element(skm.mean_pinball_loss, y, Qs[:, j], alpha=a) for j, a in enumerate(alphas)],
                    axis=1)
    per = cols.mean(axis=1)
    value = np.mean([skm.mean_pinball_loss(y, Qs[:, j], alpha=a, sample_weight=sw) for j, a in enumerate(alphas)])
    emit("pinball/quantile_columns_0.1_0.5_0.9_weighted", L, "losscli", y, Qs, params={"alpha": alphas}, sw=sw,
         per_sample=per * sw, values={"mean": (value, "mean over the columns of mean_pinball_loss(y, q_j, "
                                                      "alpha=alpha_j, sample_weight=sw)")},
         source="sklearn mean_pinball_loss([y], [q_j], alpha=alpha_j) per element, mean over the 3 columns, "
                "times sample_weight")


def gen_gaussian_nll():
    L = "gaussian_nll"
    N = 8
    y = np.round(RNG.normal(0.0, 2.0, size=N), 3)
    mu = np.round(RNG.normal(0.0, 2.0, size=N), 3)
    var = np.round(RNG.uniform(0.05, 3.0, size=N), 3)
    var[0], var[1] = 0.0, 1e-8  # clamped to eps
    P = np.stack([mu, var], axis=1)
    sw = weights(N)
    for full, eps in ((False, 1e-6), (True, 1e-6), (False, 0.1)):
        kw = {"full": full, "eps": eps}
        per = npy(F.gaussian_nll_loss(t(mu), t(y), t(var), reduction="none", **kw))
        src = f"torch.nn.functional.gaussian_nll_loss(mu, y, var, full={full}, eps={eps}, reduction='none')"
        emit(f"gaussian_nll/torch/full_{full}_eps_{eps}", L, "torch", y, P, params=kw, per_sample=per,
             values={"mean": (f64(F.gaussian_nll_loss(t(mu), t(y), t(var), **kw)), "torch 'mean'"),
                     "sum": (f64(F.gaussian_nll_loss(t(mu), t(y), t(var), reduction="sum", **kw)), "torch 'sum'")},
             source=src)
        emit(f"gaussian_nll/losscli/full_{full}_eps_{eps}_weighted", L, "losscli", y, P, params=kw, sw=sw,
             per_sample=per * sw, values=losscli_values(per * sw, sw), source=src + " * sw")


def gen_margins():
    N, C = 7, 4
    y = RNG.integers(0, C, size=N)
    S = logits((N, C), scale=1.0)
    sw = weights(N)
    cw = [1.0, 2.0, 0.5, 1.5]
    for p, margin, weight in ((1, 1.0, None), (2, 1.0, None), (1, 0.5, cw), (2, 2.0, cw)):
        params = {"p": p, "margin": margin} | ({"class_weights": weight} if weight else {})
        wt = None if weight is None else t(weight)
        per = npy(F.multi_margin_loss(t(S), tl(y), p=p, margin=margin, weight=wt, reduction="none"))
        src = f"torch.nn.functional.multi_margin_loss(s, y, p={p}, margin={margin}, weight={weight}, reduction='none')"
        tag = f"multi_margin/p_{p}_margin_{margin}" + ("_class_weights" if weight else "")
        emit(f"{tag}/torch", "multi_margin", "torch", y, S, params=params, per_sample=per,
             values={"mean": (f64(F.multi_margin_loss(t(S), tl(y), p=p, margin=margin, weight=wt)),
                              "torch 'mean' (÷ N)"),
                     "sum": (f64(F.multi_margin_loss(t(S), tl(y), p=p, margin=margin, weight=wt, reduction="sum")),
                             "torch 'sum'")}, source=src)
        emit(f"{tag}/losscli_weighted", "multi_margin", "losscli", y, S, params=params, sw=sw, per_sample=per * sw,
             values=losscli_values(per * sw, sw), source=src + " * sw")
    # soft margin: ±1 labels, and the same with 0 for -1
    K = 3
    Ys = RNG.choice([-1.0, 1.0], size=(N, K))
    X = logits((N, K), scale=2.0)
    X[0, 0], X[1, 1] = 30.0, -30.0
    per = row_mean(npy(F.soft_margin_loss(t(X), t(Ys), reduction="none")))
    src = "torch.nn.functional.soft_margin_loss(s, y, reduction='none').mean(-1)"
    vals = {"mean": (f64(F.soft_margin_loss(t(X), t(Ys))), "torch 'mean' (÷ N·K)"),
            "sum": (f64(F.soft_margin_loss(t(X), t(Ys), reduction="sum")), "torch 'sum' over N·K elements")}
    emit("soft_margin/torch/pm1", "soft_margin", "torch", Ys, X, per_sample=per, values=vals, source=src)
    emit("soft_margin/torch/labels_0_1", "soft_margin", "torch", (Ys + 1) / 2, X, per_sample=per, values=vals,
         source=src + " on y = 2*label - 1 (0 read as -1)")
    emit("soft_margin/losscli/pm1_weighted", "soft_margin", "losscli", Ys, X, sw=sw, per_sample=per * sw,
         values=losscli_values(per * sw, sw), source=src + " * sw")
    # |score| = 1000: torch's soft_margin_loss computes log(1 + exp(-y*s)) and overflows to inf; the exact
    # value is torch's softplus(-y*s)
    xe = np.array([1000.0, -1000.0, 1000.0, -1000.0, 0.0])
    ye = np.array([1.0, 1.0, -1.0, -1.0, 1.0])
    assert np.isinf(npy(F.soft_margin_loss(t(xe), t(ye), reduction="none"))).any()
    per = npy(F.softplus(-t(ye) * t(xe)))
    emit("soft_margin/losscli/extreme_scores_exact", "soft_margin", "losscli", ye, xe, per_sample=per,
         values={"mean": (per.mean(), "mean of per_sample (numpy)")},
         source="torch.nn.functional.softplus(-y*s) (torch's soft_margin_loss overflows to inf at |s| = 1000)")
    # multi-label soft margin, with and without class weights
    Yb = bin_labels((N, C))
    for weight in (None, cw):
        wt = None if weight is None else t(weight)
        params = {} if weight is None else {"class_weights": weight}
        per = npy(F.multilabel_soft_margin_loss(t(S), t(Yb), weight=wt, reduction="none"))
        src = f"torch.nn.functional.multilabel_soft_margin_loss(s, y, weight={weight}, reduction='none')"
        tag = "multilabel_soft_margin/" + ("class_weights" if weight else "plain")
        emit(f"{tag}/torch", "multilabel_soft_margin", "torch", Yb, S, params=params, per_sample=per,
             values={"mean": (f64(F.multilabel_soft_margin_loss(t(S), t(Yb), weight=wt)), "torch 'mean' (÷ N)"),
                     "sum": (f64(F.multilabel_soft_margin_loss(t(S), t(Yb), weight=wt, reduction="sum")),
                             "torch 'sum'")}, source=src)
        emit(f"{tag}/losscli_weighted", "multilabel_soft_margin", "losscli", Yb, S, params=params, sw=sw,
             per_sample=per * sw, values=losscli_values(per * sw, sw), source=src + " * sw")


def gen_counting():
    N, C = 10, 4
    y = RNG.integers(0, C, size=N)
    S = np.round(RNG.uniform(0.0, 1.0, size=(N, C)), 4)
    sw = weights(N)
    yhat = np.argmax(S, axis=1)
    per = np.array([skm.zero_one_loss([a], [b]) for a, b in zip(y, yhat, strict=True)])
    src = f"sklearn {sklearn.__version__} zero_one_loss(y, argmax(scores)) (numpy argmax: first maximum)"
    for conv in ("losscli", "sklearn"):
        emit(f"zero_one/{conv}/scores_weighted", "zero_one", conv, y, S, sw=sw, per_sample=per * sw,
             values={"mean": (skm.zero_one_loss(y, yhat, sample_weight=sw), "zero_one_loss(..., sample_weight=sw)"),
                     "sum": (skm.zero_one_loss(y, yhat, sample_weight=sw, normalize=False), "normalize=False")},
             source=src + " per sample, times sample_weight")
    yb = RNG.integers(0, 2, size=N)
    p1 = np.round(RNG.uniform(0.0, 1.0, size=N), 2)
    p1[0] = 0.5  # a tie predicts class 0
    yhat1 = (p1 > 0.5).astype(int)
    emit("zero_one/sklearn/probability_column", "zero_one", "sklearn", yb, p1,
         per_sample=np.array([skm.zero_one_loss([a], [b]) for a, b in zip(yb, yhat1, strict=True)]),
         values={"mean": (skm.zero_one_loss(yb, yhat1), "zero_one_loss(y, p > 0.5)")},
         source="sklearn zero_one_loss(y, (p > 0.5)) per sample")
    x1 = logits(N)
    yhat1 = (x1 > 0).astype(int)
    emit("zero_one/sklearn/logit_column", "zero_one", "sklearn", yb, x1, params={"from_logits": True},
         per_sample=np.array([skm.zero_one_loss([a], [b]) for a, b in zip(yb, yhat1, strict=True)]),
         values={"mean": (skm.zero_one_loss(yb, yhat1), "zero_one_loss(y, x > 0)")},
         source="sklearn zero_one_loss(y, (x > 0)) per sample")
    labels = list(range(C))
    for k in (1, 2, 3):
        per = np.array([1.0 - skm.top_k_accuracy_score([a], [row], k=k, labels=labels) for a, row in zip(y, S, strict=True)])
        for conv in ("losscli", "sklearn"):
            emit(f"top_k_error/k_{k}/{conv}_weighted", "top_k_error", conv, y, S, params={"k": k}, sw=sw,
                 per_sample=per * sw,
                 values={"mean": (1.0 - skm.top_k_accuracy_score(y, S, k=k, labels=labels, sample_weight=sw),
                                  "1 - top_k_accuracy_score(..., sample_weight=sw)")},
                 source=f"1 - sklearn top_k_accuracy_score([y], [scores], k={k}, labels=range({C})) per sample")
    # ties: scikit-learn ranks the last tied class first
    St = np.array([[0.4, 0.4, 0.2], [0.3, 0.3, 0.3], [0.5, 0.25, 0.25], [0.2, 0.4, 0.4]])
    yt = np.array([0, 1, 2, 1])
    per = np.array([1.0 - skm.top_k_accuracy_score([a], [row], k=1, labels=[0, 1, 2]) for a, row in zip(yt, St, strict=True)])
    emit("top_k_error/k_1/sklearn_ties", "top_k_error", "sklearn", yt, St, params={"k": 1}, per_sample=per,
         values={"mean": (1.0 - skm.top_k_accuracy_score(yt, St, k=1, labels=[0, 1, 2]), "1 - top_k_accuracy_score")},
         source="1 - sklearn top_k_accuracy_score([y], [scores], k=1) per sample (ties: the last class ranks first)")
    # hamming
    K = 5
    Y = bin_labels((N, K)).astype(int)
    P = np.round(RNG.uniform(0.0, 1.0, size=(N, K)), 2)
    P[0, 0] = 0.5
    Yh = (P > 0.5).astype(int)
    per = np.array([skm.hamming_loss(a[None, :], b[None, :]) for a, b in zip(Y, Yh, strict=True)])
    for conv in ("losscli", "sklearn"):
        emit(f"hamming/{conv}/probs_weighted", "hamming", conv, Y, P, sw=sw, per_sample=per * sw,
             values={"mean": (skm.hamming_loss(Y, Yh, sample_weight=sw), "hamming_loss(Y, P > 0.5, sample_weight=sw)")},
             source=f"sklearn {sklearn.__version__} hamming_loss(y, p > 0.5) per sample, times sample_weight")
    X = logits((N, K))
    Yh = (X > 0).astype(int)
    per = np.array([skm.hamming_loss(a[None, :], b[None, :]) for a, b in zip(Y, Yh, strict=True)])
    emit("hamming/sklearn/logits", "hamming", "sklearn", Y, X, params={"from_logits": True}, per_sample=per,
         values={"mean": (skm.hamming_loss(Y, Yh), "hamming_loss(Y, X > 0)")},
         source="sklearn hamming_loss(y, x > 0) per sample")


def gen_log_probs():
    N, C = 7, 4
    X = logits((N, C))
    LP = npy(F.log_softmax(t(X), dim=-1))
    y = RNG.integers(0, C, size=N)
    y_ig = y.copy()
    y_ig[2] = -100
    sw = weights(N)
    cw = [1.0, 2.0, 0.5, 1.5]
    src = "torch.nn.functional.nll_loss(log_softmax(x), y, weight={w}, ignore_index={ii}, reduction='none')"
    for conv in ("torch", "losscli"):
        per = npy(F.nll_loss(t(LP), tl(y_ig), weight=t(cw), ignore_index=-100, reduction="none"))
        emit(f"scce/{conv}/log_probs_nll_loss_weight_ignore", "sparse_categorical_crossentropy", conv, y_ig, LP,
             params={"log_probs": True, "class_weights": cw, "ignore_index": -100}, per_sample=per,
             values={"mean": (f64(F.nll_loss(t(LP), tl(y_ig), weight=t(cw), ignore_index=-100)),
                              "torch 'mean' (÷ Σ weight of counted targets)"),
                     "sum": (f64(F.nll_loss(t(LP), tl(y_ig), weight=t(cw), ignore_index=-100, reduction="sum")),
                             "torch 'sum'")},
             source=src.format(w=cw, ii=-100))
    per = npy(F.nll_loss(t(LP), tl(y), reduction="none"))
    emit("scce/losscli/log_probs_weighted", "sparse_categorical_crossentropy", "losscli", y, LP,
         params={"log_probs": True}, sw=sw, per_sample=per * sw, values=losscli_values(per * sw, sw),
         source=src.format(w=None, ii=-100) + " * sw")
    # soft labels, categorical: torch cross_entropy with probability targets on log-probabilities
    Ys = softmax_np(logits((N, C)))
    Ys = Ys / Ys.sum(axis=1, keepdims=True)
    per = -(npy(t(Ys) * t(LP))).sum(axis=1)
    per_t = npy(F.cross_entropy(t(LP), t(Ys), reduction="none"))
    assert np.allclose(per, per_t, rtol=1e-13, atol=0)
    emit("cce/losscli/log_probs_soft_labels", "categorical_crossentropy", "losscli", Ys, LP, params={"log_probs": True},
         per_sample=per_t, values={"mean": (f64(F.cross_entropy(t(LP), t(Ys))), "torch 'mean'")},
         source="torch cross_entropy(log_p, y_soft, reduction='none') (log_softmax of log-probabilities = themselves)")
    # KL: torch kl_div's input is log q
    per = npy(F.kl_div(t(LP), t(Ys), reduction="none")).sum(axis=1)
    emit("kl/torch/log_probs_kl_div", "kl_divergence", "torch", Ys, LP, params={"log_probs": True}, per_sample=per,
         values={"mean": (f64(F.kl_div(t(LP), t(Ys), reduction="mean")), "torch kl_div reduction='mean' (÷ N·C)"),
                 "sum": (f64(F.kl_div(t(LP), t(Ys), reduction="sum")), "torch 'sum'"),
                 "mean_over_n": (f64(F.kl_div(t(LP), t(Ys), reduction="batchmean")), "torch 'batchmean'")},
         source="torch.nn.functional.kl_div(log_q, p, reduction='none').sum(-1)")
    emit("kl/losscli/log_probs_kl_div_weighted", "kl_divergence", "losscli", Ys, LP, params={"log_probs": True},
         sw=sw, per_sample=per * sw, values=losscli_values(per * sw, sw),
         source="torch kl_div(log_q, p, reduction='none').sum(-1) * sw")
    # binary: BCE on log p
    K = 3
    Yb = bin_labels((N, K))
    Pb = probs((N, K))
    LPb = np.log(Pb)
    per = row_mean(npy(F.binary_cross_entropy(torch.exp(t(LPb)), t(Yb), reduction="none")))
    for conv in ("torch", "losscli"):
        emit(f"bce/{conv}/log_probs", "binary_crossentropy", conv, Yb, LPb, params={"log_probs": True},
             per_sample=per, values={"mean": (f64(F.binary_cross_entropy(torch.exp(t(LPb)), t(Yb))), "torch 'mean'")},
             source="torch binary_cross_entropy(exp(log_p), y, reduction='none').mean(-1)")
    # binary focal on log p: torchvision on logit(p)
    xb = torch.logit(torch.exp(t(LPb)))
    per = row_mean(npy(SIGMOID_FOCAL(xb, t(Yb), alpha=0.25, gamma=2.0, reduction="none")))
    emit("focal/torch/log_probs", "binary_focal_crossentropy", "torch", Yb, LPb, params={"log_probs": True},
         per_sample=per, values={"mean": (per.mean(), "mean of per_sample (numpy; torchvision 'mean' ÷ N·K)")},
         source=FOCAL_SRC + "(logit(exp(log_p)), y, alpha=0.25, gamma=2, reduction='none').mean(-1)")
    # categorical focal and generalised CE on log p: Keras in float64 on exp(log p)
    Yoh = onehot(y, C)
    per = k64("CategoricalFocalCrossentropy", Yoh, np.exp(LP), alpha=0.25, gamma=2.0)
    emit("categorical_focal/losscli/log_probs", "categorical_focal_crossentropy", "losscli", Yoh, LP,
         params={"log_probs": True, "alpha": 0.25}, per_sample=per,
         values=losscli_values(per, np.ones(N), reductions=("mean",)),
         source=f"keras {keras.__version__} CategoricalFocalCrossentropy(alpha=0.25, gamma=2, dtype='float64') "
                "on exp(log_p), reduction=None")
    per = k64("CategoricalGeneralizedCrossEntropy", y, np.exp(LP), q=0.5)
    emit("gce/losscli/log_probs", "generalized_cross_entropy", "losscli", y, LP, params={"log_probs": True},
         per_sample=per, values=losscli_values(per, np.ones(N), reductions=("mean",)),
         source=f"keras {keras.__version__} CategoricalGeneralizedCrossEntropy(q=0.5, dtype='float64') on exp(log_p)")



def gen_pairwise():
    N, D = 7, 3
    y = RNG.choice([-1.0, 1.0], size=N)
    sw = weights(N)
    # hinge embedding: a distance per sample (and N x K)
    x = np.round(RNG.uniform(0.0, 2.0, size=(N, 2)), 3)
    Y = np.stack([y, RNG.choice([-1.0, 1.0], size=N)], axis=1)
    for margin in (1.0, 0.5):
        per = row_mean(npy(F.hinge_embedding_loss(t(x), t(Y), margin=margin, reduction="none")))
        src = f"torch.nn.functional.hinge_embedding_loss(x, y, margin={margin}, reduction='none').mean(-1)"
        emit(f"hinge_embedding/torch/margin_{margin}", "hinge_embedding", "torch", Y, x, params={"margin": margin},
             per_sample=per,
             values={"mean": (f64(F.hinge_embedding_loss(t(x), t(Y), margin=margin)), "torch 'mean' (÷ N·K)"),
                     "sum": (f64(F.hinge_embedding_loss(t(x), t(Y), margin=margin, reduction="sum")),
                             "torch 'sum' over N·K elements")}, source=src)
        emit(f"hinge_embedding/losscli/margin_{margin}_weighted", "hinge_embedding", "losscli", Y, x,
             params={"margin": margin}, sw=sw, per_sample=per * sw, values=losscli_values(per * sw, sw),
             source=src + " * sw")
    # margin ranking: two score columns
    x12 = logits((N, 2), scale=1.0)
    for margin in (0.0, 0.5):
        per = npy(F.margin_ranking_loss(t(x12[:, 0]), t(x12[:, 1]), t(y), margin=margin, reduction="none"))
        src = f"torch.nn.functional.margin_ranking_loss(x1, x2, y, margin={margin}, reduction='none')"
        emit(f"margin_ranking/torch/margin_{margin}", "margin_ranking", "torch", y, x12, params={"margin": margin},
             per_sample=per,
             values={"mean": (f64(F.margin_ranking_loss(t(x12[:, 0]), t(x12[:, 1]), t(y), margin=margin)),
                              "torch 'mean'"),
                     "sum": (f64(F.margin_ranking_loss(t(x12[:, 0]), t(x12[:, 1]), t(y), margin=margin,
                                                       reduction="sum")), "torch 'sum'")}, source=src)
        emit(f"margin_ranking/losscli/margin_{margin}_weighted", "margin_ranking", "losscli", y, x12,
             params={"margin": margin}, sw=sw, per_sample=per * sw, values=losscli_values(per * sw, sw),
             source=src + " * sw")
    # cosine embedding: two embeddings of D columns each, one a zero vector
    a, b = logits((N, D), scale=1.0), logits((N, D), scale=1.0)
    a[0] = 0.0
    ab = np.concatenate([a, b], axis=1)
    for margin in (0.0, 0.3):
        per = npy(F.cosine_embedding_loss(t(a), t(b), t(y), margin=margin, reduction="none"))
        src = f"torch.nn.functional.cosine_embedding_loss(x1, x2, y, margin={margin}, reduction='none')"
        emit(f"cosine_embedding/torch/margin_{margin}", "cosine_embedding", "torch", y, ab,
             params={"margin": margin}, per_sample=per,
             values={"mean": (f64(F.cosine_embedding_loss(t(a), t(b), t(y), margin=margin)), "torch 'mean'"),
                     "sum": (f64(F.cosine_embedding_loss(t(a), t(b), t(y), margin=margin, reduction="sum")),
                             "torch 'sum'")}, source=src + "; y_pred = [x1 | x2]")
        emit(f"cosine_embedding/losscli/margin_{margin}_weighted", "cosine_embedding", "losscli", y, ab,
             params={"margin": margin}, sw=sw, per_sample=per * sw, values=losscli_values(per * sw, sw),
             source=src + " * sw; y_pred = [x1 | x2]")


def versions() -> dict:
    v = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "scikit-learn": sklearn.__version__,
        "keras": keras.__version__,
        "keras_backend": keras.backend.backend(),
        "keras_floatx": keras.config.floatx(),
        "keras_epsilon": keras.config.epsilon(),
        "focal_reference": FOCAL_SRC,
    }
    try:
        v["torchvision"] = importlib.metadata.version("torchvision")
    except importlib.metadata.PackageNotFoundError:
        v["torchvision"] = None
    return v


def _check_keras_float64() -> None:
    """Keras run through ``keras_float64`` must agree with float64 formulas to ~1e-15."""
    rng = np.random.default_rng(0)
    R, S = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    Y, P = rng.integers(0, 2, size=(5, 3)).astype(np.float64), rng.uniform(0.05, 0.95, size=(5, 3))
    e = S - R
    bce = -(Y * np.log(P) + (1 - Y) * np.log(1 - P))
    p_t = Y * P + (1 - Y) * (1 - P)
    checks = {
        "MeanSquaredError": (k64("MeanSquaredError", R, S), (e**2).mean(-1)),
        "LogCosh": (k64("LogCosh", R, S), np.log(np.cosh(e)).mean(-1)),
        "Hinge": (k64("Hinge", Y, S), np.maximum(1 - (2 * Y - 1) * S, 0).mean(-1)),
        "CosineSimilarity": (k64("CosineSimilarity", R, S),
                             -(R * S).sum(-1) / np.linalg.norm(R, axis=-1) / np.linalg.norm(S, axis=-1)),
        "Dice": (k64("Dice", Y, P, axis=-1), 1 - 2 * (Y * P).sum(-1) / (Y.sum(-1) + P.sum(-1) + 1e-7)),
        "BinaryFocalCrossentropy": (k64("BinaryFocalCrossentropy", Y, P), (bce * (1 - p_t) ** 2).mean(-1)),
    }
    for name, (got, want) in checks.items():
        err = np.max(np.abs(got - want) / np.abs(want))
        assert err < 1e-13, f"Keras float64 check failed for {name}: relative error {err:g}"
    assert keras.config.floatx() == "float32"


def dump(doc: dict) -> str:
    """JSON with one line per case field (arrays kept on one line), so the file stays small and diffable."""
    head = {k: v for k, v in doc.items() if k != "cases"}
    lines = ["{"]
    for k, v in head.items():
        lines.append(f" {json.dumps(k)}: {json.dumps(v, allow_nan=False)},")
    lines.append(' "cases": [')
    for i, case in enumerate(doc["cases"]):
        fields = [f"   {json.dumps(k)}: {json.dumps(v, allow_nan=False, ensure_ascii=False)}" for k, v in case.items()]
        lines.append("  {\n" + ",\n".join(fields) + "\n  }" + ("," if i < len(doc["cases"]) - 1 else ""))
    lines.append(" ]")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    assert json.loads(text) == json.loads(json.dumps(doc, allow_nan=False))
    return text


def main() -> None:
    _check_keras_float64()
    gen_bce()
    gen_cce_and_scce()
    gen_focal()
    gen_kl()
    gen_regression()
    gen_other()
    gen_poisson_log_input()
    gen_deviances()
    gen_pinball()
    gen_gaussian_nll()
    gen_margins()
    gen_counting()
    gen_log_probs()
    gen_pairwise()
    doc = {
        "generated_by": "tests/reference/generate_reference.py "
                        "(KERAS_BACKEND=torch python tests/reference/generate_reference.py)",
        "seed": SEED,
        "versions": versions(),
        "cases": CASES,
    }
    text = dump(doc)
    OUT.write_text(text, encoding="utf-8")
    counts: dict[tuple[str, str], int] = {}
    for c in CASES:
        counts[(c["loss"], c["convention"])] = counts.get((c["loss"], c["convention"]), 0) + 1
    print(f"wrote {len(CASES)} cases ({len(text) / 1024:.0f} KiB) to {OUT}")
    for (loss, conv), n in sorted(counts.items()):
        print(f"  {loss:36s} {conv:8s} {n}")


if __name__ == "__main__":
    main()
