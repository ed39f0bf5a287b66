"""A week in an IPS Ung team, Monday 16 to Sunday 22 November 2026, through the real CLI on
one SQLite file, with IPSUNG_TODAY moved day by day.

Two consultants: Mette Holm (max 3) and Jonas Berg (max 2). The cases:

1. Mette, referred 02-11 (from the old spreadsheet): three-party meeting Monday, an
   internship from Wednesday, followed up Thursday, aftercare Saturday, closed Sunday.
2. Mette, referred 06-11: behind on weekly contact Monday, intake meeting due Friday.
3. Jonas, referred Monday: three-party meeting Tuesday.
4. Jonas, referred Monday: moves away Thursday (closed without a closing meeting).
5. Mette, referred Saturday 14-11: no contact all week, overdue on Sunday.
6. Referred Monday when the team is full: waitlisted, taken in by Jonas on Friday.

After each day `capacity --json` and `due --json` are checked in full.
"""

from conftest import ELIGIBLE, doc, ok, row_counts

MAX = {"Mette Holm": 3, "Jonas Berg": 2}


def intake_cmd(name: str, referral: str, *extra: str) -> list[str]:
    return [
        "intake",
        "--name",
        name,
        "--birth-date",
        "14-03-2010",
        "--referral-date",
        referral,
        *ELIGIBLE,
        *extra,
        "--json",
    ]


def take_in(run, name: str, referral: str, *extra: str) -> dict:
    return doc(ok(run(*intake_cmd(name, referral, *extra))))


def due_pairs(run) -> list[tuple[int, str]]:
    """(participant_id, reason) of today's due list, in its order."""
    items = doc(ok(run("due", "--json")))
    return [(i["participant_id"], i["reason"]) for i in items]


def check_capacity(run, open_cases: dict[str, int], overdue: dict[str, int], waitlist: int):
    """The full capacity document for the two consultants with these open cases."""

    def state(n: int, most: int) -> str:
        return "over" if n > most else "full" if n == most else "below-band"

    expected_consultants = [
        {
            "name": name,
            "open_cases": open_cases[name],
            "max_caseload": MAX[name],
            "free": max(0, MAX[name] - open_cases[name]),
            "state": state(open_cases[name], MAX[name]),
            "overdue_contacts": overdue[name],
        }
        for name in sorted(MAX)
    ]
    document = doc(ok(run("capacity", "--json")))
    by_name = sorted(document["consultants"], key=lambda c: c["name"])
    assert by_name == expected_consultants, document
    assert document["team"] == {
        "open_cases": sum(open_cases.values()),
        "max_caseload": 5,
        "free": sum(c["free"] for c in expected_consultants),
    }, document
    assert document["waitlist"] == waitlist, document


def test_a_week_in_the_team(run, monkeypatch):
    def today(day: str) -> None:
        monkeypatch.setenv("IPSUNG_TODAY", day)

    # --- Monday 16-11 ---------------------------------------------------------------------
    today("2026-11-16")
    ok(run("consultant", "add", "Mette Holm", "--max-caseload", "3"))
    ok(run("consultant", "add", "Jonas Berg", "--max-caseload", "2"))
    ids = {}
    for key, name, referral, consultant in (
        (1, "Sofie Jensen", "02-11-2026", "Mette Holm"),
        (2, "Emil Hansen", "06-11-2026", "Mette Holm"),
        (3, "Ida Nielsen", "i dag", "Jonas Berg"),
        (4, "Lukas Madsen", "16-11-2026", "Jonas Berg"),
        (5, "Freja Holm", "14-11-2026", "Mette Holm"),
    ):
        taken = take_in(run, name, referral, "--consultant", consultant)
        assert (taken["status"], taken["consultant"]) == ("active", consultant)
        ids[key] = taken["id"]
    assert sorted(ids.values()) == [1, 2, 3, 4, 5]
    # the whole team is full: refused, then waitlisted
    before = row_counts(run)
    r = run(*intake_cmd("Noah Larsen", "16-11-2026"))
    assert r.exit_code == 1, r.output
    assert row_counts(run) == before
    waiting = take_in(run, "Noah Larsen", "16-11-2026", "--waitlist")
    assert waiting["status"] == "waitlisted" and waiting["id"] == 6
    # before the day's contacts: case 1 is behind on weekly contact, intake meeting and
    # its baseline rating (due 14 days after enrolment)
    items = doc(ok(run("due", "--json")))
    assert [(i["participant_id"], i["reason"], i["since"]) for i in items] == [
        (1, "weekly-contact", "2026-11-10"),
        (2, "weekly-contact", "2026-11-14"),
        (1, "intake-meeting", "2026-11-16"),
        (1, "progress-rating", "2026-11-16"),
    ]
    ok(run("log-contact", "1", "--kind", "three-party", "--minutes", "60"))
    ok(run("progress", "1", "--outlook", "2", "--insight", "2", "--skills", "3"))
    assert due_pairs(run) == [(2, "weekly-contact")]
    check_capacity(
        run, {"Mette Holm": 3, "Jonas Berg": 2}, {"Mette Holm": 1, "Jonas Berg": 0}, waitlist=1
    )

    # --- Tuesday 17-11 --------------------------------------------------------------------
    today("2026-11-17")
    before = row_counts(run)
    r = run("log-contact", "2", "--kind", "youth", "--date", "18-11-2026")  # tomorrow
    assert r.exit_code == 2, r.output
    assert row_counts(run) == before
    ok(run("log-contact", "2", "--kind", "youth", "--channel", "phone", "--minutes", "15"))
    ok(run("log-contact", "3", "--kind", "three-party", "--note", "Intakesamtale med UU"))
    ok(
        run(
            "log-contact",
            "--kind",
            "employer",
            "--employer",
            "Bager Nielsen",
            "--consultant",
            "Jonas Berg",
        )
    )
    assert due_pairs(run) == []
    check_capacity(
        run, {"Mette Holm": 3, "Jonas Berg": 2}, {"Mette Holm": 0, "Jonas Berg": 0}, waitlist=1
    )

    # --- Wednesday 18-11 ------------------------------------------------------------------
    today("2026-11-18")
    ok(
        run(
            "placement",
            "add",
            "1",
            "--kind",
            "internship",
            "--start",
            "i dag",
            "--hours",
            "10",
            "--employer",
            "Bager Nielsen",
        )
    )
    assert due_pairs(run) == [(1, "placement-follow-up")]
    check_capacity(
        run, {"Mette Holm": 3, "Jonas Berg": 2}, {"Mette Holm": 0, "Jonas Berg": 0}, waitlist=1
    )

    # --- Thursday 19-11 -------------------------------------------------------------------
    today("2026-11-19")
    assert due_pairs(run) == [(1, "placement-follow-up")]
    ok(run("log-contact", "1", "--kind", "youth", "--note", "Første dag i praktikken gik godt"))
    assert due_pairs(run) == []
    r = ok(run("close", "4", "--reason", "moved"))
    assert "Warning" in r.stderr and "three-party" in r.stderr, r.stderr
    assert due_pairs(run) == [(6, "waitlist")]
    assert doc(ok(run("due", "--consultant", "Jonas Berg", "--json"))) == []
    check_capacity(
        run, {"Mette Holm": 3, "Jonas Berg": 1}, {"Mette Holm": 0, "Jonas Berg": 0}, waitlist=1
    )

    # --- Friday 20-11 ---------------------------------------------------------------------
    today("2026-11-20")
    # waiting since Monday, the intake meeting and baseline rating due since today
    assert due_pairs(run) == [(6, "waitlist"), (2, "intake-meeting"), (2, "progress-rating")]
    before = row_counts(run)
    r = run("reassign", "6", "--to", "Mette Holm")  # Mette is full
    assert r.exit_code == 1, r.output
    assert "Jonas Berg" in r.stderr
    assert row_counts(run) == before
    ok(run("reassign", "6", "--to", "Jonas Berg"))
    shown = doc(ok(run("show", "6", "--json")))
    assert (shown["status"], shown["consultant"], shown["enrolled_on"]) == (
        "active",
        "Jonas Berg",
        "2026-11-20",
    )
    assert due_pairs(run) == [(2, "intake-meeting"), (2, "progress-rating")]
    ok(run("log-contact", "2", "--kind", "three-party", "--minutes", "45"))
    ok(run("progress", "2", "--outlook", "3", "--insight", "2", "--skills", "2"))
    assert due_pairs(run) == []
    check_capacity(
        run, {"Mette Holm": 3, "Jonas Berg": 2}, {"Mette Holm": 0, "Jonas Berg": 0}, waitlist=0
    )

    # --- Saturday 21-11 -------------------------------------------------------------------
    today("2026-11-21")
    ok(run("aftercare", "start", "1", "--date", "21-11-2026"))
    assert due_pairs(run) == []  # case 5: exactly 7 days since enrolment
    check_capacity(
        run, {"Mette Holm": 3, "Jonas Berg": 2}, {"Mette Holm": 0, "Jonas Berg": 0}, waitlist=0
    )

    # --- Sunday 22-11 ---------------------------------------------------------------------
    today("2026-11-22")
    assert due_pairs(run) == [(5, "weekly-contact")]
    check_capacity(
        run, {"Mette Holm": 3, "Jonas Berg": 2}, {"Mette Holm": 1, "Jonas Berg": 0}, waitlist=0
    )
    r = ok(run("close", "1", "--reason", "goal-reached"))
    assert r.stderr == "", r.stderr  # the three-party meeting of Monday is recent enough
    shown = doc(ok(run("show", "1", "--json")))
    assert (shown["status"], shown["closed_on"], shown["close_reason"]) == (
        "closed",
        "2026-11-22",
        "goal-reached",
    )
    assert shown["aftercare"] == [{"start": "2026-11-21", "end": "2026-11-22", "contact_every": 7}]
    assert [(p["kind"], p["start"], p["end"]) for p in shown["placements"]] == [
        ("internship", "2026-11-18", None)
    ]
    assert due_pairs(run) == [(5, "weekly-contact")]
    check_capacity(
        run, {"Mette Holm": 2, "Jonas Berg": 2}, {"Mette Holm": 1, "Jonas Berg": 0}, waitlist=0
    )
    listed = doc(ok(run("list", "--status", "all", "--json")))
    assert {c["id"]: c["status"] for c in listed} == {
        1: "closed",
        2: "active",
        3: "active",
        4: "closed",
        5: "active",
        6: "active",
    }
    assert {c["id"]: c["consultant"] for c in listed} == {
        1: "Mette Holm",
        2: "Mette Holm",
        3: "Jonas Berg",
        4: "Jonas Berg",
        5: "Mette Holm",
        6: "Jonas Berg",
    }
