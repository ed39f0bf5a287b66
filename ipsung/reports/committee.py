"""The committee report (SPEC §8b): capacity, outcomes, progress and the latest complete
fidelity review on one HTML page, written owner-only and never half-written. No names;
small counts hidden (see render/report_html.py)."""

from datetime import date
from pathlib import Path

from sqlalchemy.engine import Connection

from ipsung.render import report_html
from ipsung.reports import capacity, fidelity, measures, outcomes
from ipsung.store import safe_files


def write_report(
    conn: Connection, out: Path, today: date, start: date | None, end: date | None
) -> Path:
    """Gather the figures, draw the page, write it to `out`; returns the path written."""
    cases = outcomes.gather(conn, start, end, today)
    team = capacity.capacity(conn, today)
    document = outcomes.summarise(cases, today, start, end, quarterly=True)
    review = fidelity.latest_complete(conn, today)
    page = report_html.render(team, document, measures.progress_means(cases), today, review)
    return safe_files.write_text(out, page, "--out")
