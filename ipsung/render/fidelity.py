"""The fidelity review for people: every IPS-25 item with its score and where it came from,
the total and its band, or what is still missing (SPEC §8a)."""

from ipsung.i18n import _, decimal
from ipsung.render.text import Page, Table
from ipsung.rules import format_date


def _number(value) -> str:
    if value is None:
        return "-"
    return decimal(value, None) if isinstance(value, float) else str(value)


def _source(item: dict) -> str:
    if item["source"] == "review":
        return _("scored at the review")
    if item["source"] == "data":
        return _("data")
    return _("missing")


def _band(name: str) -> str:
    return {
        "exemplary": _("exemplary fidelity (115-125)"),
        "good": _("good fidelity (100-114)"),
        "fair": _("fair fidelity (74-99)"),
        "not-ips": _("not IPS (73 or less)"),
    }[name]


def page(d: dict) -> str:
    out = Page()
    out.add(
        _("IPS-25 fidelity, {year} (data read on {day})").format(
            year=d["year"], day=format_date(d["on"])
        ),
        style="bold",
    )
    t = Table("#", _("item"), _("score"), _("from"), _("figure"))
    for n, item in enumerate(d["items"], start=1):
        figure = _number(item["figure"]) if item["from_data"] else ""
        t.add_row(str(n), item["name"], _number(item["score"]), _source(item), figure)
    out.add(t)
    out.add()
    if d["total"] is not None:
        out.add(
            _("Total {total} of 125: {band}").format(total=d["total"], band=_band(d["band"])),
            style="bold",
        )
    else:
        low, high = d["reachable"]
        out.add(
            _("{n} item(s) not scored yet; the total can still reach {low}-{high}").format(
                n=len(d["missing"]), low=low, high=high
            ),
            style="bold",
        )
        out.add(_("Missing: {ids}").format(ids=", ".join(d["missing"])))
        out.add(
            _("Score them: ipsung fidelity score ITEM SCORE --year {year}").format(year=d["year"])
        )
    out.add()
    out.add(_("Read from the data:"))
    for item in d["items"]:
        if item["from_data"]:
            out.add(f"  {item['id']}: {item['definition']}")
            if item["source"] == "review":
                out.add(
                    "    " + _("overridden in the review: {note}").format(note=item["review_note"])
                )
    return out.text()


def items_page(items: list[dict]) -> str:
    t = Table("#", _("id"), _("item"), _("from the data"))
    for n, item in enumerate(items, start=1):
        t.add_row(str(n), item["id"], item["name"], _("yes") if item["from_data"] else _("no"))
    return t.render()
