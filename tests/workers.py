"""Racing processes for the concurrency tests (SQLite in test_concurrency.py, PostgreSQL in
test_postgres.py): each worker loads ipsung, says "ready", waits until all are released at
once, then runs its commands in-process through the real CLI and reports every exit code.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import TODAY_ISO

# Exit 1 is a refusal the race may rightly end in (the last free place taken); anything
# else but 0 is a failure. A --json command that succeeded reports its document.
WORKER = r"""
import json, sys
from typer.testing import CliRunner
from ipsung.cli import app
import ipsung.usecases.casework, ipsung.store.db, ipsung.models, ipsung.usecases.consultants  # load before the start

target, commands = sys.argv[1], json.loads(sys.argv[2])
runner = CliRunner()
print("ready", flush=True)
sys.stdin.readline()
codes = []
for args in commands:
    r = runner.invoke(app, ["--db", target, *args], input="")
    codes.append(r.exit_code)
    if r.exit_code == 1:
        print("refused", json.dumps(args), r.stderr.strip()[-300:], flush=True)
    elif r.exit_code != 0:
        print("failed", r.exit_code, json.dumps(args), r.stderr.strip()[-300:], flush=True)
    elif "--json" in args:
        print("result", r.stdout.replace("\n", " "), flush=True)
print("codes", json.dumps(codes), flush=True)
"""


def process_env(home: Path | None = None) -> dict:
    """This process's environment without ipsung's settings, at the tests' fixed today;
    with `home`, a data folder of the test's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IPSUNG_")}
    env.update(IPSUNG_TODAY=TODAY_ISO, NO_COLOR="1")
    if home is not None:
        env["XDG_DATA_HOME"] = str(home / "xdg")
    return env


def run_workers(
    target: str, command_lists: list, home: Path | None = None, timeout: float = 180
) -> list[str]:
    """Start one worker per command list on the database `target`, release them together,
    and return their outputs; a crash, a traceback or a failure fails the test."""
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, target, json.dumps(commands)],
            env=process_env(home),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for commands in command_lists
    ]
    try:
        for w in workers:
            line = w.stdout.readline()
            assert line.strip() == "ready", (line, w.stderr.read() if w.poll() is not None else "")
        for w in workers:  # all at once
            w.stdin.write("go\n")
            w.stdin.flush()
        outputs = [w.communicate(timeout=timeout) for w in workers]
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
                w.wait()
    for w, (out, err) in zip(workers, outputs, strict=True):
        assert w.returncode == 0, err
        assert "Traceback" not in out + err and "failed" not in out, out + err
    return [out for out, _err in outputs]


def codes_of(output: str) -> list[int]:
    line = next(line for line in output.splitlines() if line.startswith("codes "))
    return json.loads(line.removeprefix("codes "))
