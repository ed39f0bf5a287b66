"""The committee report (SPEC §8b): one self-contained HTML page with SVG charts.

Committee papers are public, so the page holds no names (consultants are numbered),
counts from 1 to 4 are shown as "<5", and a share whose numerator or denominator is
below 5 is not shown — in the charts too, where a bar's length would give the count away.

The charts are SVG written here: a few rectangles and lines need no charting library,
and the page must work offline, without scripts, and print on A4.
"""

from datetime import date
from html import escape

from ipsung.i18n import _, active, decimal, percent
from ipsung.render.outcomes import band_label, definition_label
from ipsung.rules import QUARTERLY_BANDS, SMALL_COUNT, format_date
from ipsung.vocabulary import DIMENSIONS, shown_code

SMALL = SMALL_COUNT  # counts below this (except 0) are hidden
BAR_COLOUR = "#2b6cb0"
TARGET_COLOUR = "#c53030"
MUTED = "#a0aec0"


def count_text(n: int) -> str:
    return "<5" if 0 < n < SMALL else str(n)


def shown_share(numerator: int, denominator: int) -> float | None:
    """The share, unless either part is small enough to identify someone."""
    if numerator < SMALL or denominator < SMALL:
        return None
    return numerator / denominator


def share_text(numerator: int, denominator: int) -> str:
    share = shown_share(numerator, denominator)
    return "–" if share is None else percent(share, 0)


# --- charts -----------------------------------------------------------------------------


def _svg(width: int, height: int, body: list[str], label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">'
        + "".join(body)
        + "</svg>"
    )


def _text(
    x: float, y: float, text: str, anchor: str = "start", size: int = 11, colour: str = "#1a202c"
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{colour}">{escape(text)}</text>'
    )


def share_gauge(numerator: int, denominator: int, target: float) -> str:
    """A horizontal bar for the share with the target marked."""
    width, height, left, bar_w = 520, 54, 10, 500
    share = shown_share(numerator, denominator)
    body = [f'<rect x="{left}" y="10" width="{bar_w}" height="22" fill="#edf2f7"/>']
    if share is not None:
        body.append(
            f'<rect x="{left}" y="10" width="{bar_w * share:.1f}" height="22" fill="{BAR_COLOUR}"/>'
        )
    else:
        body.append(_text(left + 8, 26, _("not shown: fewer than 5"), colour="#4a5568"))
    x = left + bar_w * target
    body.append(
        f'<line x1="{x:.1f}" y1="4" x2="{x:.1f}" y2="38" stroke="{TARGET_COLOUR}" stroke-width="2"/>'
    )
    body.append(
        _text(x, 50, _("target {t}").format(t=percent(target, 0)), "middle", 10, TARGET_COLOUR)
    )
    return _svg(width, height, body, _("share against the target"))


def horizontal_bars(rows: list[tuple[str, int]], maximum: int | None = None) -> str:
    """Labelled bars for counts; a count below 5 gets no bar, only "<5"."""
    width, row_h, label_w, bar_w = 520, 20, 150, 320
    top = max([n for _label, n in rows] + [maximum or 0, 1])
    body = []
    for i, (label, n) in enumerate(rows):
        y = 4 + i * row_h
        body.append(_text(label_w - 6, y + 13, label, "end"))
        if n >= SMALL:
            body.append(
                f'<rect x="{label_w}" y="{y + 3}" width="{bar_w * n / top:.1f}" height="13" fill="{BAR_COLOUR}"/>'
            )
            body.append(_text(label_w + bar_w * n / top + 4, y + 13, str(n)))
        else:
            body.append(_text(label_w + 2, y + 13, count_text(n), colour="#4a5568"))
    return _svg(width, 8 + row_h * len(rows), body, _("bar chart"))


def capacity_bars(consultants: list[dict]) -> str:
    """Open cases against each consultant's max (numbered: no names in a public paper)."""
    width, row_h, label_w, bar_w = 520, 22, 110, 360
    top = max(
        [c["max_caseload"] for c in consultants] + [c["open_cases"] for c in consultants] + [1]
    )
    body = []
    for i, c in enumerate(consultants):
        y = 4 + i * row_h
        body.append(_text(label_w - 6, y + 14, _("Consultant {n}").format(n=i + 1), "end"))
        body.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{bar_w * c["max_caseload"] / top:.1f}" height="14" fill="#edf2f7" stroke="{MUTED}"/>'
        )
        if c["open_cases"] >= SMALL:
            colour = TARGET_COLOUR if c["state"] == "over" else BAR_COLOUR
            body.append(
                f'<rect x="{label_w}" y="{y + 3}" width="{bar_w * c["open_cases"] / top:.1f}" height="14" fill="{colour}"/>'
            )
        body.append(
            _text(
                label_w + bar_w + 6, y + 14, f"{count_text(c['open_cases'])} / {c['max_caseload']}"
            )
        )
    return _svg(width, 8 + row_h * len(consultants), body, _("caseload per consultant"))


def quarterly_chart(
    rows: list[dict], count: str, lines: list[tuple[float, str]], label: str
) -> str:
    """Columns per quarter for the share `count` / open cases, with reference lines (a
    share and its label) across the plot; a quarter with a small count is left empty."""
    width, height, left, bottom, plot_h = 520, 150, 34, 120, 105
    col_w = (width - left - 10) / max(len(rows), 1)
    shares = [shown_share(r[count], r["open_cases"]) for r in rows]
    # The axis runs to 60 % or the highest share shown, whichever is more: room for the lines.
    top = max([0.6] + [sh for sh in shares if sh is not None])
    body = [f'<line x1="{left}" y1="{bottom}" x2="{width - 10}" y2="{bottom}" stroke="{MUTED}"/>']
    for floor, name in lines:
        y = bottom - plot_h * floor / top
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="{TARGET_COLOUR}" stroke-dasharray="4 3" stroke-width="1"/>'
        )
        body.append(_text(left - 3, y + 4, percent(floor, 0), "end", 9, TARGET_COLOUR))
        body.append(_text(width - 12, y - 3, name, "end", 9, TARGET_COLOUR))
    for i, row in enumerate(rows):
        x = left + i * col_w
        share = shares[i]
        if share is not None:
            h = plot_h * share / top
            body.append(
                f'<rect x="{x + col_w * 0.2:.1f}" y="{bottom - h:.1f}" width="{col_w * 0.6:.1f}" height="{h:.1f}" fill="{BAR_COLOUR}"/>'
            )
        # A quarter that is not over yet is marked, and the page says what the mark means.
        quarter = row["quarter"].replace("-", " ") + ("*" if row["partial"] else "")
        body.append(_text(x + col_w / 2, bottom + 13, quarter, "middle", 9))
        body.append(
            _text(
                x + col_w / 2,
                bottom + 25,
                share_text(row[count], row["open_cases"]),
                "middle",
                9,
                "#4a5568",
            )
        )
    return _svg(width, height + 6, body, label)


def job_rate_chart(rows: list[dict]) -> str:
    """The share in a competitive job per quarter, against the IPS bands (31/41/50 %)."""
    bands = [(floor, band_label(name)) for floor, name in QUARTERLY_BANDS]
    return quarterly_chart(rows, "in_job", bands, _("quarterly rate in a job"))


def job_or_education_rate_chart(rows: list[dict], target: float) -> str:
    """The share in a job or an education per quarter, against the target."""
    return quarterly_chart(
        rows,
        "in_job_or_education",
        [(target, _("target"))],
        _("quarterly rate in a job or an education"),
    )


def progress_chart(progress: dict) -> str:
    """Mean first and latest rating (1-5) on each dimension."""
    width, row_h, label_w, bar_w = 520, 34, 150, 320
    body = []
    for i, dim in enumerate(DIMENSIONS):
        y = 4 + i * row_h
        first, latest = progress["first"][dim], progress["latest"][dim]
        body.append(_text(label_w - 6, y + 16, dimension_name(dim), "end"))
        if first is None:
            body.append(
                _text(label_w + 2, y + 16, _("not shown: fewer than 5 rated"), colour="#4a5568")
            )
            continue
        body.append(
            f'<rect x="{label_w}" y="{y + 2}" width="{bar_w * first / 5:.1f}" height="11" fill="{MUTED}"/>'
        )
        body.append(
            f'<rect x="{label_w}" y="{y + 15}" width="{bar_w * latest / 5:.1f}" height="11" fill="{BAR_COLOUR}"/>'
        )
        body.append(_text(label_w + bar_w * first / 5 + 4, y + 11, decimal(first), size=9))
        body.append(_text(label_w + bar_w * latest / 5 + 4, y + 24, decimal(latest), size=9))
    return _svg(width, 8 + row_h * 3, body, _("progress on three dimensions"))


def dimension_name(code: str) -> str:
    return {
        "outlook": _("Outlook (Udsyn)"),
        "insight": _("Insight (Indsigt)"),
        "skills": _("Skills (Kompetencer)"),
    }[code]


# The definitions of the figures this page shows, in the page's order.
PAGE_DEFINITIONS = (
    "started_job_or_education",
    "share",
    "quarterly",
    "aftercare",
    "by_kind",
    "progress",
)


# --- the page -----------------------------------------------------------------------------

CSS = """
@page { size: A4; margin: 14mm 14mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; color: #1a202c; font-size: 10.5pt; margin: 0; }
h1 { font-size: 17pt; margin: 0 0 2mm 0; }
h2 { font-size: 12pt; margin: 5mm 0 1.5mm 0; border-bottom: 1px solid #cbd5e0; }
p.meta { color: #4a5568; margin: 0 0 3mm 0; }
.big { font-size: 22pt; font-weight: bold; }
table { border-collapse: collapse; margin: 1mm 0; }
td, th { padding: 0.6mm 3mm 0.6mm 0; text-align: left; font-size: 9.5pt; }
th { color: #4a5568; font-weight: normal; }
section { break-inside: avoid; }
@media screen { body { margin: 12mm auto; max-width: 190mm; } }
dl { font-size: 8.5pt; color: #2d3748; }
dt { font-weight: bold; } dd { margin: 0 0 1mm 4mm; }
"""


def _started(outcomes: dict) -> list[str]:
    started, cohort = outcomes["started_job_or_education"], outcomes["cohort"]
    return [
        f"<h2>{escape(_('Started a job or an education'))}</h2>",
        f'<p><span class="big">{share_text(started, cohort)}</span> '
        f"{escape(_('of {cohort} young people ({started} started); the target is at least 50 %.').format(cohort=count_text(cohort), started=count_text(started)))}</p>",
        share_gauge(started, cohort, outcomes["target"]),
    ]


def _capacity(capacity: dict) -> list[str]:
    team = capacity["team"]
    free = team["free"] if not 0 < team["open_cases"] < SMALL else "–"
    return [
        f"<h2>{escape(_('Capacity and waitlist'))}</h2>",
        f"<p>{escape(_('{open} open cases of {max} places, {free} free; {wait} on the waitlist.').format(open=count_text(team['open_cases']), max=team['max_caseload'], free=free, wait=count_text(capacity['waitlist'])))}</p>",
        capacity_bars(capacity["consultants"]),
    ]


def _latest_full_quarter(rows: list[dict]) -> str:
    """Both rates of the last quarter that is over, in words."""
    full = [r for r in rows if not r["partial"]]
    if not full:
        return _("No quarter is over yet.")
    row = full[-1]
    job = shown_share(row["in_job"], row["open_cases"])
    either = shown_share(row["in_job_or_education"], row["open_cases"])
    return _(
        "{quarter}: {job} in a job (IPS band: {band}); {either} in a job or an education "
        "(target 50 %: {verdict}); of {open} young people in the effort."
    ).format(
        quarter=row["quarter"],
        job=share_text(row["in_job"], row["open_cases"]),
        band=band_label(row["job_band"]) if job is not None else "–",
        either=share_text(row["in_job_or_education"], row["open_cases"]),
        verdict=(_("met") if row["job_or_education_target_met"] else _("not met"))
        if either is not None
        else "–",
        open=count_text(row["open_cases"]),
    )


def _quarterly(outcomes: dict) -> list[str]:
    rows = outcomes.get("quarterly", [])
    return [
        f"<h2>{escape(_('Quarterly rates: in a job, and in a job or an education'))}</h2>",
        f"<p>{escape(_latest_full_quarter(rows))}</p>",
        f'<p class="meta">{escape(_("In a job (ordinary job, flex-job, apprenticeship), read against the IPS bands:"))}</p>',
        job_rate_chart(rows),
        f'<p class="meta">{escape(_("In a job or an education (the goal of IPS Ung), read against the target:"))}</p>',
        job_or_education_rate_chart(rows, outcomes["target"]),
        f'<p class="meta">{escape(_("* The quarter is not over yet."))}</p>'
        if any(r["partial"] for r in rows)
        else "",
    ]


def _aftercare(outcomes: dict) -> list[str]:
    a = outcomes["aftercare"]
    ended = a["ended_periods"]
    days = a["median_days_of_ended_periods"]
    median_text = (
        "–" if ended < SMALL or days is None else _("{days} days").format(days=decimal(days, None))
    )
    return [
        f"<h2>{escape(_('Aftercare'))}</h2>",
        f"<p>{escape(_('{cases} young people went into aftercare. Aftercare periods that have ended: {ended}; their median length: {days}. Still in a job or an education when the period ended: {share}.').format(cases=count_text(a['cases']), ended=count_text(ended), days=median_text, share=share_text(a['in_job_or_education_at_end_count'], ended)))}</p>",
    ]


def _by_kind(outcomes: dict) -> list[str]:
    return [
        f"<h2>{escape(_('Outcomes by kind (placements started)'))}</h2>",
        horizontal_bars([(shown_code(kind), n) for kind, n in outcomes["by_kind"].items()]),
    ]


def _progress(progress: dict) -> list[str]:
    return [
        f"<h2>{escape(_('Progress on the three dimensions (first and latest rating, 1-5)'))}</h2>",
        progress_chart(progress),
        f'<p class="meta">{escape(_("Grey: first rating; blue: latest. Cases rated at least twice: {n}.").format(n=count_text(progress["rated"])))}</p>',
    ]


def _fidelity(fidelity: dict | None) -> list[str]:
    """The latest year with all 25 IPS-25 items scored: its total, its band, each item."""
    parts = [f"<h2>{escape(_('Fidelity to the IPS model (IPS-25)'))}</h2>"]
    if fidelity is None:
        parts.append(f"<p>{escape(_('No fidelity review with all 25 items scored yet.'))}</p>")
        return parts
    band = {
        "exemplary": _("exemplary fidelity"),
        "good": _("good fidelity"),
        "fair": _("fair fidelity"),
        "not-ips": _("not IPS"),
    }[fidelity["band"]]
    text = _("{year}: {total} of 125 points, {band}.").format(
        year=fidelity["year"], total=fidelity["total"], band=band
    )
    parts.append(f'<p><span class="big">{fidelity["total"]}</span> {escape(text)}</p>')
    rows = "".join(
        f"<tr><td>{escape(str(item['name']))}</td><td>{item['score']}</td></tr>"
        for item in fidelity["items"]
    )
    parts.append(f"<table><tr><th>{escape(_('item'))}</th><th>{escape(_('score'))}</th></tr>")
    parts.append(rows + "</table>")
    return parts


def _definitions(outcomes: dict) -> list[str]:
    definitions = outcomes["definitions"]
    return [
        f"<h2>{escape(_('Definitions'))}</h2><dl>",
        *(
            f"<dt>{escape(definition_label(key))}</dt><dd>{escape(str(definitions[key]))}</dd>"
            for key in PAGE_DEFINITIONS
        ),
        "</dl>",
    ]


def render(
    capacity: dict, outcomes: dict, progress: dict, made_on: date, fidelity: dict | None = None
) -> str:
    """The whole page as one string: a heading, then one <section> per topic, each built
    by a function of its own. `fidelity`: the latest year with all 25 items scored."""
    rule = outcomes["cohort_rule"]["text"]
    parts = [
        _started(outcomes),
        _capacity(capacity),
        _quarterly(outcomes),
        _aftercare(outcomes),
        _by_kind(outcomes),
        _progress(progress),
        _fidelity(fidelity),
        _definitions(outcomes),
    ]
    head = [
        f"<h1>{escape(_('IPS Ung: status for the committee'))}</h1>",
        f'<p class="meta">{escape(_("Made {day}; cohort: {rule}.").format(day=format_date(made_on), rule=rule))} '
        f"{escape(_('No names; counts from 1 to 4 are shown as <5 and shares built on them are not shown.'))}</p>",
    ]
    sections = [f"<section>{''.join(part)}</section>" for part in parts]
    return (
        f'<!DOCTYPE html>\n<html lang="{active()[0]}"><head><meta charset="utf-8">'
        f"<title>{escape(_('IPS Ung report'))}</title><style>{CSS}</style></head><body>"
        + "\n".join(head + sections)
        + "</body></html>\n"
    )
