"""Benchmarks: how fast each command answers, against the floor set by its libraries, and
on a team database against the same command on a file.

    python benchmarks/run.py                      # 20,000 participants, 7 repetitions
    python benchmarks/run.py --scales 1000,5000,20000 --repeat 5 --results benchmarks/RESULTS.md
    python benchmarks/run.py --backend postgresql --results benchmarks/RESULTS.md

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

--backend postgresql starts a throwaway PostgreSQL server as the tests do (initdb in a
temporary folder, a Unix socket only; with fsync and the other durability settings at
their defaults, as on a real server), sets the database up as README tells an
administrator to (server-setup --print, psql, ipsung upgrade), builds the same demo there
as a consultant's login (timed: rows per second), lets the server VACUUM and ANALYZE it,
and then times every command of the file benchmark against the same command on the file
of the same size, in alternation. CPU there is the client's plus the server's (the
postmaster's reaped children), so the ratio counts the work wherever it is done. Each
backend's results are a section of the results file; a run replaces its own.
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


def run(command: list[str], env: dict, server_cpu=None) -> tuple[float, int, float]:
    """Wall time in seconds, peak memory in KiB and CPU seconds (user + system) of one run;
    with `server_cpu` (a function), the server's CPU seconds for the run are added."""
    server_before = server_cpu() if server_cpu else 0.0
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed: {process.stderr.read().decode()}")
    cpu = usage.ru_utime + usage.ru_stime
    if server_cpu:
        time.sleep(0.05)  # the server process of the command is reaped once it has gone
        cpu += server_cpu() - server_before
    return elapsed, usage.ru_maxrss, cpu


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


def measure(pairs: dict, repeat: int, env: dict, server_cpu: dict | None = None) -> dict:
    """Medians over alternated repetitions (each command right after its floor), peak
    memory, and the median CPU time: on a shared machine wall time wanders with the
    neighbours' load, CPU time much less, so the two ratios together tell noise apart."""
    times: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    memory: dict[str, int] = {}
    for _ in range(repeat):
        for name, command in pairs.items():
            elapsed, peak, cpu_seconds = run(command, env, (server_cpu or {}).get(name))
            times.setdefault(name, []).append(elapsed)
            cpu.setdefault(name, []).append(cpu_seconds)
            memory[name] = max(memory.get(name, 0), peak)
    return {
        name: (statistics.median(values), memory[name], statistics.median(cpu[name]))
        for name, values in times.items()
    }


def commands(target: str, case: str, out: Path, everywhere: bool = False) -> dict[str, list[str]]:
    """Every command the benchmark times, on the database `target` (a path or a URL); with
    `everywhere`, --db is given to help and screen too (which never open a database)."""
    db = ["--db", target]
    quiet = db if everywhere else []
    return {
        "help": [*IPSUNG, *quiet, "--help"],
        "screen": [
            *IPSUNG,
            *quiet,
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
        "capacity": [*IPSUNG, *db, "capacity"],
        "due": [*IPSUNG, *db, "due"],
        "show": [*IPSUNG, *db, "show", case],
        "outcomes": [*IPSUNG, *db, "outcomes"],
        "export contacts": [*IPSUNG, *db, "export", "contacts", "--out", str(out)],
    }


def scale_pairs(path: Path, out: Path) -> dict:
    timed = commands(str(path), a_case(path), out)
    pairs = {
        "floor: import typer": FLOOR_TYPER,
        "help": timed["help"],
        "screen": timed["screen"],
        "floor: runtime deps": FLOOR_DEPS,
        "floor: runtime deps, frozen at exit": FLOOR_DEPS_FROZEN,
        **{name: timed[name] for name in ("capacity", "due", "show", "outcomes")},
        "floor: sqlite3 + csv.writer": [PYTHON, "-c", FLOOR_EXPORT, str(path), str(out)],
        "export contacts": timed["export contacts"],
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


# --- a team database on PostgreSQL, against the file -------------------------------------------

PG_TARGET = 1.3  # each command on the server within 1.3× of the same command on a file
PG_DEMO_TARGET = 50_000  # rows a second for demo on the server
PG_LOGIN = "bench_consultant"  # a person of the team: a login in the team role, nothing more
PG_HEADING = "# Benchmark results: a team database on PostgreSQL"
FILE_HEADING = "# Benchmark results"
DEMO_TABLES = (
    "consultants",
    "participants",
    "contacts",
    "placements",
    "aftercare_periods",
    "progress_ratings",
)


# The server is started and set up by a helper process of its own (the tests' throwaway
# server class, tests/conftest.py): this process stays small, since a child's peak memory
# as the system counts it starts from its parent's size.
SERVER_HELPER = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from conftest import PgServer, _pg_bin_dir
import psycopg

bin_dir = _pg_bin_dir()
if bin_dir is None:
    print(json.dumps({"error": "PostgreSQL's server programs were not found: install "
                      "Debian's postgresql package or set IPSUNG_TEST_PG_BIN"}), flush=True)
    sys.exit(1)
server = PgServer(bin_dir)
try:
    server.start(durable=True)
    with psycopg.connect(server.superuser_url("postgres")) as conn:
        version = conn.execute("SELECT version()").fetchone()[0].split(" on ")[0]
    print(json.dumps({"data": str(server.data), "version": version}), flush=True)
    for line in sys.stdin:
        verb, name, *rest = line.split() + [""]
        if verb == "setup":
            server.set_up(name)
            server.admin(
                f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{rest[0]}') "
                f"THEN CREATE ROLE {rest[0]} LOGIN IN ROLE ipsung_team; END IF; END $$"
            )
            print(json.dumps({"url": server.url(name, rest[0])}), flush=True)
        elif verb == "settle":
            with psycopg.connect(server.superuser_url(name), autocommit=True) as conn:
                rows = sum(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                           for t in json.loads(rest[0]))
                conn.execute("VACUUM (ANALYZE)")
                size = conn.execute(
                    "SELECT pg_size_pretty(pg_database_size(current_database()))"
                ).fetchone()[0]
            print(json.dumps({"rows": rows, "size": size}), flush=True)
        else:
            break
finally:
    server.stop()
"""


class Server:
    """The throwaway server, through its helper process."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [PYTHON, "-c", SERVER_HELPER, str(HERE.parent / "tests")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        started = self.answer()
        if "error" in started:
            raise SystemExit(started["error"])
        self.data, self.version = Path(started["data"]), started["version"]

    def answer(self) -> dict:
        import json

        line = self.process.stdout.readline()
        if not line:
            raise SystemExit("the PostgreSQL helper stopped")
        return json.loads(line)

    def ask(self, *words: str) -> dict:
        self.process.stdin.write(" ".join(words) + "\n")
        self.process.stdin.flush()
        return self.answer()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.write("stop\n")
            self.process.stdin.flush()
            self.process.wait(timeout=120)

    def cpu(self) -> float:
        """CPU seconds of the server's processes that have ended (a command's own backend
        is one): the postmaster's children's user + system time."""
        pid = int((self.data / "postmaster.pid").read_text().split()[0])
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def pg_database(server: Server, participants: int, env: dict) -> tuple[str, str]:
    """A team database of this size, set up as README says and filled by demo as a
    consultant would fill it."""
    import json

    name = f"ipsung_bench_{participants}"
    url = server.ask("setup", name, PG_LOGIN)["url"]
    cpu_before = server.cpu()
    started = time.perf_counter()
    subprocess.run(
        [*IPSUNG, "--db", url, "demo", "--participants", str(participants)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    elapsed = time.perf_counter() - started
    time.sleep(0.1)
    server_cpu = server.cpu() - cpu_before
    # What autovacuum does soon after a bulk load: VACUUM (ANALYZE).
    settled = server.ask("settle", name, json.dumps(DEMO_TABLES).replace(" ", ""))
    rows = settled["rows"]
    rate = rows / elapsed
    verdict = "ok" if rate >= PG_DEMO_TARGET else "MISSED"
    return url, (
        f"demo built in {elapsed:.1f} s: {rows:,} rows, {rate:,.0f} rows/s "
        f"(target ≥ {PG_DEMO_TARGET:,} {verdict}; server CPU {server_cpu:.1f} s); "
        f"VACUUM (ANALYZE) after; {settled['size']} on disk"
    )


def pg_pairs(path: Path, url: str, out: Path) -> dict:
    """Each command on the file, then the same on the server."""
    case = a_case(path)
    on_file = commands(str(path), case, out, everywhere=True)
    on_server = commands(url, case, out, everywhere=True)
    pairs = {}
    for name in on_file:
        pairs[f"{name} | file"] = on_file[name]
        pairs[f"{name} | server"] = on_server[name]
    return pairs


def pg_report(results: dict, scales: list[int], notes: list[str], version: str, repeat: int) -> str:
    lines = [
        PG_HEADING,
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()}: {platform.platform()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, code {_commit()}; "
        f"{version}.",
        f"`python benchmarks/run.py {' '.join(sys.argv[1:])}`: a throwaway server on this machine,",
        "reached through a Unix socket, durability settings at their defaults; client and",
        f"server share the machine's cores. Medians of {repeat} alternated repetitions (file, server,",
        "file, ...); ratio = the command on the server / the same command on the file, in the",
        f"same run (wall time; target ≤ {PG_TARGET}×). CPU ratio: the same with CPU time, the",
        "server's included (its processes' user + system time), which a busy neighbour",
        "disturbs less. The commands run as a consultant's login under the least-privilege",
        "setup of README.",
        "",
        *notes,
    ]
    for n in scales:
        at = results[n]
        lines += [
            "",
            f"## At {n:,} participants",
            "",
            "| command | file s | server s | ratio | target | CPU ratio | peak MiB file / server |",
            "|---|---|---|---|---|---|---|",
        ]
        for name in dict.fromkeys(key.split(" | ")[0] for key in at):
            file_s, file_peak, file_cpu = at[f"{name} | file"]
            server_s, server_peak, server_cpu = at[f"{name} | server"]
            ratio = server_s / file_s
            verdict = "ok" if ratio <= PG_TARGET else "MISSED"
            lines.append(
                f"| {name} | {file_s:.3f} | {server_s:.3f} | {ratio:.2f}× | ≤ {PG_TARGET}× "
                f"{verdict} | {server_cpu / file_cpu:.2f}× | {file_peak / 1024:.0f} / "
                f"{server_peak / 1024:.0f} |"
            )
    return "\n".join(lines) + "\n"


def write_section(path: Path, heading: str, text: str) -> None:
    """Replace the results file's section that starts with `heading` (a top-level title),
    keeping the other backend's; a new one goes last."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    sections: list[list[str]] = []  # [title, text] of each top-level section
    for line in old.splitlines(keepends=True):
        if line.startswith("# ") or not sections:
            sections.append([line.rstrip("\n"), line])
        else:
            sections[-1][1] += line
    parts, placed = [], False
    for title, body in sections:
        if title == heading:
            if not placed:
                parts.append(text)
                placed = True
        elif body.strip():
            parts.append(body)
    if not placed:
        parts.append(text)
    path.write_text("\n".join(part.rstrip("\n") + "\n" for part in parts), encoding="utf-8")


def postgres_main(args, scales: list[int], env: dict) -> str:
    out = CACHE / "export.csv"
    CACHE.mkdir(exist_ok=True)
    results, notes = {}, [f"- load average before: {_load()}"]
    server = Server()
    try:
        for n in scales:
            path, how = database(n, env)
            url, built = pg_database(server, n, env)
            for line in (
                f"{n:,} participants, file: {how}",
                f"{n:,} participants, server: {built}",
            ):
                notes.append(f"- {line}")
                print(line, flush=True)
            pairs = pg_pairs(path, url, out)
            cpu = {name: server.cpu for name in pairs if name.endswith("| server")}
            results[n] = measure(pairs, args.repeat, env, cpu)
            for name, (seconds, peak, _cpu) in results[n].items():
                print(f"  {name:<28} {seconds:7.3f} s  {peak / 1024:6.0f} MiB", flush=True)
    finally:
        server.stop()
        out.unlink(missing_ok=True)
    notes.append(f"- load average after: {_load()}")
    return pg_report(results, scales, notes, server.version, args.repeat)


def _commit() -> str:
    """The commit measured (the working tree's, as installed from it), if known; "-dirty"
    when code differs from it (results files written by an earlier run do not count)."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(HERE), *args], capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        changed = git(
            "status", "--porcelain", "--untracked-files=no", "--", ":/", ":(top,exclude)*.md"
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}-dirty" if changed else head


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
    parser.add_argument(
        "--backend",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="sqlite: each command against its floor; postgresql: on a team database "
        "against the same command on a file",
    )
    args = parser.parse_args()
    scales = sorted(int(s) for s in args.scales.split(","))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IPSUNG_", "PG"))}
    env.update(IPSUNG_TODAY=TODAY, NO_COLOR="1")
    if args.backend == "postgresql":
        text = postgres_main(args, scales, env)
        print()
        print(text)
        if args.results:
            write_section(args.results, PG_HEADING, text)
        return
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
        write_section(args.results, FILE_HEADING, text)


if __name__ == "__main__":
    main()
