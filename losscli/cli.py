"""The ``losscli`` command line: parses options and wires the stages (read → validate → compute →
accumulate → report). Heavy modules are imported inside the commands so ``losscli --help`` starts fast.

Exit codes: 0 ok; 1 a quality check failed (and only that); 2 usage error; 3 unreadable or invalid input
data; 4 an internal error (a bug: please report it); 130 interrupted.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from losscli.cli_options import (
    FINITE,
    INT64,
    LEVEL,
    TOLERANCE,
    Number,
    OneValueOptions,
    gate_options,
    report_options,
    resample_options,
    summary_format_options,
)
from losscli.commands.settings import PARAM_OPTIONS, losses_taking
from losscli.completion import complete_loss
from losscli.version import __version__

#: --reduction's choices (kept here, not imported, so ``--help`` does not import numpy).
REDUCTION_NAMES = ("mean", "sum", "mean_over_n", "weighted_mean", "none", "sum_over_batch_size",
                   "mean_with_sample_weight", "batchmean")

#: the input formats (losscli.io.detect.FORMATS, kept here for the same reason)
INPUT_FORMATS = ("csv", "tsv", "npy", "npz", "parquet", "jsonl", "arrow")

EXIT_OK, EXIT_CHECK_FAILED, EXIT_USAGE, EXIT_DATA, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130
EXIT_TERMINATED = 143  # 128 + SIGTERM, as a shell reports a process ended by it

EXIT_CODES_HELP = """\b
Exit codes:
  0  ok
  1  a quality check failed (and only that)
  2  usage error (bad option, unknown loss or parameter)
  3  unreadable or invalid input data
  4  internal error (a bug: please report it)"""

MERGE_EXIT_CODES_HELP = EXIT_CODES_HELP.replace("  1  a quality check failed (and only that)\n", "")

#: The status decided before output is written, kept if stdout closes early (``| head``).
_decided = {"status": EXIT_OK, "debug": False}

class LossParamOption(click.Option):
    """An option mapped to a loss parameter; its help names the losses that take it (from the registry)."""

    def __init__(self, *args: Any, param_name: str, **kwargs: Any) -> None:
        self.param_name = param_name
        super().__init__(*args, **kwargs)

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        record = super().get_help_record(ctx)
        if record is None:
            return None
        takers = losses_taking(self.param_name)
        return record[0], f"{record[1]} [{', '.join(takers)}]" if takers else record[1]


class LossCliCommand(OneValueOptions, click.Command):
    """A losscli command: an option that takes one value, given two, is a usage error (:class:`OneValueOptions`)."""


class EvalCommand(LossCliCommand):
    """``eval`` whose help lists the registered losses."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from losscli.registry import list_losses

        with formatter.section("Losses (name and aliases; `losscli explain NAME` for details)"):
            formatter.write_dl([(s.name, ", ".join(s.aliases) or "—") for s in list_losses()])
        super().format_epilog(ctx, formatter)


class LossCliGroup(OneValueOptions, click.Group):
    """The command group; ``losscli LOSS ...`` (a loss name where the command goes) suggests ``eval``. Its
    commands are :class:`LossCliCommand`."""

    command_class = LossCliCommand

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        name = args[0] if args else ""
        if name and self.get_command(ctx, name) is None and not name.startswith("-"):
            from losscli.errors import UsageError
            from losscli.registry import REGISTRY, get_loss, parse_loss_expression, split_loss_list

            rest = " ".join(args[1:])
            try:
                for text in split_loss_list(name):
                    get_loss(parse_loss_expression(text)[0])
            except Exception:
                close = REGISTRY.suggest(parse_loss_expression(name)[0]) if name.isidentifier() else []
                if not close:
                    return super().resolve_command(ctx, args)
                raise UsageError(f"no such command {name!r}",
                                 hint=f"to evaluate a loss: losscli eval LOSS {rest}; close loss names: "
                                 + ", ".join(close)) from None
            raise UsageError(f"no such command {name!r}; {name!r} is a loss",
                             hint=f"to evaluate it: losscli eval {name} {rest}".rstrip())
        return super().resolve_command(ctx, args)


@click.group(cls=LossCliGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             epilog=EXIT_CODES_HELP)
@click.version_option(__version__, prog_name="losscli")
@click.option("--debug", is_flag=True, envvar="LOSSCLI_DEBUG", help="Show a traceback on errors.")
def cli(debug: bool) -> None:
    """Evaluate losses on predictions, exactly as PyTorch, Keras or scikit-learn define them.

    \b
    Examples:
      losscli eval bce --labels y.csv --preds p.csv
      losscli eval sparse_cce scores.csv --logits --json | jq .value
      losscli eval 'huber(delta=0.5)' --labels y.npy --preds p.npy -q
      losscli list
      losscli explain focal

    \b
    Shell completion: eval "$(_LOSSCLI_COMPLETE=bash_source losscli)" in ~/.bashrc
    (zsh_source in ~/.zshrc, fish_source for fish).
    """
    _decided["debug"] = debug


def _param_option(*decls: str, param: str, **kwargs: Any) -> Any:
    return click.option(*decls, cls=LossParamOption, param_name=param, **kwargs)


@cli.command("eval", cls=EvalCommand, epilog=EXIT_CODES_HELP)
@click.argument("loss", shell_complete=complete_loss)
@click.argument("file", required=False)
@click.option("--labels", metavar="FILE", help="Labels file (CSV/TSV, JSON lines, NPY, NPZ[:key], Parquet, Arrow/Feather; '-' = stdin).")
@click.option("--preds", metavar="FILE", multiple=True,
              help="Predictions file: probabilities, logits or values. Repeat it, or give a quoted glob, to rank "
              "several prediction files against one labels file.")
@click.option("--weights", metavar="FILE", help="Sample weights file (one column).")
@click.option("--label-cols", metavar="SEL", help="Label column(s): names, 1-based positions, a:b ranges, globs.")
@click.option("--pred-cols", metavar="SEL", help="Prediction column(s), same grammar; their order is the class order.")
@click.option("--pred2-cols", metavar="SEL", help="The second input of a pairwise loss (cosine_embedding, "
              "margin_ranking): its columns, aligned with --pred-cols (columns of --preds2 when it is given).")
@click.option("--preds2", metavar="FILE", help="The second input of a pairwise loss in its own file (any format "
              "--preds takes), read in step with --preds (or FILE) row by row.")
@click.option("--weight-col", metavar="SEL", help="Sample-weight column (in the one file, or in the preds or labels file).")
@click.option("--words-col", metavar="COL", help="Words of each row (a token, or a document's summed NLL): adds "
              "word_perplexity = exp(Σ NLL / Σ words) to a cross-entropy (lm-evaluation-harness).")
@click.option("--bytes-col", metavar="COL", help="Bytes of each row (UTF-8): adds byte_perplexity = exp(Σ NLL / Σ bytes) "
              "and bits_per_byte = Σ NLL / (Σ bytes · ln 2) to a cross-entropy (lm-evaluation-harness).")
@click.option("--words", metavar="FILE", help="The words of each row in a file of their own (one column, or the "
              "one --words-col selects), aligned with the predictions by row.")
@click.option("--bytes", metavar="FILE", help="The bytes of each row in a file of their own, aligned "
              "with the predictions by row.")
@click.option("--id-col", metavar="COL", help="Join labels and predictions by this key column instead of row order.")
@click.option("--classes", metavar="A,B,C", help="Class order for string (or arbitrary) labels: classes[j] is column j.")
@click.option("--logits/--probs", "--from-logits/--from-probs", "from_logits", default=None,
              help="Predictions are logits (default: probabilities).")
@_param_option("--log-probs", param="log_probs", is_flag=True, default=None,
               help="Predictions are log-probabilities (torch nll_loss, kl_div input).")
@_param_option("--label-smoothing", param="label_smoothing", type=FINITE, metavar="EPS", help="Label smoothing ε.")
@_param_option("--class-weights", param="class_weights", metavar="A,B,C|FILE", help="One weight per class: A,B,C, or a file of one number per line.")
@_param_option("--pos-weight", param="pos_weight", metavar="X[,Y..]", help="Positive-class weight (per column).")
@_param_option("--ignore-index", param="ignore_index", type=INT64, metavar="K", help="Label value to ignore (token_nll: -100 unless given).")
@_param_option("--gamma", param="gamma", type=FINITE, help="Focal γ.")
@_param_option("--alpha", param="alpha", metavar="A[,B..]", help="Focal α, Tversky α, or the quantile of pinball.")
@_param_option("--delta", param="delta", type=FINITE, help="Huber δ.")
@_param_option("--beta", param="beta", type=FINITE, help="Smooth-L1 β (or Tversky β).")
@_param_option("--q", param="q", type=FINITE, help="Generalised cross-entropy q.")
@_param_option("--unit", param="unit", type=click.Choice(["nats", "bits"]),
               help="Unit of a cross-entropy: nats (default, natural log) or bits; its perplexity is reported.")
@_param_option("--n-bins", param="n_bins", type=click.IntRange(min=1, max=10_000), metavar="B",
               help="Confidence bins of a calibration error (default 15).")
@_param_option("--strategy", param="strategy", type=click.Choice(["uniform", "quantile"]),
               help="Bins of a calibration error: uniform (equal width, default) or quantile (equal mass: edges at "
               "the percentiles of the confidences, as scikit-learn calibration_curve).")
@click.option("--eps", type=Number(0.0, 0.5, open_low=True, open_high=True), help="Clip probabilities to [eps, 1−eps] (overrides the convention's clip).")
@click.option("--reduction", type=click.Choice(REDUCTION_NAMES), default="mean", show_default=True,
              help="mean is the convention's mean (losscli: Σw·l/Σw); the peers' names are understood "
              "(sum_over_batch_size = mean_over_n = batchmean, mean_with_sample_weight = weighted_mean); "
              "none gives the per-sample values only.")
@click.option("--convention", type=click.Choice(["losscli", "torch", "keras", "sklearn"]), default="losscli",
              show_default=True, help="Whose definition to reproduce.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl", "csv", "tsv", "md"]),
              help="Output format [default: table on a terminal, json otherwise].")
@click.option("--json", "fmt", flag_value="json", help="Shorthand for --format json.")
@click.option("--nl", "fmt", flag_value="jsonl", help="Shorthand for --format jsonl (one JSON line per sample).")
@click.option("--csv", "fmt", flag_value="csv", help="Shorthand for --format csv.")
@click.option("--tsv", "fmt", flag_value="tsv", help="Shorthand for --format tsv.")
@click.option("--md", "fmt", flag_value="md", help="Shorthand for --format md (GitHub-flavoured summary).")
@click.option("--summary-only", is_flag=True, help="The summary without the per-sample values: JSON without "
              "per_sample, the table without its sample rows.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the requested reduction's value.")
@click.option("--output", "-o", "output", metavar="FILE", help="Write per-sample losses to FILE (.csv .tsv .jsonl .npy .parquet).")
@click.option("--nan", type=click.Choice(["error", "skip", "warn"]), default="error", show_default=True,
              help="Rows with missing values: refuse, drop silently (counted), or drop with a warning.")
@click.option("--sum-tol", type=TOLERANCE, metavar="TOL", help="Tolerance for rows summing to 1 (default 1e-3): "
              "one-hot or soft label rows, probability or log-probability rows over classes.")
@click.option("--chunk-rows", type=click.IntRange(1, 2**31), help="Rows per chunk when streaming.")
@click.option("--no-progress", is_flag=True, help="No progress bar (it is shown on stderr for large inputs "
              "when stderr is a terminal).")
@click.option("--state-out", metavar="FILE", help="Also write the mergeable accumulator state (see `losscli merge`).")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: stream on this machine; dask: partitions on a Dask cluster (pip install 'losscli[dask]').")
@click.option("--scheduler", metavar="ADDRESS", help="With --engine dask: an existing dask.distributed scheduler "
              "(default: a local cluster of processes).")
@click.option("--header", is_flag=True, help="CSV files have a header row, even one of numbers (default: "
              "guessed; a first row holding only numbers is data).")
@click.option("--no-header", is_flag=True, help="CSV files have no header row (columns are named 1..K).")
@click.option("--delimiter", metavar="CHAR", help="CSV delimiter (default: sniffed).")
@click.option("--input-format", type=click.Choice(INPUT_FORMATS),
              help="Format of the input files (default: told by the extension, else by the content).")
@gate_options
@report_options
def eval_cmd(loss: str, file: str | None, **opts: Any) -> None:
    """Evaluate LOSS on labels and predictions.

    \b
    Two (or three) files:  losscli eval LOSS --labels FILE --preds FILE [--weights FILE]
    One file:              losscli eval LOSS FILE [--label-cols SEL] [--pred-cols SEL]

    LOSS is a name or alias, optionally with parameters: 'huber(delta=0.5)'; several, comma-separated
    ('bce,brier,focal(gamma=2)'), are evaluated in one pass. FILE may be a quoted glob of shards
    ('scores/part-*.parquet'): one dataset, read in order. In one-file mode the label
    column is the one named label, y, target or y_true unless --label-cols says otherwise; the other
    numeric columns are the predictions. Column selections take names, 1-based positions, ranges (p0:p9)
    and globs (logit_*).
    """
    from losscli.commands.eval import run_eval

    status = run_eval(loss, file, opts, stdin=sys.stdin.buffer, decided=_decided)
    _decided["status"] = status


@cli.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default=None,
              help="Output format [default: table on a terminal, json otherwise].")
@click.option("--json", "fmt", flag_value="json", help="Shorthand for --format json.")
def list_cmd(fmt: str | None) -> None:
    """List every registered loss: name, aliases, label kind, parameters, formula."""
    from losscli.commands.catalog import run_list

    run_list(fmt)


@cli.command("explain")
@click.argument("loss", shell_complete=complete_loss)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--json", "fmt", flag_value="json", help="Shorthand for --format json.")
def explain_cmd(loss: str, fmt: str) -> None:
    """Explain LOSS: formula, expected inputs, parameters, conventions and a worked example."""
    from losscli.commands.catalog import run_explain

    run_explain(loss, fmt)


#: eval options that ``compare`` shares (the same option objects: one spelling, one help text).
COMPARE_SHARED = ("labels", "weights", "label_cols", "pred_cols", "pred2_cols", "preds2", "weight_col", "id_col",
                  "classes",
                  "from_logits", *PARAM_OPTIONS, "eps", "reduction", "convention", "nan", "sum_tol", "chunk_rows",
                  "header", "no_header", "delimiter", "input_format")


@cli.command("compare", epilog=EXIT_CODES_HELP)
@click.argument("loss", shell_complete=complete_loss)
@click.option("--preds", metavar="FILE", multiple=True,
              help="Candidate predictions (the new model); repeat it to rank several candidates against the "
                   "baseline, with Holm's correction for the multiple comparisons.")
@click.option("--baseline-preds", metavar="FILE", help="Baseline predictions (the old model), same labels.")
@click.option("--baseline-preds2", metavar="FILE", help="The baseline's second input of a pairwise loss in its own "
              "file, with --preds2 (the candidate's).")
@resample_options
# no default values here (the settings take 0.95, 10 and 1e-12): -q tells one given that would change nothing
@click.option("--confidence", type=LEVEL, metavar="LEVEL",
              help="Confidence level of the interval and the verdict (default 0.95).")
@click.option("--top", type=click.IntRange(min=0), metavar="N",
              help="How many of the most worsened samples to list (default 10).")
@click.option("--tol", type=TOLERANCE, metavar="TOL",
              help="Per-sample differences within ±tol count as unchanged (default 1e-12).")
@click.option("--fail-if-worse", is_flag=True,
              help="Exit 1 when the candidate is significantly worse (the interval lies above 0; with several "
                   "candidates: when any one's Holm-adjusted p-value is at most 1 − confidence and it is worse).")
@click.option("-q", "--quiet", is_flag=True,
              help="Print only the difference of the loss (candidate − baseline); with several --preds, one per "
                   "line in the order given.")
@summary_format_options
@report_options
def compare_cmd(loss: str, **opts: Any) -> None:
    """Compare two prediction files on the same labels, sample by sample.

    \b
    losscli compare LOSS --labels y.csv --preds new.csv --baseline-preds old.csv [--fail-if-worse]
    losscli compare LOSS --labels y.csv --preds a.csv --preds b.csv --baseline-preds old.csv

    Reports the difference of the loss (candidate − baseline) with a paired bootstrap confidence interval,
    how many samples improved, worsened or stayed the same, and the samples that worsened most. Several
    --preds are ranked best first, each with its interval, its bootstrap p-value and the p-value adjusted
    by Holm's step-down for the number of candidates; the verdicts use the adjusted p-values.
    """
    from losscli.commands.compare import run_compare

    _decided["status"] = run_compare(loss, opts, stdin=sys.stdin.buffer, decided=_decided)


compare_cmd.params[1:1] = [p for p in eval_cmd.params if p.name in COMPARE_SHARED]



@cli.command("check", epilog=EXIT_CODES_HELP)
@click.argument("config", required=False, metavar="[FILE]")
@click.option("--only", multiple=True, metavar="NAME", help="Run only this check (repeatable).")
@click.option("--force", is_flag=True, help="Compare with baselines even when the signatures differ.")
@click.option("--update-baseline", is_flag=True,
              help="Rewrite every check's baseline file with this run's result (when its thresholds pass).")
@summary_format_options
@report_options
def check_cmd(config: str | None, **opts: Any) -> None:
    """Run the named checks of a check file (losscheck.toml, or [tool.losscli] in pyproject.toml).

    Prints a pass/fail table and exits 1 if a critical check failed; a check with warn = true is reported
    as WARN and does not fail the run. See the README for the schema.
    """
    from losscli.commands.check import run_check

    _decided["status"] = run_check(config, opts, decided=_decided)


@cli.command("merge", epilog=MERGE_EXIT_CODES_HELP)
@click.argument("states", nargs=-1, required=True, metavar="STATE...")
@summary_format_options
@click.option("-q", "--quiet", is_flag=True, help="Print only the requested reduction's value.")
@click.option("--state-out", metavar="FILE", help="Also write the merged state (for a further merge).")
def merge_cmd(states: tuple[str, ...], fmt: str | None, quiet: bool, state_out: str | None) -> None:
    """Merge the states written by `eval --state-out` (files or quoted globs) into the global result.

    
    for f in shards/*.parquet; do losscli eval bce "$f" --state-out "states/$(basename "$f").json" -q; done
    losscli merge 'states/*.json' --json

    The result is one pass over all rows: the same n, and the same mean, sum and std to within a few ulp
    (each shard's last partial block of 65,536 samples is summed on its own; shards of whole blocks give the
    same bits). States of different losses, parameters, conventions or reductions are refused.
    """
    from losscli.commands.merge import run_merge
    from losscli.commands.settings import stdout_format

    _decided["status"] = run_merge(list(states), stdout_format({"quiet": quiet, "fmt": fmt}), state_out=state_out,
                                   decided=_decided)


# ------------------------------------------------------------------------------------- entry point


def _debug_first(args: list[str]) -> list[str]:
    """``--debug`` is the group's option; given after the command (``losscli eval … --debug``) it is moved
    before it, so that it works wherever it is written (not after ``--``, where everything is an argument)."""
    end = args.index("--") if "--" in args else len(args)
    if "--debug" not in args[1:end]:
        return args
    return ["--debug", *(a for i, a in enumerate(args) if not (i < end and a == "--debug"))]


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: maps every outcome to the documented exit code."""
    from losscli import interrupts
    from losscli.interrupts import Terminated

    _decided["status"] = EXIT_OK
    status = EXIT_OK
    # NumPy's OpenBLAS, once loaded, starts a thread per core that spins for about 0.1 s, taking a core from
    # the kernels and the readers; the command runs threads of its own and no large BLAS operation (set
    # before NumPy is first imported; OPENBLAS_NUM_THREADS given by the user wins)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    interrupts.install()
    if sys.stdout is None:  # started with stdout closed (>&-): nowhere to put a result
        click.echo("losscli: error: standard output is closed: give the command somewhere to write "
                   "(>/dev/null to discard)", err=True)
        sys.exit(EXIT_DATA)
    try:
        cli.main(args=_debug_first(sys.argv[1:] if argv is None else list(argv)), prog_name="losscli",
                 standalone_mode=False)
        interrupts.raise_if_received()  # a signal whose exception a finaliser swallowed
        status = _decided["status"]
        _flush_stdout()
    except click.exceptions.Exit as exc:
        status = exc.exit_code
    except click.exceptions.Abort as exc:  # click's form of KeyboardInterrupt (Ctrl-C, or SIGTERM)
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, EOFError) and interrupts.received is None:
            # click turns an EOFError too into Abort: a stream that ended early, which no layer named (a bug)
            status = _failed(cause)
        else:
            terminated = isinstance(cause, Terminated)
            click.echo(f"losscli: {'terminated' if terminated else 'interrupted'}", err=True)
            status = EXIT_TERMINATED if terminated else EXIT_INTERRUPTED
    except click.exceptions.NoArgsIsHelpError as exc:  # `losscli` alone: the help, as written, and exit 2
        click.echo(exc.format_message(), err=True)
        status = EXIT_USAGE
    except click.ClickException as exc:  # one line, like every other error
        ctx = getattr(exc, "ctx", None)
        where = f": see '{ctx.command_path} --help'" if ctx is not None else ""
        if "unexpected extra argument" in exc.format_message() and ctx is not None and ctx.command.name in (
                "eval", "compare"):  # most often a glob of shards that the shell expanded
            where = (": quote a glob of shards ('part-*.csv') so that the shell leaves it to losscli; several "
                     f"prediction files go each with --preds{where.replace(': see', '; see')}")
        from losscli.escape import printable

        click.echo(f"losscli: error: {printable(exc.format_message().rstrip('.'))}{where}", err=True)
        status = EXIT_USAGE
    except Exception as exc:
        if interrupts.received is None:
            status = _failed(exc)
        else:  # Ctrl-C or SIGTERM turned into another error on its way out (an extension module's import
            # wraps it in an ImportError, a reader in its own error): the run was interrupted
            terminated = interrupts.received == "terminate"
            click.echo(f"losscli: {'terminated' if terminated else 'interrupted'}", err=True)
            status = EXIT_TERMINATED if terminated else EXIT_INTERRUPTED
    except Terminated:
        click.echo("losscli: terminated", err=True)
        status = EXIT_TERMINATED
    except KeyboardInterrupt:
        click.echo("losscli: interrupted", err=True)
        status = EXIT_INTERRUPTED
    if status in (EXIT_INTERRUPTED, EXIT_TERMINATED):
        interrupts.settle()
    sys.exit(status)


def _failed(exc: Exception) -> int:
    """Report an error that was not a signal, and return its exit status (a bug is re-raised with
    ``--debug``, for its traceback)."""
    from losscli.errors import LossCliError

    if isinstance(exc, LossCliError):
        _report(exc)
        return exc.exit_code
    if isinstance(exc, BrokenPipeError):
        from losscli.commands.output import silence_stdout

        silence_stdout()
        return _decided["status"]
    if _decided["debug"]:
        raise exc
    if isinstance(exc, ModuleNotFoundError):  # an install without one of its dependencies: not a bug to report
        missing = (exc.name or "").split(".")[0]
        click.echo(f"losscli: error: the module {missing!r} is not installed, and losscli needs it here: install it "
                   f"(pip install {missing}), or reinstall losscli with its dependencies", err=True)
        return EXIT_INTERNAL
    from losscli.escape import printable  # a bug: one line, the traceback only with --debug

    click.echo(f"losscli: internal error: {type(exc).__name__}: {printable(exc)} (run with --debug for a traceback "
               "and please report it)", err=True)
    return EXIT_INTERNAL


def _flush_stdout() -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:  # a full disk, /dev/full
        from losscli.commands.output import stdout_error

        raise stdout_error(exc) from None


def _report(exc: Exception) -> None:
    if _decided["debug"]:
        import traceback

        traceback.print_exception(exc)
    from losscli.escape import printable

    click.echo(f"losscli: error: {printable(exc)}", err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
