"""Tweedie deviances of predicted means: Poisson, Gamma and the general power family (scikit-learn).

The unit deviance d(y, μ) = 2·[log-likelihood of the saturated model − that of μ]; its mean is what
``sklearn.metrics.mean_tweedie_deviance`` and friends report. Element-wise on N×K inputs (the row mean).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from losscli.conventions import Convention
from losscli.errors import ParameterError
from losscli.losses._common import f64, row_mean, xlogy
from losscli.losses._domain import refuse
from losscli.spec import KernelOutput, Param, register_loss

EXAMPLE = {"y_true": [2.0, 0.0, 1.0, 4.0], "y_pred": [0.5, 0.5, 2.0, 2.0]}


def _domain(power: float) -> tuple[str, str]:
    """(what y must be, what μ must be) for a Tweedie power, as scikit-learn requires."""
    if power < 0:
        return "any", "positive"
    if power == 0:
        return "any", "any"
    if power < 2:
        return "non-negative", "positive"
    return "positive", "positive"


def _check_power(power: float) -> None:
    if 0 < power < 1:
        raise ParameterError(
            f"tweedie_deviance: power {power:g} lies in (0, 1), where no Tweedie distribution exists",
            hint="choose power ≤ 0 or power ≥ 1 (0 normal, 1 Poisson, 2 Gamma, 3 inverse Gaussian)",
        )


def _check_for(power: float, name: str):
    def check(yt: np.ndarray, yp: np.ndarray, params: dict[str, Any], conv: Convention, offset: int) -> None:
        p = params.get("power", power)
        _check_power(p)
        need_y, need_mu = _domain(p)
        what = f"{name}" + (f" (power {p:g})" if name == "tweedie_deviance" else "")
        if need_mu == "positive":
            refuse(yp <= 0, yp, "y_pred", offset, f"{what} needs predicted means > 0",
                   "predict the mean itself (e.g. exp of a log-link output), not its log")
        if need_y == "positive":
            refuse(yt <= 0, yt, "y_true", offset, f"{what} needs targets > 0")
        elif need_y == "non-negative":
            refuse(yt < 0, yt, "y_true", offset, f"{what} needs targets ≥ 0")

    return check


def tweedie_unit_deviance(y: np.ndarray, mu: np.ndarray, power: float) -> np.ndarray:
    """d(y, μ) for a Tweedie power, term for term as scikit-learn's ``_mean_tweedie_deviance``."""
    p = power
    if p < 0:
        return 2.0 * (
            np.power(np.where(y > 0, y, 0.0), 2 - p) / ((1 - p) * (2 - p))
            - y * np.power(mu, 1 - p) / (1 - p)
            + np.power(mu, 2 - p) / (2 - p)
        )
    if p == 0:
        return (y - mu) ** 2
    if p == 1:
        return 2.0 * (xlogy(y, y / mu) - y + mu)
    if p == 2:
        return 2.0 * (np.log(mu / y) + y / mu - 1.0)
    return 2.0 * (
        np.power(y, 2 - p) / ((1 - p) * (2 - p)) - y * np.power(mu, 1 - p) / (1 - p) + np.power(mu, 2 - p) / (2 - p)
    )


@register_loss(
    "poisson_deviance",
    conventions=("sklearn",),
    peer_names=("mean_poisson_deviance",),
    label_kind="real",
    pred_kind="positive",
    elementwise=True,
    formula="l = 2·(y·log(y/μ) − y + μ), 0·log 0 = 0",
    latex=r"\ell = 2\left(y\log\frac{y}{\mu} - y + \mu\right)",
    description="Poisson deviance of a predicted mean μ > 0 (counts y ≥ 0); 0 for a perfect prediction.",
    peer="sklearn mean_poisson_deviance",
    check=_check_for(1.0, "poisson_deviance"),
    example=EXAMPLE,
)
def poisson_deviance(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention) -> KernelOutput:
    """Poisson deviance (scikit-learn ``mean_poisson_deviance``).

    Formula: ``l = 2·(y·log(y/μ) − y + μ)`` with 0·log 0 = 0; y ≥ 0, μ > 0. Unlike ``poisson`` (the negative
    log-likelihood without log y!), it is 0 when μ = y.
    """
    return KernelOutput(row_mean(tweedie_unit_deviance(f64(y_true), f64(y_pred), 1.0)))


@register_loss(
    "gamma_deviance",
    conventions=("sklearn",),
    peer_names=("mean_gamma_deviance",),
    label_kind="real",
    pred_kind="positive",
    elementwise=True,
    formula="l = 2·(log(μ/y) + y/μ − 1)",
    latex=r"\ell = 2\left(\log\frac{\mu}{y} + \frac{y}{\mu} - 1\right)",
    description="Gamma deviance of a predicted mean μ > 0 (targets y > 0); scale-invariant.",
    peer="sklearn mean_gamma_deviance",
    check=_check_for(2.0, "gamma_deviance"),
    example={"y_true": [2.0, 0.5, 1.0, 4.0], "y_pred": [0.5, 0.5, 2.0, 2.0]},
)
def gamma_deviance(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention) -> KernelOutput:
    """Gamma deviance (scikit-learn ``mean_gamma_deviance``).

    Formula: ``l = 2·(log(μ/y) + y/μ − 1)``; y > 0, μ > 0.
    """
    return KernelOutput(row_mean(tweedie_unit_deviance(f64(y_true), f64(y_pred), 2.0)))


@register_loss(
    "tweedie_deviance",
    conventions=("sklearn",),
    peer_names=("mean_tweedie_deviance",),
    label_kind="real",
    pred_kind="positive",
    elementwise=True,
    params=(
        Param(
            "power",
            "float",
            0.0,
            "Tweedie power p: ≤ 0, or ≥ 1 (0 normal, 1 Poisson, 2 Gamma, 3 inverse Gaussian)",
            allow_none=False,
        ),
    ),
    formula="l = 2·(y^{2−p}/((1−p)(2−p)) − y·μ^{1−p}/(1−p) + μ^{2−p}/(2−p)); p=0,1,2 their limits",
    latex=r"\ell = 2\left(\frac{y^{2-p}}{(1-p)(2-p)} - \frac{y\,\mu^{1-p}}{1-p} + \frac{\mu^{2-p}}{2-p}\right)",
    description="Tweedie deviance with power p (p < 0: y any real, max(y, 0) in the first term; μ > 0 unless p = 0).",
    peer="sklearn mean_tweedie_deviance",
    check=_check_for(0.0, "tweedie_deviance"),
    example={"y_true": [2.0, 0.5, 1.0, 4.0], "y_pred": [0.5, 0.5, 2.0, 2.0], "params": {"power": 1.5}},
)
def tweedie_deviance(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention, power: float = 0.0) -> KernelOutput:
    """Tweedie deviance (scikit-learn ``mean_tweedie_deviance``).

    Formula: ``l = 2·(y^{2−p}/((1−p)(2−p)) − y·μ^{1−p}/(1−p) + μ^{2−p}/(2−p))``; p = 0 is (y − μ)²,
    p = 1 the Poisson and p = 2 the Gamma deviance. Domains as scikit-learn: p < 0 any y (max(y, 0) in
    the first term) and μ > 0; 1 ≤ p < 2 y ≥ 0, μ > 0; p ≥ 2 y > 0, μ > 0; 0 < p < 1 is refused.
    """
    _check_power(power)
    return KernelOutput(row_mean(tweedie_unit_deviance(f64(y_true), f64(y_pred), power)))
