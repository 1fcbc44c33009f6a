"""Wiring the stages: input batches → evaluator (validate, kernel, accumulate) → what reporters need.

Besides the :class:`~losscli.engine.evaluator.Result`, an evaluation keeps a small display sample for the table
view: the first and last rows and the worst samples, with their label, predicted class or value and the
probability given to the true class.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import field
from typing import Any

import numpy as np

from losscli.engine.evaluator import Evaluator, Result
from losscli.engine.labels import adapt_labels
from losscli.engine.plausibility import ClassRange, batch_warnings, result_warnings
from losscli.errors import InputError
from losscli.inputs.plan import Batch, InputPlan
from losscli.losses._common import log_softmax, sigmoid
from losscli.records import record
from losscli.spec import LossSpec
from losscli.startup import done as start_up_done

SHOW = 5


@record
class Evaluation:
    """One loss evaluated on one set of inputs."""

    result: Result
    inputs: dict[str, Any]
    ids: np.ndarray | None
    rows: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0
    file: str | None = None  # set when several prediction files are ranked
    rank: int | None = None
    given: int = 0  # the place of its prediction file on the command line, when several are ranked
    histogram_sample: np.ndarray | None = None  # a uniform sample of per-sample values when not all are kept
    #: Report sections added by quality features (signature, ci, by_class, by_group, baseline, checks).
    extra: dict[str, Any] = field(default_factory=dict)
    #: With --nan skip/warn: the input row (0-based data row) of each kept sample, so results join back.
    sample_rows: np.ndarray | None = None
    #: the reliability bins (:class:`losscli.engine.calibration.Reliability`) when an HTML report asked
    reliability: Any = None

    def index(self, i: int) -> int:
        """The ``index`` reported for the ``i``-th kept sample: its input row."""
        return i if self.sample_rows is None else int(self.sample_rows[i])

    @property
    def warnings(self) -> list[str]:
        return self.result.warnings


@record
class DisplayRow:
    """One sample kept for the table: its place among the scored samples, id, label, prediction, loss and
    input row (0-based data row of the predictions, as ``--nl`` reports it: rows skipped with ``--nan skip``
    leave gaps)."""

    index: int
    id: Any
    y_true: np.ndarray
    y_pred: np.ndarray
    value: float
    row: int


def run(
    plan: InputPlan,
    evaluator: Evaluator,
    *,
    keep_ids: bool | None = None,
    observers: list[Callable[[Batch, np.ndarray, int], None]] | None = None,
    display: bool = True,
) -> Evaluation:
    """Evaluate every batch of ``plan``; errors are annotated with file, column and row.

    Each observer is called as ``observer(batch, per_sample_values, sample_offset)`` after a batch is
    evaluated (``--output`` writers, label hashing, per-class and per-group breakdowns, progress).
    ``display=False`` keeps no display rows (see :func:`run_many`).
    """
    wrapped = [_first_only(obs) for obs in observers or ()]
    return run_many(plan, [evaluator], keep_ids=keep_ids, observers=wrapped, display=display)[0]


def _first_only(obs: Callable[[Batch, np.ndarray, int], None]) -> Callable[[Batch, list[np.ndarray], int], None]:
    def call(batch: Batch, values: list[np.ndarray], offset: int) -> None:
        obs(batch, values[0], offset)

    return call


def run_many(
    plan: InputPlan,
    evaluators: list[Evaluator],
    *,
    keep_ids: bool | None = None,
    observers: list[Callable[[Batch, list[np.ndarray], int], None]] | None = None,
    prefetch: bool = True,
    display: bool = True,
) -> list[Evaluation]:
    """Evaluate several losses in one pass over the input (each batch is read once).

    Observers get the per-sample values of every evaluator, in order. With ``prefetch`` the next batch
    is read in a background thread while the current one is computed (parsing and NumPy release the GIL),
    where that gains time (:meth:`~losscli.inputs.plan.InputPlan.read_ahead_gains`: not for array files).
    The ids of the samples are kept with ``keep_ids``, by default only when per-sample values are (they
    label them): otherwise memory would grow with the input. ``display=False`` keeps no display rows
    and no histogram sample (for a report that shows neither, such as ``-q``).
    """
    start_up_done()  # the command has loaded: the stream is collected as usual (losscli.startup)
    if keep_ids is None:
        keep_ids = any(ev.keep_per_sample for ev in evaluators)
    keepers = [DisplaySample(sample=not ev.keep_per_sample, enabled=display) for ev in evaluators]
    for ev in evaluators:  # with no display and no observer, nobody reads the values update() returns
        ev.values_needed = bool(display or observers)
        # weighted by the input's plan, whether or not a row is left to weigh (a shard whose rows --nan skip
        # drops merges with its weighted siblings)
        ev.weighted = ev.weighted or plan.weights is not None
    ids: list[np.ndarray] = []
    input_rows: list[np.ndarray] | None = [] if plan.options.nan != "error" else None
    offset = 0
    batch: Batch | None = None
    batches = _prefetched(plan.batches()) if prefetch and plan.read_ahead_gains() else plan.batches()
    doubts: list[list[str]] = [[] for _ in evaluators]
    ranges = [ClassRange(ev.spec, ev.params, named_classes=plan.class_map is not None) for ev in evaluators]
    try:
        for batch in batches:
            n = len(batch)
            all_values = []
            for ev, keeper, doubt, seen in zip(evaluators, keepers, doubts, ranges, strict=True):
                y_true = adapt_labels(ev.spec, batch.y_true, batch.y_pred)
                counts = {k: batch.extra[k] for k in ev.counts} if ev.counts else None
                values = ev.update(y_true, batch.y_pred, batch.weights, counts=counts)
                if offset == 0:
                    doubt.extend(batch_warnings(ev.spec, ev.params, batch.y_true, batch.y_pred))
                seen.add(batch.y_true, batch.y_pred)
                keeper.add(batch, y_true, values, offset)
                all_values.append(values)
            if keep_ids and batch.ids is not None:
                ids.append(np.asarray(batch.ids))
            if input_rows is not None and any(ev.keep_per_sample for ev in evaluators):
                input_rows.append(np.asarray(batch.rows, dtype=np.int64))
            for observer in observers or ():
                observer(batch, all_values, offset)
            offset += n
    except InputError as err:
        raise plan.annotate(err, batch, offset) from None
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()
    all_ids = np.concatenate(ids) if ids else None
    sample_rows = np.concatenate(input_rows) if input_rows else None
    out = []
    for ev, keeper, doubt, seen in zip(evaluators, keepers, doubts, ranges, strict=True):
        doubt.extend(seen.warnings())
        try:
            result = ev.result()
        except InputError as err:  # about the whole input (weights summing to 0, no samples left)
            raise _name_the_input(err, plan) from None
        for w in [*plan.warnings, *doubt, *result_warnings(result.clipped, result.n, result.outputs)]:
            if w not in result.warnings:
                result.warnings.append(w)
        if plan.skipped and plan.options.nan == "warn":  # --nan skip drops silently; both count in `skipped`
            note = f"{plan.skipped} rows with missing values were skipped (--nan {plan.options.nan})"
            if note not in result.warnings:
                result.warnings.append(note)
        if result.batch_level:  # one value for the whole batch: no per-sample rows to show
            out.append(Evaluation(result, plan.inputs_document(), all_ids, [], plan.skipped))
            continue
        rows = _display_rows(ev.spec, ev.params, keeper.head, keeper.tail, keeper.worst_sorted(), offset, plan)
        out.append(Evaluation(result, plan.inputs_document(), all_ids, rows, plan.skipped,
                              histogram_sample=keeper.histogram_sample(), sample_rows=sample_rows))
    return out


def _name_the_input(err: InputError, plan: InputPlan) -> InputError:
    """Name the file of an error that has no location: the weights file when it is about weights."""
    if err.location is None:
        from losscli.errors import Location

        role = plan.weights if plan.weights is not None and "weight" in err.message else plan.preds
        err.location = Location(
            "sample_weight" if role is plan.weights else "y_pred",
            file=role.source.name,
            column_name=role.columns[0] if len(role.columns) == 1 else None,
        )
    return err


class DisplaySample:
    """The display sample of one loss: first and last rows and the worst samples."""

    SAMPLE = 20000

    def __init__(self, sample: bool = False, enabled: bool = True) -> None:
        self.head: list[DisplayRow] = []
        self.tail: list[DisplayRow] = []
        self.worst: list[tuple[float, int, DisplayRow]] = []
        self.sample = sample and enabled
        self.enabled = enabled
        self._rng: Any = None  # made on first use: numpy.random costs 10 ms to import
        self._keys = np.zeros(0)
        self._values = np.zeros(0)
        self._bound = 1.0

    def _sample(self, values: np.ndarray) -> None:
        """A uniform sample of bounded size (smallest random keys), for the histogram. Once the sample is
        full only the values whose key is below the largest kept key can enter it."""
        if self._rng is None:
            self._rng = np.random.default_rng(0)
        keys = self._rng.random(len(values))
        if len(self._keys) >= self.SAMPLE:
            new = np.flatnonzero(keys < self._bound)
            if not len(new):
                return
            keys, values = keys[new], values[new]
        keys = np.concatenate([self._keys, keys])
        vals = np.concatenate([self._values, values])
        if len(keys) > self.SAMPLE:
            keep = np.argpartition(keys, self.SAMPLE - 1)[: self.SAMPLE]
            keys, vals = keys[keep], vals[keep]
        self._keys, self._values = keys, vals
        self._bound = float(keys.max()) if len(keys) else 1.0

    def histogram_sample(self) -> np.ndarray | None:
        return self._values if self.sample else None

    def add(self, batch: Batch, y_true: np.ndarray, values: np.ndarray, offset: int) -> None:
        if not self.enabled:
            return
        n = len(values)
        if self.sample:
            self._sample(values)
        for i in range(min(SHOW - len(self.head), n)):
            self.head.append(_keep(batch, y_true, values, i, offset))
        self.tail = (self.tail + [_keep(batch, y_true, values, i, offset) for i in range(max(0, n - SHOW), n)])[
            -SHOW:
        ]
        if not n:
            return
        candidates = None
        if len(self.worst) >= SHOW:  # full: only a value above the smallest kept one can enter
            with np.errstate(invalid="ignore"):
                candidates = np.flatnonzero(values > self.worst[0][0])
            if not len(candidates):
                return
        pool = values if candidates is None else values[candidates]
        k = min(SHOW, len(pool))
        top = np.argpartition(-pool, k - 1)[:k] if len(pool) > k else np.arange(len(pool))
        if candidates is not None:
            top = candidates[top]
        for i in top:
            item = (float(values[i]), -(offset + int(i)), _keep(batch, y_true, values, int(i), offset))
            if len(self.worst) < SHOW:
                heapq.heappush(self.worst, item)
            elif item[:2] > self.worst[0][:2]:
                heapq.heapreplace(self.worst, item)

    def worst_sorted(self) -> list[DisplayRow]:
        return [k for _, _, k in sorted(self.worst, key=lambda t: (-t[0], -t[1]))]


_DONE = object()


class _prefetched:
    """Iterate ``source`` in a background thread, one item ahead; exceptions re-raise in the caller."""

    def __init__(self, source: Any, depth: int = 1) -> None:
        import queue
        import threading

        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._work, args=(source,), daemon=True)
        self._thread.start()

    def _work(self, source: Any) -> None:
        try:
            for item in source:
                if self._stop.is_set():
                    return
                self._put((True, item))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            self._put((False, exc))
            return
        finally:
            # A stopped or failed run: close the readers here, before close() joins this thread, not at
            # garbage collection during interpreter shutdown (pyarrow may still be reading ahead).
            close = getattr(source, "close", None)
            if close is not None:
                import contextlib

                with contextlib.suppress(Exception):  # the run already failed or was stopped
                    close()
        self._put((True, _DONE))

    def _put(self, item: Any) -> None:
        import queue

        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def __iter__(self) -> _prefetched:
        return self

    def __next__(self) -> Any:
        ok, item = self._queue.get()
        if not ok:
            raise item
        if item is _DONE:
            raise StopIteration
        return item

    def close(self) -> None:
        self._stop.set()
        # Wait for the reader (it stops after the batch it is reading): an interpreter that exits — after
        # Ctrl-C or an error — while the thread is inside pyarrow can abort or segfault in teardown.
        self._thread.join(timeout=60)


def _keep(batch: Batch, y_true: np.ndarray, values: np.ndarray, i: int, offset: int) -> DisplayRow:
    """One row kept for display: copies, so that the chunk it came from is not kept alive with it (15 kept
    rows of a 128k vocabulary would otherwise hold 15 chunks, 480 MB)."""
    return DisplayRow(
        offset + i,
        None if batch.ids is None else batch.ids[i],
        np.array(np.atleast_1d(y_true[i])),
        np.array(np.atleast_1d(batch.y_pred[i])),
        float(values[i]),
        int(batch.rows[i]),
    )


def _display_rows(
    spec: LossSpec,
    params: dict[str, Any],
    head: list[DisplayRow],
    tail: list[DisplayRow],
    worst: list[DisplayRow],
    total: int,
    plan: InputPlan,
) -> list[dict[str, Any]]:
    names = plan.class_names() if plan.class_map else None
    seen = set()
    rows = []
    worst_idx = {k.index for k in worst}
    for tag, items in (("head", head), ("tail", tail), ("worst", worst)):
        for k in items:
            if k.index in seen:
                continue
            seen.add(k.index)
            label, predicted, p_true = display_cells(spec, params, k.y_true, k.y_pred, names)
            rows.append(
                {
                    "index": k.index,
                    "row": k.row,
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


def display_cells(
    spec: LossSpec, params: dict[str, Any], y: np.ndarray, p: np.ndarray, names: dict[int, str] | None = None
) -> tuple[str, str, float | None]:
    """(label, predicted class or value, probability of the true class) of one sample, for display."""
    logits = bool(params.get("from_logits"))
    log_probs = bool(params.get("log_probs"))  # log-probabilities: exp gives the probabilities shown
    kind = spec.label_kind

    def name(j: int) -> str:
        return names.get(j, str(j)) if names else str(j)

    if kind in ("class_index", "distribution") and p.size > 1:
        x = p.astype(np.float64)
        probs = np.exp(log_softmax(x[None, :]))[0] if logits else np.exp(x) if log_probs else x
        true = int(np.argmax(y)) if kind == "distribution" else int(y[0])
        pred = int(np.argmax(probs))
        p_true = float(probs[true]) if spec.pred_kind == "distribution" and 0 <= true < probs.size else None
        soft = kind == "distribution" and not np.isin(y, (0.0, 1.0)).all()
        return (name(true) + (" (soft)" if soft else "")), name(pred), p_true
    # one column of a binary input: the probability of class 1 (σ of a logit, exp of a log-probability); the
    # class predicted is 1 above 0.5 (a logit above 0), as zero_one and hamming count it and scikit-learn's
    # argmax of predict_proba and torchmetrics' threshold give it (0.5 itself is class 0)
    if kind == "binary" and p.size == 1 and spec.pred_kind == "probability":
        prob = float(sigmoid(p.astype(np.float64))[0]) if logits else math.exp(p[0]) if log_probs else float(p[0])
        yv = float(y[0])
        return _fmt(yv), ("1" if prob > 0.5 else "0"), (prob if yv >= 0.5 else 1.0 - prob)
    if kind == "class_index" and p.size == 1:  # binary Brier, D², zero_one, ece/mce/rmsce
        prob = float(sigmoid(p.astype(np.float64))[0]) if logits else float(p[0])
        yv = int(y[0])
        return name(yv), name(int(prob > 0.5)), (prob if yv == 1 else 1.0 - prob)
    if p.size == 1:
        return _fmt(float(y[0])), _fmt(float(p[0])), None
    show = 3
    lab = ", ".join(_fmt(float(v)) for v in y[:show]) + (", …" if y.size > show else "")
    pre = ", ".join(_fmt(float(v)) for v in p[:show]) + (", …" if p.size > show else "")
    return f"[{lab}]", f"[{pre}]", None
