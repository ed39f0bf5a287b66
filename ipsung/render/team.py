"""The team for people: capacity (SPEC §7) and the list of consultants (SPEC §4)."""

from ipsung.i18n import _
from ipsung.render.text import Cell, Page, Table
from ipsung.vocabulary import shown_code

STATE_STYLE = {"over": "red", "full": "yellow", "in-band": "green", "below-band": None}


def capacity_page(document: dict) -> str:
    out = Page()
    if not document["consultants"]:
        out.add(_("No consultants yet. Add one: ipsung consultant add NAME"))
    else:
        t = Table(
            _("consultant"), _("open"), _("max"), _("free"), _("state"), _("overdue contacts")
        )
        for c in document["consultants"]:
            state = shown_code(c["state"])
            state = state.upper() if c["state"] in ("over", "full") else state
            t.add_row(
                c["name"],
                str(c["open_cases"]),
                str(c["max_caseload"]),
                str(c["free"]),
                Cell(state, STATE_STYLE[c["state"]]),
                str(c["overdue_contacts"]),
            )
        out.add(t)
    team = document["team"]
    out.add(
        _("Team: {open} open of {max}, {free} free; waitlist: {w}").format(
            open=team["open_cases"],
            max=team["max_caseload"],
            free=team["free"],
            w=document["waitlist"],
        )
    )
    return out.text()


def consultants_page(rows: list[dict]) -> str:
    if not rows:
        return _("No consultants yet. Add one: ipsung consultant add NAME")
    t = Table(_("id"), _("name"), _("open"), _("max"), _("active"))
    for r in rows:
        t.add_row(
            str(r["id"]),
            r["name"],
            str(r["open_cases"]),
            str(r["max_caseload"]),
            _("yes") if r["active"] else _("no"),
        )
    return t.render()
