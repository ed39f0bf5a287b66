"""Outcomes and fidelity indicators (SPEC §8, §8a). Heavy imports stay inside the commands
(see cli.py)."""

from typing import Annotated

import typer

from ipsung.commands.options import (
    JsonOpt,
    echo,
    parse_date,
    print_json,
    reading,
    today,
)
from ipsung.i18n import _

app = typer.Typer()

FromOpt = Annotated[str | None, typer.Option("--from", help="First enrolment day of the cohort.")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last enrolment day of the cohort.")]


@app.command()
def outcomes(
    from_: FromOpt = None,
    to: ToOpt = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help="Break down by consultant, referred-by, pathway or track."),
    ] = None,
    quarterly: Annotated[
        bool,
        typer.Option(
            "--quarterly",
            help="Add, per quarter, the share in a job (read against the IPS bands) and the "
            "share in a job or education (against the target).",
        ),
    ] = False,
    min_followup: Annotated[
        int | None,
        typer.Option(
            "--min-followup",
            metavar="MONTHS",
            help="Keep only cases enrolled at least MONTHS calendar months ago (1-1200), or "
            "closed; the evidence for IPS is at 18 months.",
        ),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """The outcome figures the effort is judged by, with their definitions: the share who
    started a job or education against the 50 % target, retention, rapid job search,
    weekly contact, progress and aftercare.

    Example: ipsung outcomes --from 01-01-2026 --to 31-12-2026 --by pathway --quarterly
    --min-followup 18
    """
    from ipsung.render import outcomes as outcome_view
    from ipsung.reports import outcomes as figures

    start = parse_date(from_, "--from") if from_ else None
    end = parse_date(to, "--to") if to else None
    with reading() as conn:
        document = figures.outcomes(conn, today(), start, end, by, quarterly, min_followup)
    if json_out:
        print_json(document)
    else:
        echo(outcome_view.outcomes_page(document))


@app.command()
def fidelity(
    on: Annotated[str, typer.Option("--on", help="Day to read the indicators on.")] = "today",
    json_out: JsonOpt = False,
) -> None:
    """The IPS-25 fidelity items the data can answer, each with its figure, its 1-5 score by
    the scale's anchors and the data behind it, and the items that need a human review.

    Example: ipsung fidelity --json
    """
    from ipsung.render import outcomes as outcome_view
    from ipsung.reports import fidelity as indicators

    day = parse_date(on, "--on")
    with reading() as conn:
        document = indicators.fidelity(conn, day)
    if json_out:
        print_json(document)
    else:
        echo(outcome_view.fidelity_page(document))


@app.command()
def report(
    out: Annotated[str, typer.Option("--out", help="The HTML file to write.")],
    from_: FromOpt = None,
    to: ToOpt = None,
) -> None:
    """One self-contained HTML page for the committee: capacity, the outcome share against
    the target, the quarterly rate, outcomes by kind and progress, as charts. No names;
    counts below 5 are hidden.

    Example: ipsung report --out udvalg-2026.html --from 01-01-2026
    """
    from pathlib import Path

    from ipsung.errors import BadInput
    from ipsung.reports import committee

    start = parse_date(from_, "--from") if from_ else None
    end = parse_date(to, "--to") if to else None
    if start and end and start > end:
        raise BadInput(_("--from lies after --to"))
    with reading() as conn:
        path = committee.write_report(conn, Path(out), today(), start, end)
    typer.echo(_("Wrote {path}").format(path=path))
