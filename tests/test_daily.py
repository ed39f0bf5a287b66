"""Daily work (SPEC §6, §7, §11) through the real CLI on a real SQLite file.

Sections: contacts; the due list; placements, aftercare, progress; close, reassign, edit,
deactivate; capacity; demo. Today is fixed to Monday 2026-11-23 by conftest; other days are
reached with `due --on`/`capacity --on` or by setting IPSUNG_TODAY with monkeypatch.
"""

import json
import sqlite3
from contextlib import closing

import pytest
from conftest import ELIGIBLE, TODAY_ISO, doc, ok, row_counts

CONTACT_KINDS = [
    "youth",
    "three-party",
    "employer",
    "education",
    "treatment",
    "network",
    "caseworker",
]
CHANNELS = ["in-person", "phone", "video", "text", "email"]
PLACEMENT_KINDS = [
    "internship",
    "ordinary-job",
    "flex-job",
    "wage-subsidy",
    "education",
    "fgu",
    "apprenticeship",
]
CLOSE_REASONS = ["goal-reached", "declined", "moved", "no-contact", "transferred", "other"]
DUE_KEYS = {"participant_id", "name", "consultant", "reason", "since", "detail"}
CAPACITY_CONSULTANT_KEYS = {
    "name",
    "open_cases",
    "max_caseload",
    "free",
    "state",
    "overdue_contacts",
}


# --- helpers -----------------------------------------------------------------------------


def show(run, case_id: int) -> dict:
    return doc(ok(run("show", str(case_id), "--json")))


def refused(run, *args: str, code: int = 2, case_id: int | None = None):
    """The command exits with `code`, stores nothing (no row anywhere, audit log included)
    and, given a case, leaves everything about that case as it was."""
    before_case = show(run, case_id) if case_id is not None else None
    before = row_counts(run)
    r = run(*args)
    assert r.exit_code == code, f"{args}: {r.output}"
    assert "Traceback" not in r.output
    assert r.stderr.startswith("Error:"), r.output
    assert row_counts(run) == before, f"{args} changed the database"
    if case_id is not None:
        assert show(run, case_id) == before_case, f"{args} changed case {case_id}"
    return r


def intake(run, name: str, referral: str, consultant: str | None = None, *extra: str) -> int:
    """An eligible 16-year-old referred on `referral`; returns the case id."""
    args = ["intake", "--name", name, "--birth-date", "14-03-2010", "--referral-date", referral]
    args += ELIGIBLE
    if consultant:
        args += ["--consultant", consultant]
    return doc(ok(run(*args, *extra, "--json")))["id"]


def contact(run, case_id: int, kind: str, day: str, *extra: str) -> int:
    return doc(
        ok(run("log-contact", str(case_id), "--kind", kind, "--date", day, *extra, "--json"))
    )["id"]


def due(run, *args: str) -> list[dict]:
    """`due --json`: checks every item's keys and that its detail says something, then
    returns the items without the free-text detail."""
    items = doc(ok(run("due", *args, "--json")))
    assert isinstance(items, list)
    for item in items:
        assert set(item) == DUE_KEYS, item
        assert isinstance(item["detail"], str) and item["detail"].strip(), item
    return [{k: v for k, v in item.items() if k not in ("detail", "name")} for item in items]


def item(case_id: int, consultant: str | None, reason: str, since: str) -> dict:
    return {"participant_id": case_id, "consultant": consultant, "reason": reason, "since": since}


def due_for(run, reason: str, *args: str) -> list[dict]:
    """The items of one reason (the others have tests of their own)."""
    return [i for i in due(run, *args) if i["reason"] == reason]


def rate(run, case_id: int, day: str) -> None:
    args = ["--outlook", "2", "--insight", "3", "--skills", "2", "--date", day]
    ok(run("progress", str(case_id), *args))


def capacity(run, *args: str) -> dict:
    return doc(ok(run("capacity", *args, "--json")))


def contacts_in_db(db_path) -> list[tuple]:
    """(kind, participant id, employer, consultant name) of every stored contact."""
    with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as conn:
        return conn.execute(
            "SELECT c.kind, c.participant_id, c.employer, k.name FROM contacts c "
            "LEFT JOIN consultants k ON k.id = c.consultant_id ORDER BY c.id"
        ).fetchall()


# --- 1. log-contact ----------------------------------------------------------------------------


def test_log_contact_every_kind_and_channel(team):
    run = team
    case = intake(run, "Sofie Jensen", "02-11-2026", "Mette Holm")
    expected = []
    for i, kind in enumerate(CONTACT_KINDS):
        day = f"2026-11-{10 + i:02d}"
        args = ["--minutes", str(15 * (i + 1)), "--note", f"Samtale {i}: {kind}"]
        if i == 0:
            channel = "in-person"  # the default: no --channel
        else:
            channel = CHANNELS[i % len(CHANNELS)]
            args += ["--channel", channel]
        if kind == "employer":
            args += ["--employer", "Bager Nielsen"]
        r = ok(run("log-contact", str(case), "--kind", kind, "--date", day, *args, "--json"))
        logged = doc(r)
        assert logged["participant_id"] == case and logged["kind"] == kind
        assert logged["date"] == day and isinstance(logged["id"], int)
        expected.append(
            {
                "date": day,
                "kind": kind,
                "channel": channel,
                "minutes": 15 * (i + 1),
                "note": f"Samtale {i}: {kind}",
            }
        )
    # every channel was used
    assert {e["channel"] for e in expected} == set(CHANNELS)
    shown = show(run, case)["contacts"]
    assert [{k: c[k] for k in ("date", "kind", "channel", "minutes", "note")} for c in shown] == (
        expected
    )
    assert len({c["id"] for c in shown}) == len(CONTACT_KINDS)


def test_log_contact_danish_dates_and_defaults(team):
    run = team
    case = intake(run, "Sofie Jensen", "02-11-2026", "Mette Holm")
    ok(run("log-contact", str(case), "--kind", "youth", "--date", "20.11.2026"))
    ok(run("log-contact", str(case), "--kind", "youth", "--date", "i går"))
    ok(run("log-contact", str(case), "--kind", "three-party"))  # today
    shown = show(run, case)["contacts"]
    assert [(c["date"], c["kind"], c["channel"]) for c in shown] == [
        ("2026-11-20", "youth", "in-person"),
        ("2026-11-22", "youth", "in-person"),
        (TODAY_ISO, "three-party", "in-person"),
    ]
    assert shown[0]["minutes"] is None and shown[0]["note"] is None


def test_job_development_with_one_consultant_is_attributed_automatically(run, db_path):
    ok(run("consultant", "add", "Mette Holm"))
    r = ok(
        run(
            "log-contact",
            "--kind",
            "employer",
            "--employer",
            "Bager Nielsen",
            "--date",
            "20-11-2026",
            "--note",
            "Ledig elevplads",
            "--json",
        )
    )
    assert doc(r)["participant_id"] is None and doc(r)["kind"] == "employer"
    assert contacts_in_db(db_path) == [("employer", None, "Bager Nielsen", "Mette Holm")]
    # a deactivated colleague does not count: Mette is still the only active consultant
    ok(run("consultant", "add", "Jonas Berg"))
    ok(run("consultant", "deactivate", "Jonas Berg"))
    ok(run("log-contact", "--kind", "employer", "--employer", "Jysk", "--channel", "email"))
    assert contacts_in_db(db_path)[-1] == ("employer", None, "Jysk", "Mette Holm")


def test_job_development_with_two_consultants_needs_consultant(team, db_path):
    run = team
    r = refused(run, "log-contact", "--kind", "employer", "--employer", "Bager Nielsen")
    assert "--consultant" in r.stderr
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
    assert contacts_in_db(db_path) == [("employer", None, "Bager Nielsen", "Jonas Berg")]


def test_job_development_needs_the_employer(run):
    ok(run("consultant", "add", "Mette Holm"))
    r = refused(run, "log-contact", "--kind", "employer")
    assert "--employer" in r.stderr


@pytest.mark.parametrize("kind", [k for k in CONTACT_KINDS if k != "employer"])
def test_contact_without_participant_is_usage_error(team, kind):
    """stdin is not a terminal under CliRunner: a missing PARTICIPANT is exit 2, no prompt."""
    run = team
    intake(run, "Sofie Jensen", "02-11-2026", "Mette Holm")
    r = refused(run, "log-contact", "--kind", kind, "--date", "20-11-2026")
    assert "PARTICIPANT" in r.stderr


LOG_CONTACT_REFUSALS = {
    "future date": ["1", "--kind", "youth", "--date", "24-11-2026"],
    "before referral": ["1", "--kind", "youth", "--date", "01-11-2026"],
    "unknown case": ["99", "--kind", "youth", "--date", "20-11-2026"],
    "closed case": ["2", "--kind", "youth", "--date", "21-11-2026"],
    "closed case, day before closing": ["2", "--kind", "three-party", "--date", "19-11-2026"],
    "unknown kind": ["1", "--kind", "lunch", "--date", "20-11-2026"],
    "unknown channel": ["1", "--kind", "youth", "--channel", "pigeon"],
    "negative minutes": ["1", "--kind", "youth", "--minutes", "-5"],
    "minutes not a number": ["1", "--kind", "youth", "--minutes", "lots"],
    "impossible date": ["1", "--kind", "youth", "--date", "31-02-2026"],
}


@pytest.mark.parametrize("args", LOG_CONTACT_REFUSALS.values(), ids=LOG_CONTACT_REFUSALS.keys())
def test_log_contact_refused_stores_nothing(team, args):
    run = team
    assert intake(run, "Sofie Jensen", "02-11-2026", "Mette Holm") == 1
    assert intake(run, "Emil Hansen", "02-11-2026", "Mette Holm") == 2
    ok(run("close", "2", "--date", "20-11-2026", "--reason", "moved"))
    refused(run, "log-contact", *args)


# --- 2. due ------------------------------------------------------------------------------------


def test_due_weekly_contact(team):
    """More than 7 days since the last youth/three-party contact, or since enrolment."""
    run = team
    a = intake(run, "Sofie Jensen", "02-11-2026", "Mette Holm")
    weekly = "weekly-contact"
    assert due_for(run, weekly, "--on", "2026-11-02") == []
    assert due_for(run, weekly, "--on", "2026-11-09") == []  # exactly 7 days: not due
    expected = [item(a, "Mette Holm", weekly, "2026-11-10")]
    assert due_for(run, weekly, "--on", "2026-11-10") == expected
    contact(run, a, "three-party", "2026-11-11")
    contact(run, a, "network", "2026-11-15")  # not a contact with the young person
    contact(run, a, "treatment", "2026-11-16")
    assert due_for(run, weekly, "--on", "2026-11-18") == []  # 7 days after the meeting
    expected_19 = [item(a, "Mette Holm", weekly, "2026-11-19")]
    assert due_for(run, weekly, "--on", "2026-11-19") == expected_19
    contact(run, a, "youth", "2026-11-16", "--channel", "phone")
    assert due_for(run, weekly, "--on", "2026-11-19") == []
    assert due_for(run, weekly) == []  # today, 23-11: exactly 7 days after the youth contact
    # --on in the past does not see contacts logged after that day
    assert due_for(run, weekly, "--on", "2026-11-10") == expected


def test_due_weekly_contact_follows_the_interval_agreed_for_aftercare(team):
    """During aftercare the agreed interval replaces the 7 days; after it, 7 days again."""
    run = team
    a = intake(run, "Sofie Jensen", "01-09-2026", "Mette Holm")
    ok(run("placement", "add", str(a), "--kind", "ordinary-job", "--start", "01-10-2026"))
    ok(run("aftercare", "start", str(a), "--date", "01-11-2026", "--contact-every", "14"))
    contact(run, a, "youth", "2026-11-05")
    weekly = "weekly-contact"
    assert due_for(run, weekly, "--on", "2026-11-19") == []  # 14 days: within the interval
    assert due_for(run, weekly, "--on", "2026-11-20") == [
        item(a, "Mette Holm", weekly, "2026-11-20")  # 15 days: 05-11 + 14 + 1
    ]
    assert "every 14 days" in ok(run("due", "--on", "2026-11-20")).stdout
    ok(run("aftercare", "end", str(a), "--date", "2026-11-15"))
    # The aftercare ended on 15-11: from the 16th the weekly 7 days hold again.
    assert due_for(run, weekly, "--on", "2026-11-16") == [
        item(a, "Mette Holm", weekly, "2026-11-13")  # 05-11 + 7 + 1
    ]


def test_aftercare_contact_interval_is_checked(team):
    run = team
    a = intake(run, "Sofie Jensen", "01-09-2026", "Mette Holm")
    for days in ("0", "93", "-1"):
        r = run("aftercare", "start", str(a), "--date", "01-11-2026", "--contact-every", days)
        assert r.exit_code == 2, r.output
        assert "--contact-every" in r.stderr and "Traceback" not in r.output


def test_due_intake_meeting(team):
    """Enrolled 14+ days ago without a three-party contact."""
    run = team
    a = intake(run, "Sofie Jensen", "02-11-2026", "Mette Holm")
    contact(run, a, "youth", "2026-11-14")
    meeting = "intake-meeting"
    assert due_for(run, meeting, "--on", "2026-11-15") == []  # 13 days
    expected = [item(a, "Mette Holm", meeting, "2026-11-16")]
    assert due_for(run, meeting, "--on", "2026-11-16") == expected  # 14 days
    contact(run, a, "three-party", "2026-11-20")
    assert due_for(run, meeting) == []
    assert due_for(run, meeting, "--on", "2026-11-19") == expected  # the meeting came later
    assert due_for(run, meeting, "--on", "2026-11-20") == []


def test_due_employer_contact(team):
    """Enrolled 30+ days and no employer contact for this young person."""
    run = team
    a = intake(run, "Sofie Jensen", "01-10-2026", "Mette Holm")
    contact(run, a, "three-party", "2026-10-29")
    employer = "employer-contact"
    assert due_for(run, employer, "--on", "2026-10-30") == []  # 29 days
    expected = [item(a, "Mette Holm", employer, "2026-10-31")]
    assert due_for(run, employer, "--on", "2026-10-31") == expected  # 30 days
    # job development with no participant is not an employer contact for this young person
    ok(
        run(
            "log-contact",
            "--kind",
            "employer",
            "--employer",
            "Jysk",
            "--date",
            "2026-11-05",
            "--consultant",
            "Mette Holm",
        )
    )
    contact(run, a, "youth", "2026-11-20")
    contact(run, a, "education", "2026-11-20")  # a school is not an employer (no pathway)
    assert due_for(run, employer) == expected
    contact(run, a, "employer", "2026-11-21", "--employer", "Jysk", "--channel", "phone")
    assert due_for(run, employer) == []
    assert due_for(run, employer, "--on", "2026-10-31") == expected


def test_due_employer_contact_ends_when_a_job_or_education_has_started(team):
    run = team
    a = intake(run, "Sofie Jensen", "01-10-2026", "Mette Holm")
    employer = "employer-contact"
    assert due_for(run, employer) == [item(a, "Mette Holm", employer, "2026-10-31")]
    ok(run("placement", "add", str(a), "--kind", "internship", "--start", "10-11-2026"))
    assert due_for(run, employer) != []  # an internship is not a counted start
    ok(run("placement", "add", str(a), "--kind", "fgu", "--start", "16-11-2026"))
    assert due_for(run, employer) == []
    assert due_for(run, employer, "--on", "2026-11-15") != []  # before the start


def test_due_employer_contact_on_the_education_pathway_ends_with_an_education_contact(team):
    run = team
    a = intake(run, "Sofie Jensen", "01-10-2026", "Mette Holm", "--pathway", "education")
    employer = "employer-contact"
    assert due_for(run, employer) == [item(a, "Mette Holm", employer, "2026-10-31")]
    contact(run, a, "education", "2026-11-18")
    assert due_for(run, employer) == []
    assert due_for(run, employer, "--on", "2026-11-17") != []


def test_due_placement_follow_up(team):
    """A placement that has started, until a youth, three-party or employer contact on or
    after its start day; other kinds of contact do not follow it up."""
    run = team
    a = intake(run, "Sofie Jensen", "02-11-2026", "Mette Holm")
    b = intake(run, "Emil Hansen", "02-11-2026", "Mette Holm")
    for case in (a, b):
        contact(run, case, "three-party", "2026-11-16")
    ok(run("placement", "add", str(a), "--kind", "internship", "--start", "10-11-2026"))
    ok(run("placement", "add", str(b), "--kind", "ordinary-job", "--start", "20-11-2026"))
    contact(run, b, "youth", "2026-11-20")  # on the start day: followed up
    follow = "placement-follow-up"
    # a's internship: the three-party meeting on 16-11 came after its start.
    assert due_for(run, follow, "--on", "2026-11-15") == [
        item(a, "Mette Holm", follow, "2026-11-10")
    ]
    assert due_for(run, follow) == []
    ok(run("placement", "add", str(a), "--kind", "ordinary-job", "--start", "17-11-2026"))
    contact(run, a, "network", "2026-11-18")  # the family: not a follow-up
    contact(run, a, "treatment", "2026-11-19")
    expected = [item(a, "Mette Holm", follow, "2026-11-17")]
    assert due_for(run, follow) == expected  # six days on, still due: it never vanishes
    assert due_for(run, follow, "--on", "2026-11-16") == []  # not started yet
    contact(run, a, "employer", "2026-11-21", "--employer", "Netto")
    assert due_for(run, follow) == []
    assert due_for(run, follow, "--on", "2026-11-20") == expected  # the contact came later


def test_due_progress_rating(team):
    """The baseline rating 14 days after enrolment; then the last rating more than 91 days
    ago."""
    run = team
    a = intake(run, "Sofie Jensen", "01-08-2026", "Mette Holm")
    rating = "progress-rating"
    assert due_for(run, rating, "--on", "2026-08-14") == []  # 13 days
    baseline = [item(a, "Mette Holm", rating, "2026-08-15")]
    assert due_for(run, rating, "--on", "2026-08-15") == baseline  # 14 days
    rate(run, a, "10-08-2026")
    assert due_for(run, rating, "--on", "2026-08-15") == []
    assert due_for(run, rating, "--on", "2026-11-09") == []  # 91 days after the rating
    assert due_for(run, rating, "--on", "2026-11-10") == [
        item(a, "Mette Holm", rating, "2026-11-10")
    ]
    rate(run, a, "20-11-2026")
    assert due_for(run, rating) == []


def test_due_period_review(team):
    """A 26-week period since enrolment (01-05-2026 + 182 days = 30-10-2026) is due from 14
    days before its end until `ipsung review` records it."""
    run = team
    a = intake(run, "Sofie Jensen", "01-05-2026", "Mette Holm")
    review = "period-review"
    expected = [item(a, "Mette Holm", review, "2026-10-16")]
    assert due_for(run, review, "--on", "2026-10-15") == []  # 15 days before the end
    assert due_for(run, review, "--on", "2026-10-16") == expected  # 14 days before
    assert due_for(run, review, "--on", "2026-10-30") == expected  # the last day
    assert due_for(run, review) == expected  # after the end, still due: not reviewed
    assert "ended 30-10-2026" in ok(run("due")).stdout
    r = ok(run("review", str(a), "--date", "20-11-2026", "--note", "Statusmøde med mor"))
    assert "period 1" in r.stdout
    assert due_for(run, review) == []
    assert due_for(run, review, "--on", "2026-11-19") == expected  # reviewed later
    reviews = show(run, a)["reviews"]
    assert reviews == [{"date": "2026-11-20", "period": 1, "note": "Statusmøde med mor"}]
    audit = [e for e in doc(ok(run("audit", str(a), "--json"))) if e["command"] == "review"]
    assert len(audit) == 1 and "Statusmøde" not in audit[0]["change"]  # no note in the log


def test_a_review_in_the_notice_days_clears_its_period(team):
    """Reviewed on 20-10-2026, in the 14 days before the first period's end: done; the
    second period (ends 30-04-2027) is due from 16-04-2027."""
    run = team
    a = intake(run, "Sofie Jensen", "01-05-2026", "Mette Holm")
    ok(run("review", str(a), "--date", "20-10-2026"))
    assert due_for(run, "period-review") == []
    assert show(run, a)["reviews"][0]["period"] == 1


def test_review_is_refused_before_enrolment_in_the_future_and_for_closed_cases(team):
    run = team
    a = intake(run, "Sofie Jensen", "01-05-2026", "Mette Holm")
    for args in (("--date", "30-04-2026"), ("--date", "24-11-2026")):
        r = run("review", str(a), *args)
        assert r.exit_code == 2, r.output
    ok(run("close", str(a), "--date", "20-11-2026", "--reason", "moved"))
    assert run("review", str(a)).exit_code == 2
    assert show(run, a)["reviews"] == []


def test_due_waitlist(run):
    """Listed while a consultant has a free place; never in one consultant's list."""
    ok(run("consultant", "add", "Jonas Berg", "--max-caseload", "1"))
    intake(run, "Sofie Jensen", "20-11-2026", "Jonas Berg")
    w = intake(run, "Emil Hansen", "16-11-2026", None, "--waitlist")
    assert show(run, w)["status"] == "waitlisted"
    assert due(run) == []  # the team is full
    ok(run("consultant", "set-max", "Jonas Berg", "2"))
    assert due(run) == [item(w, None, "waitlist", "2026-11-16")]
    assert due(run, "--consultant", "Jonas Berg") == []
    assert due(run, "--on", "2026-11-15") == []  # not referred yet


def test_closing_a_waitlisted_case_takes_it_off_the_waitlist(run):
    ok(run("consultant", "add", "Jonas Berg", "--max-caseload", "0"))
    w = intake(run, "Emil Hansen", "16-11-2026", None, "--waitlist")
    assert capacity(run)["waitlist"] == 1
    ok(run("close", str(w), "--date", "20-11-2026", "--reason", "declined"))
    assert capacity(run)["waitlist"] == 0
    ok(run("consultant", "set-max", "Jonas Berg", "1"))
    assert due(run) == []
    assert show(run, w)["status"] == "closed"


def test_due_order_most_overdue_first_ties_in_reason_order(team):
    run = team
    a = intake(run, "Sofie Jensen", "02-11-2026", "Jonas Berg")
    b = intake(run, "Emil Hansen", "03-11-2026", "Jonas Berg")
    contact(run, b, "youth", "2026-11-08")
    c = intake(run, "Ida Nielsen", "16-11-2026", "Jonas Berg", "--waitlist")  # Jonas is full
    d = intake(run, "Lukas Madsen", "02-11-2026", "Mette Holm")
    ok(run("close", str(d), "--date", "20-11-2026", "--reason", "declined"))
    assert show(run, c)["status"] == "waitlisted"
    # By `since`, then in the order of the reasons (weekly contact, intake meeting, ...,
    # progress rating, ..., waitlist). The baseline ratings: 02-11 + 14, 03-11 + 14.
    jonas_items = [
        item(a, "Jonas Berg", "weekly-contact", "2026-11-10"),
        item(b, "Jonas Berg", "weekly-contact", "2026-11-16"),
        item(a, "Jonas Berg", "intake-meeting", "2026-11-16"),
        item(a, "Jonas Berg", "progress-rating", "2026-11-16"),
    ]
    last = [
        item(b, "Jonas Berg", "intake-meeting", "2026-11-17"),
        item(b, "Jonas Berg", "progress-rating", "2026-11-17"),
    ]
    waiting = item(c, None, "waitlist", "2026-11-16")
    assert due(run) == [*jonas_items, waiting, *last]
    assert due(run, "--consultant", "Jonas Berg") == [*jonas_items, *last]
    assert due(run, "--consultant", "Mette Holm") == []  # her only case is closed
    assert due(run, "--on", "2026-11-20") == [*jonas_items, waiting, *last]


def test_due_never_lists_closed_cases(team):
    run = team
    a = intake(run, "Sofie Jensen", "01-05-2026", "Mette Holm")
    assert {i["reason"] for i in due(run)} == {
        "weekly-contact",
        "intake-meeting",
        "employer-contact",
        "progress-rating",
        "period-review",  # 01-05 + 26 weeks = 30-10-2026, not reviewed
    }
    ok(run("close", str(a), "--date", "20-11-2026", "--reason", "no-contact"))
    assert due(run) == []
    assert due(run, "--on", "2026-11-20") == []


def test_due_human_output(team):
    run = team
    intake(run, "Sofie Jensen", "02-11-2026", "Mette Holm")
    r = ok(run("due"))
    assert "weekly-contact" in r.stdout and "intake-meeting" in r.stdout
    assert "Mette Holm" in r.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["--consultant", "Nobody"],
        ["--on", "31-02-2026"],
        ["--on", "banana"],
    ],
    ids=["unknown consultant", "impossible date", "not a date"],
)
def test_due_bad_input(team, args):
    run = team
    intake(run, "Sofie Jensen", "02-11-2026", "Mette Holm")
    r = run("due", *args, "--json")
    assert r.exit_code == 2, r.output
    assert r.stdout == "" and r.stderr.startswith("Error:"), r.output


# --- 3. placements, aftercare, progress --------------------------------------------------------


def test_placement_every_kind(team):
    run = team
    case = intake(run, "Sofie Jensen", "02-11-2026", "Mette Holm")
    for i, kind in enumerate(PLACEMENT_KINDS):
        r = ok(
            run(
                "placement",
                "add",
                str(case),
                "--kind",
                kind,
                "--start",
                f"{3 + i:02d}-11-2026",
                "--hours",
                str(5 + i * 2.5),
                "--employer",
                f"Firma {i}",
                "--json",
            )
        )
        added = doc(r)
        assert added["kind"] == kind and added["participant_id"] == case
        assert added["start"] == f"2026-11-{3 + i:02d}"
    shown = show(run, case)["placements"]
    assert [(p["kind"], p["start"], p["end"], p["hours"], p["employer"]) for p in shown] == [
        (kind, f"2026-11-{3 + i:02d}", None, 5 + i * 2.5, f"Firma {i}")
        for i, kind in enumerate(PLACEMENT_KINDS)
    ]


def test_placement_end_and_start_again_at_the_same_employer(team):
    run = team
    case = intake(run, "Sofie Jensen", "02-11-2026", "Mette Holm")
    first = doc(
        ok(
            run(
                "placement",
                "add",
                str(case),
                "--kind",
                "internship",
                "--start",
                "05-11-2026",
                "--employer",
                "Bager Nielsen",
                "--json",
            )
        )
    )["id"]
    refused(
        run,
        "placement",
        "add",
        str(case),
        "--kind",
        "internship",
        "--start",
        "10-11-2026",
        "--employer",
        "BAGER   nielsen",
        case_id=case,
    )
    ok(run("placement", "end", str(first), "--date", "12-11-2026", "--reason", "Fik elevplads"))
    refused(run, "placement", "end", str(first), "--date", "13-11-2026", case_id=case)
    ok(
        run(
            "placement",
            "add",
            str(case),
            "--kind",
            "internship",
            "--start",
            "16-11-2026",
            "--employer",
            "bager nielsen",
        )
    )
    shown = show(run, case)["placements"]
    assert [(p["start"], p["end"], p["end_reason"]) for p in shown] == [
        ("2026-11-05", "2026-11-12", "Fik elevplads"),
        ("2026-11-16", None, None),
    ]


PLACEMENT_REFUSALS = {
    "start before enrolment": ["add", "1", "--kind", "fgu", "--start", "01-11-2026"],
    "future start": ["add", "1", "--kind", "fgu", "--start", "24-11-2026"],
    "negative hours": ["add", "1", "--kind", "fgu", "--start", "10-11-2026", "--hours", "-3"],
    "unknown kind": ["add", "1", "--kind", "astronaut", "--start", "10-11-2026"],
    "unknown case": ["add", "99", "--kind", "fgu", "--start", "10-11-2026"],
    "end before start": ["end", "1", "--date", "09-11-2026"],
    "end in the future": ["end", "1", "--date", "24-11-2026"],
    "unknown placement": ["end", "99", "--date", "20-11-2026"],
    "waitlisted case": ["add", "2", "--kind", "fgu", "--start", "20-11-2026"],
}


@pytest.mark.parametrize("args", PLACEMENT_REFUSALS.values(), ids=PLACEMENT_REFUSALS.keys())
def test_placement_refused_stores_nothing(team, args):
    run = team
    ok(run("consultant", "set-max", "Jonas Berg", "0"))
    ok(run("consultant", "set-max", "Mette Holm", "1"))
    assert intake(run, "Sofie Jensen", "02-11-2026", "Mette Holm") == 1
    assert intake(run, "Emil Hansen", "02-11-2026", None, "--waitlist") == 2
    assert show(run, 2)["status"] == "waitlisted"
    ok(run("placement", "add", "1", "--kind", "internship", "--start", "10-11-2026"))
    refused(run, "placement", *args, case_id=1)


def test_aftercare_periods(team):
    run = team
    case = intake(run, "Sofie Jensen", "02-11-2026", "Mette Holm")
    refused(run, "aftercare", "end", str(case), "--date", "05-11-2026", case_id=case)
    ok(run("aftercare", "start", str(case), "--date", "05-11-2026"))
    refused(run, "aftercare", "start", str(case), "--date", "07-11-2026", case_id=case)
    ok(run("aftercare", "end", str(case), "--date", "08-11-2026"))
    refused(run, "aftercare", "end", str(case), "--date", "09-11-2026", case_id=case)
    ok(run("aftercare", "start", str(case), "--date", "10-11-2026"))
    ok(run("aftercare", "end", str(case), "--date", "12-11-2026"))
    # a start inside an earlier period overlaps it
    refused(run, "aftercare", "start", str(case), "--date", "11-11-2026", case_id=case)
    refused(run, "aftercare", "start", str(case), "--date", "06-11-2026", case_id=case)
    ok(run("aftercare", "start", str(case), "--date", "15-11-2026"))
    refused(run, "aftercare", "start", str(case), "--date", "20-11-2026", case_id=case)
    assert show(run, case)["aftercare"] == [
        {"start": "2026-11-05", "end": "2026-11-08", "contact_every": 7},
        {"start": "2026-11-10", "end": "2026-11-12", "contact_every": 7},
        {"start": "2026-11-15", "end": None, "contact_every": 7},
    ]
    ok(run("aftercare", "end", str(case)))  # today
    assert show(run, case)["aftercare"][-1] == {
        "start": "2026-11-15",
        "end": TODAY_ISO,
        "contact_every": 7,
    }


def test_progress_ratings_stored(team):
    run = team
    case = intake(run, "Sofie Jensen", "02-11-2026", "Mette Holm")
    ok(
        run(
            "progress",
            str(case),
            "--outlook",
            "1",
            "--insight",
            "3",
            "--skills",
            "5",
            "--date",
            "10-11-2026",
        )
    )
    ok(run("progress", str(case), "--outlook", "5", "--insight", "4", "--skills", "2"))
    assert show(run, case)["progress"] == [
        {"date": "2026-11-10", "outlook": 1, "insight": 3, "skills": 5},
        {"date": TODAY_ISO, "outlook": 5, "insight": 4, "skills": 2},
    ]


@pytest.mark.parametrize("bad", ["0", "6", "-1", "godt"])
@pytest.mark.parametrize("dimension", ["--outlook", "--insight", "--skills"])
def test_progress_rating_out_of_range(team, dimension, bad):
    run = team
    case = intake(run, "Sofie Jensen", "02-11-2026", "Mette Holm")
    values = {"--outlook": "3", "--insight": "3", "--skills": "3", dimension: bad}
    args = [x for pair in values.items() for x in pair]
    r = refused(run, "progress", str(case), *args, case_id=case)
    assert dimension in r.stderr


# --- 4. close, reassign, edit, deactivate ------------------------------------------------------


def test_close_with_each_reason(team):
    run = team
    for reason in CLOSE_REASONS:
        case = intake(run, f"Ung {reason}", "02-11-2026", "Mette Holm")
        contact(run, case, "three-party", "2026-11-18")
        r = ok(run("close", str(case), "--date", "20-11-2026", "--reason", reason))
        assert "Warning" not in r.stderr
        shown = show(run, case)
        assert (shown["status"], shown["closed_on"], shown["close_reason"]) == (
            "closed",
            "2026-11-20",
            reason,
        )
    assert len(doc(ok(run("list", "--status", "closed", "--json")))) == len(CLOSE_REASONS)


def test_close_unknown_reason(team):
    run = team
    case = intake(run, "Sofie Jensen", "02-11-2026", "Mette Holm")
    refused(run, "close", str(case), "--reason", "bored", case_id=case)
    refused(run, "close", str(case), case_id=case)  # no reason and no terminal


def test_close_warns_without_a_closing_three_party_contact(team):
    run = team
    none = intake(run, "Sofie Jensen", "01-10-2026", "Mette Holm")
    old = intake(run, "Emil Hansen", "01-10-2026", "Mette Holm")
    recent = intake(run, "Ida Nielsen", "01-10-2026", "Mette Holm")
    contact(run, none, "youth", "2026-11-20")
    contact(run, old, "three-party", "2026-10-05")  # 49 days before closing
    contact(run, recent, "three-party", "2026-10-05")
    contact(run, recent, "three-party", "2026-11-20")
    for case in (none, old):
        r = ok(run("close", str(case), "--reason", "goal-reached"))
        assert "Warning" in r.stderr and "three-party" in r.stderr, r.stderr
        assert "Warning" not in r.stdout
    r = ok(run("close", str(recent), "--reason", "goal-reached"))
    assert r.stderr == "", r.stderr


def test_closed_case_takes_nothing_new(team):
    run = team
    case = intake(run, "Sofie Jensen", "02-11-2026", "Mette Holm")
    ok(run("close", str(case), "--date", "20-11-2026", "--reason", "moved"))
    for args in (
        ["log-contact", str(case), "--kind", "youth"],
        ["log-contact", str(case), "--kind", "employer", "--date", "19-11-2026"],
        ["placement", "add", str(case), "--kind", "fgu", "--start", "21-11-2026"],
        ["progress", str(case), "--outlook", "3", "--insight", "3", "--skills", "3"],
        ["close", str(case), "--reason", "moved"],  # closing twice
        ["close", str(case), "--date", "21-11-2026", "--reason", "other"],
    ):
        refused(run, *args, case_id=case)
    assert show(run, case)["close_reason"] == "moved"


@pytest.mark.parametrize("day", ["01-11-2026", "24-11-2026"], ids=["before enrolment", "future"])
def test_close_date_out_of_range(team, day):
    run = team
    case = intake(run, "Sofie Jensen", "02-11-2026", "Mette Holm")
    refused(run, "close", str(case), "--date", day, "--reason", "moved", case_id=case)
    assert show(run, case)["status"] == "active"


CLOSE_BEFORE_ENTRIES = {
    "contact": ["log-contact", "1", "--kind", "youth", "--date", "20-11-2026"],
    "placement": ["placement", "add", "1", "--kind", "fgu", "--start", "20-11-2026"],
    "rating": [
        "progress",
        "1",
        "--outlook",
        "3",
        "--insight",
        "3",
        "--skills",
        "3",
        "--date",
        "20-11-2026",
    ],
    "aftercare": ["aftercare", "start", "1", "--date", "20-11-2026"],
}


@pytest.mark.parametrize("entry", CLOSE_BEFORE_ENTRIES.values(), ids=CLOSE_BEFORE_ENTRIES.keys())
def test_close_date_before_the_cases_own_entries(team, entry):
    """A case cannot be closed on a day before things already logged on it: it would leave
    contacts, placements, ratings or aftercare dated after its closing."""
    run = team
    assert intake(run, "Sofie Jensen", "02-11-2026", "Mette Holm") == 1
    ok(run(*entry))
    refused(run, "close", "1", "--date", "15-11-2026", "--reason", "moved", case_id=1)
    ok(run("close", "1", "--date", "20-11-2026", "--reason", "moved"))


def test_open_aftercare_ends_with_the_case(team):
    run = team
    case = intake(run, "Sofie Jensen", "02-11-2026", "Mette Holm")
    ok(run("aftercare", "start", str(case), "--date", "10-11-2026"))
    ok(run("close", str(case), "--date", "20-11-2026", "--reason", "goal-reached"))
    assert show(run, case)["aftercare"] == [
        {"start": "2026-11-10", "end": "2026-11-20", "contact_every": 7}
    ]


def test_reassign_follows_capacity_rules(team):
    run = team
    j1 = intake(run, "Sofie Jensen", "02-11-2026", "Jonas Berg")
    intake(run, "Emil Hansen", "02-11-2026", "Jonas Berg")
    m = intake(run, "Ida Nielsen", "02-11-2026", "Mette Holm")
    r = refused(run, "reassign", str(m), "--to", "Jonas Berg", code=1, case_id=m)
    assert "Mette Holm" in r.stderr  # who has room
    assert show(run, m)["consultant"] == "Mette Holm"
    ok(run("reassign", str(j1), "--to", "Mette Holm"))
    shown = show(run, j1)
    assert (shown["consultant"], shown["status"], shown["enrolled_on"]) == (
        "Mette Holm",
        "active",
        "2026-11-02",
    )
    ok(run("reassign", str(m), "--to", "Jonas Berg"))  # Jonas has a free place again
    assert show(run, m)["consultant"] == "Jonas Berg"
    loads = {c["name"]: c["open_cases"] for c in capacity(run)["consultants"]}
    assert loads == {"Jonas Berg": 2, "Mette Holm": 1}


def test_reassign_takes_a_waitlisted_case_in_enrolled_today(team, monkeypatch):
    run = team
    intake(run, "Sofie Jensen", "02-11-2026", "Jonas Berg")
    intake(run, "Emil Hansen", "02-11-2026", "Jonas Berg")
    w = intake(run, "Ida Nielsen", "02-11-2026", "Jonas Berg", "--waitlist")
    assert show(run, w)["status"] == "waitlisted" and show(run, w)["enrolled_on"] is None
    assert capacity(run)["waitlist"] == 1
    r = refused(run, "reassign", str(w), "--to", "Jonas Berg", code=1, case_id=w)
    assert "Mette Holm" in r.stderr
    monkeypatch.setenv("IPSUNG_TODAY", "2026-11-25")
    ok(run("reassign", str(w), "--to", "Mette Holm"))
    shown = show(run, w)
    assert (shown["status"], shown["consultant"], shown["enrolled_on"], shown["referral_date"]) == (
        "active",
        "Mette Holm",
        "2026-11-25",
        "2026-11-02",
    )
    assert capacity(run)["waitlist"] == 0


@pytest.mark.parametrize(
    "to", ["Mette Holm", "mette holm", "Nobody"], ids=["same", "same, other case", "unknown"]
)
def test_reassign_bad_target(team, to):
    run = team
    case = intake(run, "Sofie Jensen", "02-11-2026", "Mette Holm")
    refused(run, "reassign", str(case), "--to", to, case_id=case)


def test_reassign_closed_or_unknown_case(team):
    run = team
    case = intake(run, "Sofie Jensen", "02-11-2026", "Mette Holm")
    ok(run("close", str(case), "--date", "20-11-2026", "--reason", "moved"))
    refused(run, "reassign", str(case), "--to", "Jonas Berg", case_id=case)
    refused(run, "reassign", "99", "--to", "Jonas Berg")


def test_edit_corrects_fields_and_recomputes_the_track(team):
    run = team
    case = intake(run, "Sofie Jensen", "02-11-2026", "Mette Holm")
    assert show(run, case)["track"] == "ips-like"
    ok(
        run(
            "edit",
            str(case),
            "--name",
            "Sofie K. Jensen",
            "--goal",
            "Blive frisør",
            "--pathway",
            "education",
            "--referred-by",
            "psychiatry",
            "--diagnosis",
            "DF90.0",
        )
    )
    shown = show(run, case)
    assert shown["name"] == "Sofie K. Jensen"
    assert shown["goal"] == "Blive frisør"
    assert shown["pathway"] == "education"
    assert shown["referred_by"] == "psychiatry"
    assert shown["screening"]["diagnoses"] == ["F90.0"]
    assert shown["track"] == "ips"
    assert (shown["status"], shown["consultant"], shown["enrolled_on"]) == (
        "active",
        "Mette Holm",
        "2026-11-02",
    )


EDIT_BAD_VALUES = {
    "impossible birth date": ["--birth-date", "31-02-2010"],
    "impossible referral date": ["--referral-date", "31-02-2026"],
    "not an F code": ["--diagnosis", "G40"],
    "unknown source": ["--referred-by", "banana"],
    "unknown pathway": ["--pathway", "astronaut"],
    "unknown substance level": ["--substance", "X"],
    "no fields": [],
}


@pytest.mark.parametrize("args", EDIT_BAD_VALUES.values(), ids=EDIT_BAD_VALUES.keys())
def test_edit_bad_values(team, args):
    run = team
    case = intake(run, "Sofie Jensen", "02-11-2026", "Mette Holm")
    refused(run, "edit", str(case), *args, case_id=case)


@pytest.mark.parametrize(
    "args",
    [["--substance", "D"], ["--birth-date", "14-03-2006"], ["--not-motivated"]],
    ids=["substance D", "age 20", "not motivated"],
)
def test_edit_that_fails_screening_needs_override(team, args):
    run = team
    case = intake(run, "Sofie Jensen", "02-11-2026", "Mette Holm")
    refused(run, "edit", str(case), *args, code=1, case_id=case)
    ok(run("edit", str(case), *args, "--override", "Aftalt med psykiatrien"))
    shown = show(run, case)
    assert shown["screening"]["override_reason"] == "Aftalt med psykiatrien"
    assert shown["screening"]["eligible"] is False
    assert shown["status"] == "active"


def test_deactivate_refused_while_cases_are_open(team):
    run = team
    case = intake(run, "Sofie Jensen", "02-11-2026", "Jonas Berg")
    refused(run, "consultant", "deactivate", "Jonas Berg", code=1, case_id=case)
    listed = {c["name"]: c["active"] for c in doc(ok(run("consultant", "list", "--json")))}
    assert listed["Jonas Berg"] is True
    ok(run("close", str(case), "--date", "20-11-2026", "--reason", "moved"))
    ok(run("consultant", "deactivate", "Jonas Berg"))
    listed = {c["name"]: c["active"] for c in doc(ok(run("consultant", "list", "--json")))}
    assert listed == {"Jonas Berg": False, "Mette Holm": True}


# --- 5. capacity -------------------------------------------------------------------------------


def test_capacity_states_sums_waitlist_and_overdue_contacts(run):
    for name, most in (("Anna Aker", 17), ("Bo Berg", 3), ("Carl Dahl", 5), ("Dorte Eg", 5)):
        ok(run("consultant", "add", name, "--max-caseload", str(most)))
    anna = [
        intake(run, f"Anna ung {i}", "02-11-2026" if i < 2 else "20-11-2026", "Anna Aker")
        for i in range(15)
    ]
    bo = [intake(run, f"Bo ung {i}", "20-11-2026", "Bo Berg") for i in range(3)]
    for i in range(4):
        intake(run, f"Carl ung {i}", "20-11-2026", "Carl Dahl")
    dorte = intake(run, "Dorte ung", "02-11-2026", "Dorte Eg")
    contact(run, dorte, "youth", "2026-11-22")
    contact(run, anna[0], "network", "2026-11-22")  # not a contact with the young person
    for i in range(2):
        intake(run, f"Venter {i}", "20-11-2026", "Bo Berg", "--waitlist")
    r = run("consultant", "set-max", "Carl Dahl", "2")
    assert r.exit_code == 0, r.output

    def consultant(*values):
        keys = ["name", "open_cases", "max_caseload", "free", "state", "overdue_contacts"]
        return dict(zip(keys, values, strict=True))

    expected = {
        "consultants": [
            consultant("Anna Aker", 15, 17, 2, "in-band", 2),
            consultant("Bo Berg", 3, 3, 0, "full", 0),
            consultant("Carl Dahl", 4, 2, 0, "over", 0),
            consultant("Dorte Eg", 1, 5, 4, "below-band", 0),
        ],
        "team": {"open_cases": 23, "max_caseload": 27, "free": 6},
        "waitlist": 2,
    }
    document = capacity(run)
    assert set(document) == {"consultants", "team", "waitlist"}
    for c in document["consultants"]:
        assert set(c) == CAPACITY_CONSULTANT_KEYS
    by_name = sorted(document["consultants"], key=lambda c: c["name"])
    assert {**document, "consultants": by_name} == expected

    # a youth contact clears one of Anna's overdue cases; closing frees one of Bo's places
    contact(run, anna[1], "youth", "2026-11-20")
    ok(run("close", str(bo[0]), "--date", "21-11-2026", "--reason", "moved"))
    document = capacity(run)
    states = {c["name"]: c for c in document["consultants"]}
    assert states["Anna Aker"]["overdue_contacts"] == 1
    assert (states["Bo Berg"]["open_cases"], states["Bo Berg"]["free"]) == (2, 1)
    assert states["Bo Berg"]["state"] == "below-band"
    assert document["team"] == {"open_cases": 22, "max_caseload": 27, "free": 7}

    # full comes before in-band; over once the max is below the open cases
    ok(run("consultant", "set-max", "Anna Aker", "15"))
    assert {c["name"]: c["state"] for c in capacity(run)["consultants"]}["Anna Aker"] == "full"
    ok(run("consultant", "set-max", "Anna Aker", "16"))
    anna_row = {c["name"]: c for c in capacity(run)["consultants"]}["Anna Aker"]
    assert (anna_row["state"], anna_row["free"]) == ("in-band", 1)
    ok(run("consultant", "set-max", "Anna Aker", "14"))
    anna_row = {c["name"]: c for c in capacity(run)["consultants"]}["Anna Aker"]
    assert (anna_row["state"], anna_row["free"]) == ("over", 0)


def test_capacity_on_an_earlier_day(run):
    ok(run("consultant", "add", "Anna Aker", "--max-caseload", "3"))
    ok(run("consultant", "add", "Bo Berg", "--max-caseload", "1"))
    early = intake(run, "Sofie Jensen", "02-11-2026", "Anna Aker")
    intake(run, "Emil Hansen", "20-11-2026", "Anna Aker")
    intake(run, "Ida Nielsen", "02-11-2026", "Bo Berg")
    intake(run, "Lukas Madsen", "18-11-2026", "Bo Berg", "--waitlist")
    contact(run, early, "youth", "2026-11-22")  # after 19-11: not seen from that day
    closing = intake(run, "Freja Holm", "02-11-2026", "Anna Aker")
    contact(run, closing, "three-party", "2026-11-16")
    ok(run("close", str(closing), "--date", "20-11-2026", "--reason", "goal-reached"))
    document = capacity(run, "--on", "19-11-2026")
    assert document == {
        "consultants": [
            {
                "name": "Anna Aker",
                "open_cases": 2,
                "max_caseload": 3,
                "free": 1,
                "state": "below-band",
                "overdue_contacts": 1,
            },
            {
                "name": "Bo Berg",
                "open_cases": 1,
                "max_caseload": 1,
                "free": 0,
                "state": "full",
                "overdue_contacts": 1,
            },
        ],
        "team": {"open_cases": 3, "max_caseload": 4, "free": 1},
        "waitlist": 1,
    }
    assert capacity(run, "--on", "17-11-2026")["waitlist"] == 0  # not referred yet
    today_doc = capacity(run)
    assert [c["open_cases"] for c in today_doc["consultants"]] == [2, 1]
    assert [c["overdue_contacts"] for c in today_doc["consultants"]] == [0, 1]


def test_capacity_human_output_shows_full_and_over(run):
    ok(run("consultant", "add", "Anna Aker", "--max-caseload", "2"))
    ok(run("consultant", "add", "Bo Berg", "--max-caseload", "1"))
    for i in range(2):
        intake(run, f"Ung {i}", "20-11-2026", "Anna Aker")
    intake(run, "Ung 3", "20-11-2026", "Bo Berg")
    ok(run("consultant", "set-max", "Anna Aker", "1"))
    r = ok(run("capacity"))
    lines = {line.split()[0]: line for line in r.stdout.splitlines() if line.strip()}
    assert "OVER" in lines["Anna"], r.stdout
    assert "FULL" in lines["Bo"], r.stdout


def test_capacity_bad_on(run):
    ok(run("consultant", "add", "Anna Aker"))
    r = run("capacity", "--on", "30-02-2026")
    assert r.exit_code == 2, r.output
    assert r.stdout == ""


# --- 6. demo -----------------------------------------------------------------------------------


def test_demo_is_a_command(run):
    assert "demo" in ok(run("--help")).stdout
    assert "Example" in ok(run("demo", "--help")).stdout


def test_demo_same_seed_same_data(run, tmp_path, monkeypatch):
    documents = []
    for folder in ("one", "two"):
        monkeypatch.setenv("IPSUNG_DB", str(tmp_path / folder / "ipsung.db"))
        ok(run("demo", "--participants", "30", "--seed", "7"))
        documents.append(
            (
                doc(ok(run("list", "--status", "all", "--json"))),
                capacity(run),
            )
        )
    assert documents[0] == documents[1]
    listed, cap = documents[0]
    assert len(listed) == 30
    assert cap["team"]["open_cases"] > 0


def test_demo_refuses_a_database_with_data(run):
    ok(run("consultant", "add", "Mette Holm"))
    before = row_counts(run)
    r = run("demo")
    assert r.exit_code == 1, r.output
    assert "Traceback" not in r.output and r.stderr.startswith("Error:")
    assert row_counts(run) == before


def test_demo_shows_something_everywhere(run):
    ok(run("demo"))
    cap = capacity(run)
    assert len(cap["consultants"]) >= 2
    assert cap["team"]["open_cases"] > 0
    for c in cap["consultants"]:
        assert c["open_cases"] <= c["max_caseload"], c
        assert c["state"] != "over", c
    assert due(run) != []
    assert ok(run("capacity")).stdout.strip()
    assert ok(run("due")).stdout.strip()
    assert ok(run("show", "1")).stdout.strip()
    shown = show(run, 1)
    assert shown["id"] == 1 and shown["birth_date"]
    assert shown["cpr"] is None  # demo cases have no CPR numbers
    listed = doc(ok(run("list", "--status", "all", "--json")))
    assert len(listed) == 40
    assert any(c["last_youth_contact"] for c in listed)


@pytest.mark.no_db
def test_demo_needs_participants(run, db_path):
    r = run("demo", "--participants", "0")
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("Error:") and "--participants" in r.stderr
    assert not db_path.exists()


@pytest.mark.parametrize("on", ["23-11-2026", "01-06-2026", "15-01-2026"])
def test_capacity_overdue_contacts_agree_with_the_due_list(run, on):
    """capacity counts weekly contacts due in SQL; due applies the rule in Python. Same answer."""
    assert run("demo", "--participants", "120", "--seed", "5").exit_code == 0
    capacity = json.loads(run("capacity", "--on", on, "--json").stdout)
    due = json.loads(run("due", "--on", on, "--json").stdout)
    from_due: dict[str, int] = {}
    for item in due:
        if item["reason"] == "weekly-contact":
            from_due[item["consultant"]] = from_due.get(item["consultant"], 0) + 1
    from_capacity = {
        c["name"]: c["overdue_contacts"] for c in capacity["consultants"] if c["overdue_contacts"]
    }
    assert from_capacity == from_due
    assert sum(from_due.values()) > 0  # the data set has overdue contacts to compare
