"""How fast Tab answers: shell completion of cases and consultants on the national-scale
demo database (issue 16: under 0.3 s at 20,000 participants), and proof that it wrote
nothing.

    python benchmarks/completion.py                    # 20,000 participants, 15 repetitions
    python benchmarks/completion.py --participants 5000 --repeat 9
    python benchmarks/completion.py --results benchmarks/COMPLETION.md

Builds (or reuses) the demo database of benchmarks/run.py in benchmarks/.cache/, then runs
the installed `ipsung` as each shell's completion script runs it, alternated with
`ipsung --help` (the floor: starting the command at all), and prints medians and the
slowest run. Before and after, it takes the database file's SHA-256, its -wal and -shm
files and its audit rows: completion must leave all of them as they were.
"""

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import IPSUNG, TODAY, database  # noqa: E402

from ipsung.store.peek import read_only  # noqa: E402

TARGET_S = 0.3

# (what is completed, the words typed so far, the shell)
CASES = [
    ("case name, 'emi'", "show emi", "bash"),
    ("case name, nothing typed", "log-contact ", "bash"),
    ("case id, '12'", "show 12", "bash"),
    ("case name, zsh", "progress emi", "zsh"),
    ("case name, fish", "close emi", "fish"),
    ("case name, PowerShell", "show emi", "powershell"),
    ("consultant", "due --consultant m", "bash"),
    ("command name", "lo", "bash"),
]


def completion_env(base: dict, db: Path, words: str, shell: str) -> dict:
    line = f"ipsung --db {db} {words}"
    env = {**base, "_IPSUNG_COMPLETE": f"complete_{shell}"}
    if shell == "bash":
        parts = line.split(" ")
        env.update(COMP_WORDS=line, COMP_CWORD=str(len(parts) - 1))
    else:
        env["_TYPER_COMPLETE_ARGS"] = line
        env["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
        env["_TYPER_COMPLETE_WORD_TO_COMPLETE"] = line.rsplit(" ", 1)[-1]
    return env


def timed(command: list[str], env: dict) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0 or result.stderr:
        raise SystemExit(f"{command} failed ({result.returncode}): {result.stderr}")
    return elapsed, result.stdout


def fingerprint(db: Path) -> tuple:
    """The file's bytes, its side files, its audit rows: what completion must not change."""
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    side = sorted(p.name for p in db.parent.iterdir() if p.name.startswith(db.name + "-"))
    conn = read_only(db)  # as completion reads it: creates no -wal or -shm file
    try:
        audit = conn.execute("SELECT count(*), max(id) FROM audit_log").fetchone()
    finally:
        conn.close()
    return digest, side, audit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--results", type=Path, help="Also write the table to this file.")
    args = parser.parse_args()
    lines: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    with tempfile.TemporaryDirectory() as home:
        # A settings file of its own: "my" cases first, as a consultant would have it.
        config = Path(home) / "config.toml"
        base = {k: v for k, v in os.environ.items() if not k.startswith("IPSUNG_")}
        base.update(IPSUNG_TODAY=TODAY, IPSUNG_CONFIG=str(config), NO_COLOR="1")
        db, how = database(args.participants, base)
        conn = read_only(db)
        me = conn.execute("SELECT name FROM consultants ORDER BY id LIMIT 1").fetchone()[0]
        conn.close()
        config.write_text(f'consultant = "{me}"\n', encoding="utf-8")
        before = fingerprint(db)

        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        say(f"# Shell completion at {args.participants:,} participants")
        say()
        say(
            f"Run {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, {os.cpu_count()} cores, code {commit}."
        )
        say(f"Database: {db.name} ({how}); {args.repeat} alternated repetitions; load average")
        say(f"before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}.")
        say()
        say("| completion | median s | slowest s | --help median s | offered | target |")
        say("|---|---|---|---|---|---|")
        worst = 0.0
        for label, words, shell in CASES:
            env = completion_env(base, db, words, shell)
            times, floors, offered = [], [], ""
            for _ in range(args.repeat):
                elapsed, offered = timed(IPSUNG, env)
                times.append(elapsed)
                floors.append(timed([*IPSUNG, "--help"], base)[0])
            median = statistics.median(times)
            worst = max(worst, median)
            n = len([line for line in offered.splitlines() if line.strip()])
            verdict = "ok" if median < TARGET_S else "OVER"
            say(
                f"| {label} ({shell}) | {median:.3f} | {max(times):.3f} | "
                f"{statistics.median(floors):.3f} | {n} | < {TARGET_S} {verdict} |"
            )
        after = fingerprint(db)
        say()
        say(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
        say(f"database, side files and audit rows unchanged: {before == after}")
        if args.results:
            args.results.write_text("\n".join(lines) + "\n", encoding="utf-8")
        if before != after:
            raise SystemExit(f"completion changed the database: {before} -> {after}")
        if worst >= TARGET_S:
            raise SystemExit(f"slowest median {worst:.3f} s is over the target {TARGET_S} s")


if __name__ == "__main__":
    main()
