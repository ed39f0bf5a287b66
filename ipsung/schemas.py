"""One pydantic model per kind of input row: a case, a contact, a placement, a rating.

`intake`, `edit`, `import` and `demo` check their rows with these models, so a row is held
to the same rules whichever way it comes in. A field takes the text a person typed (a
cell of a CSV file) or a value already read (the command line reads each option as it is
typed, to ask again at a prompt); text is read by the same rules the commands use
(day-first dates, CPR numbers, ICD-10 codes, the codes of `vocabulary`). What is wrong is
said where it was typed: at the option (`--birth-date: …`) or at the column of the file
(`line 4, column birth_date: …`). Days that already happened are checked against `today`.

Only what a row says about itself is checked here. What depends on the database (does
the case exist, is the consultant full, does the contact lie before the case's referral)
is the use case's to check.
"""

from datetime import date
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from ipsung import rules, vocabulary
from ipsung.errors import BadInput, shown
from ipsung.i18n import _

Where = Literal["option", "column"]
NAME_LENGTH = 200  # the database's column


class RowInvalid(BadInput):
    """A row that breaks the rules: each problem with where it was typed (an option or a
    column) and why. As one message: `--birth-date: …; --cpr: …`."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{where}: {reason}" for where, reason in problems))
        self.problems = problems


def _problem(reason: str, field: str | None = None) -> PydanticCustomError:
    # The field, when given, says where a problem found across fields belongs.
    return PydanticCustomError("ipsung", "{reason}", {"reason": reason, "field": field})


def _read(parse):
    """A field read from text by a rule; a value already read is taken as it is, and an
    empty text is no value."""

    def read(value: Any, info) -> Any:
        if not isinstance(value, str):
            return value
        value = value.strip()
        if not value:
            return None
        try:
            return parse(value, (info.context or {}).get("today"))
        except BadInput as exc:
            raise _problem(exc.reason) from None

    return BeforeValidator(read)


def _required(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _problem(_("a value is required"))
    return value


Required = BeforeValidator(_required)


def _whole_number(text: str, _today) -> int:
    try:
        return int(text)
    except ValueError:
        raise BadInput(_("'{value}' is not a whole number").format(value=shown(text))) from None


def _number(text: str, _today) -> float:
    try:
        return float(text.replace(",", "."))  # excel-dk writes a decimal comma
    except ValueError:
        raise BadInput(_("'{value}' is not a number").format(value=shown(text))) from None


def _case_key(text: str, _today) -> int:
    """`K-12` as exported (or a bare 12)."""
    value = text.upper().removeprefix("K-")
    if not value.isdigit():
        raise BadInput(_("'{value}' is not a case key like K-12").format(value=shown(text)))
    return int(value)


def _codes(parse):
    """A list of codes: a comma-separated text, or the codes already read."""

    def read(text: str, _today) -> tuple[str, ...]:
        parts = [part.strip() for part in text.split(",") if part.strip()]
        return tuple(dict.fromkeys(parse(part, None) for part in parts))

    return read


Day = Annotated[date, _read(lambda text, today: rules.parse_date(text, today, None))]
Flag = Annotated[bool, _read(lambda text, _today: vocabulary.parse_yes_no(text))]
CaseId = Annotated[int, _read(_case_key)]
Minutes = Annotated[int, _read(_whole_number)]
Hours = Annotated[float, _read(_number)]
Rating = Annotated[int, _read(_whole_number)]


def _code(parse):
    return _read(lambda text, _today: parse(text, None))


def _choice(choices):
    return _read(lambda text, _today: vocabulary.parse_choice(text, choices))


def _tidy(text: str, _today) -> str:
    return " ".join(text.split())


Text = Annotated[str, _read(lambda text, _today: text)]  # stripped; empty is none
Name = Annotated[str, _read(_tidy)]  # spaces tidied


class Row(BaseModel):
    """What the four rows share: reading, and saying where a problem was typed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    OPTIONS: ClassVar[dict[str, str]] = {}  # a field's option, where not --field-name
    COLUMNS: ClassVar[dict[str, str]] = {}  # a field's CSV column, where not field_name
    PAST: ClassVar[tuple[str, ...]] = ()  # days of things that already happened

    @model_validator(mode="before")
    @classmethod
    def _blank_is_missing(cls, values: Any) -> Any:
        """An empty cell or option is no value: the field's default, or required."""
        if isinstance(values, dict):
            return {k: v for k, v in values.items() if not (isinstance(v, str) and not v.strip())}
        return values

    @classmethod
    def where(cls, field: str | None, where: Where) -> str:
        if not field:
            return "-"
        if where == "column":
            return cls.COLUMNS.get(field, field)
        return cls.OPTIONS.get(field, "--" + field.replace("_", "-"))

    @classmethod
    def check(cls, values: dict[str, Any], today: date, where: Where = "option") -> Self:
        """The row, or RowInvalid naming every problem where it was typed."""
        try:
            return cls.model_validate(values, context={"today": today})
        except ValidationError as invalid:
            raise RowInvalid(
                [cls._placed(error, where) for error in invalid.errors(include_url=False)]
            ) from None

    @classmethod
    def _placed(cls, error: dict, where: Where) -> tuple[str, str]:
        context = error.get("ctx") or {}
        field = context.get("field") or (str(error["loc"][0]) if error["loc"] else None)
        if error["type"] == "ipsung":
            reason = context["reason"]
        elif error["type"] in ("missing", "none_required"):
            reason = _("a value is required")
        else:  # a value of the wrong type from code, not from a person: say it plainly
            reason = error["msg"]
        return cls.where(field, where), reason

    @model_validator(mode="after")
    def _not_in_the_future(self, info) -> Self:
        today = (info.context or {}).get("today")
        for field in self.PAST:
            day = getattr(self, field)
            if today is not None and day is not None and day > today:
                reason = _("{day} lies in the future").format(day=rules.format_date(day))
                raise _problem(reason, field)
        return self


class CaseRow(Row):
    """A young person's case: who, referred when and by whom, the screening inputs, the
    goal; from an import also its consultant, enrolment and closing."""

    OPTIONS = {"diagnoses": "--diagnosis", "id": "PARTICIPANT", "override": "--override"}
    COLUMNS = {"id": "case"}
    PAST = ("birth_date", "referral_date", "enrolled_on", "closed_on")

    id: CaseId | None = None
    name: Annotated[Name, Required]
    cpr: Annotated[str | None, _read(lambda text, _today: rules.parse_cpr(text, None).digits)] = (
        None
    )
    birth_date: Day | None = None
    referral_date: Annotated[Day, Required]
    referred_by: Annotated[str, Required, _code(vocabulary.parse_referral_source)]
    consultant: Name | None = None
    diagnoses: Annotated[tuple[str, ...], _read(_codes(rules.parse_diagnosis))] = ()
    under_assessment: Flag = False
    mistrivsel: Annotated[tuple[str, ...], _read(_codes(vocabulary.parse_mistrivsel_sign))] = ()
    substance: Annotated[str, Required, _code(vocabulary.parse_substance)]
    motivated: Annotated[Flag, Required]
    normal_cognition: Annotated[Flag, Required]
    goal: Text | None = None
    pathway: Annotated[str | None, _choice(vocabulary.PATHWAYS)] = None
    track: Annotated[str | None, _choice(vocabulary.TRACKS)] = None  # None: from diagnoses
    override: Text | None = None
    enrolled_on: Day | None = None
    closed_on: Day | None = None
    close_reason: Annotated[str | None, _choice(vocabulary.CLOSE_REASONS)] = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if len(self.name) > NAME_LENGTH:
            raise _problem(_("at most {n} characters").format(n=NAME_LENGTH), "name")
        from_cpr = rules.parse_cpr(self.cpr).birth_date if self.cpr else None
        if from_cpr and self.birth_date and from_cpr != self.birth_date:
            raise _problem(_("does not match the CPR number"), "birth_date")
        if from_cpr is None and self.birth_date is None:
            raise _problem(_("give a birth date or a CPR number"), "birth_date")
        if from_cpr:
            object.__setattr__(self, "birth_date", from_cpr)
        referral = self.referral_date
        if self.enrolled_on and self.enrolled_on < referral:
            raise _problem(_("before the referral date"), "enrolled_on")
        if self.closed_on and self.closed_on < (self.enrolled_on or referral):
            raise _problem(_("before the enrolment"), "closed_on")
        if bool(self.closed_on) != bool(self.close_reason):
            field = "close_reason" if self.closed_on else "closed_on"
            raise _problem(_("closed_on and close_reason go together"), field)
        return self

    def screening_input(self) -> rules.ScreeningInput:
        return rules.ScreeningInput(
            birth_date=self.birth_date,
            on=self.referral_date,
            substance=self.substance,
            motivated=self.motivated,
            normal_cognition=self.normal_cognition,
            diagnoses=self.diagnoses,
            under_assessment=self.under_assessment,
            mistrivsel=self.mistrivsel,
        )


class ContactRow(Row):
    """A contact with or about a young person; an employer contact may name no young
    person (job development with a local company)."""

    OPTIONS = {"participant_id": "PARTICIPANT", "day": "--date"}
    COLUMNS = {"participant_id": "case", "day": "date"}
    PAST = ("day",)

    participant_id: CaseId | None = None
    day: Annotated[Day, Required]
    kind: Annotated[str, Required, _choice(vocabulary.CONTACT_KINDS)]
    channel: Annotated[str, _choice(vocabulary.CHANNELS)] = vocabulary.DEFAULT_CHANNEL
    minutes: Minutes | None = None
    employer: Name | None = None
    note: Text | None = None
    consultant: Name | None = None

    @model_validator(mode="after")
    def _who_and_where(self) -> Self:
        if self.minutes is not None:
            _within(rules.parse_minutes, self.minutes, "minutes")
        if self.participant_id is None and self.kind != "employer":
            raise _problem(
                _("needed for a {kind} contact").format(kind=self.kind), "participant_id"
            )
        if self.participant_id is None and not self.employer:
            reason = _("name the company for job development without a participant")
            raise _problem(reason, "employer")
        return self

    def record(self) -> dict:
        """The row's columns as stored (the consultant, a name here, is the caller's to
        look up)."""
        return {
            "participant_id": self.participant_id,
            "date": self.day,
            "kind": self.kind,
            "channel": self.channel,
            "minutes": self.minutes,
            "employer": self.employer,
            "note": self.note,
        }


class PlacementRow(Row):
    """A job, internship or education the young person started (and, from an import, its end)."""

    OPTIONS = {"participant_id": "PARTICIPANT", "end": "--date", "end_reason": "--reason"}
    COLUMNS = {"participant_id": "case"}
    PAST = ("start", "end")

    participant_id: Annotated[CaseId, Required]
    kind: Annotated[str, Required, _choice(vocabulary.PLACEMENT_KINDS)]
    start: Annotated[Day, Required]
    end: Day | None = None
    hours: Hours | None = None
    employer: Name | None = None
    job_type: Annotated[str | None, _code(vocabulary.parse_job_type)] = None
    end_reason: Text | None = None

    @model_validator(mode="after")
    def _in_order(self) -> Self:
        if self.hours is not None:
            _within(rules.parse_hours, self.hours, "hours")
        if self.end is not None and self.end < self.start:
            raise _problem(_("before the start"), "end")
        if self.job_type is not None and self.kind not in vocabulary.JOB_KINDS:
            raise _problem(
                _("a job type is for a job, not for {kind}").format(kind=self.kind), "job_type"
            )
        return self

    def record(self) -> dict:
        """The row's columns as stored."""
        return self.model_dump()


class RatingRow(Row):
    """The young person's own rating on Ungegarantien's three dimensions: Udsyn (outlook),
    Indsigt (insight) and Kompetencer (skills), each a whole number 1-5."""

    OPTIONS = {"participant_id": "PARTICIPANT", "day": "--date"}
    COLUMNS = {"participant_id": "case", "day": "date"}
    PAST = ("day",)

    participant_id: Annotated[CaseId, Required]
    day: Annotated[Day, Required]
    outlook: Annotated[Rating, Required]
    insight: Annotated[Rating, Required]
    skills: Annotated[Rating, Required]

    @model_validator(mode="after")
    def _one_to_five(self) -> Self:
        for dimension in vocabulary.DIMENSIONS:
            _within(rules.parse_rating, getattr(self, dimension), dimension)
        return self

    def record(self) -> dict:
        """The row's columns as stored."""
        ratings = {dimension: getattr(self, dimension) for dimension in vocabulary.DIMENSIONS}
        return {"participant_id": self.participant_id, "date": self.day, **ratings}


class AftercareRow(Row):
    """A period of aftercare (efterværn), as an import reads it: start, end and the
    contact interval agreed (aftercare start and end at the command line)."""

    OPTIONS = {"participant_id": "PARTICIPANT", "start": "--date", "end": "--date"}
    COLUMNS = {"participant_id": "case"}
    PAST = ("start", "end")

    participant_id: Annotated[CaseId, Required]
    start: Annotated[Day, Required]
    end: Day | None = None
    contact_every: Annotated[int, _read(_whole_number)] = 7

    @model_validator(mode="after")
    def _in_order(self) -> Self:
        if not rules.CONTACT_EVERY_DAYS[0] <= self.contact_every <= rules.CONTACT_EVERY_DAYS[1]:
            low, high = rules.CONTACT_EVERY_DAYS
            reason = _("days between contacts lie between {low} and {high}, not {n}").format(
                low=low, high=high, n=self.contact_every
            )
            raise _problem(reason, "contact_every")
        if self.end is not None and self.end < self.start:
            raise _problem(_("before the start"), "end")
        return self

    def record(self) -> dict:
        return self.model_dump()


class ReviewRow(Row):
    """The review of a 26-week period, as an import reads it (ipsung review)."""

    OPTIONS = {"participant_id": "PARTICIPANT", "day": "--date"}
    COLUMNS = {"participant_id": "case", "day": "date"}
    PAST = ("day",)

    participant_id: Annotated[CaseId, Required]
    day: Annotated[Day, Required]
    period: Annotated[int, Required, _read(_whole_number)]
    note: Text | None = None

    @model_validator(mode="after")
    def _a_period(self) -> Self:
        if self.period < 1:
            raise _problem(
                _("a period is numbered from 1, not {n}").format(n=self.period), "period"
            )
        return self

    def record(self) -> dict:
        return {
            "participant_id": self.participant_id,
            "date": self.day,
            "period": self.period,
            "note": self.note,
        }


def _within(rule, value, field: str) -> None:
    """A range rule of `rules` (minutes, hours, ratings) applied to one field."""
    try:
        rule(value, None)
    except BadInput as exc:
        raise _problem(exc.reason, field) from None
