"""The IPS-25 as printed (SPEC §8a): anchors, the items read from the data with figures
worked out by hand, the reviewers' scores, the total and its band.

Today is Monday 23-11-2026 (IPSUNG_TODAY). "The last 12 months" are 24-11-2025 to
23-11-2026; "the last 8 weeks" are 29-09-2026 to 23-11-2026.
"""

import json
from datetime import date, timedelta

import pytest
from conftest import ok

from ipsung import fidelity_scale as scale

METTE, JONAS = "Mette Holm", "Jonas Berg"
SIGNS = ["--mistrivsel", "absence", "--substance", "A", "--motivated", "--normal-cognition"]


def refused(r, where: str):
    assert r.exit_code == 2, r.output
    assert where in r.stderr and "Traceback" not in r.output
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def intake(run, name: str, referral: str, consultant: str, *extra: str) -> int:
    args = ["intake", "--name", name, "--birth-date", "01-01-2010", "--referral-date", referral]
    args += ["--referred-by", "school", *SIGNS, "--consultant", consultant, *extra]
    return json.loads(ok(run(*args, "--json")).stdout)["id"]


def contact(run, case_id: int | None, kind: str, day: str, *extra: str) -> None:
    args = ["log-contact"] + ([str(case_id)] if case_id else []) + ["--kind", kind]
    ok(run(*args, "--date", day, *extra, "--json"))


def generic(run, consultant: str, day: str, channel: str = "in-person") -> None:
    """Job development with no young person."""
    contact(run, None, "employer", day, "--employer", "Firma", "--consultant", consultant,
            "--channel", channel)  # fmt: skip


def placement(run, case_id: int, kind: str, start: str, *extra: str) -> int:
    args = ["placement", "add", str(case_id), "--kind", kind, "--start", start, *extra]
    return json.loads(ok(run(*args, "--json")).stdout)["id"]


def fidelity(run, *args: str) -> dict:
    return json.loads(ok(run("fidelity", *args, "--json")).stdout)


def item(document: dict, item_id: str) -> dict:
    return next(i for i in document["items"] if i["id"] == item_id)


# --- the anchors, as printed -----------------------------------------------------------------


@pytest.mark.parametrize(
    "clients, score",
    [(0, 5), (20, 5), (21, 4), (25, 4), (26, 3), (30, 3), (31, 2), (40, 2), (41, 1), (80, 1)],
)
def test_caseload_anchors(clients, score):
    assert scale.score_at_most(clients, scale.CASELOAD) == score


@pytest.mark.parametrize(
    "days, score",
    [(0, 5), (30, 5), (30.1, 4), (60, 4), (61, 3), (150, 3), (151, 2), (270, 2), (271, 1)],
)
def test_rapid_job_search_anchors(days, score):
    assert scale.score_at_most(days, scale.RAPID_JOB_SEARCH) == score


@pytest.mark.parametrize(
    "per_week, score",
    [
        (0, 1),
        (1.99, 1),  # under 2 scores 1
        (2, 2),
        (2.9, 2),  # nearer 2 than 4
        (3.0, 3),  # half-way between 2 and 4: the higher
        (4.4, 3),
        (4.5, 4),  # half-way between 4 and 5: the higher
        (4.6, 4),  # was 3 when the figure was rounded down
        (5.4, 4),
        (5.5, 5),
        (6, 5),
        (9, 5),
    ],
)
def test_job_development_takes_the_closest_scale_point(per_week, score):
    assert scale.job_development_score(per_week) == score


@pytest.mark.parametrize(
    "share, score",
    [(1.0, 5), (0.85, 5), (0.849, 4), (0.70, 4), (0.69, 3), (0.60, 3), (0.59, 2), (0.50, 2),
     (0.49, 1)],
)  # fmt: skip
def test_diversity_anchors(share, score):
    assert scale.score_at_least(share, scale.DIVERSITY) == score


@pytest.mark.parametrize(
    "share, score",
    [(1.0, 5), (0.95, 5), (0.94, 4), (0.85, 4), (0.84, 3), (0.75, 3), (0.74, 2), (0.64, 2),
     (0.63, 1)],
)  # fmt: skip
def test_competitive_jobs_anchors(share, score):
    assert scale.score_at_least(share, scale.COMPETITIVE) == score


@pytest.mark.parametrize(
    "total, band",
    [(125, "exemplary"), (115, "exemplary"), (114, "good"), (100, "good"), (99, "fair"),
     (74, "fair"), (73, "not-ips"), (25, "not-ips")],
)  # fmt: skip
def test_bands(total, band):
    assert scale.band(total) == band


def follow(before=True, after=True, first_month=True, months=11, passed=11):
    return scale.FollowAlong(before, after, first_month, months, passed)


@pytest.mark.parametrize(
    "starts, score",
    [
        ([], None),
        ([follow(), follow(), follow(before=False)], 5),  # 2 of 3 kept the whole schedule
        ([follow(), follow(before=False), follow(after=False)], 4),  # all weekly, then monthly
        ([follow(months=3), follow(months=5, first_month=False), follow(months=4)], 3),
        ([follow(months=3), follow(first_month=False, months=0), follow(months=1)], 2),
        ([follow(first_month=False, months=0), follow(first_month=False, months=0)], 1),
    ],
)
def test_follow_along_reading(starts, score):
    assert scale.follow_along_score(starts) == score


# --- the items read from the data -------------------------------------------------------------


def test_the_scale_has_25_items_with_stable_ids(run):
    listed = json.loads(ok(run("fidelity", "items", "--json")).stdout)["items"]
    assert len(listed) == 25
    assert len({i["id"] for i in listed}) == 25
    assert {i["id"] for i in listed if i["from_data"]} == {
        "caseload-size",
        "rapid-job-search",
        "job-development-frequency",
        "diversity-of-jobs",
        "diversity-of-employers",
        "competitive-jobs",
        "follow-along-supports",
    }
    assert all(set(i) == {"id", "name", "from_data"} for i in listed)
    assert "caseload-size" in ok(run("fidelity", "items")).stdout


def test_rapid_job_search_keeps_the_cases_without_a_contact(team):
    run = team
    # P: enrolled 01-06-2026, first face-to-face employer contact 09-09-2026:
    #    29 + 31 + 31 + 9 = 100 days (a phone call on 10-06 is not face-to-face).
    p = intake(run, "Pia Poulsen", "01-06-2026", METTE)
    contact(run, p, "employer", "10-06-2026", "--channel", "phone")
    contact(run, p, "employer", "09-09-2026")
    contact(run, p, "employer", "20-09-2026")  # a later one does not matter
    # S: enrolled 01-04-2026, none yet: at least 29 + 31 + 30 + 31 + 31 + 30 + 31 + 30 +
    #    23 = 236 days.
    intake(run, "Sune Schmidt", "01-04-2026", METTE)
    # R: enrolled 01-11-2025, before the last 12 months: not in the figure.
    r = intake(run, "Rie Rask", "01-11-2025", JONAS)
    contact(run, r, "employer", "01-12-2025")
    rapid = item(fidelity(run), "rapid-job-search")
    # (100 + 236) / 2 = 168 -> 151-270 days scores 2 (dropping S would give 100 -> 3)
    assert (rapid["figure"], rapid["score"], rapid["source"]) == (168, 2, "data")
    assert rapid["data"] == {"cases": 2, "with_contact": 1, "without_yet": 1}


def test_caseload_is_the_largest_active_caseload(team):
    run = team
    for n in range(3):
        intake(run, f"Ung {n}", "02-11-2026", METTE)
    intake(run, "Ung J", "02-11-2026", JONAS)
    caseload = item(fidelity(run), "caseload-size")
    assert (caseload["figure"], caseload["score"]) == (3, 5)
    assert caseload["data"] == {JONAS: 1, METTE: 3}


def test_job_development_counts_face_to_face_contacts_for_job_seekers(team):
    run = team
    # Mette: X in an ordinary job from 01-10 (not looking for work on 23-11); S1-S3 looking.
    x = intake(run, "Xenia Xu", "01-09-2026", METTE)
    placement(run, x, "ordinary-job", "01-10-2026", "--employer", "Netto")
    for n in range(1, 4):
        intake(run, f"Søger {n}", "02-11-2026", METTE, "--pathway", "job-placement")
    contact(run, x, "employer", "30-09-2026")  # X was looking for work then: counts
    contact(run, x, "employer", "10-11-2026")  # follow-up with X's employer: does not
    generic(run, METTE, "28-09-2026")  # 8 weeks and a day ago: outside
    for day in range(35):  # 35 job-development contacts, 29-09 ... 02-11
        generic(run, METTE, (date(2026, 9, 29) + timedelta(days=day)).isoformat())
    generic(run, METTE, "03-11-2026", channel="phone")  # not face-to-face
    # Mette: 35 + 1 = 36 contacts / 8 weeks = 4.5 a week, 3 looking for work.
    # Jonas: J1 looking for work; J2 on the education pathway (not looking).
    intake(run, "Jens Juul", "02-11-2026", JONAS, "--pathway", "job-development")
    intake(run, "Jon Jepsen", "02-11-2026", JONAS, "--pathway", "education")
    for day in range(12):
        generic(run, JONAS, f"{10 + day:02d}-11-2026")
    # Jonas: 12 / 8 = 1.5 a week, 1 looking for work: 2 a week per seeker not met.
    # Average (4.5 + 1.5) / 2 = 3.0, half-way between 2 and 4: the higher point, 4 -> 3.
    jd = item(fidelity(run), "job-development-frequency")
    assert (jd["figure"], jd["score"]) == (3.0, 3)
    assert jd["data"]["consultants"] == [
        {"name": JONAS, "per_week": 1.5, "looking_for_work": 1, "counted_as": 1.5},
        {"name": METTE, "per_week": 4.5, "looking_for_work": 3, "counted_as": 4.5},
    ]
    # Four more: Jonas 16 / 8 = 2 a week = 2 per his one seeker: the scale's full mark, 6.
    for day in range(4):
        generic(run, JONAS, f"{2 + day:02d}-11-2026")
    jd = item(fidelity(run), "job-development-frequency")
    # (4.5 + 6) / 2 = 5.25 -> nearest point 5 -> 4
    assert (jd["figure"], jd["score"]) == (5.25, 4)
    assert jd["data"]["consultants"][0]["counted_as"] == 6


def test_diversity_and_competitive_jobs_read_the_job_starts(team):
    run = team
    ok(run("consultant", "set-max", JONAS, "17"))
    cases = [intake(run, f"Ung {n}", "01-12-2025", METTE if n < 4 else JONAS) for n in range(7)]
    a, b, c, d, e, f, g = cases
    empty = fidelity(run)
    assert item(empty, "diversity-of-jobs")["score"] is None
    assert "not scored" in item(empty, "diversity-of-jobs")["definition"]
    placement(run, a, "ordinary-job", "01-02-2026", "--employer", "Netto", "--job-type", "5")
    placement(run, b, "ordinary-job", "01-03-2026", "--employer", " netto ", "--job-type", "5")
    placement(run, c, "apprenticeship", "01-04-2026", "--employer", "Smed Thomsen",
              "--job-type", "7")  # fmt: skip
    placement(run, d, "internship", "01-05-2026", "--employer", "Føtex", "--job-type", "5")
    placement(run, e, "wage-subsidy", "01-06-2026", "--employer", "Lager Nord", "--job-type", "9")
    placement(run, f, "flex-job", "01-07-2026", "--employer", "Netto")  # no job type
    placement(run, g, "education", "01-08-2026", "--employer", "Hjørring Gymnasium")
    doc = fidelity(run)
    # 6 jobs (the school is not one); ordinary x2, apprenticeship, flex-job competitive:
    # 4 / 6 = 0.667 -> 64-74 % scores 2
    competitive = item(doc, "competitive-jobs")
    assert (competitive["figure"], competitive["score"]) == (0.667, 2)
    assert competitive["data"] == {"job_starts": 6, "competitive": 4}
    # employers netto (3 spellings), smed thomsen, føtex, lager nord: 4 / 6 = 0.667 -> 3
    employers = item(doc, "diversity-of-employers")
    assert (employers["figure"], employers["score"]) == (0.667, 3)
    # job types recorded on 5 jobs: 5, 5, 7, 5, 9 -> 3 distinct / 5 = 0.6 -> 60-69 % scores 3
    jobs = item(doc, "diversity-of-jobs")
    assert (jobs["figure"], jobs["score"]) == (0.6, 3)
    assert jobs["data"] == {"jobs": 6, "with_type": 5, "types": 3}


def test_a_job_type_is_a_disco_major_group_for_a_job(team):
    run = team
    a = intake(run, "Ung", "02-11-2026", METTE)
    refused(run("placement", "add", str(a), "--kind", "education", "--start", "03-11-2026",
                "--job-type", "5"), "--job-type")  # fmt: skip
    refused(run("placement", "add", str(a), "--kind", "ordinary-job", "--start", "03-11-2026",
                "--job-type", "12"), "--job-type")  # fmt: skip
    p = placement(run, a, "ordinary-job", "03-11-2026", "--job-type", "7")
    shown = json.loads(ok(run("show", str(a), "--json")).stdout)
    assert [(x["id"], x["job_type"]) for x in shown["placements"]] == [(p, "7")]


def test_follow_along_reads_the_schedule_per_start(team):
    run = team
    ok(run("consultant", "set-max", JONAS, "17"))
    # A: job 01-06; face-to-face 28-05 (before), 02-06 (after), weekly 09-06, 16-06, 23-06,
    #    then 10-07, 10-08, 10-09, 10-10 in the months 01-07..30-07, 31-07..29-08,
    #    30-08..28-09, 29-09..28-10 (176 days to 23-11: 5 months, 4 after the first):
    #    the whole schedule.
    a = intake(run, "Anna A", "01-05-2026", METTE)
    placement(run, a, "ordinary-job", "01-06-2026")
    for day in ("28-05", "02-06", "09-06", "16-06", "23-06", "10-07", "10-08", "10-09", "10-10"):
        contact(run, a, "youth", f"{day}-2026")
    # B: education 01-08; nothing before; 03-08, 10-08, 17-08, 24-08 (weekly), 15-09 and
    #    15-10 in the 2 months after the first (114 days): weekly then monthly, not all.
    b = intake(run, "Bo B", "01-07-2026", METTE, "--pathway", "education")
    placement(run, b, "education", "01-08-2026")
    for day in ("03-08", "10-08", "17-08", "24-08", "15-09", "15-10"):
        contact(run, b, "three-party" if day == "03-08" else "youth", f"{day}-2026")
    # C: job 01-09; 02-09 face-to-face, then only a phone call in week 2; nothing since.
    c = intake(run, "Cille C", "15-08-2026", JONAS)
    placement(run, c, "ordinary-job", "01-09-2026")
    contact(run, c, "youth", "02-09-2026")
    contact(run, c, "youth", "09-09-2026", "--channel", "phone")
    # D: job 01-11: its first month has not passed; not judged.
    d = intake(run, "Dan D", "01-10-2026", JONAS)
    placement(run, d, "ordinary-job", "01-11-2026")
    fa = item(fidelity(run), "follow-along-supports")
    assert fa["data"] == {
        "starts": 3,
        "full_schedule": 1,  # A
        "weekly_then_monthly": 2,  # A, B
        "four_months": 2,  # A, B (B judged on its 2 months after the first)
    }
    # A whole schedule for 1 of 3 (not half); weekly then monthly for 2 of 3: scores 4
    assert (fa["figure"], fa["score"]) == (0.333, 4)
    assert "cannot show" in fa["definition"]


# --- the reviewers' scores, the total and its band ----------------------------------------


def test_review_scores_complete_the_scale(run):
    listed = json.loads(ok(run("fidelity", "items", "--json")).stdout)["items"]
    before = fidelity(run)
    assert before["total"] is None and before["band"] is None
    assert before["missing"] == [i["id"] for i in listed]  # an empty database: nothing read
    assert before["reachable"] == [25, 125]
    scored = 0
    for entry in listed:
        score = 5 if entry["from_data"] else 4
        extra = ["--note", "Læst i journalerne"] if entry["from_data"] else []
        ok(run("fidelity", "score", entry["id"], str(score), *extra))
        scored += score
        if entry["id"] == "disclosure":  # halfway: what is missing, and what can be reached
            half = fidelity(run)
            done = [i for i in half["items"] if i["score"] is not None]
            assert half["reachable"] == [
                sum(i["score"] for i in done) + len(half["missing"]),
                sum(i["score"] for i in done) + 5 * len(half["missing"]),
            ]
    # 7 items from the data overridden with 5, 18 reviewed with 4: 35 + 72 = 107 -> good
    complete = fidelity(run)
    assert (complete["total"], complete["band"], complete["missing"]) == (107, "good", [])
    assert scored == 107
    assert {i["source"] for i in complete["items"]} == {"review"}
    assert item(complete, "caseload-size")["review_note"] == "Læst i journalerne"
    assert "Total 107 of 125" in ok(run("fidelity")).stdout


def test_recording_again_replaces_the_score_and_is_audited(run):
    ok(run("fidelity", "score", "zero-exclusion", "3"))
    r = ok(run("fidelity", "score", "ZERO-EXCLUSION", "4", "--note", "efter samtale"))
    assert "was 3" in r.stdout
    assert item(fidelity(run), "zero-exclusion")["score"] == 4
    audit = json.loads(ok(run("audit", "--json")).stdout)
    changes = [a["change"] for a in audit if a["command"] == "fidelity score"]
    assert changes == [
        "item=zero-exclusion year=2026 score=3",
        "item=zero-exclusion year=2026 score=4 replaced=3",
    ]  # never the note: free text stays out of the log


@pytest.mark.parametrize(
    "args, where",
    [
        (["fidelity", "score", "nope", "3"], "ITEM"),
        (["fidelity", "score", "disclosure", "6"], "SCORE"),
        (["fidelity", "score", "disclosure", "0"], "SCORE"),
        (["fidelity", "score", "disclosure", "-1"], "SCORE"),
        (["fidelity", "score", "caseload-size", "4"], "--note"),  # read from the data
        (["fidelity", "score", "disclosure", "4", "--year", "2027"], "--year"),
        (["fidelity", "--year", "1800"], "--year"),
    ],
)
@pytest.mark.no_db
def test_bad_scores_are_refused_and_change_nothing(run, db_path, args, where):
    refused(run(*args), where)
    assert not db_path.exists()


def test_a_past_year_is_read_on_its_31_december(team):
    run = team
    a = intake(run, "Ung", "01-12-2025", METTE)
    ok(run("close", str(a), "--date", "01-02-2026", "--reason", "moved"))
    ok(run("fidelity", "score", "disclosure", "2", "--year", "2025"))
    past = fidelity(run, "--year", "2025")
    assert (past["year"], past["on"]) == (2025, "2025-12-31")
    assert item(past, "caseload-size")["figure"] == 1  # open on 31-12-2025, closed since
    assert item(past, "disclosure")["score"] == 2
    now = fidelity(run)
    assert (now["year"], now["on"]) == (2026, "2026-11-23")
    assert item(now, "caseload-size")["figure"] == 0
    assert item(now, "disclosure")["score"] is None  # this year's review is not done yet


@pytest.mark.no_db
def test_fidelity_on_a_database_not_made_yet_creates_nothing(run, db_path):
    r = ok(run("fidelity", "--json"))
    assert "no database" in r.stderr
    document = json.loads(r.stdout)
    assert document["on"] == "2026-11-23" and len(document["items"]) == 25
    assert all(i["figure"] is None and i["score"] is None for i in document["items"])
    ok(run("fidelity"))
    assert not db_path.exists()


def test_the_committee_report_shows_the_latest_complete_year(run, tmp_path):
    page = tmp_path / "udvalg.html"
    ok(run("report", "--out", str(page)))
    assert "No fidelity review with all 25 items scored yet" in page.read_text()
    ids = [i["id"] for i in json.loads(ok(run("fidelity", "items", "--json")).stdout)["items"]]
    for year, score in ((2024, 3), (2025, 4)):
        for item_id in ids:
            ok(run("fidelity", "score", item_id, str(score), "--year", str(year), "--note", "x"))
    ok(run("fidelity", "score", "disclosure", "5", "--year", "2026"))  # 2026 is not complete
    ok(run("report", "--out", str(page)))
    text = page.read_text()
    assert "2025: 100 of 125 points, good fidelity." in text  # 25 x 4
    assert "2024" not in text.split("IPS-25")[1].split("</section>")[0]
