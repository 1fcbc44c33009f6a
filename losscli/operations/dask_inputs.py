"""``eval --engine dask``: the command line's inputs, read with ``dask.dataframe`` and reduced on a cluster.

The same column options as the local engine (``--label-cols``, ``--pred-cols``, ``--weight-col``,
``--id-col``, ``--classes``) resolve against the Dask frame's columns, and the columns left unsaid are
inferred by the same rule (:mod:`losscli.inputs.infer`) on a sample of the first rows; inputs are CSV/TSV
or Parquet paths, globs or fsspec URLs. The result has the same shape as the local engine's (summary only: per-sample
output and the display sample need the local engine).
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Any

from losscli.errors import InputError, ReadError, UsageError

if TYPE_CHECKING:
    from losscli.inputs.plan import InputOptions
    from losscli.settings import EngineSettings, LossSettings, ReportSettings


def _header(path: str, header: bool | None, delimiter: str | None, opened: list[Any] | None = None
            ) -> tuple[bool, bool, str | None]:
    """The header and delimiter decisions of the local reader on the first file of ``path`` (a path or a
    glob), and whether that header was a guess that may be data (pandas' default names ``0``…); the local
    reader's source of that file is added to ``opened``, for the checks of first rows across files."""
    import glob
    import os

    first = path if os.path.exists(path) else next(iter(sorted(glob.glob(path))), None)
    if first is None or first.lower().endswith((".parquet", ".pq")):
        return True if header is None else header, False, delimiter  # a URL or Parquet: names from the schema
    from losscli.errors import HeaderOnlyError
    from losscli.io import open_source

    try:
        src = open_source(first, delimiter=delimiter, header=header)
    except HeaderOnlyError as exc:  # an empty first shard of several: the others may have rows
        if os.path.exists(path) or len(glob.glob(path)) < 2:
            raise
        return True, False, exc.delimiter
    if opened is not None:
        opened.append(src)
    sniffed = getattr(src, "delimiter", None) or delimiter
    if getattr(src, "commented_header", False):
        from losscli.errors import ReadError

        raise ReadError(f"{first} has np.savetxt's header, after '# ', which the Dask engine reads as a name",
                        hint=f"take the mark off every file's first line (sed -i '1s/^# //' {first} …), or leave "
                             "out --engine dask")
    if getattr(src, "excel_sep_line", False):
        from losscli.errors import ReadError

        raise ReadError(f"{first} starts with Excel's {sniffed and 'sep=' + sniffed!r} line, which the Dask engine "
                        "reads as its header", hint=f"remove that line from every file (sed -i 1d {first} …), or leave out --engine dask")

        return header, False, sniffed
    return src.header_rows > 0, bool(getattr(src, "header_maybe_data", False)), sniffed


def _frame(path: str, options: Any, id_names: set[str], guessed: list[str], *, blank_rows: bool = False,
           opened: list[Any] | None = None, csv_files: list[tuple[str, str]] | None = None,
           as_text: frozenset[Any] = frozenset()) -> tuple[Any, Any]:
    """(frame, Table): a Dask frame named as the local reader names columns, and what the rule sees of it.
    ``path`` is added to ``guessed`` when its header row of numbers was guessed to be pandas' names;
    ``blank_rows``: blank lines are rows of missing values (see :func:`losscli.dask.read_frame`); a CSV path
    and its delimiter are added to ``csv_files`` (their blocks are checked for Spark's escaped quotes).
    Columns of a CSV file named in ``as_text`` (as pandas names them) are read as text, where a block held text
    among numbers (:class:`~losscli.dask.NumbersReadAsText`); the rule sees their first rows as the local reader
    sees them (numbers, where each is one)."""
    import numpy as np

    from losscli.dask import csv_separator, read_frame
    from losscli.inputs.infer import SAMPLE_ROWS, Table

    path = _directory_glob(path)
    sources: list[Any] = []
    header, maybe_data, delimiter = _header(path, options.header, options.delimiter, sources)
    if opened is not None:
        opened.extend(sources)
    if maybe_data:
        guessed.append(path)
    ddf = read_frame(path, header=header, delimiter=delimiter, text_columns=set(id_names) | as_text,
                     blank_rows=blank_rows)
    # (a file without a header: pandas numbers its columns from 0, the local reader names them from 1)
    as_text_names = {str(c + 1) if isinstance(c, int) else str(c) for c in as_text} - set(id_names)
    if csv_files is not None and not path.lower().endswith((".parquet", ".pq")) and not path.endswith("/"):
        csv_files.append((path, csv_separator(path, delimiter)))
    src = sources[0] if sources else None
    if getattr(src, "row_names", False) and len(ddf.columns) == len(src.columns) - 1:
        # R's row names under a header one cell short, which pandas reads as the index: a column again, named as
        # pandas names the row names under write.csv's "" header cell, so that they are checked as the local
        # engine checks them
        ddf = ddf.reset_index().rename(columns={"index": "Unnamed: 0"})
    if getattr(src, "trailing_empty", None) is not None and len(ddf.columns) == len(src.columns):
        # every row ending with the delimiter (Excel's 1;0.9;): the empty last column is left out, as the local
        # engine leaves it out; a value in it further down is refused alike
        from losscli.dask import without_empty_last

        cut = src.filter_command(f"cut -d{shlex.quote(src.delimiter)} -f1-{len(src.columns) - 1}")
        ddf = without_empty_last(ddf, path, src.delimiter, cut)
    try:
        head = _first_rows(ddf, SAMPLE_ROWS)
    except (ValueError, OSError, EOFError) as exc:  # pandas' ParserError of a later partition's rows, a
        from losscli.dask import read_error  # compressed file cut short (gzip's EOFError), an unreadable one

        raise read_error(path, exc) from None
    except KeyError as exc:  # a shard without a column of the first one's (Parquet files of other schemas)
        from losscli.dask import shard_lacks_column

        raise shard_lacks_column(path, exc) from None
    sample = {}
    for c in head.columns:
        col = head[c]
        if col.dtype.kind == "O" and any(isinstance(v, (list, tuple, np.ndarray)) for v in col.head(16)):
            raise UsageError(
                f"{path}: column {str(c)!r} holds a list of values per row (a row's logits or probabilities); "
                "the Dask engine reads one value per column",
                hint="read it with --engine local (the default), which streams list columns in bounded memory",
            )
        if col.dtype.kind == "O" and (record := next((v for v in col.head(16) if isinstance(v, dict)), None)):
            from losscli.io.parquet import SPARK_VECTOR_FIELDS, spark_vector_hint

            raise ReadError(  # as the local reader refuses it: not left out as text beside other columns
                f"{path}: column {str(c)!r} holds a record (a struct) per row, not one number or string per row",
                hint=spark_vector_hint(str(c)) if set(record) == SPARK_VECTOR_FIELDS else None)
        if col.dtype.kind not in "iufb" and not path.lower().endswith((".parquet", ".pq")):
            from losscli.io import csv_quotes

            if any(isinstance(v, str) and csv_quotes.took_next_row(v, delimiter or ",") for v in col.tolist()):
                raise ReadError(f"{path}: {csv_quotes.BACKSLASH_ESCAPED} (column {str(c)!r}, in its first rows)",
                                hint=csv_quotes.BACKSLASH_HINT)
        numbers = _sampled_numbers(col) if str(c) in as_text_names else None
        sample[str(c)] = numbers if numbers is not None else col.to_numpy(
            dtype=np.float64) if col.dtype.kind in "iufb" else col.astype(object).where(col.notna(), "").to_numpy(
            dtype=object)
    table = Table(path, [str(c) for c in ddf.columns], sample, real_header=bool(header))
    if getattr(src, "guessed_header", False):
        table.header_maybe_sample = src.header_may_be_sample
    if path.lower().endswith((".parquet", ".pq")) or path.endswith("/"):  # pandas' index, read back as a column
        from losscli.dask import parquet_class_names, parquet_index_levels

        table.class_names = {c: names for c, names in parquet_class_names(path).items() if c in table.columns}
        levels = [c for c in parquet_index_levels(path) if c in table.columns]
        table.index_column = levels[0] if len(levels) == 1 else None
        table.index_levels = tuple(levels) if len(levels) > 1 else ()
        if not levels:
            from losscli.dask import parquet_range_index

            table.range_index = parquet_range_index(path)
    return ddf, table


def evaluate_with_dask(loss: LossSettings, options: InputOptions, report: ReportSettings,
                       engine: EngineSettings) -> tuple[list[Any], list[Any]]:
    """Evaluate the losses with the Dask engine, from the same settings as the local engine;
    (evaluations, merged evaluators). Where a block of a CSV file holds text in a column of numbers, the
    files are read again with that column as text (:class:`~losscli.dask.NumbersReadAsText`)."""
    from losscli.dask import NumbersReadAsText, make_client

    made: list[tuple[Any, Any]] = []  # (client, local cluster or None): made when first needed, kept for a retry

    def client() -> Any:
        if not made:
            made.append(make_client(engine.scheduler))
        return made[0][0]

    as_text: frozenset[Any] = frozenset()
    try:
        while True:
            try:
                return _evaluate_with_dask(loss, options, report, engine, as_text, client)
            except NumbersReadAsText as exc:
                if set(exc.columns) <= as_text:  # read as text already: cannot come again
                    raise
                as_text |= set(exc.columns)
    finally:
        for made_client, cluster in made:
            made_client.close()
            if cluster is not None:
                cluster.close()


def _evaluate_with_dask(loss: LossSettings, options: InputOptions, report: ReportSettings,
                        engine: EngineSettings, as_text: frozenset[Any], get_client: Any
                        ) -> tuple[list[Any], list[Any]]:
    """:func:`evaluate_with_dask`, with the columns ``as_text`` read as text, on the client ``get_client()``."""
    from losscli.dask import evaluate_many
    from losscli.inputs.infer import JOIN_NAMES, Selection, infer_one_file, infer_two_files, is_text
    from losscli.inputs.plan import refuse_classes_for_values
    from losscli.operations.evaluation import convention_of, loss_params, loss_texts
    from losscli.pipeline import Evaluation
    from losscli.registry import get_loss
    from losscli.spec import CLASS_SCORE_KINDS
    from losscli.startup import done as start_up_done

    start_up_done()  # Dask is loaded: the client's loop is collected as usual (losscli.startup)
    if report.fmt in ("jsonl", "csv", "tsv") or report.output or report.per_sample_only:
        raise UsageError("--engine dask reports summaries only", hint="per-sample output needs --engine local")
    if options.fmt is not None:
        raise UsageError("--input-format needs --engine local: the Dask engine reads CSV and Parquet files by "
                         "their extension", hint="name the files .csv or .parquet, or use --engine local")
    if "group" in options.extra_cols:
        raise UsageError("--group-col needs --engine local")
    if options.extra_files:
        flag = f"--{next(iter(options.extra_files))}"
        raise UsageError(f"{flag} FILE needs --engine local",
                         hint=f"with --engine dask give it as a column of the predictions: {flag}-col")
    if options.weights:
        raise UsageError("--weights FILE needs --engine local",
                         hint="with --engine dask give the weights as a column of the predictions: --weight-col")
    texts = loss_texts(loss)
    specs = [get_loss(t) for t in texts]
    params = loss_params(specs, loss)
    refuse_classes_for_values(options, specs[0])  # (the local engine plans by the first loss alike)
    keys = {*JOIN_NAMES, *([options.id_col] if options.id_col else [])}
    guessed: list[str] = []
    opened: list[Any] = []  # the local reader's sources of the CSV files, for their first rows
    sel = Selection(options.label_cols, options.pred_cols, options.weight_col, options.id_col,
                    class_scores=specs[0].pred_kind in CLASS_SCORE_KINDS)
    check_key: str | tuple[str, str] | None = None  # columns of both files to agree row by row
    csv_files: list[tuple[str, str]] = []  # CSV inputs (path, delimiter): their blocks are checked for escapes
    joined_index: str | None = None  # the pandas index both files hold, joined on
    checked_notes: list[str] = []  # the notes of the files paired by row order, their indexes checked
    if options.data:
        if len(options.data) != 1:
            raise UsageError("give one path or glob for the Dask engine")
        labels, lab_table = _frame(options.data[0], options, keys, guessed, csv_files=csv_files, as_text=as_text)
        preds, pred_table = labels, lab_table
        count_cols = _count_columns(options, lab_table, sel)
        cols = infer_one_file(lab_table, sel)
        from losscli.inputs.plan import refuse_shared_columns

        refuse_shared_columns(options.data[0], cols.labels, cols.preds, cols.weight)
        names = [options.data[0]]
        id_name = cols.id_col
    else:
        if not options.labels or not options.preds:
            raise UsageError("give FILE, or both --labels and --preds")
        labels, lab_table = _frame(options.labels, options, keys, guessed, opened=opened, csv_files=csv_files,
                                   as_text=as_text)
        preds, pred_table = _frame(options.preds, options, keys, guessed, opened=opened, csv_files=csv_files,
                                   as_text=as_text)
        if len(guessed) == 2:
            from losscli.inputs.plan import guessed_headers_error

            raise guessed_headers_error(guessed)
        if len(opened) == 2:  # the same numbers opening both files, as the local engine refuses them
            from losscli.inputs.plan import refuse_guessed_headers

            refuse_guessed_headers(opened)
        count_cols = _count_columns(options, pred_table, sel)
        cols = infer_two_files(lab_table, pred_table, None, sel)
        check_key = cols.checked_id
        id_name = cols.id_col  # as the local engine names it (not the pandas index the Dask engine joins on)
        if cols.checked_index is not None:
            # the Dask engine joins rather than checks row by row: on the index column both files hold, else
            # (indexes of two names: a CSV file's beside a Parquet file's) it checks them row by row
            a, b = cols.checked_index
            if isinstance(a, tuple) and isinstance(b, tuple):  # two MultiIndexes: checked level by level
                check_key = (a, b)
            elif a and a == b and not any(w[2] in ("column", "key") for w in cols.watched_index):
                # (beside columns of one name watched for another order, checked row by row as the local engine
                # checks it: a join would pair the rows by the index and leave those columns unwatched)
                checked_notes, joined_index = list(cols.notes), a
                cols.notes = [n for n in cols.notes if "pandas index" not in n]
                cols.id_col = a
                cols.notes.append(f"{options.labels} and {options.preds} are joined on their pandas index {a!r}")
            elif isinstance(a, str) and isinstance(b, str):
                check_key = (a, b)
            cols.checked_index = None
        names = [options.labels, options.preds]
        if cols.id_col is None:
            labels, preds = _frames_by_row(options, keys, as_text)
    label_cols, pred_cols, weight = cols.labels, cols.preds, cols.weight
    if len(label_cols) == 1 and len(pred_cols) == 2 and any(s.label_kind == "binary" for s in specs):
        # a binary predict_proba (N, 2): columns named for the classes are paired with them by name, as the
        # local plan pairs them (labels that are class names take their columns by name below)
        from losscli.inputs.plan import two_class_columns

        if options.classes and len(options.classes) == 2:
            pred_cols = two_class_columns(pred_cols, list(options.classes)) or pred_cols
        elif not options.classes and not is_text(lab_table.sample.get(label_cols[0])):
            pred_cols = two_class_columns(pred_cols, [0, 1]) or pred_cols
    from losscli.inputs.plan import refuse_negative_class_column  # as the local plan refuses it

    refuse_negative_class_column([s.label_kind for s in specs], label_cols, pred_cols, options.classes,
                                 lab_table.sample.get(label_cols[0]) if len(label_cols) == 1 else None)
    if options.classes and len(label_cols) == 1:  # as the local plan checks them
        from losscli.inputs.plan import refuse_classes_against_columns

        refuse_classes_against_columns(pred_cols, list(options.classes))
    # pandas indexes the first rows cannot decide, and text columns of one name in both files: watched over the
    # whole frames, as the local engine does
    watch_index = [w for w in cols.watched_index if w[2] != "weights"]
    classes = options.classes
    if classes is None and len(label_cols) == 1 and len(pred_cols) > 1:
        if is_text(lab_table.sample.get(label_cols[0])):
            classes = _named_classes(pred_cols)
        else:
            from losscli.inputs.plan import class_label_map

            named = class_label_map(lab_table.class_names.get(label_cols[0]), label_cols[0], pred_cols, cols.notes)
            classes = ([str(int(k)) for k, _ in sorted(named.items(), key=lambda kv: kv[1])] if named is not None
                       else _numbered_classes(pred_cols, real_header=pred_table.real_header))
    elif classes is None and len(label_cols) == 1 and len(pred_cols) == 1 and specs[0].label_kind in (
            "binary", "class_index"):
        from losscli.inputs.plan import classes_named_by_column, classes_named_note

        classes = classes_named_by_column(pred_cols[0], lab_table.sample.get(label_cols[0]))
        if classes:  # class names beside one column named for one of them (p_yes), as the local plan reads them
            cols.notes.append(classes_named_note(pred_cols[0], classes))
    client = get_client()

    def evaluate(labels: Any, preds: Any, id_col: str | None, check_key: Any) -> list[Any]:
        return _evaluate_many(
            evaluate_many, guessed, opened, labels, None if labels is preds else preds, ",".join(texts),
            label_cols=label_cols, pred_cols=pred_cols, weight_col=weight[0] if weight else None,
            id_col=id_col if labels is not preds else None, classes=classes,
            watch_index=watch_index, check_key=check_key if labels is not preds else None,
            convention=convention_of(loss), reduction=loss.reduction, sum_tol=loss.sum_tol, nan=options.nan,
            client=client, per_loss_params=params, count_cols=count_cols,
            source=" and ".join(dict.fromkeys(names)), numbering=lab_table.range_index,
            row_files=(names[0], names[-1], _lines_before_data(names[-1], pred_table.real_header)),
            csv_files=csv_files,
        )

    try:
        evaluators = evaluate(labels, preds, cols.id_col, check_key)
    except InputError as exc:
        if joined_index is None or "duplicate" not in exc.message:
            raise
        # the pandas index repeats (batches numbered from 0 each): no key to join on, so the rows are paired
        # by position and the indexes checked row by row, as the local engine does
        labels, preds = _frames_by_row(options, keys, as_text)
        cols.id_col, cols.notes = None, checked_notes
        evaluators = evaluate(labels, preds, None, (joined_index, joined_index))
    checking = [ev.spec.name for ev in evaluators if ev.checks_row_sums]
    if loss.sum_tol_given and checking and len(label_cols) == 1 and len(pred_cols) == 1:  # as the local engine
        from losscli.engine.evaluator import refuse_sum_tol_without_rows

        refuse_sum_tol_without_rows(checking)
    evaluations = []
    for ev in evaluators:
        inputs: dict[str, Any] = {"engine": "dask", "labels": {"file": names[0], "columns": label_cols},
                                  "preds": {"file": names[-1], "columns": pred_cols}}
        if weight:  # the keys and values the local engine writes (InputPlan.inputs_document)
            inputs["weights"] = {"file": names[0] if cols.weight_in_labels else names[-1], "columns": list(weight)}
        if id_name:
            inputs["id"] = id_name
        if classes:  # the class of each prediction column, as the local engine names them
            inputs["classes"] = [str(c) for c in classes]
        if cols.notes:
            inputs["notes"] = list(cols.notes)
        skipped = getattr(ev, "skipped_rows", 0)
        if skipped:
            inputs["skipped_rows"] = skipped
        ev.shard = bool(report.state_out)
        evaluations.append(Evaluation(ev.result(), inputs, None, skipped=skipped))
    return evaluations, evaluators


def _lines_before_data(path: str, header: bool) -> int:
    """The lines before a file's first row of data, as the local reader counts rows (the header is row 1 of
    a CSV file; a Parquet file's first row is row 1)."""
    lower = path.lower()
    return 0 if lower.endswith((".parquet", ".pq")) or lower.endswith("/") else int(header)


def _first_rows(ddf: Any, rows: int) -> Any:
    """The first ``rows`` rows of ``ddf`` (all of them if fewer), read from as few partitions as hold them: the
    first, then 4, 16, … (a head of every partition parses every block of a CSV file and reads every Parquet row
    group, for a thousand rows)."""
    import warnings

    parts = 1
    while True:
        with warnings.catch_warnings():  # Dask's "insufficient elements" when the partitions hold fewer rows
            warnings.simplefilter("ignore", UserWarning)
            head = ddf.head(rows, npartitions=min(parts, ddf.npartitions))
        if len(head) >= rows or parts >= ddf.npartitions:
            return head
        parts *= 4


def _sampled_numbers(col: Any) -> Any:
    """A column read as text (``as_text`` of :func:`_frame`) as the numbers its first rows hold, cell by cell as
    the partitions read it (:func:`~losscli.dask.column_numbers`, true and false as 1 and 0); ``None`` when a
    cell is not one (the rule then sees the column as text, as the local reader would)."""
    from losscli.dask import NotANumber, column_numbers

    try:
        return column_numbers(col.to_frame(), col.name, booleans=True)
    except NotANumber:
        return None


def _frames_by_row(options: Any, keys: set[str], as_text: frozenset[Any] = frozenset()) -> tuple[Any, Any]:
    """The labels' and the predictions' frames for rows paired by position (one file each), read again with
    blank lines as rows, so that one cannot shift the pairing."""
    _refuse_many_files_by_position(options.labels, options.preds)
    labels, _ = _frame(options.labels, options, keys, [], blank_rows=True, as_text=as_text)
    preds, _ = _frame(options.preds, options, keys, [], blank_rows=True, as_text=as_text)
    return labels, preds


def _directory_glob(path: str) -> str:
    """A local directory of a dataset's parts (:mod:`losscli.inputs.directory`) as the glob of its data files,
    which Dask reads as one frame; a partitioned one, or one with empty parts, is left to the local engine."""
    import os

    if "://" in path or not os.path.isdir(path):
        return path
    from losscli.inputs.directory import dataset_files
    from losscli.io.detect import split_compression

    files, empty, partitions = dataset_files(path)
    if partitions or empty:
        what = (f"read the partition directories of {path}" if partitions else
                f"skip the empty (0-byte) part {empty[0]}")
        raise UsageError(f"the Dask engine does not {what}", hint="read the directory with --engine local (the "
                         "default), which reads its parts in order")
    name = os.path.basename(files[0])
    inner = split_compression(name)[0]
    pattern = os.path.join(path, "*" + os.path.splitext(inner)[1] + name[len(inner):])  # *.parquet, *.csv.gz
    import glob

    if sorted(glob.glob(pattern)) != sorted(files):
        raise UsageError(f"the Dask engine cannot tell the data files of {path} from its other files",
                         hint="read the directory with --engine local (the default)")
    return pattern


def _refuse_many_files_by_position(*paths: str) -> None:
    """Labels and predictions paired by row order cannot come from a pattern of several files, or a directory
    of them: the order of their rows would be the order the files are listed in (``part-10`` before
    ``part-2``)."""
    import glob
    import os

    for path in paths:
        if os.path.isdir(path):
            from losscli.inputs.directory import dataset_files

            found: int | None = len(dataset_files(path)[0])
            if found == 1:
                continue
        elif os.path.exists(path) or not glob.has_magic(path):
            continue
        else:
            found = len(glob.glob(path)) if "://" not in path else None
        if found is None or found > 1:
            raise UsageError(
                f"{path} names {'several files' if found else 'files'} whose rows would be paired with the other "
                "input's by position, in the order the files happen to be listed",
                hint="join the two inputs on an id column (--id-col), or give the labels and the predictions in "
                     "one file set holding both (FILE)",
            )


def _count_columns(options: InputOptions, table: Any, sel: Any) -> dict[str, str]:
    """The predictions' columns of the per-row counts (``--words-col``, ``--bytes-col``), claimed in ``sel``."""
    from losscli.io import select_columns

    out = {}
    for name, selection in options.extra_cols.items():
        flag = f"--{name}-col"
        chosen = select_columns(selection, table.columns, option=flag, file=table.name)
        if len(chosen) != 1:
            raise UsageError(f"{flag} must select one column, got {len(chosen)}")
        out[name] = chosen[0]
        sel.taken.append(chosen[0])
    return out


def _evaluate_many(evaluate_many: Any, guessed: list[str], opened: list[Any], *args: Any, **kwargs: Any) -> Any:
    """``evaluate_many``; a labels file and a predictions file one row apart get the local engine's hint where a
    first row's reading may be wrong (:func:`~losscli.inputs.plan.one_row_short_hint`: --no-header for a guessed
    header, --header for a first row read as data)."""
    from losscli.errors import ShapeError

    try:
        return evaluate_many(*args, **kwargs)
    except ShapeError as exc:
        rows = getattr(exc, "rows", None)  # (labels, predictions), from a labels file and a predictions file
        if rows is not None and abs(rows[0] - rows[1]) == 1 and len(opened) == 2:
            from losscli.inputs.plan import one_row_short_hint

            short, long = opened if rows[0] < rows[1] else opened[::-1]
            exc.hint = one_row_short_hint(short, long, opened) or exc.hint
        elif guessed:
            exc.hint = f"the first row of {guessed[0]} was read as a header: pass --no-header if it is data"
        raise


def _numbered_classes(pred_cols: list[str], *, real_header: bool) -> list[str] | None:
    """Class names of numbered prediction columns (``p_1``, ``p_2``, …; ``p1, p0``; a header ``1,0``) other
    than 0..C-1 in order, in column order, as the local engine matches numeric labels to them by name."""
    from losscli.inputs.plan import numbered_columns

    numbered = numbered_columns(pred_cols, real_header=real_header)
    if numbered is None:
        return None
    out = [str(int(k)) for k, _ in sorted(numbered.items(), key=lambda kv: kv[1])]
    return None if out == [str(j) for j in range(len(out))] else out


def _named_classes(pred_cols: list[str]) -> list[str]:
    """Class names of prediction columns named after the classes (``p_cat`` → ``cat``), in column order."""
    from losscli.inputs.plan import class_word

    return [class_word(c) for c in pred_cols]
