"""Outcomes and fidelity indicators (SPEC §8, §8a). Heavy imports stay inside the commands
(see cli.py)."""

from typing import Annotated

import typer

from ipsung import vocabulary
from ipsung.commands import completion, words
from ipsung.commands.options import (
    JsonOpt,
    echo,
    parse_date,
    print_json,
    reading,
    session,
    today,
)
from ipsung.i18n import N_, _

app = typer.Typer()

FromOpt = Annotated[str | None, typer.Option("--from", help="First enrolment day of the cohort.")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last enrolment day of the cohort.")]


@app.command()
def outcomes(
    from_: FromOpt = None,
    to: ToOpt = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help=words.listing(N_("Break down by {choices}."), vocabulary.GROUPINGS),
            autocompletion=completion.choices(vocabulary.GROUPINGS),
        ),
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


fidelity_app = typer.Typer(
    cls=words.IpsungSubgroup,
    help=N_(
        "The yearly fidelity review on the IPS-25: every item scored, from the data or by "
        "the reviewers, the total and its band. Example: ipsung fidelity --year 2026"
    ),
    invoke_without_command=True,
)
app.add_typer(fidelity_app, name="fidelity")

YearOpt = Annotated[
    int | None, typer.Option("--year", help="The review's year (default: this year).")
]


def _year(year: int | None) -> int:
    from ipsung.errors import BadInput

    this_year = today().year
    if year is None:
        return this_year
    if not 1900 <= year <= this_year:
        raise BadInput(
            _("{year} is not a year that has begun; give one up to {this}").format(
                year=year, this=this_year
            ),
            "--year",
        )
    return year


@fidelity_app.callback()
def fidelity(
    ctx: typer.Context,
    year: YearOpt = None,
    on: Annotated[
        str | None,
        typer.Option(
            "--on", help="Day to read the data on (default: 31 December of a past year, or today)."
        ),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Every IPS-25 item with its score and where it came from: read from the data (caseload
    size, rapid job search, job development, diversity of jobs and employers, competitive
    jobs, follow-along supports) or recorded from the review; the total and its band once
    all 25 are scored, otherwise what is missing.

    Example: ipsung fidelity --year 2026 --json
    """
    if ctx.invoked_subcommand is not None:
        return
    from ipsung.render import fidelity as fidelity_view
    from ipsung.reports import fidelity as scale_review

    chosen = _year(year)
    day = parse_date(on, "--on") if on else scale_review.measured_on(chosen, today())
    with reading() as conn:
        document = scale_review.fidelity(conn, chosen, day)
    if json_out:
        print_json(document)
    else:
        echo(fidelity_view.page(document))


@fidelity_app.command("items")
def fidelity_items(json_out: JsonOpt = False) -> None:
    """The 25 items of the IPS-25, each with its id and whether the data can read it.

    Example: ipsung fidelity items --json
    """
    from ipsung import fidelity_scale as scale
    from ipsung.render import fidelity as fidelity_view

    items = [{"id": i.id, "name": i.name, "from_data": i.from_data} for i in scale.items()]
    if json_out:
        print_json({"items": items})
    else:
        echo(fidelity_view.items_page(items))


# ignore_unknown_options: a negative SCORE reaches our own check instead of being read
# as an unknown option.
@fidelity_app.command("score", context_settings={"ignore_unknown_options": True})
def fidelity_score(
    item: Annotated[str, typer.Argument(help="The item's id (see: ipsung fidelity items).")],
    score: Annotated[int, typer.Argument(help="The reviewers' score, 1-5.")],
    year: YearOpt = None,
    note: Annotated[
        str | None,
        typer.Option("--note", help="Why (required to override an item read from the data)."),
    ] = None,
) -> None:
    """Record the reviewers' score of one item for a year; recording again replaces it.

    Example: ipsung fidelity score zero-exclusion 4 --year 2026
    """
    from ipsung.usecases import fidelity as review

    chosen = _year(year)
    review.checked(item, score, note)  # a refusal opens (and creates) nothing
    with session(write=True) as s:
        found, old = review.record_score(s, item, score, chosen, note)
    if old is None:
        message = _("{item}: {score} recorded for {year}")
    else:
        message = _("{item}: {score} recorded for {year} (was {old})")
    typer.echo(message.format(item=found.id, score=score, year=chosen, old=old))


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
