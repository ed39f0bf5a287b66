"""The words a person types where a choice is asked for, and the codes that are stored.

Every fixed list of the effort lives here once: the kinds of contact and placement, the
channels, the closing reasons, the pathways and tracks, the referral sources and signs
of mistrivsel (kept as data in data/), the substance levels, and yes and no. Commands
build their help and their prompts from these lists, the rules and the schemas check
against them, and the database stores the English codes.

Each code has one Danish word (docs/glossary.md gives each its source in the seeds). A
person may type either, in any case; help, prompts and completion list the Danish words
when the language in use is Danish. The stored code, the JSON and the CSV stay English.
"""

from ipsung.errors import BadInput, shown
from ipsung.i18n import N_, _, active
from ipsung.store import refdata

CONTACT_KINDS = (
    "youth",
    "three-party",  # trepartssamtale: the young person, the referrer and the consultant
    "employer",
    "education",
    "treatment",
    "network",
    "caseworker",
)
YOUTH_CONTACT_KINDS = ("youth", "three-party")  # the weekly contact with the young person
CHANNELS = ("in-person", "phone", "video", "text", "email")
DEFAULT_CHANNEL = CHANNELS[0]
PLACEMENT_KINDS = (
    "internship",  # virksomhedspraktik
    "ordinary-job",
    "flex-job",
    "wage-subsidy",  # løntilskud
    "education",
    "fgu",
    "apprenticeship",  # elev/læreplads
)
# What counts as "started a job or education" (SPEC §8); internship and wage subsidy do not.
COUNTED_PLACEMENT_KINDS = ("ordinary-job", "flex-job", "education", "fgu", "apprenticeship")
# Placements at a workplace (with an employer and a job type), not at a school.
JOB_KINDS = ("internship", "ordinary-job", "flex-job", "wage-subsidy", "apprenticeship")
# Of those, the competitive jobs: an ordinary contract and wage (issue 14 counts flex-jobs
# and, as ipsung reads it, apprenticeships), not an internship or a wage subsidy. The IPS
# Employment Center's quarterly bands are read on these.
COMPETITIVE_JOB_KINDS = ("ordinary-job", "flex-job", "apprenticeship")
CLOSE_REASONS = ("goal-reached", "declined", "moved", "no-contact", "transferred", "other")
PATHWAYS = ("job-placement", "job-development", "education")
TRACKS = ("ips", "ips-like")
STATUSES = ("active", "waitlisted", "closed")
LIST_SORTS = ("id", "name", "enrolled")  # ipsung list --sort
# Ungegarantien's three dimensions of a progress rating: Udsyn, Indsigt, Kompetencer.
DIMENSIONS = ("outlook", "insight", "skills")
SUBSTANCE_LEVELS = {
    "A": N_("no problem"),
    "B": N_("light problem"),
    "C": N_("moderate problem"),
    "D": N_("severe problem"),
    "E": N_("complete problem"),
}

# What `export` writes and `import` reads, a CSV file each; and the two dialects.
EXPORT_TABLES = ("participants", "contacts", "placements", "progress", "aftercare", "reviews")
DIALECTS = ("csv", "excel-dk")
GROUPINGS = ("consultant", "referred-by", "pathway", "track")  # outcomes --by
ALL = "all"  # list --status all, export all, import all

# The Danish word for each code, by list (the glossary's; referral sources and signs of
# mistrivsel keep theirs beside them in data/). Codes already Danish (fgu, video) stand.
DANISH: dict[tuple, dict[str, str]] = {
    CONTACT_KINDS: {
        "youth": "ung",
        "three-party": "trepartssamtale",
        "employer": "arbejdsgiver",
        "education": "uddannelse",
        "treatment": "behandling",
        "network": "netværk",
        "caseworker": "sagsbehandler",
    },
    CHANNELS: {
        "in-person": "fremmøde",
        "phone": "telefon",
        "video": "video",
        "text": "sms",
        "email": "mail",
    },
    PLACEMENT_KINDS: {
        "internship": "praktik",
        "ordinary-job": "job",
        "flex-job": "fleksjob",
        "wage-subsidy": "løntilskud",
        "education": "uddannelse",
        "fgu": "fgu",
        "apprenticeship": "lærling",
    },
    CLOSE_REASONS: {
        "goal-reached": "mål-nået",
        "declined": "fravalgt",
        "moved": "fraflyttet",
        "no-contact": "ingen-kontakt",
        "transferred": "overdraget",
        "other": "andet",
    },
    PATHWAYS: {
        "job-placement": "jobformidling",
        "job-development": "jobudvikling",
        "education": "uddannelse",
    },
    TRACKS: {"ips": "ips", "ips-like": "ips-lignende"},
    STATUSES: {"active": "aktiv", "waitlisted": "venteliste", "closed": "afsluttet"},
    LIST_SORTS: {"id": "id", "name": "navn", "enrolled": "indskrevet"},
    EXPORT_TABLES: {
        "participants": "deltagere",
        "contacts": "kontakter",
        "placements": "placeringer",
        "progress": "progression",
        "aftercare": "efterværn",
        "reviews": "statusmøder",
    },
    GROUPINGS: {
        "consultant": "konsulent",
        "referred-by": "henviser",
        "pathway": "vej",
        "track": "spor",
    },
}
DANISH_ALL = "alle"
# Codes a person reads but never types: the reasons of the due list (due_rules.py), the
# capacity states (rules.capacity_state), the five criteria of the screening and the
# tables (participants, contacts … have their words as export tables above).
DANISH_SHOWN = {
    "weekly-contact": "ugentlig-kontakt",
    "intake-meeting": "indledende-samtale",
    "employer-contact": "arbejdsgiverkontakt",
    "placement-follow-up": "opfølgning",
    "progress-rating": "progressionsvurdering",
    "period-review": "statusmøde",
    "waitlist": "venteliste",
    "over": "over",
    "full": "fuld",
    "in-band": "i-norm",
    "below-band": "under-norm",
    "age": "alder",
    "target_group": "målgruppe",
    "substance_use": "misbrug",
    "motivation": "motivation",
    "cognition": "kognition",
    # the tables, as demo and import count what they wrote
    "consultants": "konsulenter",
    "aftercare_periods": "efterværnsperioder",
    "period_reviews": "statusmøder",
    "progress_ratings": "progressionsvurderinger",
    "fidelity_scores": "fidelitetsscorer",
    "audit_log": "auditlog",
}

# Yes and no, at a prompt and in an imported cell alike (an export writes true/false).
YES = frozenset({"y", "yes", "j", "ja", "true", "1"})
NO = frozenset({"n", "no", "nej", "false", "0"})


def listed(choices) -> str:
    """`a, b, c`: a list of codes as help texts and errors show it."""
    return ", ".join(choices)


def words_for(choices) -> dict[str, str]:
    """The Danish word of each code of a list (a code without one stands for itself)."""
    codes = tuple(c for c in choices if c != ALL)
    # A whole list has its words; part of one (the channels but the default) its codes'.
    known = DANISH.get(codes) or {c: w for words in DANISH.values() for c, w in words.items()}
    if codes == referral_sources():
        known = {code: source["word"] for code, source in refdata.referral_sources().items()}
    elif codes == mistrivsel_signs():
        known = {code: sign["da"] for code, sign in refdata.mistrivsel_signs().items()}
    words = {code: known.get(code, code) for code in choices}
    if ALL in choices:
        words[ALL] = DANISH_ALL
    return words


def shown_choices(choices) -> list[str]:
    """The choices as a person types them in the language in use: the Danish words in
    Danish, the codes in English."""
    if active()[0] == "da":
        return list(words_for(choices).values())
    return list(choices)


def shown_code(code: str | None) -> str | None:
    """One code as the language in use writes it (`in-person` is `fremmøde` in Danish):
    the codes of the lists above, the referral sources and signs of mistrivsel, and
    DANISH_SHOWN."""
    if active()[0] != "da" or code is None:
        return code
    if code == ALL:
        return DANISH_ALL
    if code in DANISH_SHOWN:
        return DANISH_SHOWN[code]
    for words in DANISH.values():
        if code in words:
            return words[code]
    if source := refdata.referral_sources().get(code):
        return source["word"]
    if sign := refdata.mistrivsel_signs().get(code):
        return sign["da"]
    return code


def parse_choice(text: str, choices, where: str | None = None) -> str:
    """One of a fixed list of codes, or its Danish word, in any case; the error lists the
    choices as the language in use writes them."""
    value = text.strip().lower()
    if value in choices:
        return value
    for code, word in words_for(choices).items():
        if value == word.lower():
            return code
    raise BadInput(
        _("'{value}' is not one of {choices}").format(
            value=shown(text), choices=listed(shown_choices(choices))
        ),
        where,
    )


def parse_yes_no(text: str, where: str | None = None) -> bool:
    value = text.strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    raise BadInput(_("answer y/yes/j/ja or n/no/nej"), where)


def referral_sources() -> tuple[str, ...]:
    return tuple(refdata.referral_sources())


def parse_referral_source(text: str, where: str | None = "--referred-by") -> str:
    return parse_choice(text, referral_sources(), where)


def mistrivsel_signs() -> tuple[str, ...]:
    return tuple(refdata.mistrivsel_signs())


def parse_mistrivsel_sign(text: str, where: str | None = "--mistrivsel") -> str:
    """A sign of mistrivsel (psychological distress), English or Danish, as its English code."""
    value = text.strip().lower()
    for code, sign in refdata.mistrivsel_signs().items():
        if value in (code, sign["da"].lower()):
            return code
    raise BadInput(
        _("'{value}' is not a sign; choose from {choices}").format(
            value=shown(text), choices=listed(shown_choices(mistrivsel_signs()))
        ),
        where,
    )


def job_types() -> tuple[str, ...]:
    return tuple(refdata.job_types())


def parse_job_type(text: str, where: str | None = "--job-type") -> str:
    """A DISCO-08 major group: its digit, 0-9."""
    return parse_choice(text, job_types(), where)


def parse_substance(text: str, where: str | None = "--substance") -> str:
    value = text.strip().upper()
    if value not in SUBSTANCE_LEVELS:
        raise BadInput(
            _("'{value}' is not a level; choose A, B, C, D or E").format(value=shown(text)), where
        )
    return value
