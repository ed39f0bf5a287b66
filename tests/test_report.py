"""The committee report (SPEC §8b) through the real CLI on a real SQLite file.

`ipsung report --out FILE.html [--from D] [--to D]` writes one self-contained HTML page
(no network, no scripts, prints on A4) with capacity and waitlist, the outcome share
against the 50 % target, the quarterly rate with its bands, outcomes by kind, progress on
the three dimensions and the definitions. Committee papers are public: no names, counts
from 1 to 4 are shown as "<5", and a share built on such a count is not shown.
"""

import math
import os
import re
import shutil
import stat
import subprocess
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import ELIGIBLE, as_json, intake_args, ok

SVG_NS = "http://www.w3.org/2000/svg"
SVG_XMLNS = f'xmlns="{SVG_NS}"'
CPR = "140310-4123"
DISTINCT_NAME = "Zacharias Quixotesen"
PLACEMENT_KINDS = [
    "internship",
    "ordinary-job",
    "flex-job",
    "wage-subsidy",
    "education",
    "fgu",
    "apprenticeship",
]
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


# --- helpers ------------------------------------------------------------------------------


def make_report(run, path: Path, *extra: str) -> str:
    result = run("report", "--out", str(path), *extra)
    assert result.exit_code == 0, result.stderr
    assert path.is_file()
    return path.read_text(encoding="utf-8")


def demo(run, participants: int = 40, seed: int = 2) -> None:
    result = run("demo", "--participants", str(participants), "--seed", str(seed))
    assert result.exit_code == 0, result.stderr


class StrictParser(HTMLParser):
    """Collects the text (entities decoded) and every nesting problem of the page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.chunks: list[str] = []
        self.in_style = False
        self.doctype = None

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        if tag == "style":
            self.in_style = True
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        pass  # <rect .../> inside SVG: opens and closes at once

    def handle_endtag(self, tag):
        if tag == "style":
            self.in_style = False
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()

    def handle_data(self, data):
        if not self.in_style:
            self.chunks.append(data)

    def error(self, message):  # pragma: no cover - older Pythons only
        self.problems.append(message)


def parse(page: str) -> StrictParser:
    parser = StrictParser()
    parser.feed(page)
    parser.close()
    return parser


def page_text(page: str) -> str:
    return " ".join(" ".join(parse(page).chunks).split())


def svgs(page: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", page, flags=re.DOTALL | re.IGNORECASE)


def svg_texts(fragment: str) -> list[str]:
    root = ET.fromstring(fragment)
    return ["".join(t.itertext()).strip() for t in root.iter(f"{{{SVG_NS}}}text")]


def svg_rects(fragment: str) -> list[ET.Element]:
    return list(ET.fromstring(fragment).iter(f"{{{SVG_NS}}}rect"))


def sections(page: str) -> dict[str, str]:
    """Heading text (lower case) -> the raw HTML from that <h2> to the next one."""
    parts = re.split(r"(?=<h2\b)", page, flags=re.IGNORECASE)
    found = {}
    for part in parts[1:]:
        heading = re.search(r"<h2\b[^>]*>(.*?)</h2>", part, flags=re.DOTALL | re.IGNORECASE)
        assert heading, part[:200]
        found[page_text(heading[1]).lower()] = part
    return found


def section(page: str, *words: str, without: str = "by kind") -> str:
    """The one section whose heading holds every word (case-insensitive); the outcomes-by-kind
    section ("placements started") is left out unless asked for."""
    matches = [
        body
        for heading, body in sections(page).items()
        if all(w.lower() in heading for w in words)
        and (without not in heading or without in [w.lower() for w in words])
    ]
    assert len(matches) == 1, f"sections with {words}: {list(sections(page))}"
    return matches[0]


def by_kind_chart(page: str) -> str:
    """The SVG that labels every placement kind."""
    charts = [s for s in svgs(page) if all(k in svg_texts(s) for k in PLACEMENT_KINDS)]
    assert len(charts) == 1, "one chart with a row per placement kind"
    return charts[0]


def shown_after(texts: list[str], label: str) -> str:
    """The text drawn right after a row's label: the count of that row."""
    i = texts.index(label)
    assert i + 1 < len(texts), f"nothing drawn after {label!r}"
    return texts[i + 1]


def numbers_in(text: str) -> set[str]:
    return set(re.findall(r"(?<![\d.,])\d+(?![\d.,])", text))


def count_shown(n: int) -> str:
    return "<5" if 0 < n < 5 else str(n)


# --- self-contained, complete, well-formed --------------------------------------------------


def test_page_is_self_contained(run, tmp_path):
    demo(run)
    page = make_report(run, tmp_path / "udvalg.html")
    lower = page.lower()

    for forbidden in ("<script", "<link", "<iframe", "<object", "<embed", "<img", "@import"):
        assert forbidden not in lower, forbidden
    assert not re.search(r"url\s*\(", lower), "no CSS url(): nothing fetched"
    assert not re.search(r"\b(?:xlink:)?(?:src|href|srcset|action|data)\s*=", lower), (
        "no attribute pointing anywhere"
    )
    assert not re.search(r"http-equiv\s*=\s*[\"']?refresh", lower)
    # The only address on the page is the SVG namespace, as an xmlns value.
    assert SVG_XMLNS in page
    assert "http://" not in page.replace(SVG_XMLNS, "")
    assert "https://" not in page
    assert "//" not in re.sub(r"<style\b.*?</style>", "", page.replace(SVG_XMLNS, ""), flags=re.S)


def test_page_parses_and_every_svg_is_well_formed_xml(run, tmp_path):
    demo(run)
    page = make_report(run, tmp_path / "udvalg.html")

    parser = parse(page)
    assert parser.doctype is not None and parser.doctype.lower() == "doctype html"
    assert parser.problems == []
    assert parser.stack == [], f"elements never closed: {parser.stack}"
    assert re.search(r"<meta\s+charset=[\"']?utf-8", page, flags=re.IGNORECASE)
    assert "<5" not in re.sub(r"<style\b.*?</style>", "", page, flags=re.S), (
        "a literal <5 must be escaped as &lt;5"
    )

    charts = svgs(page)
    # gauge, capacity, quarterly, by kind, progress: at least one chart each
    assert len(charts) >= 5
    for fragment in charts:
        root = ET.fromstring(fragment)  # raises on malformed XML
        assert root.tag == f"{{{SVG_NS}}}svg"
        assert root.get("viewBox") or (root.get("width") and root.get("height"))


def test_page_has_every_section(run, tmp_path):
    demo(run)
    page = make_report(run, tmp_path / "udvalg.html")
    text = page_text(page)
    lower = text.lower()

    assert "capacity" in lower and "waitlist" in lower
    assert re.search(r"target[^.]*50\s?%", lower), "the share is read against the 50 % target"
    assert "quarter" in lower
    for band in ("31", "41", "50"):
        assert re.search(rf"\b{band}\s?%", text), f"band {band} %"
    for band in ("minimal", "average", "excellent"):
        assert band in lower, band
    assert "by kind" in lower
    for dimension in ("udsyn", "indsigt", "kompetencer"):
        assert dimension in lower, dimension
    assert "definitions" in lower
    # The definitions say what is counted.
    assert "enrolment" in lower and "internship" in lower

    # Each topic is a section of its own with a chart in it.
    for words in (
        ("capacity",),
        ("started",),
        ("quarter",),
        ("by kind",),
        ("three dimensions",),
    ):
        assert svgs(section(page, *words)), f"a chart under {words}"
    # Two quarterly charts: the rate in a job with the three bands as lines across the
    # plot, and the rate in a job or an education with the 50 % target as a line.
    job_chart, either_chart = svgs(section(page, "quarter"))
    root = ET.fromstring(job_chart)
    lines = list(root.iter(f"{{{SVG_NS}}}line"))
    assert len(lines) >= 3
    texts = svg_texts(job_chart)
    for band in ("31", "41", "50"):
        assert any(re.fullmatch(rf"{band}\s?%", t) for t in texts), f"band {band} in the chart"
    for band in ("minimal", "average", "excellent"):
        assert band in texts
    texts = svg_texts(either_chart)
    assert "target" in texts and any(re.fullmatch(r"50\s?%", t) for t in texts)
    assert not any(re.fullmatch(r"(31|41)\s?%", t) for t in texts)
    assert svgs(section(page, "aftercare")) == []  # words only
    assert "aftercare" in page_text(section(page, "aftercare")).lower()


# --- no names -----------------------------------------------------------------------------


def test_no_names_and_no_cpr_in_the_page(run, tmp_path):
    demo(run)
    result = run(
        "intake",
        "--name",
        DISTINCT_NAME,
        "--cpr",
        CPR,
        "--referral-date",
        "02-11-2026",
        *ELIGIBLE,
    )
    assert result.exit_code == 0, result.stderr
    people = as_json(run("list", "--status", "all", "--json"))
    consultants = as_json(run("consultant", "list", "--json"))
    names = [p["name"] for p in people] + [c["name"] for c in consultants]
    assert DISTINCT_NAME in names and len(people) == 41 and len(consultants) >= 2

    page = make_report(run, tmp_path / "udvalg.html")
    text = page_text(page)
    for name in names:
        assert name not in page, name
        assert name not in text, name
        for part in name.split():
            if len(part) >= 4:
                assert not re.search(rf"\b{re.escape(part)}\b", text), part
    for cpr in (CPR, CPR.replace("-", ""), "140310-XXXX", "140310"):
        assert cpr not in page, cpr
    assert "14-03-2010" not in page and "2010-03-14" not in page  # nor the birth date


# --- small counts hidden --------------------------------------------------------------------


def tiny_caseload(team) -> None:
    """3 cases with Mette Holm (max 17; Jonas Berg, max 2, has none), 1 started education."""
    for name, birth in (("Sofie Jensen", "14-03-2010"), ("Emil Hansen", "21-07-2009")):
        assert team(*intake_args(name, birth, "--consultant", "Mette Holm")).exit_code == 0
    assert (
        team(*intake_args("Ida Larsen", "05-01-2011", "--consultant", "Mette Holm")).exit_code == 0
    )
    result = team("placement", "add", "1", "--kind", "education", "--start", "10-11-2026")
    assert result.exit_code == 0, result.stderr


def test_small_counts_are_shown_as_under_5_and_the_share_is_not_shown(team, tmp_path):
    tiny_caseload(team)
    figures = as_json(team("outcomes", "--json"))
    assert (figures["cohort"], figures["started_job_or_education"]) == (3, 1)

    page = make_report(team, tmp_path / "udvalg.html")
    text = page_text(page)
    assert "&lt;5" in page
    assert "<5" in text
    # 1 of 3 = 33 %: not shown anywhere, in any spelling.
    assert not re.search(r"33\s?%", text)
    assert not re.search(r"\b0?[.,]33", text)

    started = page_text(section(page, "started"))
    assert "<5" in started
    assert not numbers_in(started) & {"1", "3", "33"}, started

    capacity = page_text(section(page, "capacity"))
    assert "<5" in capacity
    assert "3" not in numbers_in(capacity), capacity
    assert re.search(r"\b0\b[^.;]*waitlist", capacity), "an empty waitlist is shown as 0"

    kinds = svg_texts(by_kind_chart(page))
    assert shown_after(kinds, "education") == "<5"
    for kind in PLACEMENT_KINDS:
        if kind != "education":
            assert shown_after(kinds, kind) == "0", kind


def test_no_bar_is_drawn_for_a_count_below_5(team, tmp_path):
    # The colour of a drawn bar, learnt from a big caseload in another database.
    big = tmp_path / "big.db"
    result = team("--db", str(big), "demo", "--participants", "40", "--seed", "2")
    assert result.exit_code == 0, result.stderr
    result = team("--db", str(big), "report", "--out", str(tmp_path / "big.html"))
    assert result.exit_code == 0, result.stderr
    big_page = (tmp_path / "big.html").read_text(encoding="utf-8")
    big_kinds = by_kind_chart(big_page)
    bar_fills = {r.get("fill") for r in svg_rects(big_kinds)}
    assert bar_fills, "the big caseload draws bars for its counts of 5 or more"

    tiny_caseload(team)
    page = make_report(team, tmp_path / "udvalg.html")
    kinds = by_kind_chart(page)
    assert [r for r in svg_rects(kinds) if r.get("fill") in bar_fills] == [], (
        "a bar would give a count below 5 away"
    )
    for fragment in svgs(page):
        drawn = [r.attrib for r in svg_rects(fragment) if r.get("fill") in bar_fills]
        assert drawn == [], f"bar drawn in a chart of small counts: {drawn}"


def test_hidden_open_count_cannot_be_read_back_from_the_free_places(team, tmp_path):
    """3 open cases of 19 places: printing "16 free" beside "19 places" gives the 3 away."""
    tiny_caseload(team)
    capacity = as_json(team("capacity", "--json"))
    assert capacity["team"]["open_cases"] == 3
    page = make_report(team, tmp_path / "udvalg.html")
    shown = numbers_in(page_text(section(page, "capacity")))
    team_free = str(capacity["team"]["free"])  # 16 = 19 - 3
    mette_free = str(17 - 3)  # 14
    assert team_free not in shown or str(capacity["team"]["max_caseload"]) not in shown, (
        "places and free places together reveal the hidden open count"
    )
    assert mette_free not in shown


def test_bigger_cohort_shows_its_real_counts(run, tmp_path):
    demo(run)
    figures = as_json(run("outcomes", "--json"))
    capacity = as_json(run("capacity", "--json"))
    cohort, started = figures["cohort"], figures["started_job_or_education"]
    assert cohort >= 5 and started >= 5

    page = make_report(run, tmp_path / "udvalg.html")
    text = page_text(page)
    outcome = numbers_in(page_text(section(page, "started")))
    assert {str(cohort), str(started)} <= outcome
    percent = figures["share"] * 100
    assert re.search(rf"\b(?:{math.floor(percent)}|{math.ceil(percent)})\s?%", text)

    kinds = svg_texts(by_kind_chart(page))
    for kind, n in figures["by_kind"].items():
        assert shown_after(kinds, kind) == count_shown(n), kind
    assert any(n >= 5 for n in figures["by_kind"].values())
    chart = by_kind_chart(page)
    bars = [r for r in svg_rects(chart) if float(r.get("width", 0)) > 0]
    assert len(bars) == sum(1 for n in figures["by_kind"].values() if n >= 5)

    shown_capacity = numbers_in(page_text(section(page, "capacity")))
    assert str(capacity["team"]["open_cases"]) in shown_capacity
    for consultant in capacity["consultants"]:
        if consultant["open_cases"] >= 5:
            assert str(consultant["open_cases"]) in shown_capacity


# --- the quarterly rates and aftercare, worked out by hand ------------------------------------


def committee_caseload(team) -> None:
    """Thirteen cases with Mette Holm (max 17).

    Q   enrolled 2026-04-06, closed 2026-06-30: the only case open in 2026-Q2
    J1-J5 enrolled 2026-07-06, an ordinary job from 07-13, never ended
    S1-S3 enrolled 07-06, an education from 07-13, never ended
    N1-N4 enrolled 07-06, nothing started
    Aftercare, all ended: J1 08-03..08-13 (10 days), J2 ..08-23 (20), J3 ..09-02 (30),
    J4 ..09-12 (40), J5 ..09-22 (50), S1 ..10-02 (60), N1 08-03..08-10 (7 days).
    """
    ids = {}

    def case(name: str, referral: str) -> int:
        args = intake_args(name, "01-01-2010", "--consultant", "Mette Holm", "--json")
        args[args.index("--referral-date") + 1] = referral
        ids[name] = as_json(team(*args))["id"]
        return ids[name]

    def ok(*args: str) -> None:
        result = team(*args)
        assert result.exit_code == 0, result.stderr

    q = case("Quinn Kvartal", "06-04-2026")
    ok("close", str(q), "--date", "30-06-2026", "--reason", "moved")
    lengths = {"J1": 10, "J2": 20, "J3": 30, "J4": 40, "J5": 50, "S1": 60, "N1": 7}
    for name, kind in [(f"J{i}", "ordinary-job") for i in range(1, 6)] + [
        (f"S{i}", "education") for i in range(1, 4)
    ]:
        case(name, "06-07-2026")
        ok("placement", "add", str(ids[name]), "--kind", kind, "--start", "13-07-2026")
    for i in range(1, 5):
        case(f"N{i}", "06-07-2026")
    for name, days in lengths.items():
        ok("aftercare", "start", str(ids[name]), "--date", "03-08-2026")
        end = (date(2026, 8, 3) + timedelta(days=days)).strftime("%d-%m-%Y")
        ok("aftercare", "end", str(ids[name]), "--date", end)


def test_both_quarterly_rates_and_aftercare_are_on_the_page(team, tmp_path):
    committee_caseload(team)
    page = make_report(team, tmp_path / "udvalg.html")

    # Started: J1-J5, S1-S3 = 8 of 13 -> 62 %
    started = page_text(section(page, "started"))
    assert {"8", "13"} <= numbers_in(started) and "62 %" in started

    # 2026-Q2: Q alone is open (1): both shares hidden. 2026-Q3 and 2026-Q4 (not over,
    # marked *): Q closed 06-30, so J, S and N are open = 12; in a job J1-J5 = 5 / 12 =
    # 41.7 % -> 42 %, average (41-50 %); in a job or an education J and S = 8 / 12 =
    # 66.7 % -> 67 %, the target met.
    quarterly = section(page, "quarter")
    job_chart, either_chart = svgs(quarterly)
    job = svg_texts(job_chart)
    assert shown_after(job, "2026 Q2") == "–"
    assert shown_after(job, "2026 Q3") == "42 %"
    assert shown_after(job, "2026 Q4*") == "42 %"
    either = svg_texts(either_chart)
    assert shown_after(either, "2026 Q2") == "–"
    assert shown_after(either, "2026 Q3") == "67 %"
    assert shown_after(either, "2026 Q4*") == "67 %"
    # one column per shown share, none for the small quarter
    assert len([r for r in svg_rects(job_chart) if r.get("height")]) == 2
    assert len([r for r in svg_rects(either_chart) if r.get("height")]) == 2
    words = page_text(quarterly)
    assert (
        "2026-Q3: 42 % in a job (IPS band: average); 67 % in a job or an education "
        "(target 50 %: met); of 12 young people in the effort."
    ) in words
    assert "* The quarter is not over yet." in words

    # Aftercare: J1-J5, S1, N1 = 7 cases, 7 ended periods; lengths 7, 10, 20, 30, 40, 50,
    # 60 -> median 30 days; a job or an education running on the last day: all but N1,
    # 6 / 7 = 85.7 % -> 86 %
    assert page_text(section(page, "aftercare")) == (
        "Aftercare 7 young people went into aftercare. Aftercare periods that have ended: 7; "
        "their median length: 30 days. Still in a job or an education when the period "
        "ended: 86 %."
    )


def test_small_aftercare_and_quarter_figures_are_hidden(team, tmp_path):
    """Two cases in aftercare, and two cases open: every count "<5", no median, no share."""
    tiny_caseload(team)  # cases 1-3; case 1 in education from 10-11-2026
    for case_id, start, end in (("1", "12-11-2026", "19-11-2026"), ("2", "12-11-2026", None)):
        assert team("aftercare", "start", case_id, "--date", start).exit_code == 0
        if end:
            assert team("aftercare", "end", case_id, "--date", end).exit_code == 0
    page = make_report(team, tmp_path / "udvalg.html")
    assert page_text(section(page, "aftercare")) == (
        "Aftercare <5 young people went into aftercare. Aftercare periods that have ended: "
        "<5; their median length: –. Still in a job or an education when the period "
        "ended: –."
    )
    # 2026-Q4: 3 open, 0 in a job, 1 in education: nothing to show but "–"
    quarterly = page_text(section(page, "quarter"))
    assert "2026-Q4" not in quarterly  # no quarter is over: no sentence about one
    assert "No quarter is over yet." in quarterly
    for chart in svgs(section(page, "quarter")):
        assert shown_after(svg_texts(chart), "2026 Q4*") == "–"


# --- the cohort period ----------------------------------------------------------------------


def test_from_and_to_change_the_cohort_and_the_page_says_which(run, tmp_path):
    demo(run)
    everyone = as_json(run("outcomes", "--json"))
    period = as_json(run("outcomes", "--from", "01-01-2026", "--to", "30-06-2026", "--json"))
    assert period["cohort"] >= 5 and period["cohort"] != everyone["cohort"]

    whole = make_report(run, tmp_path / "all.html")
    part = make_report(run, tmp_path / "h1.html", "--from", "01-01-2026", "--to", "30-06-2026")
    assert part != whole
    whole_numbers = numbers_in(page_text(section(whole, "started")))
    part_numbers = numbers_in(page_text(section(part, "started")))
    assert str(everyone["cohort"]) in whole_numbers
    assert str(period["cohort"]) in part_numbers
    assert str(everyone["cohort"]) not in part_numbers

    part_text = page_text(part)
    assert re.search(r"01-01-2026|2026-01-01|1\. januar 2026", part_text), "the first day"
    assert re.search(r"30-06-2026|2026-06-30|30\. juni 2026", part_text), "the last day"
    whole_text = page_text(whole)
    assert "01-01-2026" not in whole_text and "30-06-2026" not in whole_text

    only_from = page_text(make_report(run, tmp_path / "from.html", "--from", "01-01-2026"))
    assert "01-01-2026" in only_from or "2026-01-01" in only_from


def test_from_after_to_is_a_usage_error_and_writes_nothing(run, tmp_path):
    demo(run)
    out = tmp_path / "udvalg.html"
    result = run("report", "--out", str(out), "--from", "01-07-2026", "--to", "30-06-2026")
    assert result.exit_code == 2
    assert "--from" in result.stderr
    assert not out.exists()
    assert list(tmp_path.glob("*.html*")) == []


@pytest.mark.parametrize("where", ["missing folder", "a folder"])
def test_unwritable_out_is_a_usage_error_and_leaves_no_file(run, tmp_path, where):
    demo(run)
    target = tmp_path / "nowhere" / "udvalg.html" if where == "missing folder" else tmp_path
    before = sorted(p.name for p in tmp_path.iterdir())
    result = run("report", "--out", str(target))
    assert result.exit_code == 2, result.stdout + result.stderr
    assert "--out" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert not (tmp_path / "nowhere").exists()


def test_report_file_is_owner_only_under_a_loose_umask(run, tmp_path):
    demo(run)
    out = tmp_path / "udvalg.html"
    old = os.umask(0o022)
    try:
        result = run("report", "--out", str(out))
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_report_replaces_an_existing_file_and_keeps_it_owner_only(run, tmp_path):
    demo(run)
    out = tmp_path / "udvalg.html"
    out.write_text("old", encoding="utf-8")
    out.chmod(0o644)
    page = make_report(run, out)
    assert page.startswith("<!DOCTYPE html>")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


@pytest.mark.no_db
def test_report_of_a_database_that_does_not_exist_yet(run, tmp_path, db_path):
    assert not db_path.exists()
    out = tmp_path / "udvalg.html"
    result = run("report", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert "no database" in result.stderr
    assert not db_path.exists()
    assert not db_path.parent.exists(), "not even its folder is created"
    page = out.read_text(encoding="utf-8")
    assert parse(page).problems == []
    started = page_text(section(page, "started"))
    assert "0" in numbers_in(started), "an empty cohort is 0, not hidden"
    assert "<5" not in started
    assert not re.search(r"\b0\s?%", started), "no share of an empty cohort"
    kinds = svg_texts(by_kind_chart(page))
    for kind in PLACEMENT_KINDS:
        assert shown_after(kinds, kind) == "0"


# --- print ------------------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"


def pdf_pages(pdf: Path) -> int:
    if shutil.which("pdfinfo"):
        info = subprocess.run(
            ["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=60, check=True
        ).stdout
        return int(re.search(r"^Pages:\s+(\d+)", info, flags=re.M)[1])
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))


def test_page_prints_on_one_or_two_a4_pages_in_chromium(run, tmp_path):
    if not Path(CHROMIUM).exists():
        if os.environ.get("IPSUNG_TEST_REQUIRE_CHROMIUM"):  # CI installs it (.ci/run)
            pytest.fail("IPSUNG_TEST_REQUIRE_CHROMIUM is set, but /usr/bin/chromium is missing")
        pytest.skip("headless print check needs /usr/bin/chromium, which is not installed")
    demo(run)
    out = tmp_path / "udvalg.html"
    make_report(run, out)
    pdf = tmp_path / "r.pdf"
    profile = tmp_path / "profile"
    profile.mkdir()
    completed = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            f"--print-to-pdf={pdf}",
            "--no-pdf-header-footer",
            out.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert pdf.is_file() and pdf.stat().st_size > 0, completed.stderr[-2000:]
    assert pdf.read_bytes().startswith(b"%PDF")
    pages = pdf_pages(pdf)
    assert 1 <= pages <= 2, f"{pages} pages"


def test_out_to_a_pipe_writes_into_it_and_leaves_it_a_pipe(run, tmp_path):
    """A device or a pipe given as --out is written to, never replaced by a file (as root,
    --out /dev/null once turned /dev/null into a file)."""
    import os
    import stat
    import threading

    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()))
    reader.start()
    ok(run("report", "--out", str(pipe)))
    reader.join(timeout=10)
    assert stat.S_ISFIFO(os.stat(pipe).st_mode)
    assert received and received[0].startswith(b"<!DOCTYPE html>")
    exported = tmp_path / "pipe2"
    os.mkfifo(exported)
    received.clear()
    reader = threading.Thread(target=lambda: received.append(exported.read_bytes()))
    reader.start()
    ok(run("export", "contacts", "--out", str(exported)))
    reader.join(timeout=10)
    assert stat.S_ISFIFO(os.stat(exported).st_mode) and received[0].startswith(b"contact,")
