"""The due list for people and for scripts: each item said in a sentence (SPEC §6)."""

from datetime import date

from ipsung.due_rules import WEEKLY_CONTACT_DAYS
from ipsung.i18n import _, ngettext, speaking
from ipsung.render.text import Page, Table
from ipsung.rules import format_date
from ipsung.vocabulary import shown_code


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
        return _("{kind} started {day}, no contact since").format(
            kind=shown_code(kind), day=format_date(start)
        )
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


def documents(items, names: dict[int, str | None]) -> list[dict]:
    """`due --json`: the list of SPEC §6, with each case's name (the consultant's own tool;
    never its CPR number)."""
    return [
        {
            "participant_id": i.participant_id,
            "name": names.get(i.participant_id),
            "consultant": i.consultant,
            "reason": i.reason,
            "since": i.since,
            "detail": english_detail(i),
        }
        for i in items
    ]


def english_detail(item) -> str:
    with speaking("en"):  # JSON is the same in every language
        return detail(item)


OVERDUE_DAYS = 7  # "overdue more than a week" in the summary line


def summary(items, day: date) -> str:
    """`7 tasks, 3 overdue more than a week`."""
    late = sum(1 for i in items if (day - i.since).days > OVERDUE_DAYS)
    tasks = ngettext("{n} task", "{n} tasks", len(items)).format(n=len(items))
    return _("{tasks}, {late} overdue more than a week").format(tasks=tasks, late=late)


def page(
    items, day: date, names: dict[int, str | None], whose: str | None = None, own: str | None = None
) -> str:
    """The due list for people: name and case id side by side, the most overdue first,
    and a one-line summary. One consultant's list (`whose`) is one table under their
    name; the team's is grouped by consultant (`own` first, when known), the waitlist
    last."""
    if whose:
        heading = _("Due for {name} on {day}").format(name=whose, day=format_date(day))
    else:
        heading = _("Due for the team on {day}").format(day=format_date(day))
    if not items:
        if whose:
            return _("Nothing is due for {name} on {day}.").format(name=whose, day=format_date(day))
        return _("Nothing is due on {day}.").format(day=format_date(day))
    groups: dict[str | None, list] = {}
    for i in items:  # already most overdue first; a group keeps that order
        groups.setdefault(i.consultant, []).append(i)
    own_key = own.casefold() if own else None
    order = sorted(
        groups,
        key=lambda c: (c is None, c is None or c.casefold() != own_key, (c or "").casefold()),
    )
    t = Table(_("since"), _("case"), _("name"), _("reason"), _("detail"))
    for consultant in order:
        for i in groups[consultant]:
            name = names.get(i.participant_id)
            t.add_row(
                format_date(i.since),
                str(i.participant_id),
                name or _("(anonymised)"),
                shown_code(i.reason),
                detail(i),
            )
    # One table, so that the columns line up across the groups; its header repeated
    # under each consultant's name.
    header, *rows = t.render().split("\n")
    out = Page()
    out.add(heading, style="bold")
    start = 0
    for consultant in order:
        n = len(groups[consultant])
        if not whose:
            out.add()
            label = consultant if consultant is not None else _("Waitlist")
            out.add(_("{group} ({n})").format(group=label, n=n), style="bold")
        out.add(header)
        for line in rows[start : start + n]:
            out.add(line)
        start += n
    out.add()
    out.add(summary(items, day))
    return out.text()
