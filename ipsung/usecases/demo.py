"""A synthetic caseload for `ipsung demo` (SPEC §11).

Fills an empty database with a made-up team and caseload so that every command shows
something at once; with a large N it is also the data set the benchmarks use
(`--participants 20000` is roughly national scale: about a million contacts).

Nothing here is real. Names are combined from short lists of common Danish names, demo
cases have birth dates but never a CPR number (a made-up number can be a real person's),
and goals and notes are short and generic. Everything comes from `random.Random(seed)`
and `today`: the same seed on the same day gives the same rows, and every date is
relative to `today`, so that `due` and `capacity` are meaningful on the day it is made.

The caseload is built in four steps:
1. plan the referrals: who, when, how long the case will run, and whether and when the
   young person starts a job or an education;
2. enrol them in referral order, keeping every consultant within their max on every day;
3. settle each case's outcome, and pick a few open cases that show each `due` reason;
4. write the rows, consultant by consultant, in batches.

Every row is held to the rules of its kind, as typed input is (schemas.py): each case is a
CaseRow whose track and screening come from the rules, as at intake, and each placement
and rating is checked by its row model. Contacts are a million: their kind, channel,
minutes, employer and note are checked by ContactRow once per distinct combination (a
few hundred), and their days by the writer, which knows no day after today.

Dates are day numbers (`date.toordinal()`) until they are written: plain integers are
quick to add to and compare, and a lookup table turns them into the driver's form.
"""

import heapq
import math
import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ipsung import rules
from ipsung.errors import IpsungError
from ipsung.i18n import _
from ipsung.schemas import CaseRow, ContactRow, PlacementRow, RatingRow
from ipsung.store import audit, db
from ipsung.store.tables import consultants, metadata, participants
from ipsung.vocabulary import JOB_KINDS as JOB_KINDS_ALL

# --- the team --------------------------------------------------------------------------

DEFAULT_TEAM = ("Mette Holm", "Jonas Berg")
MAX_CASELOAD = 17
OPEN_CASES_PER_CONSULTANT = 16  # a large demo adds consultants so that each has about this

# --- names and words (synthetic: combined at random, never a real record) --------------

GIRLS = (
    "Freja", "Ida", "Emma", "Sofie", "Clara", "Laura", "Anna", "Alma", "Ella", "Maja",
    "Josefine", "Karla", "Mathilde", "Agnes", "Liva", "Nanna", "Signe", "Cecilie",
    "Frida", "Olivia", "Astrid", "Lærke", "Sara", "Julie", "Asta", "Mille", "Naja",
)  # fmt: skip
BOYS = (
    "William", "Noah", "Oscar", "Lucas", "Carl", "Victor", "Malthe", "Alfred", "Emil",
    "Magnus", "Frederik", "Oliver", "Elias", "Aksel", "Valdemar", "Mads", "Mikkel",
    "Rasmus", "Tobias", "Sebastian", "Anton", "Johan", "August", "Theo", "Marius",
    "Kasper", "Bertram",
)  # fmt: skip
ADULTS = (
    "Anne", "Lars", "Susanne", "Henrik", "Camilla", "Martin", "Louise", "Thomas", "Pia",
    "Søren", "Trine", "Morten", "Helle", "Jesper", "Maria", "Peter", "Lene", "Anders",
    "Katrine", "Michael", "Tina", "Jacob", "Rikke", "Kim", "Charlotte", "Christian",
    "Hanne", "Rune", "Mette", "Jonas",
)  # fmt: skip
SURNAMES = (
    "Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen",
    "Sørensen", "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen",
    "Thomsen", "Poulsen", "Johansen", "Møller", "Mortensen", "Knudsen", "Jakobsen",
    "Mikkelsen", "Frederiksen", "Laursen", "Holm", "Schmidt", "Eriksen", "Nørgaard",
    "Vestergaard", "Dam", "Bach", "Lund", "Krogh", "Mølgaard", "Skov", "Overgaard",
    "Kjær", "Bisgaard", "Berg", "Lauridsen", "Toft", "Dahl",
)  # fmt: skip

# The young person's own goal, and whether it points at an education or a job.
EDUCATION_GOALS = (
    "Starte på HF", "Starte på gymnasiet", "Blive elektriker", "Blive frisør",
    "Blive SOSU-hjælper", "Blive mekaniker", "Blive tømrer", "Blive kok", "Starte på FGU",
    "Starte på handelsskolen", "Blive pædagogisk assistent",
)  # fmt: skip
JOB_GOALS = (
    "Få et fritidsjob", "Arbejde i en butik", "Arbejde med dyr", "Få et job i et køkken",
    "Tjene mine egne penge", "Arbejde på et lager", "Arbejde med børn",
)  # fmt: skip

# Synthetic workplaces and schools of a North Jutland town.
JOBS = (
    "Bager Nielsen", "Netto Hjørring", "Brugsen Tårs", "Rema 1000 Sindal", "Pizzeria Roma",
    "Café Havnen", "Hotel Strandlyst", "Lønstrup Is", "Gartneri Lindholm",
    "Plejecenter Solsikken", "Børnehaven Mælkebøtten", "Rideskolen Bakkely",
    "Hjørring Cykler", "Lager Nord ApS", "Tankstationen Bindslev",
    "Genbrugsbutikken Hirtshals", "Fiskehuset Hirtshals", "Maskinstation Vrå",
)  # fmt: skip
TRADES = (
    "Elektriker Andersen ApS", "Tømrer Kristensen", "Frisør Lotte", "Auto Centret Nord",
    "Maler Poulsen ApS", "Vestergaard VVS", "Restaurant Søgaarden", "Smed Thomsen",
)  # fmt: skip
# Each workplace's DISCO-08 major group (data/disco08_major_groups.json): 5 service and
# sales, 6 skilled agriculture and fishery, 7 crafts and trades, 8 operators, 9 elementary.
JOB_TYPES = {
    "Bager Nielsen": "7", "Netto Hjørring": "5", "Brugsen Tårs": "5", "Rema 1000 Sindal": "5",
    "Pizzeria Roma": "9", "Café Havnen": "5", "Hotel Strandlyst": "5", "Lønstrup Is": "5",
    "Gartneri Lindholm": "6", "Plejecenter Solsikken": "5", "Børnehaven Mælkebøtten": "5",
    "Rideskolen Bakkely": "6", "Hjørring Cykler": "7", "Lager Nord ApS": "9",
    "Tankstationen Bindslev": "5", "Genbrugsbutikken Hirtshals": "5",
    "Fiskehuset Hirtshals": "9", "Maskinstation Vrå": "8", "Elektriker Andersen ApS": "7",
    "Tømrer Kristensen": "7", "Frisør Lotte": "5", "Auto Centret Nord": "7",
    "Maler Poulsen ApS": "7", "Vestergaard VVS": "7", "Restaurant Søgaarden": "5",
    "Smed Thomsen": "7",
}  # fmt: skip
SCHOOLS = (
    "Hjørring Gymnasium", "EUC Nord", "VUC Hjørring", "Hjørring Handelsskole",
    "Social- og Sundhedsskolen Nord",
)  # fmt: skip
WORKPLACES = JOBS + TRADES
EMPLOYERS_BY_KIND = {
    "ordinary-job": JOBS,
    "flex-job": JOBS,
    "apprenticeship": TRADES,
    "internship": WORKPLACES,
    "wage-subsidy": WORKPLACES,
    "education": SCHOOLS,
    "fgu": ("FGU Vendsyssel", "FGU Vendsyssel, afd. Frederikshavn"),
}
HOURS_BY_KIND = {  # weekly hours of a 15-17-year-old's job; none for schooling
    "ordinary-job": (8, 25),
    "flex-job": (10, 25),
    "apprenticeship": (37, 37),
    "internship": (8, 30),
    "wage-subsidy": (15, 30),
}
JOB_KINDS = ("ordinary-job", "flex-job", "apprenticeship")
SCHOOL_KINDS = ("education", "fgu")

NOTES = {
    "youth": (
        "Samtale om praktik", "Samtale om jobønsker", "Gåtur og snak om ugen",
        "Skrev CV sammen", "Øvede jobsamtale", "Talte om skole og fravær",
        "Opfølgning på aftaler", "Samtale om uddannelsesvalg", "Kiggede på jobopslag",
        "Samtale om søvn og hverdag", None,
    ),
    "employer": (
        "Besøg hos virksomhed", "Aftale om praktik", "Opfølgning med leder",
        "Talte om arbejdstider", "Snak om opgaver", None,
    ),
    "education": ("Møde med studievejleder", "Opfølgning på fravær", "Aftale om skema", None),
    "treatment": ("Koordinering med behandler", "Kort status med psykiatrien", None),
    "network": ("Samtale med forælder", "Møde med familien", None),
    "caseworker": ("Status til sagsbehandler", "Møde med sagsbehandler", None),
    "job-development": (
        "Jobudvikling: virksomhedsbesøg", "Jobudvikling: mulige praktikpladser",
        "Jobudvikling: opfølgning", "Jobudvikling: møde med leder",
    ),
}  # fmt: skip
INTAKE_NOTE, REVIEW_NOTE, CLOSING_NOTE = "Opstartsmøde", "Statusmøde", "Afslutningsmøde"


def _weighted(*pairs: tuple[Any, int]) -> tuple:
    """Each value repeated by its weight: one uniform index then picks by weight."""
    return tuple(value for value, weight in pairs for _ in range(weight))


# How contacts of each kind are held: (channel, minutes), by weight.
WAYS = {
    "youth": _weighted(
        (("in-person", 45), 30), (("in-person", 60), 22), (("in-person", 30), 10),
        (("in-person", 90), 5), (("phone", 15), 9), (("phone", 30), 4), (("text", 15), 10),
        (("video", 45), 8),
    ),
    "three-party": _weighted((("in-person", 60), 8), (("in-person", 90), 3), (("video", 45), 2)),
    "employer": _weighted((("in-person", 30), 6), (("in-person", 45), 3), (("phone", 15), 4)),
    "other": _weighted((("in-person", 45), 4), (("phone", 20), 5), (("email", 15), 2)),
}  # fmt: skip

REFERRED_BY = _weighted(
    ("psychiatry", 30), ("school", 22), ("child-family", 12), ("education-guidance", 10),
    ("youth-guide", 8), ("jobcenter", 7), ("internship-coordinator", 4), ("employer", 3),
    ("other", 4),
)  # fmt: skip
DIAGNOSES = _weighted(
    ("F90.0", 25), ("F84.0", 8), ("F84.5", 8), ("F32.1", 12), ("F41.1", 10), ("F43.1", 8),
    ("F50.0", 5), ("F40.1", 6), ("F41.0", 4), ("F42.0", 3), ("F93.0", 2), ("F60.3", 2),
)  # fmt: skip
SIGNS = ("sadness", "anxiety", "isolation", "absence", "school-refusal")
SUBSTANCE = _weighted(("A", 75), ("B", 18), ("C", 7))
OVERRIDE_REASONS = (
    "Motivationen vurderes at komme i forløbet",
    "Aftalt på teammøde efter samtale med den unge",
)
PLACEMENT_KINDS = {  # the first counted start, by pathway
    "education": _weighted(("education", 50), ("fgu", 25), ("apprenticeship", 20), ("ordinary-job", 5)),
    "job-placement": _weighted(("ordinary-job", 70), ("apprenticeship", 15), ("education", 10), ("flex-job", 5)),
    "job-development": _weighted(("ordinary-job", 75), ("apprenticeship", 17), ("flex-job", 8)),
}  # fmt: skip
PLACEMENT_END_REASONS = (
    "Kontrakten udløb", "Stoppede efter eget ønske", "Skiftede til anden uddannelse",
    "Afbrudt", "Flyttede",
)  # fmt: skip
CLOSE_WITH_START = _weighted(("goal-reached", 85), ("transferred", 5), ("moved", 5), ("other", 5))
CLOSE_WITHOUT_START = _weighted(
    ("declined", 30), ("no-contact", 25), ("moved", 15), ("transferred", 15), ("other", 15)
)

# --- the shape of the caseload -----------------------------------------------------------

HISTORY_DAYS = 730  # referrals over the two years before today
RAMP_FROM = 0.2  # referrals two years ago, relative to the rate today
SHORTEST_CASE, LONGEST_CASE = 120, 540  # about 4 to 18 months
SHARE_AIMING_FOR_START = 0.75  # of whom most start a job or education if the case runs long
SHARE_OVERRIDDEN = 0.03
MISSED_WEEK = 0.1  # weeks without a youth contact
NOT_WITHIN = 4  # placements start at least this many days ago, unless picked for follow-up
BATCH_ROWS = 10_000
COPY = object()  # marks a table whose batches go to the server as a COPY stream (_Writer)

# Sunday (ordinal % 7 == 0) moves to Monday, Saturday to Friday: teams work weekdays.
TO_WEEKDAY = (1, 0, 0, 0, 0, 0, -1)


def _weekday(day: int) -> int:
    return day + TO_WEEKDAY[day % 7]


# --- 1. plan the referrals ---------------------------------------------------------------


@dataclass(slots=True, eq=False)
class _Case:
    """One planned case. Days are ordinals; a plan becomes a row in `_participant_row`."""

    referral: int
    birth: int
    name: str
    referred_by: str
    goal: str
    pathway: str
    diagnoses: tuple[str, ...]
    under_assessment: bool
    mistrivsel: tuple[str, ...]
    substance: str
    override_reason: str | None
    duration: int  # days from enrolment to closing
    start_after: int | None  # days from enrolment to the first counted start, if any
    id: int = 0
    consultant: int | None = None  # index into the team
    enrolled: int | None = None
    closed: int | None = None
    close_reason: str | None = None
    first_start: int | None = None
    until: int = 0  # the last day with contacts
    rating_until: int = 0
    lagging: bool = False  # weekly contact overdue on today
    no_intake: bool = False  # no three-party intake meeting yet
    no_employer: bool = False  # no employer contact yet


def _plan_case(rng: random.Random, today: int) -> _Case:
    rnd = rng.random
    # The team started two years ago and referrals grew as partners got to know it:
    # their density rises linearly, from RAMP_FROM times today's at the start.
    # x is the share of the two years gone by at referral, drawn by inverting the CDF.
    c = RAMP_FROM / (1 - RAMP_FROM)
    x = math.sqrt(c * c + rnd() * (2 * c + 1)) - c
    referral = min(today, _weekday(today - int(HISTORY_DAYS * (1 - x))))
    # 15*366 days old is past the 15th birthday; 18*365-2 days is before the 18th.
    birth = referral - rng.randint(15 * 366, 18 * 365 - 2)
    girl = rnd() < 0.5
    first = rng.choice(GIRLS if girl else BOYS)
    surname = rng.choice(SURNAMES)
    if rnd() < 0.2:  # a double surname now and then
        surname = f"{rng.choice(SURNAMES)} {surname}"
    referred_by = rng.choice(REFERRED_BY)

    # Track "ips" exactly when there is a diagnosis; most psychiatry referrals have one.
    has_diagnosis = rnd() < (0.9 if referred_by == "psychiatry" else 0.47)
    diagnoses: tuple[str, ...] = ()
    mistrivsel: tuple[str, ...] = ()
    under_assessment = False
    if has_diagnosis:
        diagnoses = tuple(sorted({rng.choice(DIAGNOSES) for _ in range(1 + (rnd() < 0.2))}))
        if rnd() < 0.3:
            mistrivsel = (rng.choice(SIGNS),)
    else:
        under_assessment = rnd() < 0.15
        if not under_assessment or rnd() < 0.5:
            mistrivsel = tuple(sorted(rng.sample(SIGNS, 1 + int(rnd() * 3)), key=SIGNS.index))

    if rnd() < 0.55:
        goal = rng.choice(EDUCATION_GOALS)
        pathway = "education" if rnd() < 0.8 else "job-placement"
    else:
        goal = rng.choice(JOB_GOALS)
        pathway = "job-placement" if rnd() < 0.6 else "job-development"

    # Whether the young person starts a job or an education, and when; the case then
    # goes on for follow-along and aftercare before it closes.
    start_after = None
    if rnd() < SHARE_AIMING_FOR_START:
        start_after = int(rng.triangular(21, 300, 70))
        duration = start_after + rng.randint(60, 330)
    else:
        duration = rng.randint(SHORTEST_CASE, LONGEST_CASE)
    duration = max(SHORTEST_CASE, min(LONGEST_CASE, duration))

    return _Case(
        referral=referral,
        birth=birth,
        name=f"{first} {surname}",
        referred_by=referred_by,
        goal=goal,
        pathway=pathway,
        diagnoses=diagnoses,
        under_assessment=under_assessment,
        mistrivsel=mistrivsel,
        substance=rng.choice(SUBSTANCE),
        override_reason=rng.choice(OVERRIDE_REASONS) if rnd() < SHARE_OVERRIDDEN else None,
        duration=duration,
        start_after=start_after,
    )


def _plan(rng: random.Random, participants: int, today: int) -> list[_Case]:
    """The referrals, numbered in referral order (case ids are intake order)."""
    cases = [_plan_case(rng, today) for _ in range(participants)]
    cases.sort(key=lambda c: c.referral)  # stable: ties keep the order they were drawn in
    for number, case in enumerate(cases, start=1):
        case.id = number
    return cases


# --- the team ----------------------------------------------------------------------------


def _team_size(cases: list[_Case], enrolling: int, today: int) -> int:
    """Two consultants, or about one per 16 cases open on today if the plan has more."""
    open_today = sum(1 for c in cases[:enrolling] if c.referral + c.duration > today)
    return max(len(DEFAULT_TEAM), math.ceil(open_today / OPEN_CASES_PER_CONSULTANT))


def _team_names(rng: random.Random, size: int) -> list[str]:
    """The default team first, then unique made-up names (first [middle] surname)."""
    names = list(DEFAULT_TEAM[:size])
    if size <= len(names):
        return names
    taken = set(names)
    pairs = [f"{f} {s}" for f in ADULTS for s in SURNAMES]
    rng.shuffle(pairs)
    extra = [n for n in pairs if n not in taken]
    if len(names) + len(extra) < size:  # a team of thousands: add middle names
        triples = [f"{f} {m} {s}" for f in ADULTS for m in SURNAMES for s in SURNAMES if m != s]
        rng.shuffle(triples)
        extra += triples
    names += extra[: size - len(names)]
    for number in range(len(names), size):  # beyond any real team; keeps names unique
        names.append(f"{DEFAULT_TEAM[number % 2]} {number + 1}")
    return names


# --- 2. enrol in referral order, within capacity on every day -----------------------------


def _enrol(cases: list[_Case], enrolling: int, team_size: int, today: int) -> None:
    """Give each referral a consultant with a free place, in referral order.

    A case is open from enrolment until the day before closing. A referral is enrolled
    on its referral date by the consultant with most free places; when the whole team is
    full it waits for the first place to free, and the cases behind it wait too (first
    come, first served). Enrolment days therefore never go back, so a consultant who has
    room on the day of enrolment has room on every later day as well: no case is added
    behind that day. Whoever still waits on today stays on the waitlist, as do the last
    `len(cases) - enrolling` referrals.
    """
    load = [0] * team_size
    # Most free places first, then the lower index; stale entries are skipped on the way.
    room = [(-MAX_CASELOAD, k) for k in range(team_size)]
    closing: list[tuple[int, int]] = []  # (closed_on, consultant) of cases closing by today
    day = -1
    for case in cases[:enrolling]:
        day = max(day, case.referral)
        while True:
            while closing and closing[0][0] <= day:
                _, k = heapq.heappop(closing)
                load[k] -= 1
                heapq.heappush(room, (load[k] - MAX_CASELOAD, k))
            while room and room[0][0] != load[room[0][1]] - MAX_CASELOAD:
                heapq.heappop(room)
            if room or not closing:
                break
            day = closing[0][0]  # everyone is full: wait for the next case to close
        if not room:
            return  # full until after today: this and all later referrals are waitlisted
        k = room[0][1]
        load[k] += 1
        heapq.heappop(room)
        if load[k] < MAX_CASELOAD:
            heapq.heappush(room, (load[k] - MAX_CASELOAD, k))
        case.consultant = k
        case.enrolled = day
        closes = _weekday(day + case.duration)
        if closes <= today:
            case.closed = closes
            heapq.heappush(closing, (closes, k))


# --- 3. outcomes, and a few open cases for each `due` reason --------------------------------


def _settle(rng: random.Random, cases: list[_Case], today: int) -> None:
    """First counted start and close reason of each enrolled case, and the contact window."""
    for case in cases:
        if case.enrolled is None:
            continue
        last_start = min(today - NOT_WITHIN, (case.closed or today + 1) - 1)
        if case.start_after is not None and case.enrolled + case.start_after <= last_start:
            case.first_start = case.enrolled + case.start_after
        case.until = case.closed or today
        if case.closed is not None:
            reasons = CLOSE_WITH_START if case.first_start is not None else CLOSE_WITHOUT_START
            case.close_reason = rng.choice(reasons)
            if case.close_reason == "no-contact":  # the young person stopped showing up
                case.until = max(case.enrolled, case.closed - rng.randint(21, 56))
        case.rating_until = case.until


def _pick(rng: random.Random, candidates: list[_Case], share: float, open_cases: int):
    """About `share` of the open cases (at least one) from the candidates."""
    wanted = max(1, round(share * open_cases)) if candidates else 0
    return rng.sample(candidates, min(wanted, len(candidates)))


def _showcase_due(rng: random.Random, cases: list[_Case], today: int) -> None:
    """Make a few open cases show each reason of `due` on today (each case at most one)."""
    open_cases = [c for c in cases if c.enrolled is not None and c.closed is None]
    free = {c.id: c for c in open_cases}

    def candidates(test: Callable[[_Case], bool]) -> list[_Case]:
        return [c for c in free.values() if test(c)]

    n = len(open_cases)
    # placement-follow-up: a start in the last 3 days, and no contact since.
    for case in _pick(rng, candidates(lambda c: c.enrolled <= today - 21), 0.02, n):
        case.first_start = today - rng.randint(0, NOT_WITHIN - 1)
        case.until = case.rating_until = today - NOT_WITHIN
        del free[case.id]
    # employer-contact: enrolled 30+ days ago and no employer contact yet.
    no_start = candidates(lambda c: c.enrolled <= today - 30 and c.first_start is None)
    for case in _pick(rng, no_start, 0.04, n):
        case.no_employer = True
        del free[case.id]
    # intake-meeting: enrolled 14+ days ago without a three-party meeting.
    for case in _pick(rng, candidates(lambda c: today - 90 <= c.enrolled <= today - 14), 0.04, n):
        case.no_intake = True
        del free[case.id]
    # weekly-contact: the last youth contact 8-20 days ago.
    for case in _pick(rng, candidates(lambda c: c.enrolled <= today - 40), 0.10, n):
        case.lagging = True
        case.until = case.rating_until = today - rng.randint(8, 14)
        del free[case.id]
    # progress-rating: the last rating more than 91 days ago.
    for case in _pick(rng, candidates(lambda c: c.enrolled <= today - 130), 0.05, n):
        case.rating_until = today - rng.randint(92, 120)
        del free[case.id]


# --- 4. writing ---------------------------------------------------------------------------


class _Writer:
    """Buffers rows per table and writes each batch with one executemany, or on
    PostgreSQL with one COPY.

    Rows are tuples in the table's column order, without the id: the writer numbers
    them, so no RETURNING is needed and the numbering is part of the seeded output.
    The INSERT is SQLAlchemy Core's own, compiled once per table for the dialect in
    use, but the rows go to the driver's executemany as they are: SQLAlchemy's per-row
    parameter processing (a dict and a bind processor per value) would cut the speed of
    a large demo from about 110,000 to 65,000 rows a second. So dates are handed over in
    the form the Date type itself would produce: ISO text on SQLite (how SQLAlchemy
    stores a date there), date objects for other drivers. A server answers each row of
    an executemany on its own, but takes a COPY's rows as one stream: the rows of the
    `streamed` table (the contacts, nine in ten rows) go into one COPY as they are made,
    so that the server stores them while the next are made; the other tables' rows wait
    in memory until it ends, since a connection runs one COPY at a time (about 16,500
    rows a second with executemany, some 50,000 and more with COPY at national scale).
    COPY goes through the driver on the same connection: it stays in the command's one
    transaction. Use the writer in a `with` block: a failure ends an open COPY.
    """

    def __init__(self, session: Session, first_day: int, last_day: int, streamed: str = ""):
        self._conn = session.connection()
        self._streamed = streamed if self._conn.dialect.name == "postgresql" else ""
        self._stream: tuple[Any, Any, Any] | None = None  # an open COPY: cursor, context, copy
        sqlite = self._conn.dialect.name == "sqlite"
        self.date_value: Callable[[date], Any] = date.isoformat if sqlite else (lambda d: d)
        # A day outside [first_day, last_day] raises KeyError: a guard against a date
        # after today slipping through.
        table = {d: self.date_value(date.fromordinal(d)) for d in range(first_day, last_day + 1)}
        self.day: Callable[[int], Any] = table.__getitem__
        # And back: the checks read a row's days as dates (quicker than parsing its text).
        self.as_date: dict[Any, date] = {value: date.fromordinal(d) for d, value in table.items()}
        self.counts: dict[str, int] = {}
        self._pending: dict[str, list[tuple]] = {}
        self._statements: dict[str, tuple[str, Any]] = {}

    def adder(
        self, name: str, check: Callable[[tuple], object] | None = None
    ) -> Callable[[tuple], int]:
        """A function that adds one row (without id) to `name` and returns its id; `check`,
        if given, sees each row first (and raises if it breaks a rule)."""
        table = metadata.tables[name]
        keys = [c.key for c in table.columns]
        if keys[0] != "id":
            raise RuntimeError(f"{name}: expected the id as the first column")
        dialect = self._conn.dialect
        if dialect.name == "postgresql":
            quote = dialect.identifier_preparer.quote
            columns = ", ".join(quote(c.name) for c in table.columns)
            self._statements[name] = (f"COPY {quote(name)} ({columns}) FROM STDIN", COPY)
        else:
            compiled = insert(table).compile(dialect=dialect, column_keys=keys)
            if compiled.positional and list(compiled.positiontup or ()) != keys:
                raise RuntimeError(f"{name}: unexpected parameter order")
            self._statements[name] = (str(compiled), None if compiled.positional else keys)
        rows: list[tuple] = self._pending.setdefault(name, [])
        self.counts.setdefault(name, 0)
        next_id = 0
        if name == self._streamed:

            def stream(row: tuple) -> int:
                nonlocal next_id
                if check is not None:
                    check(row)
                next_id += 1
                self._copy(name).write_row((next_id, *row))
                self.counts[name] = next_id
                return next_id

            return stream

        def add(row: tuple) -> int:
            nonlocal next_id
            if check is not None:
                check(row)
            next_id += 1
            rows.append((next_id, *row))
            if len(rows) >= BATCH_ROWS and self._stream is None:
                self.flush(name)
            return next_id

        return add

    def _copy(self, name: str):
        """The open COPY of the streamed table, opened at its first row."""
        if self._stream is None:
            cursor = self._conn.connection.dbapi_connection.cursor()
            manager = cursor.copy(self._statements[name][0])
            self._stream = (cursor, manager, manager.__enter__())
        return self._stream[2]

    def _end_stream(self, error: BaseException | None = None) -> None:
        if self._stream is not None:
            cursor, manager, _copy = self._stream
            self._stream = None
            try:
                manager.__exit__(type(error) if error else None, error, None)
            finally:
                cursor.close()

    def __enter__(self) -> "_Writer":
        return self

    def __exit__(self, kind, error, traceback) -> None:
        self._end_stream(error)

    def flush(self, name: str) -> None:
        rows = self._pending[name]
        if not rows:
            return
        sql, named = self._statements[name]
        if named is COPY:
            with self._conn.connection.dbapi_connection.cursor() as cursor:
                with cursor.copy(sql) as copy:
                    for row in rows:
                        copy.write_row(row)
        else:
            params: Sequence = (
                rows if named is None else [dict(zip(named, r, strict=True)) for r in rows]
            )
            self._conn.exec_driver_sql(sql, params)
        self.counts[name] += len(rows)
        rows.clear()

    def flush_all(self) -> None:
        self._end_stream()
        for name in self._pending:
            self.flush(name)


def _case_row(case: _Case, team: list[str], today: date) -> CaseRow:
    """The planned case as intake would take it in."""
    on = date.fromordinal
    return CaseRow.check(
        {
            "id": case.id,
            "name": case.name,
            "birth_date": on(case.birth),
            "referral_date": on(case.referral),
            "referred_by": case.referred_by,
            "consultant": None if case.consultant is None else team[case.consultant],
            "diagnoses": case.diagnoses,
            "under_assessment": case.under_assessment,
            "mistrivsel": case.mistrivsel,
            "substance": case.substance,
            "motivated": case.override_reason is None,  # the overridden were not (yet)
            "normal_cognition": True,
            "goal": case.goal,
            "pathway": case.pathway,
            "override": case.override_reason,
            "enrolled_on": None if case.enrolled is None else on(case.enrolled),
            "closed_on": None if case.closed is None else on(case.closed),
            "close_reason": case.close_reason,
        },
        today,
    )


def _participant_row(case: _Case, row: CaseRow, writer: _Writer) -> tuple:
    day = writer.day
    screening = rules.screen(row.screening_input())
    return (
        row.name,
        None,  # cpr: never for demo cases
        writer.date_value(row.birth_date),
        day(case.referral),
        row.referred_by,
        None if case.consultant is None else case.consultant + 1,
        None if case.enrolled is None else day(case.enrolled),
        None if case.closed is None else day(case.closed),
        row.close_reason,
        row.goal,
        row.pathway,
        rules.track_for(row.diagnoses),
        False,  # track_set_by_hand
        ",".join(row.diagnoses),
        row.under_assessment,
        ",".join(row.mistrivsel),
        row.substance,
        row.motivated,
        row.normal_cognition,
        screening.eligible,
        None if screening.eligible else row.override,
    )


class _Checks:
    """Each row of a case's contacts, placements and ratings held to its row model."""

    def __init__(self, today: date, as_date: dict[Any, date]) -> None:
        self.today = today
        self.as_date = as_date
        self._contact_shapes: set[tuple] = set()

    def contact(self, row: tuple) -> None:
        participant_id, _consultant_id, _day, kind, channel, minutes, employer, note = row
        shape = (participant_id is None, kind, channel, minutes, employer, note)
        if shape not in self._contact_shapes:
            fields = ("kind", "channel", "minutes", "employer", "note")
            values = dict(zip(fields, shape[1:], strict=True))
            values["participant_id"] = participant_id
            ContactRow.check({**values, "day": self.today}, self.today)
            self._contact_shapes.add(shape)

    def placement(self, row: tuple) -> None:
        participant_id, kind, start, end, hours, employer, job_type, end_reason = row
        values = {"participant_id": participant_id, "kind": kind, "start": self.as_date[start]}
        values |= {"end": self.as_date.get(end), "hours": hours, "employer": employer}
        values["job_type"] = job_type
        PlacementRow.check({**values, "end_reason": end_reason}, self.today)

    def rating(self, row: tuple) -> None:
        participant_id, day, outlook, insight, skills = row
        values = {"participant_id": participant_id, "day": self.as_date[day], "outlook": outlook}
        RatingRow.check({**values, "insight": insight, "skills": skills}, self.today)


@dataclass(slots=True)
class _Placement:
    kind: str
    start: int
    end: int | None
    employer: str


class _CaseRows:
    """Contacts, placements, aftercare and progress ratings of each case."""

    def __init__(self, rng: random.Random, writer: _Writer, today: int):
        self.rnd = rng.random
        self.day = writer.day
        self.today = today
        checks = _Checks(date.fromordinal(today), writer.as_date)
        self.add_contact = writer.adder("contacts", checks.contact)
        self.add_placement = writer.adder("placements", checks.placement)
        self.add_aftercare = writer.adder("aftercare_periods")
        self.add_review = writer.adder("period_reviews")
        self.add_rating = writer.adder("progress_ratings", checks.rating)

    def between(self, low: int, high: int) -> int:
        return low + int(self.rnd() * (high - low + 1))

    def pick(self, values: Sequence):
        return values[int(self.rnd() * len(values))]

    def contact(self, case: _Case, day: int, kind: str, note, employer=None, ways=None) -> None:
        channel, minutes = self.pick(ways or WAYS["other"])
        self.add_contact(
            (case.id, case.consultant + 1, self.day(day), kind, channel, minutes, employer, note)
        )

    # -- one case

    def case(self, case: _Case) -> None:
        placements = self.placements(case)
        last_weekly = self.youth_contacts(case)
        last_weekly = max(last_weekly, self.three_party_contacts(case))
        self.keep_weekly_contact(case, last_weekly)
        self.employer_contacts(case, placements)
        self.other_contacts(case, placements)
        self.aftercare(case, placements)
        self.ratings(case)

    def youth_contacts(self, case: _Case) -> int:
        """One youth contact most weeks from enrolment; returns the last one's day (or 0)."""
        rnd, start, until = self.rnd, case.enrolled, case.until
        add, case_id, consultant_id = self.add_contact, case.id, case.consultant + 1
        day_value, ways, notes = self.day, WAYS["youth"], NOTES["youth"]
        last = 0
        week = start
        while True:
            day = _weekday(week + int(rnd() * 5))
            if day > until:
                return last
            if day >= start and rnd() >= MISSED_WEEK:
                channel, minutes = ways[int(rnd() * len(ways))]
                note = notes[int(rnd() * len(notes))]
                add((case_id, consultant_id, day_value(day), "youth", channel, minutes, None, note))
                last = day
            week += 7

    def three_party_contacts(self, case: _Case) -> int:
        """Intake meeting, half-year reviews and a closing meeting; returns the last day."""
        start, until, ways = case.enrolled, case.until, WAYS["three-party"]
        days = []
        if not case.no_intake:
            days.append((start + self.between(2, 13), INTAKE_NOTE))
        review, period = start + 182, 1
        while review <= until:
            if self.rnd() < 0.8:
                day = review - self.between(0, 13)
                days.append((day, REVIEW_NOTE))
                if day <= until:  # the status meeting is the period's review
                    self.add_review((case.id, self.day(day), period, None))
            review, period = review + 182, period + 1
        if case.closed is not None and case.close_reason != "no-contact" and self.rnd() < 0.85:
            days.append((max(start, case.closed - self.between(0, 10)), CLOSING_NOTE))
        last = 0
        for day, note in days:
            if day <= until:
                self.contact(case, day, "three-party", note, ways=ways)
                last = max(last, day)
        return last

    def keep_weekly_contact(self, case: _Case, last: int) -> None:
        """An open case's last youth contact lies within a week of today, except for the
        few picked to be overdue, whose last one lies 8-20 days back."""
        if case.closed is not None:
            return
        floor = case.until - 6 if case.lagging else self.today - 7
        if last < floor and case.enrolled <= floor:
            day = max(floor, case.until - self.between(0, 2))
            self.contact(case, day, "youth", self.pick(NOTES["youth"]), ways=WAYS["youth"])

    def employer_contacts(self, case: _Case, placements: list[_Placement]) -> None:
        """Rapid job search from the first weeks until the first start, then follow-along
        with the employer of a job."""
        if case.no_employer:
            return
        notes, ways, until = NOTES["employer"], WAYS["employer"], case.until
        search_until = min(until, case.first_start or until)
        slow = case.pathway == "education"  # job search is a side track for them
        day = case.enrolled + self.between(5, 30) + self.between(0, 15)
        while day <= search_until:
            self.contact(case, day, "employer", self.pick(notes), self.pick(WORKPLACES), ways)
            day += self.between(25, 50) if slow else self.between(14, 35)
        for placement in placements:
            if placement.kind not in JOB_KINDS:
                continue
            last = min(until, placement.end or until)
            day = placement.start + self.between(7, 21)
            while day <= last:
                self.contact(case, day, "employer", self.pick(notes), placement.employer, ways)
                day += self.between(14, 42)

    def other_contacts(self, case: _Case, placements: list[_Placement]) -> None:
        """School, treatment, family and caseworker, each every few weeks."""
        at_school = case.pathway == "education" or any(p.kind in SCHOOL_KINDS for p in placements)
        plans = [
            ("education", (28, 56) if at_school else (60, 120)),
            ("network", (42, 90)),
            ("caseworker", (60, 120)),
        ]
        if case.diagnoses:
            plans.append(("treatment", (28, 56)))
        elif self.rnd() < 0.3:
            plans.append(("treatment", (56, 112)))
        for kind, (low, high) in plans:
            day = case.enrolled + self.between(7, low)
            while day <= case.until:
                self.contact(case, day, kind, self.pick(NOTES[kind]))
                day += self.between(low, high)

    def placements(self, case: _Case) -> list[_Placement]:
        """The counted starts (after an internship or wage subsidy now and then), or an
        internship that led nowhere yet. Returns the placements that count."""
        latest = min(self.today - NOT_WITHIN, (case.closed or self.today + 1) - 1)
        if case.first_start is None:
            if not case.no_employer and self.rnd() < 0.3:
                start = case.enrolled + self.between(30, 200)
                if start <= latest:
                    end = self.ending(case, start, 14, 84, 0.7)
                    reason = self.pick(("Praktik afsluttet", "Stoppede i praktikken"))
                    self.placement(case, "internship", start, end, self.pick(WORKPLACES), reason)
            return []
        kind = self.pick(PLACEMENT_KINDS[case.pathway])
        employer = self.pick(EMPLOYERS_BY_KIND[kind])
        start = case.first_start
        if kind in JOB_KINDS and self.rnd() < 0.35:
            self.trial(case, start, employer)
        first = self.counted(case, kind, start, employer)
        placements = [first]
        if first.end is not None and self.rnd() < 0.4:
            start = first.end + self.between(14, 60)
            if start <= latest:
                kind = self.pick(PLACEMENT_KINDS[case.pathway])
                others = [e for e in EMPLOYERS_BY_KIND[kind] if e != first.employer]
                placements.append(self.counted(case, kind, start, self.pick(others)))
        return placements

    def trial(self, case: _Case, start: int, employer: str) -> None:
        """An internship or wage subsidy that ends when the job starts, often at the same
        workplace."""
        kind = "wage-subsidy" if self.rnd() < 0.25 else "internship"
        begin = max(case.enrolled, start - self.between(28, 84))
        end = max(begin, start - self.between(0, 7))
        place = employer if self.rnd() < 0.6 else self.pick(WORKPLACES)
        self.placement(case, kind, begin, end, place, "Praktik afsluttet; ansat bagefter")

    def counted(self, case: _Case, kind: str, start: int, employer: str) -> _Placement:
        end = self.ending(case, start, 30, 300, 0.3)
        reason = self.pick(PLACEMENT_END_REASONS) if end is not None else None
        self.placement(case, kind, start, end, employer, reason)
        return _Placement(kind, start, end, employer)

    def ending(self, case: _Case, start: int, low: int, high: int, share: float) -> int | None:
        """An end date for about `share` of placements, if it is known by now: not after
        today and, for a closed case, not after closing (later ones are not recorded)."""
        if self.rnd() >= share:
            return None
        end = start + self.between(low, high)
        return end if end <= (case.closed or self.today) else None

    def placement(self, case, kind, start, end, employer, reason) -> None:
        hours = HOURS_BY_KIND.get(kind)
        self.add_placement(
            (
                case.id,
                kind,
                self.day(start),
                None if end is None else self.day(end),
                None if hours is None else float(self.between(*hours)),
                employer,
                JOB_TYPES.get(employer) if kind in JOB_KINDS_ALL else None,
                None if end is None else reason,
            )
        )

    def aftercare(self, case: _Case, placements: list[_Placement]) -> None:
        """One or two periods of aftercare for some who started, within the case."""
        if not placements or self.rnd() >= 0.45:
            return
        last = case.closed - 1 if case.closed is not None else self.today
        start = placements[0].start + self.between(30, 120)
        for _period in range(2):
            if start > last:
                return
            end = start + self.between(30, 150)
            if case.closed is not None:
                end = min(end, case.closed)
            elif end > self.today:
                end = None
            # Weekly contact, or every fortnight as agreed with some (case by case).
            every = 14 if case.id % 5 == 0 else 7
            self.add_aftercare(
                (case.id, self.day(start), None if end is None else self.day(end), every)
            )
            if end is None or self.rnd() >= 0.3:
                return
            start = end + self.between(7, 60)

    def ratings(self, case: _Case) -> None:
        """Udsyn, Indsigt and Kompetencer at enrolment and then at most every 13 weeks,
        slowly improving on average."""
        rnd = self.rnd
        day = case.enrolled + self.between(0, 10)
        scores = [self.between(1, 3), self.between(1, 3), self.between(1, 3)]
        while day <= case.rating_until:
            self.add_rating((case.id, self.day(day), *scores))
            for i, score in enumerate(scores):
                r = rnd()
                if r < 0.35:
                    scores[i] = min(5, score + 1)
                elif r < 0.43:
                    scores[i] = max(1, score - 1)
            day += self.between(75, 91)

    def job_development(self, consultant_id: int, first_day: int) -> None:
        """Employer contacts with no young person: building a network of local companies."""
        notes, ways = NOTES["job-development"], WAYS["employer"]
        week = first_day
        while week <= self.today:
            for _contact in range(self.between(0, 2)):
                day = _weekday(week + int(self.rnd() * 5))
                if day <= self.today:
                    channel, minutes = self.pick(ways)
                    employer = self.pick(WORKPLACES)
                    self.add_contact(
                        (None, consultant_id, self.day(day), "employer", channel, minutes,
                         employer, self.pick(notes))
                    )  # fmt: skip
            week += 7


# --- the whole ----------------------------------------------------------------------------


def _waitlisted_at_end(rng: random.Random, participants: int) -> int:
    """The last 1-3 referrals wait for a place (from 20 participants up): `due` and
    `capacity` have a waitlist to show."""
    return rng.randint(1, 3) if participants >= 20 else 0


# The tables that take a row per contact, placement, rating and period.
CASE_TABLES = ("contacts", "placements", "progress_ratings", "aftercare_periods", "period_reviews")


@contextmanager
def _indexes_built_after(session: Session, tables: Sequence[str]) -> Iterator[None]:
    """On SQLite, drop the tables' indexes while the rows go in and build them again after:
    one sorted build is quicker than a million scattered inserts (22 s down to 14 s for a
    national-scale demo). All in the caller's transaction, so a failure leaves the
    indexes as they were. The indexes are rebuilt from their own stored definitions."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        yield
        return
    marks = ", ".join("?" for _ in tables)
    indexes = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master "
        f"WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})",
        tuple(tables),
    ).all()
    for name, _sql in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    yield
    for _name, sql in indexes:
        conn.exec_driver_sql(sql)


def generate(
    session: Session,
    participants: int,
    seed: int,
    today: date,
    on_cases: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Fill an empty database with a realistic synthetic caseload; returns row counts per table.

    Runs in the caller's transaction and refuses a database that already holds data; the
    same seed and today give the same rows. `on_cases(n)`, if given, is told as each
    consultant's cases are written (a progress bar; the rows do not depend on it).
    """
    if participants < 0:
        raise ValueError("participants must be 0 or more")
    if not _is_empty(session):
        raise IpsungError(
            _(
                "the database already holds data; demo fills only an empty one "
                "(use --db to choose a new file)"
            )
        )
    rng = random.Random(seed)
    now = today.toordinal()

    cases = _plan(rng, participants, now)
    enrolling = participants - _waitlisted_at_end(rng, participants)
    team = _team_names(rng, _team_size(cases, enrolling, now))
    _enrol(cases, enrolling, len(team), now)
    _settle(rng, cases, now)
    _showcase_due(rng, cases, now)

    # The contacts stream to a server as they are made (see _Writer).
    with _Writer(session, now - HISTORY_DAYS - 7, now, streamed="contacts") as writer:
        add_consultant = writer.adder("consultants")
        for name in team:
            add_consultant((name, MAX_CASELOAD, True))
        writer.flush_all()  # parents before children: foreign keys are checked on insert
        add_participant = writer.adder("participants")
        for case in cases:
            add_participant(_participant_row(case, _case_row(case, team, today), writer))
        writer.flush_all()

        # Consultant by consultant, so that inserts into the contacts' indexes stay local.
        rows = _CaseRows(rng, writer, now)
        caseloads: list[list[_Case]] = [[] for _ in team]
        for case in cases:
            if case.consultant is not None:
                caseloads[case.consultant].append(case)
        with _indexes_built_after(session, CASE_TABLES):
            for k, caseload in enumerate(caseloads):
                for case in caseload:
                    rows.case(case)
                rows.job_development(k + 1, _weekday(now - HISTORY_DAYS))
                if on_cases is not None:
                    on_cases(len(caseload))
            writer.flush_all()
    if on_cases is not None:
        on_cases(len(cases) - sum(map(len, caseloads)))  # the waitlisted: no history

    # The writer chose the ids itself: a server's id sequences must follow them, or the
    # next intake or contact would be given an id already taken.
    db.reset_id_sequences(session, list(writer.counts))

    audit.record(session, "demo", None, f"participants={participants} seed={seed}")
    session.flush()
    return writer.counts | {"audit_log": 1}


def _is_empty(session: Session) -> bool:
    """No consultant and no case yet: demo fills only such a database."""
    return not session.scalar(select(consultants.c.id).limit(1)) and not session.scalar(
        select(participants.c.id).limit(1)
    )
