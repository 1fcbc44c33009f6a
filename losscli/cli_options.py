"""Option bundles shared by commands (click only, so ``losscli --help`` stays fast).

Each bundle is a decorator applying a tuple of ``click.option`` in order, as sqlite-utils does.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import click


class Number(click.ParamType):
    """A finite float within ``[low, high]`` (or the open interval, per bound), checked at parse time.

    click's ``FloatRange`` lets ``nan`` through (every comparison with it is false); this refuses it.
    """

    name = "number"

    def __init__(self, low: float | None = None, high: float | None = None, *, open_low: bool = False,
                 open_high: bool = False) -> None:
        self.low, self.high, self.open_low, self.open_high = low, high, open_low, open_high

    def convert(self, value: Any, param: Any, ctx: Any) -> float:
        if isinstance(value, float) and math.isfinite(value):
            x = value
        else:
            try:
                x = float(value)
            except (TypeError, ValueError):
                self.fail(f"{value!r} is not a number", param, ctx)
            if not math.isfinite(x):
                self.fail(f"{value!r} is not a finite number", param, ctx)
        low_bad = self.low is not None and (x <= self.low if self.open_low else x < self.low)
        high_bad = self.high is not None and (x >= self.high if self.open_high else x > self.high)
        if low_bad or high_bad:
            self.fail(f"{value!r} is not in {self.describe()}", param, ctx)
        return x

    def describe(self) -> str:
        lo = "-inf" if self.low is None else f"{self.low:g}"
        hi = "inf" if self.high is None else f"{self.high:g}"
        return f"{'(' if self.open_low or self.low is None else '['}{lo}, {hi}{')' if self.open_high or self.high is None else ']'}"


class Int64(click.ParamType):
    """An integer that fits in 64 bits (from ``low``): a label value such as ``--ignore-index``, a seed. Unlike
    ``IntRange`` it does not print its 20-digit bounds into the help, where they were broken across lines."""

    name = "integer"

    def __init__(self, low: int = -(2**63)) -> None:
        self.low = low

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        try:
            x = value if isinstance(value, int) and not isinstance(value, bool) else int(str(value).strip(), 10)
        except ValueError:
            self.fail(f"{value!r} is not an integer", param, ctx)
        if not self.low <= x < 2**63:
            lowest = "-2^63" if self.low == -(2**63) else str(self.low)
            self.fail(f"{value!r} is not an integer from {lowest} to 2^63 - 1", param, ctx)
        return x


#: any finite number (the loss parameters: their ranges are the registry's, checked when bound)
FINITE = Number()
#: a label value
INT64 = Int64()
#: a probability strictly inside (0, 1): confidence levels
LEVEL = Number(0.0, 1.0, open_low=True, open_high=True)
#: a non-negative finite tolerance
TOLERANCE = Number(0.0)
#: bootstrap resamples: enough for an interval, few enough to finish (cost ∝ samples × resamples)
MAX_RESAMPLES = 1_000_000
#: seeds numpy's generators accept
SEED = Int64(low=0)


def _bundle(*options: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def apply(f: Any) -> Any:
        for option in reversed(options):
            f = option(f)
        return f

    return apply


class OneValueOptions:
    """A command (mixin of :class:`click.Command` or :class:`click.Group`) whose options that take one value
    refuse two: click keeps the last one given and drops the others unsaid, so ``--weights a.csv --weights
    b.csv`` would weight by ``b.csv`` alone, exit 0. An option given more than once with *different* values is
    a usage error naming them all (``--weights is given 2 times (a.csv, b.csv); it takes one``); so are two
    options that set one value (``--json`` and ``--md``, both the output format), named both.

    Given twice with the same value (``--weights a.csv --weights a.csv``), or a flag given twice (``--json
    --json``), it passes: every occurrence says the same thing, so none is dropped, and a script that adds an
    option its caller may already have given still runs. Values are compared as written (``--delta 1 --delta
    1.0`` differ): what the user typed is what the message shows. Options that take several (``multiple``:
    ``--preds``, ``--max``) or count, and the arguments, are not concerned.

    Every occurrence of an option is listed in the ``order`` click's parser returns; its values are noted as
    the parser takes them. (Were the parser ever built without the options this reads, an option given twice
    would be refused whatever its values: a refusal too many, never a value dropped.)
    """

    def make_parser(self, ctx: click.Context) -> Any:
        parser = super().make_parser(ctx)  # type: ignore[misc]
        taken: list[tuple[Any, Any]] = []  # (the parser's option, the value it took), per occurrence
        seen = {id(o): o for table in ("_long_opt", "_short_opt") for o in getattr(parser, table, {}).values()}
        for option in seen.values():
            if getattr(option, "action", None) in ("store", "store_const"):
                option.process = _noting(option, option.process, taken)
        parse = parser.parse_args

        def parse_args(args: list[str]) -> Any:
            opts, rest, order = parse(args=args)
            # shell completion parses what is typed so far, and --help (--version) answers whatever else is
            # given: no error there
            if not ctx.resilient_parsing and not any(getattr(p, "is_eager", False) for p in order):
                refuse_repeated_options(ctx, order, taken if seen else None)
            return opts, rest, order

        parser.parse_args = parse_args
        return parser


def _noting(option: Any, process: Callable[..., Any], taken: list[tuple[Any, Any]]) -> Callable[..., Any]:
    def noted(value: Any, state: Any) -> Any:
        taken.append((option, option.const if option.action == "store_const" else value))
        return process(value, state)

    return noted


def _spelling(option: Any) -> str:
    """How the parser's ``option`` is written (its first long name): ``--logits``, or ``--probs`` for the
    second name of a ``--logits/--probs`` flag."""
    names = [*getattr(option, "_long_opts", ()), *getattr(option, "_short_opts", ())]
    return names[0] if names else option.obj.opts[0]


def refuse_repeated_options(ctx: click.Context, order: list[Any], taken: list[tuple[Any, Any]] | None) -> None:
    """A usage error for an option that takes one value given with two (see :class:`OneValueOptions`), or for
    two options that set one value (``--json`` and ``--md``: the format, whose last one click would keep);
    ``taken`` is ``None`` where the values are not known (then any repeat is refused)."""
    counts: dict[str, int] = {}
    for param in order:
        if isinstance(param, click.Option) and not (param.multiple or param.count):
            counts[param.name or ""] = counts.get(param.name or "", 0) + 1
    for dest in dict.fromkeys(p.name for p in order if counts.get(p.name or "", 0) > 1):
        given = [(o, v) for o, v in taken or () if o.obj.name == dest]
        first: dict[Any, Any] = {}  # each value, and the option that gave it first
        for o, v in given:
            first.setdefault(v, o)
        if taken is not None and len(first) <= 1:
            continue
        params = list(dict.fromkeys(o.obj for o, _ in given))
        if len(params) > 1 or any(o.action == "store_const" for o, _ in given):
            # options of one destination (--json and --md), or the two names of a flag (--logits and --probs)
            names = [_spelling(o) if o.action == "store_const" else f"{o.obj.opts[0]} {v}" for v, o in first.items()]
            both = f"{', '.join(names[:-1])} and {names[-1]}"
            why = (f"ask for {'two' if len(names) == 2 else len(names)} reports on standard output, which holds one"
                   if dest == "fmt"
                   else "contradict each other")
            raise click.UsageError(f"{both} {why}; give one of them", ctx=ctx)
        param = params[0] if params else next(p for p in order if p.name == dest)
        shown = f" ({', '.join(str(v) for _, v in given)})" if given else ""
        raise click.UsageError(f"{param.opts[0]} is given {counts[dest]} times{shown}; it takes one", ctx=ctx)


_RESAMPLE = (
    # no default value here (the settings take 2000 and 0): eval tells a --bootstrap given without --ci
    click.option("--bootstrap", "bootstrap", type=click.IntRange(10, MAX_RESAMPLES), metavar="N",
                 help="Bootstrap resamples for confidence intervals (default 2000)."),
    click.option("--seed", type=SEED, metavar="N",
                 help="Random seed of the bootstrap (default 0; results are reproducible)."),
)

#: Bootstrap settings (``eval --ci`` and ``compare``).
resample_options = _bundle(*_RESAMPLE)

#: Quality gates of ``eval``: thresholds, baselines, intervals and breakdowns.
gate_options = _bundle(
    click.option("--max", "max", multiple=True, metavar="[LOSS=]X",
                 help="Fail (exit 1) when the value is above X; repeat with LOSS=X (name or alias) per loss, "
                 "or with a derived value: perplexity, word_perplexity, byte_perplexity, bits_per_byte."),
    click.option("--min", "min", multiple=True, metavar="[LOSS=]X",
                 help="Fail when the value is below X (LOSS as for --max)."),
    click.option("--baseline", metavar="FILE",
                 help="A losscli JSON result of an earlier run to compare with (signatures must match)."),
    click.option("--max-increase", multiple=True, metavar="[LOSS=]X",
                 help="Fail when the value got worse than the baseline by more than X."),
    click.option("--max-rel-increase", multiple=True, metavar="[LOSS=]X%",
                 help="Fail when the value got worse than the baseline by more than X% (or a fraction)."),
    click.option("--force", is_flag=True, help="Compare with a baseline even when the signatures differ."),
    click.option("--update-baseline", is_flag=True,
                 help="Write this result as the --baseline file (atomically) unless a threshold failed."),
    click.option("--warn-only", is_flag=True, help="Report failed checks as warnings; exit 0."),
    click.option("--ci", type=LEVEL, metavar="LEVEL",
                 help="Add a bootstrap confidence interval of the value, e.g. --ci 0.95."),
    *_RESAMPLE,
    click.option("--by-class", is_flag=True, help="Mean loss, count and share of the loss per true class."),
    click.option("--group-col", metavar="COL",
                 help="Per-group means by this column of the predictions (or data) file; names the worst."),
    click.option("--max-group", multiple=True, metavar="[LOSS=]X",
                 help="Fail when any group's mean is above X (needs --group-col; LOSS as for --max)."),
    click.option("--max-class", multiple=True, metavar="[LOSS=]X",
                 help="Fail when any true class's mean is above X (implies --by-class; LOSS as for --max)."),
)

#: Side reports for CI systems (every command that runs checks).
report_options = _bundle(
    click.option("--junit-xml", metavar="FILE", help="Write a JUnit XML report: one testcase per check."),
    click.option("--openmetrics", metavar="FILE", help="Write OpenMetrics text (GitLab metrics.txt)."),
    click.option("--html", metavar="FILE",
                 help="Also write an HTML report with charts (one offline file; pip install 'losscli[report]')."),
    click.option("--step-summary", is_flag=True,
                 help="Append the Markdown report to $GITHUB_STEP_SUMMARY (GitHub Actions job summary)."),
)


#: Output format of the summary commands (compare, check, merge).
summary_format_options = _bundle(
    click.option("--format", "fmt", type=click.Choice(["table", "json", "md"]),
                 help="Output format [default: table on a terminal, json otherwise]."),
    click.option("--json", "fmt", flag_value="json", help="Shorthand for --format json."),
    click.option("--md", "fmt", flag_value="md", help="Shorthand for --format md."),
)
