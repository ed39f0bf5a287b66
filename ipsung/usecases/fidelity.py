"""Recording a fidelity reviewer's score of an IPS-25 item for a year (SPEC §8a), audited.

Scores are the reviewers' (a 1-5 per item); a data-read item may be overridden this way
only with a note saying why. Recording again replaces the year's score. The audit row
names the item, year and scores, never the note (free text stays out of the log).
"""

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from ipsung import fidelity_scale as scale
from ipsung.errors import BadInput
from ipsung.i18n import _
from ipsung.store import audit
from ipsung.store.tables import fidelity_scores


def parse_item(text: str) -> scale.Item:
    wanted = text.strip().lower()
    item = next((i for i in scale.items() if i.id == wanted), None)
    if item is None:
        raise BadInput(
            _("'{value}' is not an item of the IPS-25; see: ipsung fidelity items").format(
                value=text.strip()[:40]
            ),
            "ITEM",
        )
    return item


def parse_score(score: int) -> int:
    if not scale.LOWEST <= score <= scale.HIGHEST:
        raise BadInput(_("a score is a whole number from 1 to 5, not {n}").format(n=score), "SCORE")
    return score


def checked(item_text: str, score: int, note: str | None) -> tuple[scale.Item, str | None]:
    """The item and the note of a score a reviewer typed, checked before anything opens."""
    item = parse_item(item_text)
    parse_score(score)
    note = " ".join(note.split()) if note else None
    if item.from_data and not note:
        raise BadInput(
            _("{item} is read from the data; to override it, say why with --note").format(
                item=item.id
            ),
            "--note",
        )
    return item, note


def record_score(
    session: Session, item_text: str, score: int, year: int, note: str | None
) -> tuple[scale.Item, int | None]:
    """Store the year's score of the item; returns the item and the score it replaced."""
    item, note = checked(item_text, score, note)
    f = fidelity_scores.c
    old = session.scalar(select(f.score).where(f.year == year, f.item == item.id))
    session.execute(delete(fidelity_scores).where(f.year == year, f.item == item.id))
    session.execute(insert(fidelity_scores).values(year=year, item=item.id, score=score, note=note))
    change = f"item={item.id} year={year} score={score}"
    if old is not None:
        change += f" replaced={old}"
    audit.record(session, "fidelity score", None, change)
    return item, old
