"""The real-world corpus (tests/data/realworld): files as pandas, polars, NumPy, scikit-learn and PyTorch
write them. Every case gives the peer's number, or is refused (exit 3) with a hint whose fix gives it.
A different number with exit status 0 is never acceptable."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from cli_helpers import run_cli

HERE = Path(__file__).resolve().parent.parent / "data" / "realworld"
CASES = json.loads((HERE / "cases.json").read_text())["cases"]

#: Cases that are refused by design, with the option the message must name; applied, it gives the number.
REFUSED: dict[str, list[str]] = {
    "iris_proba_rounded_3_decimals": ["--sum-tol", "0.005"],
    # a one-column file of integers whose first row is 0: pandas' default header or data? The row counts
    # of the two files tell, and the message says so
    "iris_savetxt_int_labels": ["--no-header"],
}


def _args(case: dict) -> list[str]:
    out = []
    for a in case["args"]:
        out.append(str(HERE / a) if (HERE / a).is_file() else a)
    return out


def _value(out: str) -> float:
    return float(json.loads(out)["value"])


def run_case(case: dict, capsys, extra: list[str] = ()) -> tuple[int, str, str]:
    return run_cli(["eval", case["loss"], *_args(case), *extra, "--json", "--summary-only"], capsys)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case_gives_the_peers_number_or_refuses_with_a_fix(case, capsys):
    code, out, err = run_case(case, capsys)
    fix = REFUSED.get(case["id"])
    if fix is None:
        assert code == 0, err
        assert math.isclose(_value(out), case["expected"], rel_tol=case["rtol"], abs_tol=0.0), (
            f"{case['id']}: {_value(out)!r} != {case['expected']!r} ({case['source']})"
        )
        return
    assert code == 3, (code, out, err)
    assert " ".join(fix) in err, err
    code, out, err = run_case(case, capsys, fix)
    assert code == 0, err
    assert math.isclose(_value(out), case["expected"], rel_tol=case["rtol"]), case["id"]


def test_the_corpus_covers_the_writers():
    writers = " ".join(c["writer"] for c in CASES)
    for w in ("to_csv()", "index=False", "Unnamed: 0", "polars", "np.savetxt", "np.save", "float32",
              "to_parquet", "id column"):
        assert w in writers, w
    assert len(CASES) >= 20


# ------------------------------------------------------------------------------------------- Dask engine

#: the Dask engine reads CSV/TSV and Parquet
DASK_CASES = [c for c in CASES if not any(a.endswith((".npy", ".npz")) for a in c["args"])]


@pytest.fixture(scope="module")
def scheduler():
    distributed = pytest.importorskip("dask.distributed")
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                                       host="127.0.0.1")
    yield cluster.scheduler_address
    cluster.close()


@pytest.mark.parametrize("case", DASK_CASES, ids=[c["id"] for c in DASK_CASES])
def test_case_gives_the_same_number_with_the_dask_engine(case, scheduler, capsys):
    dask = ["--engine", "dask", "--scheduler", scheduler]
    code, out, err = run_case(case, capsys, dask)
    fix = REFUSED.get(case["id"])
    if fix is not None:
        assert code == 3 and " ".join(fix) in err, (code, err)
        code, out, err = run_case(case, capsys, [*dask, *fix])
    assert code == 0, err
    assert math.isclose(_value(out), case["expected"], rel_tol=case["rtol"]), case["id"]
    local = json.loads(run_case(case, capsys, fix or [])[1])
    dask_doc = json.loads(out)
    assert dask_doc["inputs"]["preds"]["columns"] == local["inputs"]["preds"]["columns"]
