"""Word and byte perplexity and bits per byte from per-row counts: streamed, chunked, merged and shard states
equal one pass; padding is left out; bad counts and misuse are refused with where and why."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from cli_helpers import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

import losscli
from losscli.engine.accumulator import Accumulator
from losscli.engine.evaluator import Evaluator
from losscli.errors import InputError, UsageError


def _lm(seed: int, n: int, pad: float):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 50, n)
    y[rng.random(n) < pad] = -100
    y[0] = 1  # one counted row at least
    lp = -rng.exponential(2.0, n)
    words = rng.integers(0, 3, n)
    nbytes = rng.integers(0, 9, n)
    return y, lp, words, nbytes


def _expected(y, lp, words, nbytes):
    keep = y != -100
    nll = -lp[keep].sum()
    w, b = int(words[keep].sum()), int(nbytes[keep].sum())
    return nll, w, b


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 400), pad=st.floats(0, 0.5),
       cuts=st.lists(st.integers(0, 400), max_size=6), bits=st.booleans())
def test_chunked_and_merged_states_equal_one_pass(seed, n, pad, cuts, bits):
    y, lp, words, nbytes = _lm(seed, n, pad)
    unit = "bits" if bits else "nats"
    one = losscli.evaluate("token_nll", y, lp, word_counts=words, byte_counts=nbytes, unit=unit)
    bounds = sorted({0, n, *[c % (n + 1) for c in cuts]})
    streamed = Evaluator("token_nll", counts=("words", "bytes"), unit=unit)
    shards = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        part = {"words": words[a:b], "bytes": nbytes[a:b]}
        streamed.update(y[a:b], lp[a:b], counts=part)
        shard = Evaluator("token_nll", counts=("words", "bytes"), unit=unit)
        shard.update(y[a:b], lp[a:b], counts=part)
        shards.append(Accumulator.from_json(json.loads(json.dumps(shard.acc.to_json()))))  # through the JSON state
    merged = Evaluator("token_nll", counts=("words", "bytes"), unit=unit)
    for acc in shards:
        merged.acc.merge(acc)
    nll, w, b = _expected(y, lp, words, nbytes)
    for r in (streamed.result(), merged.result()):
        assert r.metrics["words"] == one.metrics["words"] == w
        assert r.metrics["bytes"] == one.metrics["bytes"] == b
        for key in ("word_perplexity", "byte_perplexity", "bits_per_byte"):
            if math.isnan(one.metrics[key]):
                assert math.isnan(r.metrics[key])
            else:
                assert r.metrics[key] == pytest.approx(one.metrics[key], rel=1e-12)
    if w and nll / w < 700:
        assert one.metrics["word_perplexity"] == pytest.approx(math.exp(nll / w), rel=1e-12)
    if b:
        assert one.metrics["bits_per_byte"] == pytest.approx(nll / b / math.log(2), rel=1e-12, abs=1e-300)


def test_padding_counts_nothing_and_zero_words_say_why():
    y = np.array([1, -100, 2])
    lp = np.array([-1.0, -5.0, -2.0])
    r = losscli.evaluate("token_nll", y, lp, word_counts=[2, 7, 1], byte_counts=[5, 30, 4])
    assert r.metrics["words"] == 3 and r.metrics["bytes"] == 9
    assert r.metrics["word_perplexity"] == pytest.approx(math.exp(3.0 / 3))
    assert r.metrics["bits_per_byte"] == pytest.approx(3.0 / 9 / math.log(2))
    z = losscli.evaluate("token_nll", y, lp, word_counts=[0, 7, 0])
    assert math.isnan(z.metrics["word_perplexity"]) and z.summary()["word_perplexity"] is None
    assert any("0 words" in w for w in z.warnings)


def test_a_uniform_predictor_has_word_perplexity_v_to_the_tokens_per_word():
    v, n = 50, 60
    y = np.arange(n) % v
    words = np.where(np.arange(n) % 3 == 0, 1, 0)  # three tokens per word
    r = losscli.evaluate("scce", y, np.zeros((n, v)), from_logits=True, word_counts=words)
    assert r.metrics["perplexity"] == pytest.approx(v, rel=1e-12)
    assert r.metrics["word_perplexity"] == pytest.approx(v ** 3, rel=1e-12)


@pytest.mark.parametrize("bad", [-1, 2.5, math.nan, math.inf])
def test_bad_counts_in_the_api_name_the_row(bad):
    with pytest.raises(InputError) as info:
        losscli.evaluate("token_nll", [1, 2, 3], [-1.0, -2.0, -0.5], word_counts=[1, bad, 2])
    text = str(info.value)
    assert "word count" in text and "row 2" in text


def test_misuse_is_a_usage_error():
    with pytest.raises(UsageError, match="cross-entropy"):
        losscli.evaluate("mse", [1.0], [0.5], word_counts=[1])
    with pytest.raises(UsageError, match="sample weights"):
        losscli.evaluate("token_nll", [1], [-0.5], sample_weight=[2.0], word_counts=[1])
    with pytest.raises(UsageError, match="class-weights"):
        losscli.evaluate("scce", [0, 1], [[0.6, 0.4], [0.3, 0.7]], class_weights=[1, 2], byte_counts=[3, 4])
    with pytest.raises(losscli.errors.ShapeError, match="2 predictions but 3 word counts"):
        losscli.evaluate("token_nll", [1, 2], [-1.0, -2.0], word_counts=[1, 2, 3])
    ev = Evaluator("token_nll", counts=("words",))
    with pytest.raises(UsageError, match="words of every chunk"):
        ev.update([1], [-0.5])


def test_multi_label_binary_cross_entropy_takes_no_word_counts(tmp_path, capsys):
    """bce on two label columns reported word_perplexity 2.3449 = exp(Σ mean-over-outputs NLL / Σ words),
    half the rows' NLL over the words (exp(Σ NLL / Σ words) = 5.4985): now a usage error; one column is
    still exp(Σ NLL / Σ words)."""
    rng = np.random.default_rng(3)
    n = 50
    y, p = rng.integers(0, 2, (n, 2)), rng.uniform(0.05, 0.95, (n, 2))
    words = rng.integers(0, 3, n)
    with pytest.raises(UsageError, match="multi-label"):
        losscli.evaluate("bce", y, p, word_counts=words)
    path = tmp_path / "ml.csv"
    path.write_text("y0,y1,p0,p1,words\n" + "".join(
        f"{a},{b},{c!r},{d!r},{w}\n" for (a, b), (c, d), w in zip(y.tolist(), p.tolist(), words.tolist(), strict=True)))
    code, out, err = run_cli(["eval", "bce", path, "--label-cols", "y0,y1", "--pred-cols", "p0,p1", "--words-col",
                              "words", "-q"], capsys)
    assert (code, out) == (2, "") and "multi-label" in err
    one = losscli.evaluate("bce", y[:, 0], p[:, 0], word_counts=words)
    nll = -np.sum(y[:, 0] * np.log(p[:, 0]) + (1 - y[:, 0]) * np.log(1 - p[:, 0]))
    assert one.metrics["word_perplexity"] == pytest.approx(math.exp(nll / words.sum()), rel=1e-12)


def _csv(tmp_path, rows, name="lm.csv"):
    path = tmp_path / name
    path.write_text("doc,token,logprob,words,bytes\n" + "\n".join(rows) + "\n")
    return path


ROWS = ["a,5,-0.5,1,4", "a,7,-2.0,1,6", "b,-100,-1.0,3,12", "b,3,-1.5,2,9", "c,8,-0.25,1,5"]
ARGS = ["--label-cols", "token", "--pred-cols", "logprob", "--words-col", "words", "--bytes-col", "bytes"]


@pytest.mark.parametrize("value,what", [("-3", "whole number"), ("2.5", "whole number"), ("", "missing"),
                                        ("nan", "missing"), ("many", "non-numeric")])
def test_a_bad_count_is_exit_3_naming_file_row_column_and_value(tmp_path, capsys, value, what):
    rows = list(ROWS)
    rows[3] = f"b,3,-1.5,{value},9"
    path = _csv(tmp_path, rows)
    code, out, err = run_cli(["eval", "token_nll", path, *ARGS, "--json"], capsys)
    assert code == 3 and out == ""
    assert what in err and "lm.csv" in err and "column words" in err and "row 5" in err, err
    if value not in ("", "nan"):
        assert f"(value {value if value != 'many' else repr(value)})" in err, err
    assert "Traceback" not in err


def test_the_hint_for_a_missing_count_works(tmp_path, capsys):
    rows = list(ROWS)
    rows[1] = "a,7,-2.0,,6"
    path = _csv(tmp_path, rows)
    code, out, err = run_cli(["eval", "token_nll", path, *ARGS, "--json"], capsys)
    assert code == 3 and "--nan skip" in err
    code, out, err = run_cli(["eval", "token_nll", path, *ARGS, "--nan", "skip", "--json", "--summary-only"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["words"] == 1 + 2 + 1 and doc["bytes"] == 4 + 9 + 5
    assert doc["word_perplexity"] == pytest.approx(math.exp((0.5 + 1.5 + 0.25) / 4))


def test_a_bad_count_in_an_npy_file_names_it(tmp_path, capsys):
    np.save(tmp_path / "y.npy", np.array([1, 2, 3]))
    np.save(tmp_path / "p.npy", np.array([[-1.0, 2, 8], [-2.0, -1, 4], [-0.5, 1, 3]]))
    code, out, err = run_cli(["eval", "token_nll", "--labels", tmp_path / "y.npy", "--preds", tmp_path / "p.npy",
                              "--pred-cols", "1", "--words-col", "2", "--bytes-col", "3"], capsys)
    assert code == 3 and out == ""
    assert "p.npy column 2 row 2" in err and "(value -1)" in err, err


def test_shard_states_merge_to_the_one_pass_values(tmp_path, capsys):
    whole = _csv(tmp_path, ROWS)
    first, second = _csv(tmp_path, ROWS[:2], "a.csv"), _csv(tmp_path, ROWS[2:], "b.csv")
    code, out, err = run_cli(["eval", "token_nll", whole, *ARGS, "--json", "--summary-only"], capsys)
    assert code == 0, err
    one = json.loads(out)
    for path, state in ((first, "a.json"), (second, "b.json")):
        code, _, err = run_cli(["eval", "token_nll", path, *ARGS, "--state-out", tmp_path / state, "-q"], capsys)
        assert code == 0, err
    code, out, err = run_cli(["merge", tmp_path / "a.json", tmp_path / "b.json", "--json"], capsys)
    assert code == 0, err
    merged = json.loads(out)
    merged = merged[0] if isinstance(merged, list) else merged
    for key in ("value", "words", "bytes", "word_perplexity", "byte_perplexity", "bits_per_byte"):
        assert merged[key] == pytest.approx(one[key], rel=1e-15), key
    assert one["words"] == 5 and one["bytes"] == 24  # the padding row's 3 words and 12 bytes left out
    # a state without the counts does not merge with one that has them
    code, _, err = run_cli(["eval", "token_nll", second, "--label-cols", "token", "--pred-cols", "logprob",
                            "--state-out", tmp_path / "c.json", "-q"], capsys)
    code, out, err = run_cli(["merge", tmp_path / "a.json", tmp_path / "c.json"], capsys)
    assert code == 3 and "counts" in err


def test_table_and_markdown_name_the_values(tmp_path, capsys):
    path = _csv(tmp_path, ROWS)
    for fmt in ("table", "md"):
        code, out, err = run_cli(["eval", "token_nll", path, *ARGS, "--group-col", "doc", "--format", fmt], capsys)
        assert code == 0, err
        for name in ("word_perplexity", "byte_perplexity", "bits_per_byte"):
            assert name in out, (fmt, name)


def test_check_file_keys(tmp_path, capsys):
    path = _csv(tmp_path, ROWS)
    check = tmp_path / "losscli.toml"
    check.write_text(f'[[check]]\nname = "lm"\nloss = "token_nll"\ndata = "{path.name}"\nlabel_cols = "token"\n'
                     'pred_cols = "logprob"\nwords_col = "words"\nbytes_col = "bytes"\nmax = 5.0\n')
    code, out, err = run_cli(["check", check, "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    text = json.dumps(doc)
    assert "word_perplexity" in text and "bits_per_byte" in text


def test_other_losses_of_the_run_are_left_alone(tmp_path, capsys):
    path = _csv(tmp_path, ROWS)
    code, out, err = run_cli(["eval", "token_nll,mae", path, *ARGS, "--json", "--summary-only"], capsys)
    assert code == 0, err
    nll, mae = json.loads(out)
    assert "word_perplexity" in nll and "word_perplexity" not in mae
    code, out, err = run_cli(["eval", "mae", path, *ARGS], capsys)
    assert code == 2 and "--words-col" in err


def test_engine_dask_equals_the_local_engine(tmp_path):
    pytest.importorskip("dask.distributed")
    path = _csv(tmp_path, ROWS * 40)
    outs = []
    for engine in ("local", "dask"):
        proc = subprocess.run([sys.executable, "-m", "losscli", "eval", "token_nll", str(path), *ARGS, "--engine",
                               engine, "--json", "--summary-only"], capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        outs.append(json.loads(proc.stdout))
    local, dask = outs
    for key in ("value", "words", "bytes", "word_perplexity", "byte_perplexity", "bits_per_byte"):
        assert dask[key] == pytest.approx(local[key], rel=1e-14), key


def test_a_dataframe_takes_the_count_columns():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"token": [5, 7, -100, 3], "logprob": [-0.5, -2.0, -1.0, -1.5], "w": [1, 1, 4, 2],
                       "b": [4, 6, 20, 9]})
    r = losscli.evaluate("token_nll", df, label_cols="token", pred_cols="logprob", words_col="w", bytes_col="b")
    arrays = losscli.evaluate("token_nll", df["token"].to_numpy(), df["logprob"].to_numpy(),
                              word_counts=df["w"].to_numpy(), byte_counts=df["b"].to_numpy())
    assert r.metrics == arrays.metrics
    assert r.metrics["words"] == 4 and r.metrics["word_perplexity"] == pytest.approx(math.exp(4.0 / 4))


def test_a_bad_count_on_the_dask_engine_names_its_column(tmp_path):
    pytest.importorskip("dask.distributed")
    rows = list(ROWS)
    rows[3] = "b,3,-1.5,-2,9"
    path = _csv(tmp_path, rows)
    proc = subprocess.run([sys.executable, "-m", "losscli", "eval", "token_nll", str(path), *ARGS, "--engine", "dask"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 3 and proc.stdout == ""
    assert "word count" in proc.stderr and "column words" in proc.stderr and "(value -2)" in proc.stderr, proc.stderr


def test_counts_in_files_of_their_own_next_to_npy_logits(tmp_path, capsys):
    rng = np.random.default_rng(12)
    n, v = 40, 25
    x = rng.normal(0, 2, (n, v))
    y = rng.integers(0, v, n)
    y[::6] = -100
    words = (np.arange(n) % 4 == 0).astype(np.int64)
    nbytes = rng.integers(1, 7, n)
    for name, a in (("y", y), ("x", x), ("w", words), ("b", nbytes)):
        np.save(tmp_path / f"{name}.npy", a)
    np.save(tmp_path / "wb.npy", np.column_stack([words, nbytes]))
    base = ["eval", "scce", "--labels", tmp_path / "y.npy", "--preds", tmp_path / "x.npy", "--logits", "--ignore-index",
            "-100", "--json", "--summary-only"]
    code, out, err = run_cli([*base, "--words", tmp_path / "w.npy", "--bytes", tmp_path / "b.npy"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    expected = losscli.evaluate("scce", y, x, from_logits=True, ignore_index=-100, word_counts=words,
                                byte_counts=nbytes)
    for key in ("words", "bytes", "word_perplexity", "byte_perplexity", "bits_per_byte"):
        assert doc[key] == pytest.approx(expected.metrics[key], rel=1e-14), key
    keep = y != -100
    assert doc["words"] == int(words[keep].sum())
    # one file of two columns: --words-col/--bytes-col select in it; without, the message says how
    code, out, err = run_cli([*base, "--words", tmp_path / "wb.npy", "--words-col", "1", "--bytes", tmp_path / "wb.npy",
                              "--bytes-col", "2"], capsys)
    assert code == 0, err
    assert json.loads(out)["bits_per_byte"] == pytest.approx(doc["bits_per_byte"], rel=1e-14)
    code, out, err = run_cli([*base, "--words", tmp_path / "wb.npy"], capsys)
    assert code == 2 and "--words-col" in err
    # a bad count is named in its own file; a file of other length is refused
    bad = words.copy()
    bad[5] = -4
    np.save(tmp_path / "bad.npy", bad)
    code, out, err = run_cli([*base, "--words", tmp_path / "bad.npy"], capsys)
    assert code == 3 and out == "" and "bad.npy" in err and "row 6" in err and "(value -4)" in err, err
    np.save(tmp_path / "short.npy", words[:10])
    code, out, err = run_cli([*base, "--words", tmp_path / "short.npy"], capsys)
    assert code == 3 and "short.npy has 10" in err
