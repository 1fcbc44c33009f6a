"""``eval --engine dask``: the command line's inputs, read with ``dask.dataframe`` and reduced on a cluster.

The same column options as the local engine (``--label-cols``, ``--pred-cols``, ``--weight-col``,
``--id-col``, ``--classes``) resolve against the Dask frame's columns; inputs are CSV/TSV or Parquet
paths, globs or fsspec URLs. The result has the same shape as the local engine's (summary only: per-sample
output and the display sample need the local engine).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from losscli.column_names import ID_NAMES, WEIGHT_NAMES
from losscli.errors import UsageError
from losscli.io import select_columns

if TYPE_CHECKING:
    from losscli.inputs.plan import InputOptions
    from losscli.settings import EngineSettings, LossSettings, ReportSettings


def _pick(selection: str | None, columns: list[str], option: str) -> list[str] | None:
    return select_columns(selection, columns, option=option) if selection else None


def evaluate_with_dask(loss: LossSettings, options: InputOptions, report: ReportSettings,
                       engine: EngineSettings) -> tuple[list[Any], list[Any]]:
    """Evaluate the losses with the Dask engine, from the same settings as the local engine;
    (evaluations, merged evaluators)."""
    from losscli.dask import evaluate_many, make_client, read_frame
    from losscli.operations.evaluation import convention_of, loss_params, loss_texts
    from losscli.pipeline import Evaluation
    from losscli.registry import get_loss

    if report.fmt in ("jsonl", "csv", "tsv") or report.output or report.per_sample_only:
        raise UsageError("--engine dask reports summaries only", hint="per-sample output needs --engine local")
    if options.extra_cols:
        raise UsageError("--group-col needs --engine local")
    if options.weights:
        raise UsageError("--weights FILE needs --engine local",
                         hint="with --engine dask give the weights as a column of the predictions: --weight-col")
    texts = loss_texts(loss)
    params = loss_params([get_loss(t) for t in texts], loss)
    header = options.header
    if options.data:
        if len(options.data) != 1:
            raise UsageError("give one path or glob for the Dask engine")
        labels = preds = read_frame(options.data[0], header=header, delimiter=options.delimiter)
        names = [options.data[0]]
    else:
        if not options.labels or not options.preds:
            raise UsageError("give FILE, or both --labels and --preds")
        labels = read_frame(options.labels, header=header, delimiter=options.delimiter)
        preds = read_frame(options.preds, header=header, delimiter=options.delimiter)
        names = [options.labels, options.preds]
    lab_cols = [str(c) for c in labels.columns]
    pre_cols = [str(c) for c in preds.columns]
    label_cols = _pick(options.label_cols, lab_cols, "--label-cols")
    weight = _pick(options.weight_col, pre_cols, "--weight-col")
    pred_cols = _pick(options.pred_cols, pre_cols, "--pred-cols")
    if pred_cols is None and labels is preds:
        skip = set(label_cols or []) | set(weight or []) | {options.id_col}
        skip |= {c for c in pre_cols if c.strip().lower() in (*ID_NAMES, *WEIGHT_NAMES)}
        if label_cols is None:
            from losscli.dask import _default_label

            label_cols = _default_label(lab_cols)
            skip |= set(label_cols)
        pred_cols = [c for c in pre_cols if c not in skip]
    client, cluster = make_client(engine.scheduler)
    try:
        evaluators = evaluate_many(
            labels, None if labels is preds else preds, ",".join(texts), label_cols=label_cols,
            pred_cols=pred_cols, weight_col=weight[0] if weight else None, id_col=options.id_col,
            classes=options.classes, convention=convention_of(loss), reduction=loss.reduction, sum_tol=loss.sum_tol,
            nan=options.nan, client=client, per_loss_params=params,
        )
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    evaluations = []
    for ev in evaluators:
        inputs = {"engine": "dask", "labels": {"file": names[0], "columns": label_cols or []},
                  "preds": {"file": names[-1], "columns": pred_cols or []}}
        skipped = getattr(ev, "skipped_rows", 0)
        if skipped:
            inputs["skipped_rows"] = skipped
        evaluations.append(Evaluation(ev.result(), inputs, None, skipped=skipped))
    return evaluations, evaluators
