"""What the commands do, once the command line is parsed: build the stages, run them, emit the report."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from losscli.commands.output import console, default_format, emit, print_rich, warn
from losscli.errors import ParameterError, UsageError

EXIT_OK = 0


# ------------------------------------------------------------------------------------------- eval


def _loss_params(specs: list[Any], opts: dict[str, Any]) -> list[dict[str, Any]]:
    """Loss parameters from the options, per loss. An option is passed to the losses that take it; an
    option none of them takes is a usage error naming the losses that do."""
    from losscli.commands.settings import PARAM_OPTIONS, losses_taking

    given: dict[str, Any] = {}
    if opts.get("from_logits") is not None:
        given["from_logits"] = opts["from_logits"]
    for option, param in PARAM_OPTIONS.items():
        value = opts.get(option)
        if value is None:
            continue
        if option == "class_weights" and isinstance(value, str) and os.path.isfile(value):
            value = _read_numbers(value, "--class-weights")
        given[param] = value
    per_loss: list[dict[str, Any]] = [{} for _ in specs]
    for param, value in given.items():
        takers = [i for i, spec in enumerate(specs) if spec.param(param) is not None]
        if not takers:
            flag = "--logits/--probs" if param == "from_logits" else "--" + param.replace("_", "-")
            names = ", ".join(s.name for s in specs)
            everyone = losses_taking(param)
            raise UsageError(
                f"{names} {'does' if len(specs) == 1 else 'do'} not take {flag}",
                hint=f"it is taken by: {', '.join(everyone)}" if everyone else None,
            )
        for i in takers:
            per_loss[i][param] = value
    return per_loss


def _read_numbers(path: str, flag: str) -> list[float]:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterError(f"cannot read the {flag} file {path}: {getattr(exc, 'strerror', None) or exc}") from None
    items = [t for t in text.replace(",", " ").split() if t]
    try:
        return [float(t) for t in items]
    except ValueError:
        raise ParameterError(f"{flag} file {path} must hold numbers only") from None


def _expand(patterns: list[str]) -> list[str]:
    from losscli.inputs.plan import glob_paths

    out: list[str] = []
    for pattern in patterns:
        out.extend(glob_paths(pattern))
    return list(dict.fromkeys(out))


def convention_from(opts: dict[str, Any]) -> Any:
    """The convention of ``--convention``, with ``--eps`` overriding its probability clip."""
    import dataclasses

    from losscli.conventions import get_convention

    conv = get_convention(opts.get("convention") or "losscli")
    eps = opts.get("eps")
    if eps is not None:
        if not 0.0 < eps < 0.5:
            raise UsageError(f"--eps must lie in (0, 0.5), not {eps}")
        conv = dataclasses.replace(conv, clip="fixed", fixed_eps=eps)
    return conv


def make_specs(texts: list[str]) -> list[Any]:
    from losscli.registry import get_loss

    return [get_loss(t) for t in texts]


def make_evaluators(loss: str, opts: dict[str, Any], *, keep_per_sample: bool) -> list[Any]:
    """One Evaluator per loss of ``loss`` (``"bce,brier(...)"``) with the loss-parameter options."""
    from losscli.engine.evaluator import Evaluator
    from losscli.registry import parse_loss_expression, split_loss_list

    texts = split_loss_list(loss)
    specs = make_specs(texts)
    params = _loss_params(specs, opts)
    conv = convention_from(opts)
    return [
        Evaluator(spec, convention=conv, reduction=opts.get("reduction") or "mean",
                  sum_tol=opts.get("sum_tol") or 1e-3, keep_per_sample=keep_per_sample,
                  **{**parse_loss_expression(text)[1], **par})
        for spec, text, par in zip(specs, texts, params, strict=True)
    ]


def input_options(opts: dict[str, Any], *, data: list[str], preds: str | None,
                  extra_cols: dict[str, str] | None = None) -> Any:
    """The input options of the command line (shared by eval, compare and check)."""
    from losscli.inputs.plan import InputOptions

    classes = opts.get("classes")
    if isinstance(classes, str):
        classes = [c.strip() for c in classes.split(",")]
    return InputOptions(
        data=data,
        labels=opts.get("labels"),
        preds=preds,
        weights=opts.get("weights"),
        label_cols=None if opts.get("label_cols") is None else str(opts["label_cols"]),
        pred_cols=None if opts.get("pred_cols") is None else str(opts["pred_cols"]),
        weight_col=None if opts.get("weight_col") is None else str(opts["weight_col"]),
        id_col=opts.get("id_col"),
        classes=[str(c) for c in classes] if classes else None,
        nan=opts.get("nan") or "error",
        chunk_rows=opts.get("chunk_rows"),
        header=not opts.get("no_header"),
        delimiter=opts.get("delimiter"),
        extra_cols=dict(extra_cols or {}),
    )


def run_eval(loss: str, file: str | None, opts: dict[str, Any], *, stdin: Any, decided: dict[str, Any]) -> int:
    """``losscli eval``: returns the exit status (decided before any output is written).

    One pass over the inputs evaluates every loss of ``LOSS`` (``bce,brier,...``); several prediction
    files (``--preds`` repeated or a glob) give one result per file, ranked by the first loss (a
    leaderboard); a glob as FILE is one dataset stored in shards.
    """
    import dataclasses

    from losscli.commands.quality import eval_session, finish_eval, report_failures
    from losscli.inputs.plan import plan_inputs
    from losscli.registry import split_loss_list

    dask_engine = opts.get("engine") == "dask"
    make_evaluators(loss, opts, keep_per_sample=False)  # unknown losses and options: usage errors first
    session = eval_session(opts)  # gates, breakdowns, signature; usage errors before any input is read
    fmt = default_format(opts.get("fmt"))
    if opts.get("quiet"):
        fmt = "quiet"
    summary_only = bool(opts.get("summary_only") or opts.get("output"))
    keep_per_sample = fmt in ("jsonl", "csv", "tsv") or (fmt == "json" and not summary_only)
    raw_preds = list(opts.get("preds") or ())
    pred_files = raw_preds if dask_engine else _expand(raw_preds)
    if opts.get("output") and len(pred_files) > 1:
        raise UsageError("--output takes one prediction file", hint="run once per file to keep per-sample losses")
    data = ([file] if dask_engine else _expand([file])) if file else []
    options = input_options(opts, data=data, preds=pred_files[0] if pred_files else None,
                            extra_cols=session.gates.extra_cols())
    evaluations = []
    state_evaluators = []
    if dask_engine:
        from losscli.operations.dask_inputs import evaluate_with_dask

        if len(pred_files) > 1:
            raise UsageError("--engine dask takes one prediction dataset", hint="give a glob of its shards")
        texts = split_loss_list(loss)
        params = _loss_params(make_specs(texts), opts)
        evaluations, state_evaluators = evaluate_with_dask(texts, params, options, convention_from(opts), opts)
    for pred_file in [] if dask_engine else (pred_files or [None]):
        if pred_file is not None:
            options = dataclasses.replace(options, preds=pred_file)
        evaluators = make_evaluators(loss, opts, keep_per_sample=keep_per_sample)
        plan = plan_inputs(options, evaluators[0].spec, stdin=stdin)
        if options.chunk_rows is None:
            from losscli.engine.evaluator import default_chunk_rows

            plan.options.chunk_rows = default_chunk_rows(len(plan.preds.columns))
        evaluations.extend(_evaluate_plan(plan, evaluators, opts, pred_file is not None and len(pred_files) > 1,
                                          session=session))
        state_evaluators.extend(evaluators)
    if opts.get("state_out"):
        if len(pred_files) > 1:
            raise UsageError("--state-out takes one prediction dataset", hint="run once per file")
        from losscli.engine.state import write_state

        write_state(opts["state_out"], state_evaluators, source=file or (pred_files[0] if pred_files else None))
    if len(pred_files) > 1:
        evaluations = _leaderboard(evaluations, len(split_loss_list(loss)))
    for message in dict.fromkeys(w for ev in evaluations for w in ev.warnings):
        warn(message)
    status = finish_eval(session, evaluations, opts)  # checks, failure lines, baseline, side reports
    decided["status"] = status
    _render(evaluations, fmt, summary_only=summary_only)
    report_failures(session)  # one line per failed check on stderr, after the report
    return status


def _evaluate_plan(plan: Any, evaluators: list[Any], opts: dict[str, Any], tag_file: bool,
                   session: Any = None) -> list[Any]:
    """Run one input plan through the evaluators with the --output sink and the progress bar."""
    from losscli.pipeline import run_many

    sink = None
    observers: list[Any] = session.attach(plan, evaluators) if session is not None else []
    if opts.get("output"):
        from losscli.report.sink import PerSampleSink

        names = ["loss"] if len(evaluators) == 1 else [ev.spec.name for ev in evaluators]
        sink = PerSampleSink(opts["output"], names, with_ids=plan.ids is not None)

        def write_rows(batch: Any, values: list[Any], offset: int) -> None:
            sink.write(values, batch.ids, offset)

        observers.append(write_rows)
    progress = None
    if not opts.get("no_progress"):
        from losscli.report.progress import maybe_progress

        progress = maybe_progress(plan)
        if progress is not None:
            observers.append(progress.observe)
    try:
        evaluations = run_many(plan, evaluators, observers=observers)
    except BaseException:
        if sink is not None:
            sink.abort()
        raise
    finally:
        if progress is not None:
            progress.close()
    if sink is not None:
        sink.commit()
    if session is not None:
        session.bind(evaluations)
    if tag_file:
        for ev in evaluations:
            ev.file = plan.preds.source.name
    return evaluations


def _leaderboard(evaluations: list[Any], n_losses: int) -> list[Any]:
    """Results grouped by file, files ranked by the first loss's value (best first; undefined last)."""
    import math

    groups = [evaluations[i:i + n_losses] for i in range(0, len(evaluations), n_losses)]

    def key(group: list[Any]) -> float:
        v = group[0].result.value
        return v if math.isfinite(v) else math.inf

    groups.sort(key=key)
    out = []
    for rank, group in enumerate(groups, start=1):
        for ev in group:
            ev.rank = rank
            out.append(ev)
    return out


def _render(evals: list[Any], fmt: str, *, summary_only: bool) -> None:
    from losscli import report

    if fmt == "quiet":
        emit([report.quiet_value(evals)])
    elif fmt == "json":
        emit(report.json_document(evals, per_sample=not summary_only))
    elif fmt == "jsonl":
        emit(report.jsonl_lines(evals))
    elif fmt in ("csv", "tsv"):
        emit(report.delimited_lines(evals, "," if fmt == "csv" else "\t"))
    elif fmt == "md":
        emit([report.markdown_summary(evals)])
    else:
        from losscli.report.table import render

        print_rich(lambda c: render(evals, c))


# ------------------------------------------------------------------------------------------- list


def run_list(fmt: str | None) -> None:
    import json

    from losscli.registry import list_losses

    specs = list_losses()
    fmt = default_format(fmt)
    if fmt == "json":
        emit([json.dumps([s.describe() for s in specs], indent=2, ensure_ascii=False) + "\n"])
        return
    from rich.table import Table

    table = Table(title="losscli losses", title_justify="left")
    table.add_column("loss", style="bold")
    table.add_column("aliases")
    table.add_column("labels")
    table.add_column("logits")
    table.add_column("parameters")
    table.add_column("formula")
    for s in specs:
        params = ", ".join(f"{p.name}={p.default}" for p in s.params if p.name != "from_logits")
        table.add_row(s.name, ", ".join(s.aliases), s.label_kind, "yes" if s.accepts_logits else "—", params,
                      s.formula)
    console().print(table)


# ------------------------------------------------------------------------------------------- explain


def explain_data(name: str) -> dict[str, Any]:
    """Everything ``losscli explain`` shows, as data."""
    import numpy as np

    from losscli.conventions import CONVENTIONS, RULES
    from losscli.engine.evaluator import evaluate
    from losscli.registry import get_loss
    from losscli.spec import LABEL_KINDS, PRED_KINDS

    spec = get_loss(name)
    out = spec.describe()
    out["label_kind_doc"] = LABEL_KINDS[spec.label_kind]
    out["pred_kind_doc"] = PRED_KINDS[spec.pred_kind]
    out["doc"] = spec.doc
    out["conventions"] = {
        c.name: {
            "mean": RULES[c.resolve_reduction(spec, "mean", spec.defaults())],
            "description": c.description,
        }
        for c in CONVENTIONS.values()
    }
    ex = spec.example
    if ex:
        r = evaluate(spec, np.asarray(ex["y_true"]), np.asarray(ex["y_pred"]), **ex.get("params", {}))
        out["example"] = {
            "y_true": ex["y_true"],
            "y_pred": ex["y_pred"],
            "params": ex.get("params", {}),
            "per_sample": r.per_sample.tolist(),
            "mean": r.value,
        }
    return out


def run_explain(name: str, fmt: str) -> None:
    import json

    data = explain_data(name)
    if fmt == "json":
        emit([json.dumps(data, indent=2, ensure_ascii=False) + "\n"])
        return
    lines = [
        f"{data['name']} — {data['description']}",
        f"aliases: {', '.join(data['aliases']) or '—'}",
        "",
        f"formula:  {data['formula']}",
        f"LaTeX:    {data['latex']}",
        f"follows:  {data['peer']}",
        "",
        f"labels:       {data['label_kind']} — {data['label_kind_doc']}",
        f"predictions:  {data['pred_kind']} — {data['pred_kind_doc']}"
        + ("; logits with --logits" if data["accepts_logits"] else ""),
        "",
        "parameters:",
    ]
    if data["parameters"]:
        lines += [f"  {p['name']} ({p['type']}, default {p['default']}): {p['doc']}" for p in data["parameters"]]
    else:
        lines.append("  none")
    lines += ["", "conventions (what --reduction mean divides by):"]
    for cname, c in data["conventions"].items():
        lines.append(f"  {cname:8s} mean = {c['mean']}")
    if "example" in data:
        ex = data["example"]
        lines += [
            "",
            "worked example:",
            f"  y_true = {ex['y_true']}",
            f"  y_pred = {ex['y_pred']}" + (f"   {ex['params']}" if ex["params"] else ""),
            "  per-sample = [" + ", ".join(f"{v:.6g}" for v in ex["per_sample"]) + "]",
            f"  mean = {ex['mean']:.6g}",
        ]
    lines += ["", data["doc"]]
    emit(["\n".join(lines) + "\n"])


# ------------------------------------------------------------------------------------------- merge


def run_merge(patterns: list[str], fmt: str | None, *, quiet: bool, state_out: str | None,
              decided: dict[str, Any]) -> int:
    """``losscli merge``: combine state files into the global result."""
    from losscli.engine.state import merge_documents, read_state, write_state
    from losscli.pipeline import Evaluation

    paths = _expand(patterns)
    evaluators = merge_documents([(p, read_state(p)) for p in paths])
    evaluations = []
    for ev in evaluators:
        inputs = {"states": paths, "sources": ev.sources, "preds": {"file": ", ".join(ev.sources) or "states"}}
        evaluations.append(Evaluation(ev.result(), inputs, None))
    for message in dict.fromkeys(w for e in evaluations for w in e.warnings):
        warn(message)
    if state_out:
        write_state(state_out, evaluators)
    decided["status"] = EXIT_OK
    fmt = "quiet" if quiet else default_format(fmt)
    _render(evaluations, fmt, summary_only=True)
    return EXIT_OK
