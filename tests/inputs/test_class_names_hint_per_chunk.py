"""Labels stay/churn beside one column p_churn, with churn only late in the file: the hint named
``--classes stay`` when a chunk held stay alone (--chunk-rows 1 or 500), which is no binary --classes. Every
chunking names ``--classes stay,churn``, and following it gives scikit-learn's number."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cli_helpers import log_loss, run_cli


def test_the_hint_names_both_classes_whatever_the_chunks(tmp_path, capsys):
    rng = np.random.default_rng(0)
    y = np.array(["stay"] * 3000, dtype=object)
    y[2000:] = np.where(rng.random(1000) < 0.5, "churn", "stay")
    p = rng.random(3000)
    f = tmp_path / "c.csv"
    pd.DataFrame({"label": y, "p_churn": p}).to_csv(f, index=False)
    for chunks in ([], ["--chunk-rows", "1"], ["--chunk-rows", "500"]):
        code, out, err = run_cli(["eval", "bce", f, "-q", *chunks], capsys)
        assert (code, out) == (3, "") and "e.g. --classes stay,churn" in err, (chunks, err)
        code, out, err = run_cli(["eval", "bce", f, "-q", *chunks, "--classes", "stay,churn",
                                  "--convention", "sklearn"], capsys)
        assert code == 0 and float(out) == pytest.approx(log_loss(y == "churn", p), rel=1e-12), err
