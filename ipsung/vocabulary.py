"""The words a person types where a choice is asked for, and the codes that are stored.

Every fixed list of the effort lives here once: the kinds of contact and placement, the
channels, the closing reasons, the pathways and tracks, the referral sources and signs
of mistrivsel (kept as data in data/), the substance levels, and yes and no. Commands
build their help and their prompts from these lists, the rules and the schemas check
against them, and the database stores the English codes.
"""

from ipsung.errors import BadInput, shown
from ipsung.i18n import _
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
    "A": "no problem",
    "B": "light problem",
    "C": "moderate problem",
    "D": "severe problem",
    "E": "complete problem",
}

# What `export` writes and `import` reads, a CSV file each; and the two dialects.
EXPORT_TABLES = ("participants", "contacts", "placements", "progress", "aftercare", "reviews")
DIALECTS = ("csv", "excel-dk")

# Yes and no, at a prompt and in an imported cell alike (an export writes true/false).
YES = frozenset({"y", "yes", "j", "ja", "true", "1"})
NO = frozenset({"n", "no", "nej", "false", "0"})


def listed(choices) -> str:
    """`a, b, c`: a list of codes as help texts and errors show it."""
    return ", ".join(choices)


def parse_choice(text: str, choices, where: str | None = None) -> str:
    """One of a fixed list of codes, case-insensitive; the error lists them."""
    value = text.strip().lower()
    if value not in choices:
        raise BadInput(
            _("'{value}' is not one of {choices}").format(
                value=shown(text), choices=listed(choices)
            ),
            where,
        )
    return value


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
            value=shown(text), choices=listed(refdata.mistrivsel_signs())
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
