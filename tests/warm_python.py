"""``python -m tradeproof …`` and ``python -m pytest …`` for the end-to-end tests, each
run forked from an interpreter that has already imported the heavy libraries every run
imports.

A run of the CLI spends about a second importing before its first request; the
end-to-end tests start a few hundred runs. Each xdist worker keeps one warm interpreter
(a child process that imports httpx, eth-account, coincurve, pydantic, uvicorn, … once,
then forks on request). Pytest, Hypothesis and the other pytest plugins are left to each
run: pytest rewrites their asserts as it imports them. Everything else is as in a fresh
process: its own pid and process group, working directory, argv, the caller's
environment, stdin from /dev/null, stdout and stderr captured, exit status, atexit
handlers run. A run given its own environment, or started after the caller's environment
changed, gets a fresh interpreter (a preloaded library may have read it at import).
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

PRELOAD = (  # the heavy imports of every run, less pytest and its plugins (pytest must import those
    # itself: it rewrites their asserts as it does, and Hypothesis notes when it was imported)
    "httpx", "jsonschema", "eth_account", "eth_abi", "coincurve", "pydantic", "click", "rich.live", "uvicorn",
    "trio",  # not Starlette: it imports anyio, a pytest plugin
)

# The warm interpreter: imports PRELOAD, then for each request line (JSON) forks a child
# that runs the module as ``python -m`` would, waits for it (killing it at the timeout)
# and answers with its exit status.
_SERVER = r"""
import atexit, importlib, json, os, runpy, signal, sys, time
for name in PRELOAD:
    try:
        importlib.import_module(name)
    except ImportError:
        pass
requests, answers = sys.stdin, os.fdopen(os.dup(1), "w")
os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
for line in requests:
    req = json.loads(line)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.setsid()
            os.environ.clear()
            os.environ.update(req["env"])
            os.chdir(req["cwd"])
            stdin = os.open(os.devnull, os.O_RDONLY)
            os.dup2(stdin, 0)
            for fd, path in ((1, req["stdout"]), (2, req["stderr"])):
                os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), fd)
            sys.stdin = open(0, closefd=False)
            sys.stdout, sys.stderr = open(1, "w", closefd=False), open(2, "w", closefd=False)
            sys.argv = [req["module"], *req["args"]]
            sys.path[0] = os.getcwd()
            try:
                runpy.run_module(req["module"], run_name="__main__", alter_sys=True)
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
                if not isinstance(exc.code, (int, type(None))):
                    print(exc.code, file=sys.stderr)
            except BaseException:
                import traceback
                traceback.print_exc()
                code = 1
            atexit._run_exitfuncs()
        finally:
            try:
                sys.stdout.flush(); sys.stderr.flush()
            finally:
                os._exit(code)
    deadline = time.monotonic() + req["timeout"]
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            answers.write(json.dumps({"returncode": os.waitstatus_to_exitcode(status)}) + "\n")
            break
        if time.monotonic() > deadline:
            os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            answers.write(json.dumps({"timeout": True}) + "\n")
            break
        time.sleep(0.005)
    answers.flush()
"""


def _environment() -> dict[str, str]:
    """The environment a run inherits, less what pytest changes for every test."""
    return {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}


class _Warm:
    """One warm interpreter, started on first use and stopped when the worker exits."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()
        self.environment = _environment()  # as the worker started: what the interpreter imports under

    def _server(self) -> subprocess.Popen[str]:
        if self._proc is None or self._proc.poll() is not None:
            code = f"PRELOAD = {PRELOAD!r}\n{_SERVER}"
            self._proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          text=True, cwd=tempfile.gettempdir(), env=self.environment)
            atexit.register(self._proc.kill)
        return self._proc

    def run(self, module: str, args: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
        with self._lock, tempfile.TemporaryDirectory() as out:
            request = {"module": module, "args": args, "cwd": str(cwd), "timeout": timeout, "env": dict(os.environ),
                       "stdout": f"{out}/stdout", "stderr": f"{out}/stderr"}
            server = self._server()
            assert server.stdin is not None and server.stdout is not None
            server.stdin.write(json.dumps(request) + "\n")
            server.stdin.flush()
            answer = json.loads(server.stdout.readline() or '{"lost": true}')
            stdout, stderr = (Path(out, name).read_text(errors="replace") if Path(out, name).exists() else ""
                              for name in ("stdout", "stderr"))
        argv = [sys.executable, "-m", module, *args]
        if answer.get("timeout"):
            raise subprocess.TimeoutExpired(argv, timeout, stdout, stderr)
        if answer.get("lost"):
            self._proc = None
            raise RuntimeError(f"the warm interpreter died running {argv}")
        return subprocess.CompletedProcess(argv, answer["returncode"], stdout, stderr)


_WARM = _Warm()


def python(*args: str, cwd: Path | str | None = None, timeout: float = 400,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` in ``cwd``, captured as text, never raising on its exit status:
    forked from the warm interpreter for ``-m MODULE …`` (a fresh process when ``env``
    is given or ``ARGS`` is anything else)."""
    cwd = Path(cwd or os.getcwd())
    warm = env is None and _environment() == _WARM.environment
    if warm and len(args) >= 2 and args[0] == "-m":
        return _WARM.run(args[1], list(args[2:]), cwd, timeout)
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          check=False, env=env)
