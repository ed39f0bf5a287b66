"""Outcomes and fidelity for people at a terminal: the share against the target at a
glance, then the breakdowns and the definitions."""

from ipsung import i18n
from ipsung.i18n import _, decimal
from ipsung.render.text import Page, Table
from ipsung.rules import format_date
from ipsung.vocabulary import shown_code

BAR_WIDTH = 40


def percent(share: float | None) -> str:
    return "-" if share is None else i18n.percent(share)


def number(value) -> str:
    if value is None:
        return "-"
    return decimal(value, None) if isinstance(value, float) else str(value)


def gauge(share: float | None, target: float) -> str:
    """A bar with the target marked: ████████░░░░|░░░░ (plain characters, no colour needed)."""
    filled = round((share or 0) * BAR_WIDTH)
    mark = round(target * BAR_WIDTH)
    cells = ["█" if i < filled else "░" for i in range(BAR_WIDTH)]
    cells.insert(mark, "|")
    return "".join(cells)


def band_label(code: str | None) -> str:
    """The words for an IPS quarterly band code (rules.QUARTERLY_BANDS), or "-"."""
    labels = {
        "excellent": _("excellent"),
        "average": _("average"),
        "minimal": _("minimal"),
        "below minimal": _("below minimal"),
    }
    return "-" if code is None else labels[code]


def grouping_label(code: str) -> str:
    """The column heading for an --by grouping."""
    return {
        "consultant": _("consultant"),
        "referred-by": _("referred by"),
        "pathway": _("pathway"),
        "track": _("track"),
    }[code]


def definition_label(key: str) -> str:
    """The words for a definition's key (the keys are the JSON's)."""
    return {
        "cohort": _("Cohort"),
        "started_job_or_education": _("Started a job or an education"),
        "share": _("Share"),
        "by_kind": _("Outcomes by kind"),
        "retained": _("Retained 13 and 26 weeks"),
        "median_days_to_first_employer_contact": _("Days to the first employer contact"),
        "first_employer_contact_within_30d": _("First employer contact within 30 days"),
        "median_days_to_first_start": _("Days to the first start"),
        "weekly_contact_rate": _("Weekly contact rate"),
        "progress": _("Progress"),
        "quarterly": _("Quarterly rates"),
        "aftercare": _("Aftercare"),
    }[key]


def _of(share: float | None, count: int, of: int) -> str:
    """`40.0 % (2 of 5)`."""
    return _("{share} ({n} of {of})").format(share=percent(share), n=count, of=of)


def _figure_rows(d: dict) -> list[tuple[str, str]]:
    progress, aftercare = d["progress"], d["aftercare"]
    return [
        (
            _("retained 13 weeks"),
            _("{share} (of {n} starts 13 weeks old)").format(
                share=percent(d["retained_13w"]), n=d["retained_13w_of"]
            ),
        ),
        (
            _("retained 26 weeks"),
            _("{share} (of {n} starts 26 weeks old)").format(
                share=percent(d["retained_26w"]), n=d["retained_26w_of"]
            ),
        ),
        (
            _("median days to first employer contact"),
            _("{days} (of {n} cases with one)").format(
                days=number(d["median_days_to_first_employer_contact"]),
                n=d["median_days_to_first_employer_contact_of"],
            ),
        ),
        (
            _("first employer contact within 30 days"),
            _("{share} ({n} of {of} cases enrolled 30 days or more)").format(
                share=percent(d["first_employer_contact_within_30d"]),
                n=d["first_employer_contact_within_30d_count"],
                of=d["first_employer_contact_within_30d_of"],
            ),
        ),
        (_("median days to first start"), number(d["median_days_to_first_start"])),
        (
            _("weekly contact rate"),
            _("{share} (of {n} weeks)").format(
                share=percent(d["weekly_contact_rate"]), n=d["open_weeks"]
            ),
        ),
        (
            _("progress (change in rating)"),
            _("outlook {o}, insight {i}, skills {s} (rated twice: {n})").format(
                o=number(progress["outlook"]),
                i=number(progress["insight"]),
                s=number(progress["skills"]),
                n=progress["rated_twice"],
            ),
        ),
        (_("went into aftercare"), _("{n} cases").format(n=aftercare["cases"])),
        (
            _("median length of aftercare"),
            _("{days} days (of {n} ended periods)").format(
                days=number(aftercare["median_days_of_ended_periods"]),
                n=aftercare["ended_periods"],
            ),
        ),
        (
            _("in a job or education when aftercare ended"),
            _of(
                aftercare["in_job_or_education_at_end"],
                aftercare["in_job_or_education_at_end_count"],
                aftercare["ended_periods"],
            ),
        ),
    ]


def outcomes_page(d: dict) -> str:
    console, table = Page(), Table
    console.add(
        _("Outcomes: {rule}; as of {day}").format(
            rule=d["cohort_rule"]["text"], day=format_date(d["as_of"])
        )
    )
    verdict = _("target met") if d["target_met"] else _("target not met")
    console.add(
        _(
            "Started job or education: {n} of {cohort} = {share}  (target {target}: {verdict})"
        ).format(
            n=d["started_job_or_education"],
            cohort=d["cohort"],
            share=percent(d["share"]),
            target=percent(d["target"]),
            verdict=verdict,
        )
    )
    style = "green" if d["target_met"] else "yellow"
    console.add(f"{gauge(d['share'], d['target'])}  {percent(d['share'])}", style=style)
    console.add()

    t = table(_("figure"), _("value"))
    for label, value in _figure_rows(d):
        t.add_row(label, value)
    console.add(t)

    kinds = table(_("placements started, by kind"), _("count"))
    for kind, count in d["by_kind"].items():
        kinds.add_row(shown_code(kind), str(count))
    console.add(kinds)

    if "by" in d:
        g = table(
            grouping_label(d["by"]["grouping"]),
            _("cohort"),
            _("started"),
            _("share"),
            _("retained 13w"),
            _("days to employer"),
            _("weekly contact"),
        )
        for row in d["by"]["groups"]:
            g.add_row(
                shown_code(row["group"]) if d["by"]["grouping"] != "consultant" else row["group"],
                str(row["cohort"]),
                str(row["started_job_or_education"]),
                percent(row["share"]),
                percent(row["retained_13w"]),
                number(row["median_days_to_first_employer_contact"]),
                percent(row["weekly_contact_rate"]),
            )
        console.add(g)

    if "quarterly" in d:
        q = table(
            _("quarter"),
            _("open"),
            _("in a job"),
            _("IPS band"),
            _("in job/education"),
            _("target 50 %"),
        )
        for row in d["quarterly"]:
            label = row["quarter"] + (_(" (so far)") if row["partial"] else "")
            met = row["job_or_education_target_met"]
            q.add_row(
                label,
                str(row["open_cases"]),
                _of(row["job_rate"], row["in_job"], row["open_cases"]),
                band_label(row["job_band"]),
                _of(row["job_or_education_rate"], row["in_job_or_education"], row["open_cases"]),
                "-"
                if row["job_or_education_rate"] is None
                else (_("met") if met else _("not met")),
            )
        console.add(q)

    console.add(_("Definitions"))
    for key, text in d["definitions"].items():
        console.add(f"  {definition_label(key)}: {text}")
    return console.text()
