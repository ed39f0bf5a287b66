"""The audit log for people (SPEC §10)."""

from ipsung.i18n import _
from ipsung.render.text import Table


def audit_page(rows: list[dict]) -> str:
    if not rows:
        return _("The audit log is empty.")
    t = Table(_("time (UTC)"), _("user"), _("command"), _("case"), _("change"))
    for r in rows:
        t.add_row(r["at"], r["os_user"], r["command"], str(r["participant_id"] or "-"), r["change"])
    return t.render()
