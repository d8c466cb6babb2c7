"""The warm interpreter the end-to-end tests fork their runs from behaves as a fresh
``python -m`` would: exit status, output, working directory, environment, timeouts."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import warm_python
from warm_python import python

SCRIPT = "import os, sys; print(os.getcwd()); print(os.environ.get('WARM_PROBE')); print(os.getppid()); sys.exit(3)"


def test_a_run_is_forked_and_gets_its_exit_status_output_and_directory(tmp_path):
    (tmp_path / "probe_module.py").write_text(SCRIPT)
    proc = python("-m", "probe_module", cwd=tmp_path)
    assert proc.returncode == 3
    warm = warm_python._WARM._proc
    assert warm is not None  # forked from the warm interpreter, not started afresh
    assert proc.stdout.splitlines() == [str(tmp_path), "None", str(warm.pid)]
    assert proc.args[:3] == [sys.executable, "-m", "probe_module"]


def test_a_run_reports_an_uncaught_error_on_stderr(tmp_path):
    (tmp_path / "probe_error.py").write_text("raise ValueError('boom')")
    proc = python("-m", "probe_error", cwd=tmp_path)
    assert proc.returncode == 1 and "ValueError: boom" in proc.stderr


def test_a_run_past_its_timeout_is_killed(tmp_path):
    (tmp_path / "probe_sleep.py").write_text("import time; time.sleep(60)")
    with pytest.raises(subprocess.TimeoutExpired):
        python("-m", "probe_sleep", cwd=tmp_path, timeout=0.5)
    (tmp_path / "probe_after.py").write_text("print('next')")
    assert python("-m", "probe_after", cwd=tmp_path).stdout == "next\n"  # the interpreter still serves


def test_a_changed_environment_reaches_the_run(tmp_path, monkeypatch):
    (tmp_path / "probe_env.py").write_text(SCRIPT)
    monkeypatch.setenv("WARM_PROBE", "seen")
    assert python("-m", "probe_env", cwd=tmp_path).stdout.splitlines()[1] == "seen"
    assert python("-m", "probe_env", cwd=tmp_path, env={**os.environ, "WARM_PROBE": "given"}).stdout.splitlines()[1] == "given"
