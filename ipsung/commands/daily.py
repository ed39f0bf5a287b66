"""Commands for daily work: log-contact, due, capacity, placement, aftercare, progress,
close, reassign and edit. Heavy imports stay inside the commands (see cli.py)."""

from typing import Annotated

import typer

from ipsung import vocabulary
from ipsung.commands import completion, words
from ipsung.commands.options import (
    BirthDateOpt,
    CognitionOpt,
    CprOpt,
    DiagnosisOpt,
    GoalOpt,
    JsonOpt,
    MaybeUnderAssessmentOpt,
    MistrivselOpt,
    MotivatedOpt,
    NameOpt,
    ParticipantArg,
    PathwayOpt,
    ReferralDateOpt,
    ReferredByOpt,
    SubstanceOpt,
    TrackOpt,
    ask,
    case_id,
    checked,
    choice,
    echo,
    interactive,
    me,
    my_consultant,
    my_name,
    optional_participant,
    parse_date,
    parse_evidence,
    parse_person,
    participant,
    print_json,
    reading,
    require,
    session,
    today,
    warn,
)
from ipsung.errors import BadInput
from ipsung.i18n import N_, _

app = typer.Typer()

placement_app = typer.Typer(
    cls=words.IpsungSubgroup,
    help=N_(
        "Jobs, internships and education a young person starts. "
        "Example: ipsung placement add 12 --kind ordinary-job --start 01-12-2026"
    ),
    no_args_is_help=True,
)
aftercare_app = typer.Typer(
    cls=words.IpsungSubgroup,
    help=N_("Aftercare (efterværn) periods. Example: ipsung aftercare start 12 --date 01-12-2026"),
    no_args_is_help=True,
)
app.add_typer(placement_app, name="placement")
app.add_typer(aftercare_app, name="aftercare")

DateOpt = Annotated[str, typer.Option("--date", help="Day-first date, or today/yesterday.")]


# --- contacts ---------------------------------------------------------------------------------


@app.command("log-contact")
def log_contact(
    participant: Annotated[
        str | None,
        typer.Argument(
            metavar="PARTICIPANT",
            help="Case id, or a name or the start of one (none for job development with "
            "--employer).",
            autocompletion=completion.cases,
        ),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            help=words.listing(
                N_("Who the contact was with: {choices}."), vocabulary.CONTACT_KINDS
            ),
            autocompletion=completion.choices(vocabulary.CONTACT_KINDS),
        ),
    ] = None,
    on: Annotated[
        str | None, typer.Option("--date", help="Day-first date (default today).")
    ] = None,
    channel: Annotated[
        str | None,
        typer.Option(
            "--channel",
            help=words.listing(
                N_("How: {default} (default), {choices}."),
                vocabulary.CHANNELS[1:],
                default=vocabulary.DEFAULT_CHANNEL,
            ),
            autocompletion=completion.choices(vocabulary.CHANNELS),
        ),
    ] = None,
    minutes: Annotated[int | None, typer.Option("--minutes", help="Length of the contact.")] = None,
    note: Annotated[
        str | None, typer.Option("--note", help="A short note (kept out of exports).")
    ] = None,
    employer: Annotated[
        str | None, typer.Option("--employer", help="Company, for employer contacts.")
    ] = None,
    consultant: Annotated[
        str | None,
        typer.Option(
            "--consultant",
            help="Who made the contact (default: the case's consultant; for an employer "
            "contact, yours: ipsung config set consultant NAME).",
            autocompletion=completion.consultants,
        ),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Log a contact with or about a young person.

    Example: ipsung log-contact emil --kind youth --date 23-11-2026 --minutes 45
    Job development: ipsung log-contact --kind employer --employer 'Bager Nielsen' --consultant 'Mette Holm'
    """
    from ipsung.schemas import ContactRow
    from ipsung.usecases import casework

    kind = choice(kind, vocabulary.CONTACT_KINDS, "--kind", _("Kind of contact"))
    case = optional_participant(participant)
    if case is None and kind != "employer":
        case = require(None, "PARTICIPANT", _("Case (id or name)"), case_id)
    if kind == "employer" and consultant is None:
        consultant = my_consultant()
    if on is None and interactive():
        day = ask(_("Date"), lambda t: parse_date(t, "--date"), "today")
    else:
        day = parse_date(on or "today", "--date")
    channel = choice(
        channel, vocabulary.CHANNELS, "--channel", _("Channel"), vocabulary.DEFAULT_CHANNEL
    )
    if kind == "employer" and employer is None and interactive():
        employer = ask(_("Employer (empty: none)"), str.strip, "") or None
    row = checked(
        ContactRow,
        {
            "participant_id": case,
            "day": day,
            "kind": kind,
            "channel": channel,
            "minutes": minutes,
            "note": note,
            "employer": employer,
            "consultant": consultant,
        },
    )
    with session(write=True) as s:
        contact = casework.log_contact(s, row, today())
    if json_out:
        print_json(
            {
                "id": contact.id,
                "participant_id": contact.participant_id,
                "date": contact.date,
                "kind": contact.kind,
            }
        )
    else:
        typer.echo(_("Logged contact {id}").format(id=contact.id))


# --- due and capacity ----------------------------------------------------------------------------


@app.command()
def due(
    on: Annotated[str, typer.Option("--on", help="Day to look from (default today).")] = "today",
    consultant: Annotated[
        str | None,
        typer.Option(
            "--consultant",
            help="Only this consultant's cases (default: yours, once set with "
            "ipsung config set consultant NAME).",
            autocompletion=completion.consultants,
        ),
    ] = None,
    everyone: Annotated[
        bool, typer.Option("--all", help="The whole team's list, even when yours is set.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """What needs doing now, most overdue first: weekly contact, intake meeting, employer
    contact, placement follow-up, progress rating, period review, waitlist. Your own list
    when you have set who you are (ipsung config set consultant NAME); the team's,
    grouped by consultant, with --all.

    Example: ipsung due --consultant 'Mette Holm'
    """
    from ipsung.render import due as due_view
    from ipsung.reports import due as due_list
    from ipsung.store import names

    if everyone and consultant:
        raise BadInput(_("--all and --consultant exclude each other"))
    day = parse_date(on, "--on")
    with reading() as conn:
        mine = None if everyone or consultant else my_name(conn)
        items = due_list.due_list(conn, day, consultant or mine)
        case_names = names.names_by_id(conn)
        if consultant:  # as the database spells it, for the heading
            folded = names.fold(consultant)
            consultant = next(
                (n for n in names.consultant_names(conn) if names.fold(n) == folded), consultant
            )
    if json_out:
        print_json(due_view.documents(items, case_names))
        return
    whose = consultant or mine
    echo(due_view.page(items, day, case_names, whose=whose, own=None if whose else _own_name()))


def _own_name() -> str | None:
    """The configured consultant, to put their group first in the team's list; here a
    name the database does not know, or a broken settings file, only loses that order."""
    try:
        setting = me()
    except BadInput:
        return None
    return setting.value if setting else None


@app.command()
def capacity(
    on: Annotated[str, typer.Option("--on", help="Day to count on (default today).")] = "today",
    json_out: JsonOpt = False,
) -> None:
    """Who has room: open cases, max, free places and state per consultant, the team and the
    waitlist. Example: ipsung capacity --json"""
    from ipsung.render import team
    from ipsung.reports import capacity as team_capacity

    day = parse_date(on, "--on")
    with reading() as conn:
        document = team_capacity.capacity(conn, day)
    if json_out:
        print_json(document)
    else:
        echo(team.capacity_page(document))


# --- placements, aftercare, progress ----------------------------------------------------------


@placement_app.command("add")
def placement_add(
    case: ParticipantArg,
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help=words.listing(N_("What was started: {choices}."), vocabulary.PLACEMENT_KINDS),
            autocompletion=completion.choices(vocabulary.PLACEMENT_KINDS),
        ),
    ],
    start: Annotated[str, typer.Option("--start", help="Day-first date.")],
    hours: Annotated[float | None, typer.Option("--hours", help="Hours per week.")] = None,
    employer: Annotated[
        str | None, typer.Option("--employer", help="Employer or institution.")
    ] = None,
    job_type: Annotated[
        str | None,
        typer.Option(
            "--job-type",
            metavar="0-9",
            help=N_(
                "For a job: its DISCO-08 major group, e.g. 5 service and sales, 7 crafts and "
                "trades, 9 elementary occupations (the fidelity review's diversity of jobs)."
            ),
        ),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Register a job, internship or education the young person started.

    Example: ipsung placement add emil --kind ordinary-job --start 01-11-2026 --hours 12 --employer 'Bager Nielsen'
    """
    from ipsung import rules
    from ipsung.schemas import PlacementRow
    from ipsung.usecases import casework

    row = checked(
        PlacementRow,
        {
            "participant_id": participant(case),
            "kind": vocabulary.parse_choice(kind, vocabulary.PLACEMENT_KINDS, "--kind"),
            "start": parse_date(start, "--start"),
            "hours": hours,
            "employer": employer,
            "job_type": job_type,
        },
    )
    with session(write=True) as s:
        p = casework.add_placement(s, row, today())
        age = rules.age_on(p.participant.birth_date, p.start)
    if rules.too_many_hours(p.hours, age):
        warn(
            _(
                "{hours:g} hours a week for a {age}-year-old: under 18, at most {most} a week"
            ).format(hours=p.hours, age=age, most=rules.YOUTH_MAX_HOURS)
        )
    if json_out:
        print_json(
            {"id": p.id, "participant_id": p.participant_id, "kind": p.kind, "start": p.start}
        )
    else:
        typer.echo(_("Added placement {id}").format(id=p.id))


@placement_app.command("end")
def placement_end(
    placement_id: Annotated[int, typer.Argument(help="Placement id (see ipsung show).")],
    on: Annotated[str, typer.Option("--date", help="Day-first date.")],
    reason: Annotated[str | None, typer.Option("--reason", help="Why it ended.")] = None,
) -> None:
    """End a placement. Example: ipsung placement end 3 --date 20-11-2026 --reason 'Fik fast job'"""
    from ipsung.usecases import casework

    day = parse_date(on, "--date")
    with session(write=True) as s:
        p = casework.end_placement(s, placement_id, day, today(), reason)
    typer.echo(_("Placement {id} ended").format(id=p.id))


@aftercare_app.command("start")
def aftercare_start(
    case: ParticipantArg,
    on: DateOpt = "today",
    contact_every: Annotated[
        int,
        typer.Option(
            "--contact-every",
            metavar="DAYS",
            help="The contact interval agreed for this aftercare, in days (the due list follows it).",
        ),
    ] = 7,
) -> None:
    """Start a period of aftercare (efterværn), with the contact interval agreed with the
    young person. Example: ipsung aftercare start emil --date 01-12-2026 --contact-every 14"""
    from ipsung.usecases import casework

    day = parse_date(on, "--date")
    case_id = participant(case)
    with session(write=True) as s:
        casework.start_aftercare(s, case_id, day, today(), contact_every)
    typer.echo(_("Aftercare started for case {id}").format(id=case_id))


@aftercare_app.command("end")
def aftercare_end(case: ParticipantArg, on: DateOpt = "today") -> None:
    """End the current aftercare period. Example: ipsung aftercare end 12 --date 01-03-2027"""
    from ipsung.usecases import casework

    day = parse_date(on, "--date")
    case_id = participant(case)
    with session(write=True) as s:
        casework.end_aftercare(s, case_id, day, today())
    typer.echo(_("Aftercare ended for case {id}").format(id=case_id))


@app.command()
def progress(
    case: ParticipantArg,
    outlook: Annotated[int, typer.Option("--outlook", help="Udsyn, 1-5.")],
    insight: Annotated[int, typer.Option("--insight", help="Indsigt, 1-5.")],
    skills: Annotated[int, typer.Option("--skills", help="Kompetencer, 1-5.")],
    on: DateOpt = "today",
) -> None:
    """Record the young person's own rating on Ungegarantien's three dimensions.

    Example: ipsung progress sara --outlook 3 --insight 4 --skills 2
    """
    from ipsung.schemas import RatingRow
    from ipsung.usecases import casework

    day = parse_date(on, "--date")
    case_id = participant(case)
    row = checked(
        RatingRow,
        {
            "participant_id": case_id,
            "day": day,
            "outlook": outlook,
            "insight": insight,
            "skills": skills,
        },
    )
    with session(write=True) as s:
        casework.rate_progress(s, row, today())
    typer.echo(_("Rating recorded for case {id}").format(id=case_id))


@app.command()
def review(
    case: ParticipantArg,
    on: DateOpt = "today",
    note: Annotated[str | None, typer.Option("--note", help="A short note.")] = None,
) -> None:
    """Record the review of a 26-week period (statusmøde): it clears that period's task on
    the due list. Example: ipsung review emil --date 20-11-2026"""
    from ipsung.usecases import casework

    day = parse_date(on, "--date")
    case_id = participant(case)
    with session(write=True) as s:
        period = casework.record_review(s, case_id, day, today(), note)
    typer.echo(
        _("Review of 26-week period {n} recorded for case {id}").format(n=period, id=case_id)
    )


# --- close, reassign, edit -------------------------------------------------------------------


@app.command()
def close(
    case: ParticipantArg,
    on: DateOpt = "today",
    reason: Annotated[
        str | None,
        typer.Option(
            "--reason",
            help=words.listing(N_("Why the case closes: {choices}."), vocabulary.CLOSE_REASONS),
            autocompletion=completion.choices(vocabulary.CLOSE_REASONS),
        ),
    ] = None,
) -> None:
    """Close a case. Warns when no closing three-party contact was logged.

    Example: ipsung close 12 --date 20-11-2026 --reason goal-reached
    """
    from ipsung import rules
    from ipsung.usecases import casework

    reason = choice(reason, vocabulary.CLOSE_REASONS, "--reason", _("Reason"))
    day = parse_date(on, "--date")
    case_id = participant(case)
    with session(write=True) as s:
        closed, had_closing_contact = casework.close_case(s, case_id, day, reason, today())
    typer.echo(
        _("Case {id} closed on {day} ({reason})").format(
            id=closed.id, day=rules.format_date(day), reason=reason
        )
    )
    if not had_closing_contact:
        warn(
            _("no closing three-party contact was logged in the {n} days before closing").format(
                n=rules.CLOSING_CONTACT_WINDOW_DAYS
            )
        )


@app.command()
def reassign(
    case: ParticipantArg,
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="The consultant who takes the case.",
            autocompletion=completion.consultants,
        ),
    ],
) -> None:
    """Give a case to another consultant (capacity rules apply); takes a waitlisted case off
    the waitlist, enrolled today. Example: ipsung reassign 12 --to 'Jonas Berg'"""
    from ipsung import rules
    from ipsung.usecases import casework

    case_id = participant(case)
    with session(write=True) as s:
        moved, was_waitlisted = casework.reassign(s, case_id, to, today())
        name = moved.consultant.name
    if was_waitlisted:
        typer.echo(
            _("Case {id} taken off the waitlist: {name}, enrolled {day}").format(
                id=moved.id, name=name, day=rules.format_date(moved.enrolled_on)
            )
        )
        age = rules.age_on(moved.birth_date, moved.enrolled_on)
        if age >= rules.ADULT_AGE:
            warn(
                _(
                    "case {id} is {age} on the day of enrolment; IPS Ung is for 15-17-year-olds "
                    "(the adult IPS effort may fit better)"
                ).format(id=moved.id, age=age)
            )
    else:
        typer.echo(_("Case {id} is now with {name}").format(id=moved.id, name=name))


@app.command()
def edit(
    case: ParticipantArg,
    name: NameOpt = None,
    birth_date: BirthDateOpt = None,
    cpr: CprOpt = None,
    referral_date: ReferralDateOpt = None,
    referred_by: ReferredByOpt = None,
    diagnosis: DiagnosisOpt = None,
    under_assessment: MaybeUnderAssessmentOpt = None,
    mistrivsel: MistrivselOpt = None,
    substance: SubstanceOpt = None,
    motivated: MotivatedOpt = None,
    normal_cognition: CognitionOpt = None,
    goal: GoalOpt = None,
    pathway: PathwayOpt = None,
    track: TrackOpt = None,
    override: Annotated[
        str | None, typer.Option("--override", help="Reason to keep a case that fails screening.")
    ] = None,
) -> None:
    """Correct a case's fields, with the same checks as intake. --diagnosis and
    --mistrivsel replace the lists (pass --diagnosis '' to clear). A track chosen with
    --track is kept; otherwise it follows the diagnoses.

    Example: ipsung edit 12 --birth-date 14-03-2010 --diagnosis F90.0
    """
    from ipsung.usecases import casework

    changes: dict = {}
    if name is not None:
        changes["name"] = " ".join(name.split())
        if not changes["name"]:
            raise BadInput(_("a name is required"), "--name")
    if birth_date is not None or cpr is not None:
        changes["birth_date"], digits = parse_person(birth_date, cpr)
        if cpr is not None:
            changes["cpr"] = digits
    if referral_date is not None:
        changes["referral_date"] = parse_date(referral_date, "--referral-date")
    if referred_by is not None:
        changes["referred_by"] = vocabulary.parse_referral_source(referred_by)
    diagnoses, signs = parse_evidence(diagnosis, mistrivsel, empty_clears=True)
    if diagnosis is not None:
        changes["diagnoses"] = diagnoses
    if mistrivsel is not None:
        changes["mistrivsel"] = signs
    if under_assessment is not None:
        changes["under_assessment"] = under_assessment
    if substance is not None:
        changes["substance"] = vocabulary.parse_substance(substance)
    if motivated is not None:
        changes["motivated"] = motivated
    if normal_cognition is not None:
        changes["normal_cognition"] = normal_cognition
    if goal is not None:
        changes["goal"] = goal.strip() or None
    if pathway is not None:
        changes["pathway"] = (
            vocabulary.parse_choice(pathway, vocabulary.PATHWAYS, "--pathway")
            if pathway.strip()
            else None
        )
    if track is not None:
        changes["track"] = vocabulary.parse_choice(track, vocabulary.TRACKS, "--track")
    if not changes and not override:
        raise BadInput(_("nothing to change: give at least one field, e.g. --goal 'Blive frisør'"))
    case_id = participant(case)
    with session(write=True) as s:
        changed = casework.edit_case(s, case_id, changes, today(), override)
    typer.echo(_("Case {id} corrected: {fields}").format(id=case_id, fields=", ".join(changed)))
