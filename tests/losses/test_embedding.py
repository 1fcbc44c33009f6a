"""The pairwise losses (hinge embedding, margin ranking, cosine embedding) and their two inputs."""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import run_cli
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import losscli
from losscli.errors import ShapeError

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def per(loss, y_true, y_pred, **kw):
    return losscli.evaluate(loss, y_true, y_pred, **kw).per_sample


@SETTINGS
@given(st.integers(1, 20).flatmap(lambda n: st.tuples(
    arrays(np.float64, n, elements=st.sampled_from([-1.0, 1.0])),
    arrays(np.float64, (n, 6), elements=st.floats(-100, 100)))), st.floats(0.1, 100), st.floats(-1, 1))
def test_cosine_embedding_ignores_the_scale_of_each_input_and_matches_its_definition(case, c, margin):
    y, x = case
    a, b = x[:, :3], x[:, 3:]
    assume(np.all((a * a).sum(axis=1) > 1e-2) and np.all((b * b).sum(axis=1) > 1e-2))  # beyond torch's 1e-12
    got = per("cosine_embedding", y, x, margin=margin)
    # torch's 1e-12 in the norms moves the cosine by at most ~1e-12 / (c²·‖a‖²) ≤ 1e-8 here
    np.testing.assert_allclose(per("cosine_embedding", y, np.concatenate([c * a, b], axis=1), margin=margin), got,
                               rtol=1e-7, atol=1e-7)
    cos = (a * b).sum(axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    np.testing.assert_allclose(got, np.where(y == 1, 1 - cos, np.maximum(0, cos - margin)), rtol=1e-9, atol=1e-9)


@SETTINGS
@given(st.integers(1, 20).flatmap(lambda n: st.tuples(
    arrays(np.float64, n, elements=st.sampled_from([-1.0, 1.0])),
    arrays(np.float64, (n, 2), elements=st.floats(-100, 100)))), st.floats(0, 5))
def test_margin_ranking_is_symmetric_under_swapping_the_inputs_and_the_label(case, margin):
    y, x = case
    np.testing.assert_array_equal(per("margin_ranking", y, x, margin=margin),
                                  per("margin_ranking", -y, x[:, ::-1], margin=margin))


def _csv(path, header, rows):
    path.write_text(header + "\n" + "\n".join(",".join(str(v) for v in r) for r in rows) + "\n")
    return path


def test_pairwise_inputs_from_two_column_groups(tmp_path, capsys):
    f = _csv(tmp_path / "e.csv", "y,a1,a2,b1,b2", [(1, 1, 0, 0.8, 0.6), (-1, 0.5, 0.5, 0.5, 0.4)])
    code, out, _ = run_cli(["eval", "cosine_embedding", f, "--pred-cols", "a1,a2", "--pred2-cols", "b1,b2", "-q"],
                           capsys)
    want = losscli.evaluate("cosine_embedding", [1, -1], [[1, 0, 0.8, 0.6], [0.5, 0.5, 0.5, 0.4]]).value
    assert code == 0 and float(out) == want
    code, _, err = run_cli(["eval", "cosine_embedding", f, "--pred2-cols", "b1,b2"], capsys)
    assert code == 2 and "--pred2-cols needs --pred-cols" in err
    code, _, err = run_cli(["eval", "cosine_embedding", f, "--pred-cols", "a1,a2", "--pred2-cols", "b1"], capsys)
    assert code == 3 and "2 groups of prediction columns of equal width, got 3" in err
    with pytest.raises(ShapeError, match="needs 2 prediction columns"):
        losscli.evaluate("margin_ranking", [1], [0.5])
