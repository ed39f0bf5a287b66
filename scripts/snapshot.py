"""What ipsung says, command by command: a snapshot to compare two versions byte for byte.

    python scripts/snapshot.py OUT_DIR [--ipsung PATH]

Runs a fixed list of commands with the installed `ipsung` (or the one given) on demo
databases with a fixed day, a fixed pseudonym key and no colour, and writes for each its
exit code, stdout and stderr, plus the files it wrote (CSV exports, the HTML report).
Two snapshots made by two versions should not differ:

    python scripts/snapshot.py /tmp/before --ipsung /tmp/old-venv/bin/ipsung
    python scripts/snapshot.py /tmp/after
    diff -r /tmp/before /tmp/after && echo same

Only what cannot be the same on two runs is normalised: the temporary folder's path and
the audit log's UTC times.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

TODAY = "2026-11-23"
KEY = bytes(range(32))  # a fixed pseudonym key, so that exports compare
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")

HELP = [
    [],
    ["--help"],
    *(
        [name, "--help"]
        for name in (
            "info", "screen", "intake", "list", "show", "log-contact", "due", "capacity",
            "progress", "close", "reassign", "edit", "demo", "export", "import", "outcomes",
            "fidelity", "report", "audit", "backup", "check", "anonymize", "erase",
            "consultant", "placement", "aftercare",
        )
    ),
    *([group, sub, "--help"] for group, sub in (
        ("consultant", "add"), ("consultant", "list"), ("consultant", "set-max"),
        ("consultant", "deactivate"), ("placement", "add"), ("placement", "end"),
        ("aftercare", "start"), ("aftercare", "end"),
    )),
]  # fmt: skip

SCREEN = [
    ["screen", "--birth-date", "14-03-2010", "--diagnosis", "F90.0", "--substance", "A",
     "--motivated", "--normal-cognition"],
    ["screen", "--birth-date", "14-03-2010", "--diagnosis", "F90.0", "--substance", "A",
     "--motivated", "--normal-cognition", "--json"],
    ["screen", "--cpr", "140308-4321", "--mistrivsel", "angst", "--substance", "d",
     "--not-motivated", "--reduced-cognition", "--on", "01-01-2026"],
    ["screen", "--birth-date", "01-01-2005", "--diagnosis", "F70", "--substance", "A",
     "--motivated", "--normal-cognition", "--json"],
    ["screen", "--birth-date", "31-02-2010", "--substance", "A", "--motivated",
     "--normal-cognition"],
    ["screen", "--birth-date", "14-03-2010", "--diagnosis", "X99", "--substance", "A",
     "--motivated", "--normal-cognition"],
    ["screen", "--birth-date", "14-03-2010"],
    ["intke"],
    ["--version"],
]  # fmt: skip

READS = [
    ["info", "--json"],
    ["capacity"], ["capacity", "--json"], ["capacity", "--on", "01-06-2026", "--json"],
    ["due"], ["due", "--json"], ["due", "--consultant", "Mette Holm"],
    ["due", "--on", "01-03-2026", "--json"], ["due", "--consultant", "Nobody"],
    ["consultant", "list"], ["consultant", "list", "--json"],
    ["list"], ["list", "--json"], ["list", "--status", "all", "--json"],
    ["list", "--status", "closed", "--consultant", "Jonas Berg"], ["list", "--status", "nope"],
    ["show", "1"], ["show", "3", "--json"], ["show", "999"],
    ["outcomes"], ["outcomes", "--json"],
    ["outcomes", "--from", "01-01-2025", "--to", "30-06-2026", "--by", "consultant",
     "--quarterly"],
    ["outcomes", "--by", "referred-by", "--quarterly", "--json"],
    ["outcomes", "--from", "01-01-2026", "--to", "01-01-2025"],
    ["fidelity"], ["fidelity", "--json"], ["fidelity", "--on", "01-06-2026", "--json"],
    ["check"], ["check", "--json"],
    ["report", "--out", "{tmp}/report.html"],
    ["report", "--out", "{tmp}/report-2026.html", "--from", "01-01-2026"],
    ["export", "participants"], ["export", "contacts", "--dialect", "excel-dk"],
    ["export", "placements", "--from", "01-01-2026"], ["export", "progress", "--to", "01-01-2026"],
    ["export", "all", "--out", "{tmp}/out-csv"],
    ["export", "all", "--out", "{tmp}/out-dk", "--dialect", "excel-dk", "--identified"],
    ["export", "nope"],
    ["audit", "--limit", "5"],
]  # fmt: skip

WRITES = [
    ["consultant", "add", "Lise Dahl", "--max-caseload", "5"],
    ["consultant", "add", "lise dahl"],
    ["consultant", "set-max", "Lise Dahl", "2"],
    ["intake", "--name", "Sofie Prøve", "--birth-date", "14-03-2010", "--referral-date",
     "02-11-2026", "--referred-by", "school", "--mistrivsel", "absence", "--substance", "A",
     "--motivated", "--normal-cognition", "--consultant", "Lise Dahl", "--json"],
    ["intake", "--name", "Emil Prøve", "--cpr", "010310-4234", "--referral-date", "i går",
     "--referred-by", "psychiatry", "--diagnosis", "DF84.0", "--substance", "b",
     "--motivated", "--normal-cognition", "--consultant", "Lise Dahl", "--goal", "Blive kok",
     "--pathway", "education"],
    ["intake", "--name", "Anna Prøve", "--birth-date", "14-03-2010", "--referred-by",
     "school", "--mistrivsel", "absence", "--substance", "A", "--motivated",
     "--normal-cognition", "--consultant", "Lise Dahl"],
    ["intake", "--name", "Anna Prøve", "--birth-date", "14-03-2010", "--referred-by",
     "school", "--mistrivsel", "absence", "--substance", "A", "--motivated",
     "--normal-cognition", "--consultant", "Lise Dahl", "--waitlist", "--json"],
    ["intake", "--name", "Ung Prøve", "--birth-date", "14-03-2000", "--referred-by",
     "school", "--substance", "E", "--not-motivated", "--normal-cognition", "--json"],
    ["intake", "--name", "Ung Prøve", "--birth-date", "14-03-2000", "--referred-by",
     "school", "--substance", "E", "--not-motivated", "--normal-cognition"],
    ["intake", "--name", "x"],
    ["log-contact", "{new}", "--kind", "youth", "--date", "20-11-2026", "--channel", "phone",
     "--minutes", "20", "--note", "Talte om praktik", "--json"],
    ["log-contact", "{new}", "--kind", "three-party", "--date", "21-11-2026"],
    ["log-contact", "--kind", "employer", "--employer", "Bager Nielsen", "--consultant",
     "Lise Dahl", "--date", "22-11-2026", "--json"],
    ["log-contact", "{new}", "--kind", "visit"],
    ["log-contact", "{new}", "--kind", "youth", "--date", "01-01-2030"],
    ["placement", "add", "{new}", "--kind", "ordinary-job", "--start", "22-11-2026",
     "--hours", "12", "--employer", "Netto", "--json"],
    ["placement", "add", "{new}", "--kind", "ordinary-job", "--start", "22-11-2026",
     "--employer", "netto"],
    ["placement", "add", "{new}", "--kind", "fgu", "--start", "01-01-2020"],
    ["due", "--consultant", "Lise Dahl", "--json"],
    ["aftercare", "start", "{new}", "--date", "23-11-2026"],
    ["aftercare", "start", "{new}", "--date", "23-11-2026"],
    ["progress", "{new}", "--outlook", "3", "--insight", "4", "--skills", "2"],
    ["progress", "{new}", "--outlook", "6", "--insight", "4", "--skills", "2"],
    ["edit", "{new}", "--goal", "Blive frisør", "--pathway", "job-placement"],
    ["edit", "{new}", "--diagnosis", ""],
    ["edit", "{new}"],
    ["reassign", "{new}", "--to", "Mette Holm"],
    ["reassign", "{new}", "--to", "Nobody"],
    ["aftercare", "end", "{new}", "--date", "23-11-2026"],
    ["close", "{new}", "--date", "23-11-2026", "--reason", "goal-reached"],
    ["close", "{new}", "--date", "23-11-2026", "--reason", "goal-reached"],
    ["show", "{new}", "--json"],
    ["consultant", "deactivate", "Lise Dahl"],
    ["anonymize", "--closed-before", "01-01-2026"],
    ["anonymize", "--closed-before", "01-01-2026", "--yes"],
    ["erase", "2", "--yes"],
    ["erase", "2", "--yes"],
    ["backup", "{tmp}/copy.db"],
    ["check", "--json"],
    ["capacity", "--json"],
    ["audit", "{new}", "--json"],
]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    beside_python = str(Path(sys.executable).parent / "ipsung")
    parser.add_argument("--ipsung", default=shutil.which("ipsung") or beside_python)
    args = parser.parse_args()
    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="ipsung-snapshot-") as tmp:
        Snapshot(args.ipsung, Path(tmp), args.out).run()
    print(f"wrote {len(list(args.out.iterdir()))} files to {args.out}")


class Snapshot:
    def __init__(self, ipsung: str, tmp: Path, out: Path) -> None:
        self.ipsung, self.tmp, self.out = ipsung, tmp, out
        self.count = 0
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("IPSUNG_")},
            "IPSUNG_TODAY": TODAY,
            "IPSUNG_LANG": "en",
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "NO_COLOR": "1",
            "COLUMNS": "100",
            "HOME": str(tmp / "home"),
            "XDG_DATA_HOME": str(tmp / "home" / "data"),
            "XDG_CONFIG_HOME": str(tmp / "home" / "config"),
        }

    def ipsung_on(self, database: Path, *args: str) -> None:
        # Files a command writes go to a folder of the database's own: {tmp} in the args.
        files = (
            database.parent if database.parent != self.tmp else self.tmp / f"files-{database.stem}"
        )
        files.mkdir(exist_ok=True)
        shown = list(args)
        args = [a.replace("{tmp}", str(files)) for a in args]
        result = subprocess.run(
            [self.ipsung, *args],
            env={**self.env, "IPSUNG_DB": str(database)},
            capture_output=True,
            stdin=subprocess.DEVNULL,
        )
        self.count += 1
        slug = re.sub(r"[^A-Za-z0-9]+", "-", " ".join(shown))[:60].strip("-")
        text = (
            f"$ ipsung {' '.join(args)}\nexit {result.returncode}\n--- stdout\n"
            f"{result.stdout.decode()}--- stderr\n{result.stderr.decode()}"
        )
        text = TIME.sub("<time>", text.replace(str(self.tmp), "<tmp>"))
        (self.out / f"{self.count:03d}-{slug or 'plain'}.txt").write_text(text)

    def keep_files(self) -> None:
        """The files the commands wrote: exports and reports, byte for byte."""
        for path in sorted(self.tmp.rglob("*")):
            if path.is_file() and path.suffix in (".csv", ".html"):
                name = str(path.relative_to(self.tmp)).replace("/", "__")
                shutil.copyfile(path, self.out / f"file-{name}")

    def move(self, database: Path) -> None:
        """export all --identified, import all into a new database: the same figures."""
        self.ipsung_on(database, "export", "all", "--out", "{tmp}/moved", "--identified")
        moved = self.tmp / f"files-{database.stem}" / "moved.db"  # {tmp} is its folder too
        self.ipsung_on(moved, "import", "all", "{tmp}/moved", "--dry-run", "--add-consultants")
        self.ipsung_on(moved, "import", "all", "{tmp}/moved", "--add-consultants")
        Path(f"{moved}.key").write_bytes(KEY)
        for args in (["outcomes", "--json"], ["capacity", "--json"], ["list", "--json"]):
            self.ipsung_on(moved, *args)

    def run(self) -> None:
        small, large = self.tmp / "small.db", self.tmp / "large.db"
        for args in HELP + SCREEN:
            self.ipsung_on(small, *args)
        self.ipsung_on(small, "capacity")  # no database yet
        self.ipsung_on(small, "demo")
        self.ipsung_on(small, "demo")  # refused: not empty
        self.ipsung_on(large, "demo", "--participants", "400", "--seed", "7")
        for database in (small, large):
            Path(f"{database}.key").write_bytes(KEY)
        for database in (small, large):
            for args in READS:
                self.ipsung_on(database, *args)
        new = "41"  # the small demo's 40 cases, then the first intake
        for args in WRITES:
            if args[0] == "anonymize" and "--yes" in args:
                self.move(small)  # a whole caseload moved, before any case is anonymised
            self.ipsung_on(small, *(a.replace("{new}", new) for a in args))
        self.keep_files()


if __name__ == "__main__":
    sys.exit(main())
