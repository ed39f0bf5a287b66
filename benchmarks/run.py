"""Benchmarks: how fast each command answers, against the floor set by its libraries.

    python benchmarks/run.py                      # 20,000 participants, 7 repetitions
    python benchmarks/run.py --scales 1000,5000,20000 --repeat 5 --results benchmarks/RESULTS.md

Builds (or reuses) a national-scale demo database with the installed `ipsung`, then runs
every command and its floor in alternation (command, floor, command, floor, ...) so that
both see the same machine load, and prints medians and ratios. Floors:
- `python -c "import typer"` for --help and screen;
- a Python that only imports the runtime dependencies (typer, rich, SQLAlchemy ORM,
  pydantic, dateutil) for capacity, due, show and outcomes;
- Python's sqlite3 reading the contacts table straight into csv.writer for the export
  (and, for reference, the sqlite3 command line's own CSV output).
For reference only, the runtime-deps floor again with gc.freeze() before it exits, as
ipsung does. Peak memory is each child's maximum resident set size, CPU time its user +
system time (os.wait4). The load averages before and after go into the results.
"""

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
TODAY = "2026-11-23"  # demo data are relative to today: fix it, so the data set is stable
PYTHON = sys.executable
IPSUNG = [shutil.which("ipsung") or str(Path(sys.executable).parent / "ipsung")]

TARGETS = {
    "help": 1.6,
    "screen": 1.6,
    "capacity": 1.5,
    "due": 1.5,
    "show": 1.3,
    "outcomes": 2.0,
    "export contacts": 1.5,
}

FLOOR_TYPER = [PYTHON, "-c", "import typer"]
FLOOR_DEPS = [PYTHON, "-c", "import typer, rich, sqlalchemy.orm, pydantic, dateutil"]
# For reference, not a target: ipsung freezes its objects before it exits (cli.main), so
# Python's exit skips a last walk over them. The floor above pays that walk; this one not.
FLOOR_DEPS_FROZEN = [
    PYTHON,
    "-c",
    "import gc, typer, rich, sqlalchemy.orm, pydantic, dateutil; gc.freeze()",
]
FLOOR_EXPORT = """
import csv, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
with open(sys.argv[2], "w", newline="", encoding="utf-8") as out:
    writer = csv.writer(out)
    cursor = conn.execute("SELECT * FROM contacts ORDER BY id")
    writer.writerow([d[0] for d in cursor.description])
    writer.writerows(cursor)
"""


def run(command: list[str], env: dict) -> tuple[float, int, float]:
    """Wall time in seconds, peak memory in KiB and CPU seconds (user + system) of one run."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed: {process.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def database(participants: int, env: dict) -> tuple[Path, str]:
    """The demo database of this size, built once and kept in benchmarks/.cache."""
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"demo-{participants}.db"
    if path.exists():
        return path, "reused"
    started = time.perf_counter()
    subprocess.run(
        [*IPSUNG, "--db", str(path), "demo", "--participants", str(participants)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    elapsed = time.perf_counter() - started
    import sqlite3

    conn = sqlite3.connect(path)
    rows = sum(
        conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in (
            "consultants",
            "participants",
            "contacts",
            "placements",
            "aftercare_periods",
            "progress_ratings",
        )
    )
    conn.close()
    return path, f"built in {elapsed:.1f} s: {rows:,} rows, {rows / elapsed:,.0f} rows/s"


def a_case(path: Path) -> str:
    """An open case with a long history: what `show` is usually asked about."""
    import sqlite3

    conn = sqlite3.connect(path)
    row = conn.execute(
        "SELECT p.id FROM participants p JOIN contacts c ON c.participant_id = p.id "
        "WHERE p.closed_on IS NULL AND p.enrolled_on IS NOT NULL GROUP BY p.id ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()
    conn.close()
    return str(row[0])


def measure(pairs: dict, repeat: int, env: dict) -> dict:
    """Medians over alternated repetitions (each command right after its floor), peak
    memory, and the median CPU time: on a shared machine wall time wanders with the
    neighbours' load, CPU time much less, so the two ratios together tell noise apart."""
    times: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    memory: dict[str, int] = {}
    for _ in range(repeat):
        for name, command in pairs.items():
            elapsed, peak, cpu_seconds = run(command, env)
            times.setdefault(name, []).append(elapsed)
            cpu.setdefault(name, []).append(cpu_seconds)
            memory[name] = max(memory.get(name, 0), peak)
    return {
        name: (statistics.median(values), memory[name], statistics.median(cpu[name]))
        for name, values in times.items()
    }


def scale_pairs(path: Path, out: Path) -> dict:
    db = ["--db", str(path)]
    pairs = {
        "floor: import typer": FLOOR_TYPER,
        "help": [*IPSUNG, "--help"],
        "screen": [
            *IPSUNG,
            "screen",
            "--birth-date",
            "14-03-2010",
            "--diagnosis",
            "F90.0",
            "--substance",
            "A",
            "--motivated",
            "--normal-cognition",
        ],
        "floor: runtime deps": FLOOR_DEPS,
        "floor: runtime deps, frozen at exit": FLOOR_DEPS_FROZEN,
        "capacity": [*IPSUNG, *db, "capacity"],
        "due": [*IPSUNG, *db, "due"],
        "show": [*IPSUNG, *db, "show", a_case(path)],
        "outcomes": [*IPSUNG, *db, "outcomes"],
        "floor: sqlite3 + csv.writer": [PYTHON, "-c", FLOOR_EXPORT, str(path), str(out)],
        "export contacts": [*IPSUNG, *db, "export", "contacts", "--out", str(out)],
    }
    if shutil.which("sqlite3"):
        pairs["sqlite3 -csv"] = [
            "sh",
            "-c",
            f"sqlite3 -csv -header {path} 'SELECT * FROM contacts ORDER BY id' > {out}",
        ]
    return pairs


FLOOR_OF = {
    "help": "floor: import typer",
    "screen": "floor: import typer",
    "capacity": "floor: runtime deps",
    "due": "floor: runtime deps",
    "show": "floor: runtime deps",
    "outcomes": "floor: runtime deps",
    "export contacts": "floor: sqlite3 + csv.writer",
}


def report(results: dict, scales: list[int], notes: list[str]) -> str:
    largest = scales[-1]
    lines = [
        "# Benchmark results",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()}: {platform.platform()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, code {_commit()}.",
        "Medians of alternated repetitions; ratio = command / its floor in the same run (wall",
        "time; the targets are on it). CPU ratio: the same with user + system CPU time, which",
        "a busy neighbour disturbs less. vs frozen floor: against a floor that also skips the",
        "last walk over its objects at exit, as ipsung does (not a target; for honesty).",
        "The runtime-deps floor imports rich and pydantic, which these read commands never",
        "load, so a ratio near or under 1.0× is possible; the export's floor reads the same",
        "rows into the same csv module.",
        "",
        *notes,
        "",
        f"## At {largest:,} participants",
        "",
        "| command | median s | floor | ratio | target | CPU ratio | vs frozen floor | peak MiB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    at_largest = results[largest]
    frozen = at_largest.get("floor: runtime deps, frozen at exit")
    for name, (seconds, peak, cpu) in at_largest.items():
        floor = FLOOR_OF.get(name)
        if floor:
            ratio = seconds / at_largest[floor][0]
            cpu_ratio = cpu / at_largest[floor][2]
            verdict = "ok" if ratio <= TARGETS[name] else "MISSED"
            vs_frozen = (
                f"{seconds / frozen[0]:.2f}×" if frozen and floor == "floor: runtime deps" else ""
            )
            lines.append(
                f"| {name} | {seconds:.3f} | {floor} | {ratio:.2f}× | ≤ {TARGETS[name]}× {verdict} "
                f"| {cpu_ratio:.2f}× | {vs_frozen} | {peak / 1024:.0f} |"
            )
        else:
            lines.append(f"| {name} | {seconds:.3f} | | | | | | {peak / 1024:.0f} |")
    if "sqlite3 -csv" in at_largest:
        ratio = at_largest["export contacts"][0] / at_largest["sqlite3 -csv"][0]
        lines.append(f"\nexport contacts against `sqlite3 -csv`: {ratio:.2f}×")
    if len(scales) > 1:
        names = [n for n in at_largest if not n.startswith("floor") and n != "sqlite3 -csv"]
        lines += [
            "",
            "## How cost grows (median seconds)",
            "",
            "| command | " + " | ".join(f"{n:,}" for n in scales) + " |",
            "|---" * (len(scales) + 1) + "|",
        ]
        for name in names:
            lines.append(
                f"| {name} | " + " | ".join(f"{results[n][name][0]:.3f}" for n in scales) + " |"
            )
    return "\n".join(lines) + "\n"


def _commit() -> str:
    """The commit measured (the working tree's, as installed from it), if known."""
    try:
        found = subprocess.run(
            ["git", "-C", str(HERE), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return found.stdout.strip()


def _load() -> str:
    """The 1, 5 and 15 minute load averages: how busy the machine was around the run."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scales", default="20000", help="participants per data set, comma-separated"
    )
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--results", type=Path, help="also write the results as Markdown here")
    args = parser.parse_args()
    scales = sorted(int(s) for s in args.scales.split(","))
    env = {k: v for k, v in os.environ.items() if not k.startswith("IPSUNG_")}
    env.update(IPSUNG_TODAY=TODAY, NO_COLOR="1")
    out = CACHE / "export.csv"
    results, notes = {}, []
    notes.append(f"- load average before: {_load()}")
    for n in scales:
        path, how = database(n, env)
        notes.append(f"- {n:,} participants: {how}")
        print(f"{n:,} participants: {how}", flush=True)
        results[n] = measure(scale_pairs(path, out), args.repeat, env)
        for name, (seconds, peak, _cpu) in results[n].items():
            floor = FLOOR_OF.get(name)
            ratio = f"  {seconds / results[n][floor][0]:.2f}× {floor}" if floor else ""
            print(f"  {name:<28} {seconds:7.3f} s  {peak / 1024:6.0f} MiB{ratio}", flush=True)
    out.unlink(missing_ok=True)
    notes.append(f"- load average after: {_load()}")
    text = report(results, scales, notes)
    print()
    print(text)
    if args.results:
        args.results.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
