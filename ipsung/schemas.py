"""Validated input, as pydantic models.

The JSON documents that commands print are plain dicts built where they are rendered
(case_view, workload, outcomes): importing pydantic's model machinery costs every read
command ~50 ms at start, and tests hold the shapes of SPEC.md to account instead.
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
