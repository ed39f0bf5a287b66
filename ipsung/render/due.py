"""The due list for people and for scripts: each item said in a sentence (SPEC §6)."""

from datetime import date

from ipsung.due_rules import WEEKLY_CONTACT_DAYS
from ipsung.i18n import _
from ipsung.render.text import Table
from ipsung.rules import format_date


def detail(item) -> str:
    """What a due item is about, from its facts (see due_rules.DueItem)."""
    facts = item.facts
    if item.reason == "weekly-contact":
        contacted, last, quiet, every = facts
        what = _("last youth contact") if contacted else _("no youth contact since enrolment")
        text = _("{what} {day} ({n} days ago)").format(what=what, day=format_date(last), n=quiet)
        if every != WEEKLY_CONTACT_DAYS:
            text += " " + _("(aftercare: contact agreed every {n} days)").format(n=every)
        return text
    if item.reason == "intake-meeting":
        return _("no three-party meeting since enrolment {day}").format(day=format_date(facts[0]))
    if item.reason == "employer-contact":
        return _("no employer contact since enrolment {day}").format(day=format_date(facts[0]))
    if item.reason == "placement-follow-up":
        kind, start = facts
        return _("{kind} started {day}, no contact since").format(kind=kind, day=format_date(start))
    if item.reason == "progress-rating":
        rated, day = facts
        what = _("last rating") if rated else _("no rating since enrolment")
        return _("{what} {day}").format(what=what, day=format_date(day))
    if item.reason == "period-review":
        number, end, ended = facts
        if ended:
            return _("26-week period {n} ended {day}; no review recorded (ipsung review)").format(
                n=number, day=format_date(end)
            )
        return _("26-week period {n} ends {day}").format(n=number, day=format_date(end))
    referred, free = facts  # waitlist
    return _("waitlisted since {day}; {n} free place(s) in the team").format(
        day=format_date(referred), n=free
    )


def documents(items) -> list[dict]:
    """`due --json`: the list of SPEC §6."""
    return [
        {
            "participant_id": i.participant_id,
            "consultant": i.consultant,
            "reason": i.reason,
            "since": i.since,
            "detail": detail(i),
        }
        for i in items
    ]


def page(items, day: date) -> str:
    if not items:
        return _("Nothing is due on {day}.").format(day=format_date(day))
    t = Table(_("since"), _("case"), _("consultant"), _("reason"), _("detail"))
    for i in items:
        t.add_row(
            format_date(i.since), str(i.participant_id), i.consultant or "-", i.reason, detail(i)
        )
    return t.render()
