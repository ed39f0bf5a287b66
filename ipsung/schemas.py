"""Validated input and the JSON shapes of SPEC.md, as pydantic models.

The JSON shapes are a contract with scripts: field names and order here are the ones
SPEC.md §4–§6 promise.
"""

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ipsung import rules


class IntakeData(BaseModel):
    """Everything intake needs, already parsed by the rules (dates, CPR, codes)."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1, max_length=200)
    birth_date: date
    cpr: str | None = None  # ten digits
    referral_date: date
    referred_by: str
    consultant: str | None = None
    diagnoses: tuple[str, ...] = ()
    under_assessment: bool = False
    mistrivsel: tuple[str, ...] = ()
    substance: str
    motivated: bool
    normal_cognition: bool
    goal: str | None = None
    pathway: str | None = None
    override: str | None = None
    waitlist: bool = False

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("a name is required")
        return value

    @field_validator("override", "goal")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("referred_by")
    @classmethod
    def _known_source(cls, value: str) -> str:
        return rules.parse_referral_source(value)

    @field_validator("pathway")
    @classmethod
    def _known_pathway(cls, value: str | None) -> str | None:
        return rules.parse_choice(value, rules.PATHWAYS, "--pathway") if value else None

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


class ConsultantOut(BaseModel):
    id: int
    name: str
    max_caseload: int
    open_cases: int
    active: bool


class CaseRow(BaseModel):
    id: int
    name: str | None
    status: str
    consultant: str | None
    track: str
    enrolled_on: date | None
    last_youth_contact: date | None


class ContactOut(BaseModel):
    id: int
    date: date
    kind: str
    channel: str
    minutes: int | None
    note: str | None
    employer: str | None = None


class PlacementOut(BaseModel):
    id: int
    kind: str
    start: date
    end: date | None
    hours: float | None
    employer: str | None
    end_reason: str | None


class AftercareOut(BaseModel):
    start: date
    end: date | None


class ProgressOut(BaseModel):
    date: date
    outlook: int
    insight: int
    skills: int


class ScreeningOut(BaseModel):
    eligible: bool
    override_reason: str | None
    diagnoses: list[str]
    under_assessment: bool
    mistrivsel: list[str]
    substance: str
    motivated: bool
    normal_cognition: bool


class CaseDetail(BaseModel):
    id: int
    name: str | None
    cpr: str | None
    birth_date: date
    age: int
    status: str
    consultant: str | None
    track: str
    referred_by: str
    referral_date: date
    enrolled_on: date | None
    closed_on: date | None
    close_reason: str | None
    goal: str | None
    pathway: str | None
    screening: ScreeningOut
    contacts: list[ContactOut]
    placements: list[PlacementOut]
    aftercare: list[AftercareOut]
    progress: list[ProgressOut]
