"""The HTML report renders in a real headless Chromium: the matrix is there and visible."""

from __future__ import annotations

import shutil
import struct
import subprocess

import pytest

from tradeproof.reporting import write_html

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (scripts/test installs it)")


def chromium(*args: str, profile) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=90)


def test_report_renders_with_its_matrix(tmp_path, recorded):
    page = tmp_path / "report.html"
    write_html(page, *recorded)
    dom = chromium("--dump-dom", page.as_uri(), profile=tmp_path / "p1").stdout
    assert 'id="matrix"' in dom
    assert dom.count('class="tile"') >= 6  # one tile per rule (legend tiles come on top)
    assert "O2-FOK-REVERT" in dom and 'id="timeline"' in dom

    shot = tmp_path / "report.png"
    chromium("--window-size=1280,1400", f"--screenshot={shot}", page.as_uri(), profile=tmp_path / "p2")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 1400)
    assert len(data) > 20_000  # a rendered page, not a blank image
