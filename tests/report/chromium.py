"""Load an HTML file in headless Chromium with the network off; return its DOM, console and a screenshot.

Used by the HTML report test, and run as a script it remakes the README's screenshot from sample_data/:

    python tests/report/chromium.py          # writes docs/report.html's picture to docs/report.png

The network is off twice over: the browser runs in a new network namespace when ``unshare -n`` is allowed
(root, or user namespaces), and it is started with every background connection disabled. Every console
message (an error, a blocked request, a failed script) is returned, so a test can demand there be none.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000"]
#: the README screenshot: a laptop screen's width
WINDOW = (1440, 1500)


def browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _offline_prefix() -> list[str]:
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n"]
    return []


def _page_messages(log: str) -> list[str]:
    """The console messages of the page (the browser's own pages, ``chrome://``, log notes of their own)."""
    messages = [m.group(1) for m in re.finditer(r":CONSOLE[^\]]*\] (.*)", log)]
    return [m for m in messages if "source: chrome://" not in m and "source: devtools://" not in m]


@dataclass
class Rendered:
    dom: str
    console: list[str]


def render(page: Path, screenshot: Path | None = None, window: tuple[int, int] = WINDOW) -> Rendered:
    exe = browser()
    if exe is None:
        raise FileNotFoundError("no chromium (apt-get install chromium)")
    url = page.resolve().as_uri()
    with tempfile.TemporaryDirectory() as profile:
        base = [*_offline_prefix(), exe, *FLAGS, f"--user-data-dir={profile}",
                f"--window-size={window[0]},{window[1]}"]
        env = {**os.environ, "HOME": profile}
        dom = subprocess.run([*base, "--dump-dom", url], capture_output=True, text=True, timeout=120, env=env)
        if dom.returncode != 0:
            raise RuntimeError(f"chromium failed ({dom.returncode}): {dom.stderr[-2000:]}")
        console = _page_messages(dom.stderr)
        if screenshot is not None:
            shot = subprocess.run([*base, f"--screenshot={screenshot.resolve()}", url], capture_output=True,
                                  text=True, timeout=120, env=env)
            if shot.returncode != 0 or not screenshot.exists():
                raise RuntimeError(f"no screenshot ({shot.returncode}): {shot.stderr[-2000:]}")
            console += _page_messages(shot.stderr)
    return Rendered(dom.stdout, console)


#: the README's example report: one command on sample_data/
COMMAND = ["eval", "bce", "--labels", "sample_data/binary_labels.csv", "--preds", "sample_data/binary_candidate.csv",
           "--pred-cols", "p", "--group-col", "region", "--by-class", "--ci", "0.95", "--max", "0.35",
           "--max-group", "0.5", "--html", "docs/report.html", "-q"]


def make_readme_report(out_dir: Path = ROOT / "docs") -> tuple[Path, Rendered]:
    """Run the README's command (from the repository root) and photograph its report."""
    cmd = [sys.executable, "-m", "losscli", *COMMAND]
    if out_dir != ROOT / "docs":
        cmd[cmd.index("docs/report.html")] = str(out_dir / "report.html")
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode not in (0, 1):  # 1: the per-group gate fails on purpose
        raise RuntimeError(proc.stderr)
    png = out_dir / "report.png"
    return png, render(out_dir / "report.html", png)


if __name__ == "__main__":
    png, rendered = make_readme_report()
    print(png, "console:", rendered.console or "none")
