"""One case as the JSON document of SPEC §6 and as a readable page for a consultant; a
screening's verdict and reasons."""

from datetime import date

from ipsung import rules
from ipsung.due_rules import WEEKLY_CONTACT_DAYS
from ipsung.i18n import N_, _, decimal, translate
from ipsung.render.text import Page, Table
from ipsung.store import refdata
from ipsung.vocabulary import shown_code


def document(case, today: date, reveal_cpr: bool = False) -> dict:
    """The `show --json` document of SPEC §6, keys in its order; the CPR number is masked
    unless asked for. A plain dict, not a pydantic model: `show` must start fast."""
    cpr = rules.format_cpr(case.cpr) if reveal_cpr else rules.mask_cpr(case.cpr)
    return {
        "id": case.id,
        "name": case.name,
        "cpr": cpr,
        "birth_date": case.birth_date,
        "age": rules.age_on(case.birth_date, today),
        "status": case.status,
        "consultant": case.consultant.name if case.consultant else None,
        "track": case.track,
        "referred_by": case.referred_by,
        "referral_date": case.referral_date,
        "enrolled_on": case.enrolled_on,
        "closed_on": case.closed_on,
        "close_reason": case.close_reason,
        "goal": case.goal,
        "pathway": case.pathway,
        "screening": {
            "eligible": case.eligible,
            "override_reason": case.override_reason,
            "diagnoses": case.diagnosis_list,
            "under_assessment": case.under_assessment,
            "mistrivsel": case.mistrivsel_list,
            "substance": case.substance,
            "motivated": case.motivated,
            "normal_cognition": case.normal_cognition,
        },
        "contacts": [
            {
                "id": c.id,
                "date": c.date,
                "kind": c.kind,
                "channel": c.channel,
                "minutes": c.minutes,
                "note": c.note,
                "employer": c.employer,
            }
            for c in case.contacts
        ],
        "placements": [
            {
                "id": p.id,
                "kind": p.kind,
                "start": p.start,
                "end": p.end,
                "hours": p.hours,
                "employer": p.employer,
                "end_reason": p.end_reason,
                "job_type": p.job_type,
            }
            for p in case.placements
        ],
        "aftercare": [
            {"start": a.start, "end": a.end, "contact_every": a.contact_every}
            for a in case.aftercare
        ],
        "progress": [
            {"date": r.date, "outlook": r.outlook, "insight": r.insight, "skills": r.skills}
            for r in case.progress
        ],
        # Beyond SPEC §6's keys (added at the end, so that its order holds):
        "reviews": [{"date": r.date, "period": r.period, "note": r.note} for r in case.reviews],
        "track_set_by_hand": case.track_set_by_hand,
    }


def diagnosis_label(code: str) -> str:
    """`F84.0 Childhood autism (Infantil autisme)`: what a code means, in both languages."""
    names = refdata.icd10_name(code)
    return f"{code} {names['en']} ({names['da']})" if names else code


def page(d: dict) -> str:
    """A readable page: the case, its screening, then the timeline."""
    console = Page()
    fmt = rules.format_date
    screening = d["screening"]
    title = f"{d['name'] or _('(anonymised)')}  ({shown_code(d['status'])})"
    console.add(f"{_('Case')} {d['id']}  {title}", style="bold")
    lines = [
        (_("CPR"), d["cpr"] or "-"),
        (_("Born"), f"{fmt(d['birth_date'])} ({_('age')} {d['age']})"),
        (_("Consultant"), d["consultant"] or "-"),
        (_("Track"), shown_code(d["track"])),
        (_("Referred"), f"{fmt(d['referral_date'])} {_('by')} {shown_code(d['referred_by'])}"),
        (_("Enrolled"), fmt(d["enrolled_on"]) or "-"),
        (
            _("Closed"),
            f"{fmt(d['closed_on'])} ({shown_code(d['close_reason'])})" if d["closed_on"] else "-",
        ),
        (_("Goal"), d["goal"] or "-"),
        (_("Pathway"), shown_code(d["pathway"]) or "-"),
        (_("Diagnoses"), "; ".join(diagnosis_label(c) for c in screening["diagnoses"]) or "-"),
        (_("Mistrivsel"), ", ".join(map(shown_code, screening["mistrivsel"])) or "-"),
        (_("Under assessment"), _("yes") if screening["under_assessment"] else _("no")),
        (_("Substance use"), screening["substance"]),
    ]
    if screening["override_reason"]:
        lines.append((_("Screening override"), screening["override_reason"]))
    width = max(len(label) for label, _value in lines)
    for label, value in lines:
        console.add(f"  {label:<{width}}  {value}")

    events = [(c["date"], _("contact"), _contact_text(c)) for c in d["contacts"]]
    for p in d["placements"]:
        events.append((p["start"], _("placement"), _placement_text(p)))
        if p["end"]:
            events.append(
                (
                    p["end"],
                    _("placement end"),
                    f"{shown_code(p['kind'])} {p['end_reason'] or ''}".strip(),
                )
            )
    for a in d["aftercare"]:
        started = _("started")
        if a["contact_every"] != WEEKLY_CONTACT_DAYS:
            started += " " + _("(contact every {n} days)").format(n=a["contact_every"])
        events.append((a["start"], _("aftercare"), started))
        if a["end"]:
            events.append((a["end"], _("aftercare"), _("ended")))
    for r in d["reviews"]:
        text = _("26-week period {n} reviewed").format(n=r["period"])
        events.append((r["date"], _("review"), f"{text}: {r['note']}" if r["note"] else text))
    for r in d["progress"]:
        events.append(
            (
                r["date"],
                _("progress"),
                _("outlook {outlook}, insight {insight}, skills {skills}").format(
                    outlook=r["outlook"], insight=r["insight"], skills=r["skills"]
                ),
            )
        )
    console.add()
    if not events:
        console.add(_("No contacts, placements or ratings yet."))
        return console.text()
    console.add(_("Timeline"), style="bold")
    for day, what, text in sorted(events, key=lambda e: e[0]):
        console.add(f"  {fmt(day)}  {what:<13} {text}")
    return console.text()


def _contact_text(c: dict) -> str:
    parts = [shown_code(c["kind"]), shown_code(c["channel"])]
    if c["minutes"] is not None:
        parts.append(f"{c['minutes']} min")
    if c["employer"]:
        parts.append(c["employer"])
    text = ", ".join(parts)
    return f"{text}: {c['note']}" if c["note"] else text


def _placement_text(p: dict) -> str:
    parts = [shown_code(p["kind"])]
    if p["employer"]:
        parts.append(p["employer"])
    if p["hours"] is not None:
        parts.append(_("{hours} h/week").format(hours=decimal(p["hours"], None)))
    return ", ".join(parts)


def screening(result, on: date) -> str:
    """A screening's verdict, one line per criterion with its reason, and the next step."""
    verdict = _("Eligible") if result.eligible else _("Not eligible")
    lines = [
        _("{verdict} for IPS Ung (age {age} on {on})").format(
            verdict=verdict, age=result.age, on=rules.format_date(on)
        )
    ]
    for c in result.criteria:
        mark = _("pass") if c.passed else _("FAIL")
        lines.append(f"  {mark:<4}  {shown_code(c.name):<13} {c.reason}")
    if result.next_step:
        lines.append(_("Next step: {step}").format(step=result.next_step))
    return "\n".join(lines)


NO_CASES = {
    "active": N_("No active cases."),
    "waitlisted": N_("No waitlisted cases."),
    "closed": N_("No closed cases."),
    "all": N_("No cases."),
}


def list_page(documents: list[dict], status: str) -> str:
    """`ipsung list`: a row per case."""
    if not documents:
        return translate(NO_CASES[status])
    t = Table(
        _("id"),
        _("name"),
        _("status"),
        _("consultant"),
        _("track"),
        _("enrolled"),
        _("last youth contact"),
    )
    for d in documents:
        t.add_row(
            str(d["id"]),
            d["name"] or _("(anonymised)"),
            shown_code(d["status"]),
            d["consultant"] or "-",
            shown_code(d["track"]),
            rules.format_date(d["enrolled_on"]) or "-",
            rules.format_date(d["last_youth_contact"]) or "-",
        )
    return t.render()
