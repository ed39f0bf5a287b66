"""The due list a person reads (issue 16): name and case id side by side, the most overdue
first, grouped by consultant when the team's list is shown (the caller's own group first),
and a one-line summary. `due --json` carries each case's name, never its CPR number."""

import json
import re

import pytest
from conftest import ELIGIBLE

from ipsung.due_rules import DueItem
from ipsung.render import due as due_view
from ipsung.rules import parse_date

CPR = "140310-4321"


def ok(r):
    assert r.exit_code == 0, r.output
    assert "Traceback" not in r.output
    return r


def take_in(run, name: str, referral: str, consultant: str, *extra: str) -> int:
    args = ["intake", "--name", name, "--referral-date", referral, *ELIGIBLE, *extra]
    if "--cpr" not in extra:
        args += ["--birth-date", "14-03-2010"]
    r = ok(run(*args, "--consultant", consultant, "--json"))
    return json.loads(r.stdout)["id"]


@pytest.fixture
def caseload(team):
    """Mette Holm: Emil Dam (enrolled 2 Oct, CPR given) and Åse Lund (9 Nov); Jonas Berg:
    Ida Nielsen (20 Oct) and a full caseload, so that Sara Holm waits."""
    run = team
    ids = {
        "Emil Dam": take_in(run, "Emil Dam", "02-10-2026", "Mette Holm", "--cpr", CPR),
        "Åse Lund": take_in(run, "Åse Lund", "09-11-2026", "Mette Holm"),
        "Ida Nielsen": take_in(run, "Ida Nielsen", "20-10-2026", "Jonas Berg"),
        "Bo Berg": take_in(run, "Bo Berg", "20-11-2026", "Jonas Berg"),
    }
    ok(run("consultant", "set-max", "Mette Holm", "2"))
    ids["Sara Holm"] = take_in(run, "Sara Holm", "22-11-2026", "Mette Holm", "--waitlist")
    ok(run("consultant", "set-max", "Mette Holm", "17"))
    return run, ids


def blocks(text: str) -> list[list[str]]:
    return [b.splitlines() for b in text.strip().split("\n\n")]


def test_the_teams_list_is_grouped_with_names_and_a_summary(caseload):
    run, ids = caseload
    text = ok(run("due")).stdout
    heading, *groups, summary = blocks(text)
    assert heading == ["Due for the team on 23-11-2026"]
    items = json.loads(ok(run("due", "--json")).stdout)
    count = {c: sum(1 for i in items if i["consultant"] == c) for c in ("Jonas Berg", "Mette Holm")}
    titles = [g[0] for g in groups]
    assert titles == [
        f"Jonas Berg ({count['Jonas Berg']})",
        f"Mette Holm ({count['Mette Holm']})",
        "Waitlist (1)",
    ]
    assert f"{ids['Sara Holm']}     Sara Holm" in groups[2][2]
    for group in groups:
        assert re.split(r"\s{2,}", group[1]) == ["since", "case", "name", "reason", "detail"]
        sinces = [parse_date(line.split()[0], None, "since") for line in group[2:]]
        assert sinces == sorted(sinces), group  # the most overdue first
    emil = next(line for line in groups[1] if f"  {ids['Emil Dam']}  " in line)
    assert "Emil Dam" in emil  # name and id side by side
    late = sum(
        1
        for i in items
        if (parse_date("23-11-2026", None, "x") - parse_date(i["since"], None, "x")).days > 7
    )
    assert summary == [f"{len(items)} tasks, {late} overdue more than a week"]
    assert 0 < late < len(items)


def test_the_columns_line_up_across_the_groups(caseload):
    run, _ids = caseload
    lines = [line for line in ok(run("due")).stdout.splitlines() if re.match(r"\d\d-\d\d-", line)]
    positions = {line.index("  ", 10) for line in lines}  # where the case column ends
    assert len({line[:12] for line in lines}) >= 2 and len(positions) == 1


def test_my_own_group_comes_first_in_the_teams_list(caseload):
    run, _ids = caseload
    ok(run("config", "set", "consultant", "Mette Holm"))
    mine = ok(run("due")).stdout
    assert mine.startswith("Due for Mette Holm on 23-11-2026\n")
    assert "Jonas Berg" not in mine and "Waitlist" not in mine
    team = blocks(ok(run("due", "--all")).stdout)
    titles = [g[0].rsplit(" (", 1)[0] for g in team[1:-1]]
    assert titles == ["Mette Holm", "Jonas Berg", "Waitlist"]


def test_one_consultants_list_is_one_table_under_the_name(caseload):
    run, ids = caseload
    (heading, *table), summary = blocks(ok(run("due", "--consultant", "jonas berg")).stdout)
    assert heading == "Due for Jonas Berg on 23-11-2026"  # spelled as stored
    assert re.split(r"\s{2,}", table[0]) == ["since", "case", "name", "reason", "detail"]
    assert all("Ida Nielsen" in line or "Bo Berg" in line for line in table[1:])
    assert summary[0].startswith(f"{len(table) - 1} tasks")


def test_nothing_due(run):
    assert ok(run("due")).stdout.strip() == "Nothing is due on 23-11-2026."
    ok(run("consultant", "add", "Mette Holm"))
    out = ok(run("due", "--consultant", "Mette Holm")).stdout.strip()
    assert out == "Nothing is due for Mette Holm on 23-11-2026."


def test_json_carries_the_name_and_never_the_cpr(caseload):
    run, ids = caseload
    items = json.loads(ok(run("due", "--json")).stdout)
    assert all(list(i) == ["participant_id", "name", "consultant", "reason", "since", "detail"]
               for i in items)  # fmt: skip
    names = {i["participant_id"]: i["name"] for i in items}
    assert names[ids["Emil Dam"]] == "Emil Dam" and names[ids["Sara Holm"]] == "Sara Holm"
    everything = ok(run("due", "--json")).stdout + ok(run("due")).stdout
    assert CPR[:6] not in everything and CPR[-4:] not in everything


def test_an_anonymised_case_shows_as_such(caseload):
    run, ids = caseload
    ok(run("close", "ida", "--date", "21-11-2026", "--reason", "moved"))
    ok(run("anonymize", "--closed-before", "22-11-2026", "--yes"))
    # A closed case is never due; the page's word for a case without a name:
    item = DueItem(7, "Mette Holm", "intake-meeting", parse_date("01-11-2026", None, "x"),
                   (parse_date("18-10-2026", None, "x"),))  # fmt: skip
    text = due_view.page([item], parse_date("23-11-2026", None, "x"), {7: None})
    assert "(anonymised)" in text and "1 task, 1 overdue more than a week" in text


@pytest.mark.parametrize(
    "days, summary",
    [
        ([], None),
        ([0], "1 task, 0 overdue more than a week"),
        ([7], "1 task, 0 overdue more than a week"),
        ([8, 3], "2 tasks, 1 overdue more than a week"),
    ],
)
def test_the_summary_counts_what_is_over_a_week_late(days, summary):
    from datetime import date, timedelta

    day = date(2026, 11, 23)
    items = [
        DueItem(n, None, "waitlist", day - timedelta(days=d), (day, 1)) for n, d in enumerate(days)
    ]
    if summary is None:
        assert due_view.page(items, day, {}) == "Nothing is due on 23-11-2026."
    else:
        assert due_view.summary(items, day) == summary
