"""A check file's paths are relative to its folder; one outside the working folder is shown without '..'
(``/…/ck/conf/../data/x.csv`` was shown so)."""

from __future__ import annotations

import os

from losscli.quality.checkfile import parse


def test_a_path_outside_the_working_folder_is_normalised(tmp_path, monkeypatch):
    (tmp_path / "conf").mkdir()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    spec = parse({"check": [{"name": "a", "loss": "bce", "data": "../data/x.csv"}]},
                 str(tmp_path / "conf" / "m.toml"))
    assert spec.checks[0].settings["data"] == os.path.join(str(tmp_path.resolve()), "data", "x.csv")
    monkeypatch.chdir(tmp_path)
    spec = parse({"check": [{"name": "a", "loss": "bce", "data": "../data/x.csv"}]},
                 str(tmp_path / "conf" / "m.toml"))
    assert spec.checks[0].settings["data"] == os.path.join("data", "x.csv")
