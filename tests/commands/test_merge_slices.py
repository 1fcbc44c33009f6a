"""``merge`` of shard states written with --by-class / --group-col gives the slices of one pass, bit for bit;
what it cannot merge (a bootstrap interval, slices some shard lacks) it says on stderr.

Before, the merged report silently had no ``by_class``, ``by_group`` or ``ci`` section at all.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_helpers import run_cli

SHARD = 65536  # rows per shard: a whole block of the exact sums, and one chunk (--chunk-rows) each


def _shards(tmp_path, n_shards=2, rows=SHARD):
    rng = np.random.default_rng(7)
    paths, lines = [], []
    for s in range(n_shards):
        y = rng.integers(0, 3, size=rows)
        y[rng.random(rows) < 0.05] = -100  # ignored rows
        p = rng.dirichlet(np.ones(3), size=rows)
        w = rng.random(rows).round(3)
        region = rng.choice(["north", "south", "east", "west"], size=rows).astype(object)
        if s == 1:
            region[:50] = "islands"  # a group of the second shard only, every row of it ignored
            y[:50] = -100
        body = [f"{a},{b!r},{c!r},{d!r},{e},{f!r}\n" for a, (b, c, d), e, f in
                zip(y.tolist(), p.tolist(), region.tolist(), w.tolist(), strict=True)]
        path = tmp_path / f"part-{s}.csv"
        path.write_text("label,p0,p1,p2,region,w\n" + "".join(body))
        paths.append(path)
        lines += body
    whole = tmp_path / "whole.csv"
    whole.write_text("label,p0,p1,p2,region,w\n" + "".join(lines))
    return paths, whole


OPTS = ["--label-cols", "label", "--pred-cols", "p0,p1,p2", "--weight-col", "w", "--ignore-index", "-100",
        "--chunk-rows", str(SHARD)]


def test_merged_slices_are_one_pass_slices_bit_for_bit(tmp_path, capsys):
    paths, whole = _shards(tmp_path)
    for i, path in enumerate(paths):
        code, _, err = run_cli(["eval", "scce", path, *OPTS, "--by-class", "--group-col", "region",
                                "--state-out", tmp_path / f"s{i}.json", "-q"], capsys)
        assert code == 0, err
    code, out, err = run_cli(["merge", tmp_path / "s*.json", "--json"], capsys)
    assert code == 0, err
    merged = json.loads(out)
    code, out, err = run_cli(["eval", "scce", whole, *OPTS, "--by-class", "--group-col", "region", "--json"], capsys)
    assert code == 0, err
    single = json.loads(out)
    assert merged["value"] == single["value"]
    assert merged["by_class"] == single["by_class"]  # n, mean, sum and share: equal floats, not approximately
    assert merged["by_group"] == single["by_group"]
    groups = {g["group"]: g for g in merged["by_group"]["groups"]}
    assert groups["islands"]["n"] == 0 and groups["islands"]["mean"] is None
    assert "leaves out 1 of 5 groups" in err


def test_a_merge_of_merged_states_keeps_the_slices(tmp_path, capsys):
    paths, whole = _shards(tmp_path, 3, 40)
    for i, path in enumerate(paths):
        code, _, err = run_cli(["eval", "scce", path, *OPTS, "--group-col", "region", "--state-out",
                                tmp_path / f"s{i}.json", "-q"], capsys)
        assert code == 0, err
    code, _, err = run_cli(["merge", tmp_path / "s0.json", tmp_path / "s1.json", "--state-out", tmp_path / "m.json",
                            "-q"], capsys)
    assert code == 0, err
    code, out, err = run_cli(["merge", tmp_path / "m.json", tmp_path / "s2.json", "--json"], capsys)
    assert code == 0, err
    again = json.loads(out)
    code, out, err = run_cli(["merge", tmp_path / "s*.json", "--json"], capsys)
    direct = json.loads(out)
    assert again["by_group"] == direct["by_group"]
    rows = {g["group"]: g["n"] for g in direct["by_group"]["groups"]}
    y = np.array([int(line.split(",")[0]) for line in whole.read_text().splitlines()[1:]])
    assert sum(rows.values()) == int((y != -100).sum())


def test_merge_says_it_gives_no_interval(tmp_path, capsys):
    paths, _ = _shards(tmp_path, 2, 30)
    for i, path in enumerate(paths):
        code, _, err = run_cli(["eval", "scce", path, *OPTS, "--ci", "0.9", "--bootstrap", "50",
                                "--state-out", tmp_path / f"s{i}.json", "--json"], capsys)
        assert code == 0, err
        assert "keeps no confidence interval" in err
    code, out, err = run_cli(["merge", tmp_path / "s*.json", "--json"], capsys)
    assert code == 0, err
    assert "ci" not in json.loads(out)
    assert "merge gives no confidence interval (ci), which 2 of 2 states were evaluated with" in err
    assert "losscli eval ... --ci" in err


@pytest.mark.parametrize("option", [["--by-class"], ["--group-col", "region"]])
def test_merge_says_it_gives_no_slices_when_a_state_has_none(tmp_path, capsys, option):
    paths, _ = _shards(tmp_path, 2, 30)
    code, _, err = run_cli(["eval", "scce", paths[0], *OPTS, *option, "--state-out", tmp_path / "s0.json", "-q"],
                           capsys)
    assert code == 0, err
    code, _, err = run_cli(["eval", "scce", paths[1], *OPTS, "--state-out", tmp_path / "s1.json", "-q"], capsys)
    assert code == 0, err
    code, out, err = run_cli(["merge", tmp_path / "s*.json", "--json"], capsys)
    assert code == 0, err
    section = "by_class" if option == ["--by-class"] else "by_group"
    assert section not in json.loads(out)
    assert f"merge gives no {section}: 1 of 2 states hold none" in err
    assert f"write every shard's state with {option[0]}" in err


@pytest.mark.parametrize("damage", [{"n": [1.5]}, {"slices": ["x"], "n": [1], "sum": ["0x1p0"], "den": ["0x1p0"]},
                                    {"sum": ["0x1p0", "0x1p0"]}, {"den": ["one"]}])
def test_a_damaged_slice_section_is_bad_input_data(tmp_path, capsys, damage):
    (tmp_path / "s.csv").write_text("label,p0,p1\n0,0.8,0.2\n1,0.3,0.7\n")
    for name in ("a", "b"):
        code, _, err = run_cli(["eval", "scce", tmp_path / "s.csv", "--label-cols", "label", "--pred-cols", "p0,p1",
                                "--by-class", "--state-out", tmp_path / f"{name}.json", "-q"], capsys)
        assert code == 0, err
    doc = json.loads((tmp_path / "b.json").read_text())
    doc["states"][0]["sources"] = ["other.csv"]
    section = doc["states"][0]["by_class"]
    section.update({"slices": ["0"], "n": [1], "sum": ["0x1p0"], "den": ["0x1p0"]})
    section.update(damage)
    (tmp_path / "b.json").write_text(json.dumps(doc))
    code, _, err = run_cli(["merge", tmp_path / "a.json", tmp_path / "b.json", "-q"], capsys)
    assert code == 3, err
    assert "by_class section is damaged" in err


def test_shards_of_any_size_merge_to_one_pass_slices_to_rounding(tmp_path, capsys):
    """Shards of any sizes and chunkings merge to one pass's slices to float64 rounding (the shards' double-double
    parts added exactly); a state without those parts (an older version's) still merges, from its rounded
    sums."""
    paths, whole = _shards(tmp_path, 3, 701)
    opts = [o for o in OPTS if o != str(SHARD)]
    opts = opts[:opts.index("--chunk-rows")]
    for i, path in enumerate(paths):
        code, _, err = run_cli(["eval", "scce", path, *opts, "--chunk-rows", str(97 + 50 * i), "--by-class",
                                "--group-col", "region", "--state-out", tmp_path / f"s{i}.json", "-q"], capsys)
        assert code == 0, err
    code, out, err = run_cli(["merge", tmp_path / "s*.json", "--json"], capsys)
    assert code == 0, err
    merged = json.loads(out)
    code, out, err = run_cli(["eval", "scce", whole, *opts, "--by-class", "--group-col", "region", "--json",
                              "--summary-only"], capsys)
    assert code == 0, err
    single = json.loads(out)
    for a_rows, b_rows, key in ((merged["by_class"], single["by_class"], "class"),
                                (merged["by_group"]["groups"], single["by_group"]["groups"], "group")):
        assert [row[key] for row in a_rows] == [row[key] for row in b_rows]
        for a, b in zip(a_rows, b_rows, strict=True):
            assert a["n"] == b["n"] and a["sum"] == pytest.approx(b["sum"], rel=1e-15)
            assert (a["mean"] is None) == (b["mean"] is None)
    for i in range(3):  # as an older version wrote them
        state = json.loads((tmp_path / f"s{i}.json").read_text())
        for section in ("by_class", "by_group"):
            for key in ("sum_partials", "den_partials"):
                state["states"][0][section].pop(key)
        (tmp_path / f"s{i}.json").write_text(json.dumps(state))
    code, out, err = run_cli(["merge", tmp_path / "s*.json", "--json"], capsys)
    assert code == 0, err
    old = json.loads(out)["by_class"]
    assert [row["n"] for row in old] == [row["n"] for row in single["by_class"]]
    for a, b in zip(old, single["by_class"], strict=True):
        assert a["sum"] == pytest.approx(b["sum"], rel=1e-14)
