"""Commands for the database, screening, consultants and cases: info, screen, consultant
add|list|set-max|deactivate, intake, list and show. Heavy imports stay inside the commands (see cli.py)."""

from datetime import date
from typing import Annotated

import typer

from ipsung import i18n, vocabulary
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
    UnderAssessmentOpt,
    ask,
    checked,
    echo,
    in_use,
    interactive,
    location,
    me,
    my_consultant,
    my_name,
    parse_date,
    parse_evidence,
    parse_person,
    parse_yes_no,
    participant,
    print_json,
    reading,
    require,
    session,
    stdout_is_terminal,
    today,
    warn,
)
from ipsung.errors import BadInput, NotEligible
from ipsung.i18n import N_, _

app = typer.Typer()
consultant_app = typer.Typer(
    cls=words.IpsungSubgroup,
    help=N_("Add and manage IPS consultants. Example: ipsung consultant add 'Mette Holm'"),
    no_args_is_help=True,
)
app.add_typer(consultant_app, name="consultant")

# --- info -------------------------------------------------------------------------------------


LANGUAGE_NAMES = {"da": N_("Danish"), "en": N_("English")}


@app.command()
def info(json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Show the language in use and why, the database in use (a file, or a team database on
    PostgreSQL with its password masked), where that choice came from, its schema version
    and row counts.
    Example: ipsung --db ./team.db info"""
    from ipsung.store import db

    loc = location()
    language, source = i18n.active()
    document = {**db.describe(loc), "language": {"code": language, "source": source}}
    in_use(write=False)  # a missing file is said so
    if json_out:
        print_json(document)
        return
    typer.echo(
        _("Language: {language} (chosen by {source})").format(
            language=i18n.translate(LANGUAGE_NAMES[language]),
            source=_("the default") if source == "default" else source,
        )
    )
    typer.echo(_("Database: {path}").format(path=document["database"]))
    typer.echo(_("Backend: {backend}").format(backend=document["backend"]))
    typer.echo(_("Chosen by: {source}").format(source=document["source"]))
    if not document["exists"]:
        typer.echo(_("Not created yet: the first write creates it."))
        return
    if loc.is_server:
        typer.echo(_("Database user: {user}").format(user=document["db_user"]))
        typer.echo(_("Pseudonym key: {path}").format(path=document["key_file"]))
    version = document["schema_version"] or _("none yet (the first command makes the tables)")
    typer.echo(_("Schema version: {v}").format(v=version))
    for name, count in document["rows"].items():
        typer.echo(f"  {name:<18} {count}")


@app.command()
def screen(
    birth_date: Annotated[str | None, typer.Option("--birth-date", help="Day-first date.")] = None,
    cpr: Annotated[str | None, typer.Option("--cpr", help="DDMMYY-SSSS.")] = None,
    on: Annotated[
        str, typer.Option("--on", help="Referral date the age is measured on.")
    ] = "today",
    diagnosis: DiagnosisOpt = None,
    under_assessment: UnderAssessmentOpt = False,
    mistrivsel: MistrivselOpt = None,
    substance: SubstanceOpt = None,
    motivated: MotivatedOpt = None,
    normal_cognition: CognitionOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Check the five criteria of IPS Ung without storing anything. Exit 0 eligible,
    1 not eligible.

    Example: ipsung screen --birth-date 14-03-2010 --diagnosis F90.0 --substance A
    --motivated --normal-cognition
    """
    from ipsung import rules
    from ipsung.render import cases as case_view

    birth, _cpr = parse_person(birth_date, cpr)
    on_date = parse_date(on, "--on")
    diagnoses, signs = parse_evidence(diagnosis, mistrivsel)
    if substance is None:
        raise BadInput(_("missing --substance (A, B, C, D or E)"))
    if motivated is None:
        raise BadInput(_("missing --motivated or --not-motivated"))
    if normal_cognition is None:
        raise BadInput(_("missing --normal-cognition or --reduced-cognition"))
    screening = rules.screen(
        rules.ScreeningInput(
            birth_date=birth,
            on=on_date,
            substance=vocabulary.parse_substance(substance),
            motivated=motivated,
            normal_cognition=normal_cognition,
            diagnoses=diagnoses,
            under_assessment=under_assessment,
            mistrivsel=signs,
        )
    )
    if json_out:
        print_json(screening.as_dict())
    else:
        echo(case_view.screening(screening, on_date))
    raise typer.Exit(0 if screening.eligible else 1)


# --- consultants ------------------------------------------------------------------------------


@consultant_app.command("add")
def consultant_add(
    name: Annotated[str, typer.Argument(help="The consultant's name.")],
    max_caseload: Annotated[
        int, typer.Option("--max-caseload", help="Most open cases (new to IPS: start about 5).")
    ] = 17,
    json_out: JsonOpt = False,
) -> None:
    """Add a consultant. Example: ipsung consultant add 'Mette Holm' --max-caseload 5"""
    from ipsung.usecases import consultants

    with session(write=True) as s:
        c = consultants.add(s, name, max_caseload)
    _warn_above_band(c.name, c.max_caseload)
    if json_out:
        print_json({"id": c.id, "name": c.name, "max_caseload": c.max_caseload})
    else:
        typer.echo(
            _("Added consultant {id}: {name} (max {max})").format(
                id=c.id, name=c.name, max=c.max_caseload
            )
        )


@consultant_app.command("list")
def consultant_list(json_out: JsonOpt = False) -> None:
    """List consultants with their open cases today. Example: ipsung consultant list --json"""
    from ipsung.render import team
    from ipsung.reports import capacity

    with reading() as conn:
        rows = capacity.consultants(conn, today())
    if json_out:
        print_json(rows)
    else:
        echo(team.consultants_page(rows))


# ignore_unknown_options: a negative N (`set-max NAME -1`) reaches our own check
# instead of being read as an unknown option.
@consultant_app.command("set-max", context_settings={"ignore_unknown_options": True})
def consultant_set_max(
    name: Annotated[
        str,
        typer.Argument(help="The consultant's name.", autocompletion=completion.consultants),
    ],
    max_caseload: Annotated[
        int, typer.Argument(metavar="N", help="New maximum number of open cases.")
    ],
) -> None:
    """Raise or lower a consultant's maximum caseload.

    Example: ipsung consultant set-max 'Mette Holm' 10
    """
    from ipsung.usecases import consultants

    with session(write=True) as s:
        member = consultants.set_max_caseload(s, name, max_caseload, today())
    typer.echo(
        _("{name}: max {max}, {open} open").format(
            name=member.name, max=member.max_caseload, open=member.open_cases
        )
    )
    _warn_above_band(member.name, member.max_caseload)
    if member.open_cases > member.max_caseload:
        warn(
            _("{name} is now over max; reassign cases to bring the caseload down").format(
                name=member.name
            )
        )


def _warn_above_band(name: str, max_caseload: int) -> None:
    from ipsung import rules

    if max_caseload > rules.BAND_CEILING:
        warn(
            _("{name}'s max {n} is above the model's 15-17 young people per consultant").format(
                name=name, n=max_caseload
            )
        )


@consultant_app.command("deactivate")
def consultant_deactivate(
    name: Annotated[
        str,
        typer.Argument(help="The consultant's name.", autocompletion=completion.consultants),
    ],
) -> None:
    """Deactivate a consultant with no open cases.

    Example: ipsung consultant deactivate 'Mette Holm'
    """
    from ipsung.usecases import consultants

    with session(write=True) as s:
        c = consultants.deactivate(s, name)
    typer.echo(_("Deactivated {name}").format(name=c.name))


# --- intake -------------------------------------------------------------------------------------


def _referral_choices() -> str:
    return vocabulary.listed(vocabulary.shown_choices(vocabulary.referral_sources()))


def _optional(value, option_given: bool, label: str, parse, default: str = ""):
    """An optional value: asked for at a terminal when not given; empty means none."""
    if option_given or not interactive():
        return value
    return ask(label, lambda text: parse(text) if text.strip() else None, default=default or "")


@app.command()
def intake(
    name: NameOpt = None,
    birth_date: BirthDateOpt = None,
    cpr: CprOpt = None,
    referral_date: ReferralDateOpt = None,
    referred_by: ReferredByOpt = None,
    consultant: Annotated[
        str | None,
        typer.Option(
            "--consultant",
            help="Default: you, once set with ipsung config set consultant NAME; "
            "otherwise the one with most free places.",
            autocompletion=completion.consultants,
        ),
    ] = None,
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
        str | None,
        typer.Option("--override", help="Take in despite screening; the reason is stored."),
    ] = None,
    waitlist: Annotated[
        bool, typer.Option("--waitlist", help="Waitlist the case if no place is free.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Register a referral: screen, check capacity and store the case. At a terminal,
    plain `ipsung intake` asks for each missing value.

    Example: ipsung intake --name 'Sofie Jensen' --birth-date 14-03-2010
    --referred-by school --mistrivsel absence --substance A --motivated --normal-cognition
    """
    from ipsung import rules
    from ipsung.render import cases as case_view
    from ipsung.schemas import CaseRow
    from ipsung.usecases import intake as intake_case

    name = require(name, "--name", _("Name"), _non_empty)
    if birth_date is None and cpr is None:
        birth, cpr_digits = require(
            None, _("--birth-date or --cpr"), _("Birth date or CPR number"), _person
        )
    else:
        birth, cpr_digits = parse_person(birth_date, cpr)
    if referral_date is None and interactive():
        referral = ask(_("Referral date"), lambda t: parse_date(t, "--referral-date"), "today")
    else:
        referral = parse_date(referral_date or "today", "--referral-date")
    rules.not_in_future(referral, today(), "--referral-date")
    referred_by = require(
        None if referred_by is None else vocabulary.parse_referral_source(referred_by),
        "--referred-by",
        _("Referred by ({choices})").format(choices=_referral_choices()),
        vocabulary.parse_referral_source,
    )
    mine = my_consultant() if consultant is None else None
    if mine:
        consultant = _optional(None, False, _("Consultant"), str.strip, default=mine) or mine
    else:
        consultant = _optional(
            consultant, consultant is not None, _("Consultant (empty: most free places)"), str.strip
        )
    diagnoses, signs = parse_evidence(diagnosis, mistrivsel)
    if not diagnosis and interactive():
        diagnoses = (
            _optional(
                diagnoses,
                False,
                _("Diagnoses, ICD-10 F codes, comma-separated (empty: none)"),
                lambda t: parse_evidence([t], None)[0],
            )
            or ()
        )
    if not diagnosis and not mistrivsel and under_assessment is None and interactive():
        under_assessment = ask(_("Under assessment for unclear symptoms? [y/n]"), parse_yes_no, "n")
    if not mistrivsel and interactive():
        signs = (
            _optional(
                signs,
                False,
                _("Signs of mistrivsel: {signs} (empty: none)").format(
                    signs=vocabulary.listed(vocabulary.shown_choices(vocabulary.mistrivsel_signs()))
                ),
                lambda t: parse_evidence(None, [t])[1],
            )
            or ()
        )
    level = require(
        None if substance is None else vocabulary.parse_substance(substance),
        "--substance",
        _("Substance use level (A-E)"),
        vocabulary.parse_substance,
    )
    motivated = require(
        motivated,
        _("--motivated or --not-motivated"),
        _("Motivated for education or employment? [y/n]"),
        parse_yes_no,
    )
    normal_cognition = require(
        normal_cognition,
        _("--normal-cognition or --reduced-cognition"),
        _("Age-appropriate cognitive function? [y/n]"),
        parse_yes_no,
    )
    goal = _optional(
        goal, goal is not None, _("The young person's own goal or dream (empty: none)"), str.strip
    )
    pathway = _optional(
        pathway,
        pathway is not None,
        _("Pathway: {choices} (empty: none)").format(
            choices=vocabulary.listed(vocabulary.PATHWAYS)
        ),
        lambda t: vocabulary.parse_choice(t, vocabulary.PATHWAYS, "--pathway"),
    )
    row = checked(
        CaseRow,
        {
            "name": name,
            "birth_date": birth,
            "cpr": cpr_digits,
            "referral_date": referral,
            "referred_by": referred_by,
            "consultant": consultant or None,
            "diagnoses": diagnoses,
            "under_assessment": bool(under_assessment),
            "mistrivsel": signs,
            "substance": level,
            "motivated": motivated,
            "normal_cognition": normal_cognition,
            "goal": goal,
            "pathway": pathway,
            "track": None
            if track is None
            else vocabulary.parse_choice(track, vocabulary.TRACKS, "--track"),
            "override": override,
        },
    )
    try:
        with session(write=True) as s:
            case, screening = intake_case.intake(s, row, today(), waitlist)
            result = {
                "id": case.id,
                "status": case.status,
                "consultant": case.consultant.name if case.consultant else None,
                "track": case.track,
                "enrolled_on": case.enrolled_on,
                "eligible": screening.eligible,
            }
    except NotEligible as refused:
        if json_out:
            print_json({"id": None, "status": "refused", **refused.screening.as_dict()})
        else:
            echo(case_view.screening(refused.screening, referral))
        raise
    if json_out:
        print_json(result)
        return
    if result["status"] == "waitlisted":
        typer.echo(_("Case {id} is on the waitlist (no free place)").format(id=result["id"]))
    else:
        typer.echo(
            _("Case {id} taken in: {consultant}, track {track}, enrolled {on}").format(
                id=result["id"],
                consultant=result["consultant"],
                track=vocabulary.shown_code(result["track"]),
                on=rules.format_date(result["enrolled_on"]),
            )
        )
    if not screening.eligible:
        warn(_("taken in despite screening; the override reason is stored"))


def _non_empty(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise BadInput(_("a name is required"), "--name")
    return text


def _person(text: str) -> tuple[date, str | None]:
    """A typed answer that is either a CPR number or a birth date."""
    digits = text.strip().replace("-", "")
    if digits.isdigit() and len(digits) == 10:
        return parse_person(None, text)
    return parse_person(text, None)


# --- list and show ---


@app.command("list")
def list_cases(
    status: Annotated[
        str,
        typer.Option(
            "--status",
            help=words.listing(N_("{choices}, or {all}."), vocabulary.STATUSES, all=vocabulary.ALL),
            autocompletion=completion.choices((*vocabulary.STATUSES, "all")),
        ),
    ] = "active",
    consultant: Annotated[
        str | None,
        typer.Option(
            "--consultant",
            help="Only this consultant's cases.",
            autocompletion=completion.consultants,
        ),
    ] = None,
    search: Annotated[
        str | None,
        typer.Option("--search", help="Only cases whose name, goal or an employer holds TEXT."),
    ] = None,
    sort: Annotated[
        str | None,
        typer.Option(
            "--sort",
            help=words.listing(
                N_("Order by case id ({default}, the default), name or enrolment day: {choices}."),
                vocabulary.LIST_SORTS,
                default=vocabulary.LIST_SORTS[0],
            ),
            autocompletion=completion.choices(vocabulary.LIST_SORTS),
        ),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """List cases (default: active). At a terminal, with who you are set (ipsung config
    set consultant NAME), your own open cases come first.

    Example: ipsung list --status all --search frisør --sort name
    """
    from ipsung.render import cases as case_view
    from ipsung.reports import cases

    # As typed (ACTIVE, aktiv) to its code, once: the page's words are looked up by it.
    status = vocabulary.parse_choice(status, (*vocabulary.STATUSES, vocabulary.ALL), "--status")
    with reading() as conn:
        documents = cases.list_cases(conn, status, consultant, search, sort or "id")
        # Plain `ipsung list` for a person: their own caseload first (scripts, --json
        # and an explicit --sort get the order they asked for).
        mine = None
        if sort is None and not json_out and stdout_is_terminal() and me() is not None:
            mine = my_name(conn)
    if mine:
        documents.sort(key=lambda d: not (d["consultant"] == mine and d["status"] != "closed"))
    if json_out:
        print_json(documents)
    else:
        echo(case_view.list_page(documents, status))


@app.command()
def show(
    case: ParticipantArg,
    reveal_cpr: Annotated[
        bool, typer.Option("--reveal-cpr", help="Show the full CPR number (recorded).")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Everything about one case, contacts as a timeline. The read is recorded in the
    audit log. Example: ipsung show 12, or ipsung show emil"""
    from ipsung.render import cases as case_view
    from ipsung.usecases import records

    case_id = participant(case)
    # The audit row makes show a write, but never create a database just to find nothing.
    with session(write=location().exists) as s:
        shown = records.show_case(s, case_id, reveal_cpr)
        document = case_view.document(shown, today(), reveal_cpr)
    if json_out:
        print_json(document)
    else:
        echo(case_view.page(document))
