"""Policy events and shocks that fire at a given year (docs/ODD.md §3.3, "Policy events").

A scenario is a timeline of these; the model applies the ones due at the start of each year,
before that year's shocks (so a scheduled shock strikes in its year). Each kind documents what
`value` means, so scenario files, the scenario README and error messages all read from the same
table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CONVENTIONS: tuple[str, ...] = (
    "africa",  # Addis Ababa (2014), successor of Arusha (1981)
    "arab",  # Arab States (2022), successor of the 1978 convention
    "asia_pacific",  # Tokyo (2011), successor of Bangkok (1983)
    "latin_america",  # Buenos Aires (2019), successor of Mexico City (1974)
    "europe",  # Lisbon Recognition Convention (1997)
    "mediterranean",  # Nice (1976)
    "global",  # UNESCO Global Convention (2019)
)
HAZARDS: tuple[str, ...] = ("drought", "flood", "cyclone", "heat")
VISA_GROUPS: tuple[str, ...] = ("students", "skilled", "scientists")


@dataclass(frozen=True)
class EventKind:
    """What an event kind needs, what its `value` means, and what it does: raising its lever
    (its value; joining, for a convention) moves `outcome` (a metric) of `outcome_of` (the
    event's countries, its partners, or the world) in the direction `direction` (+1 up,
    -1 down). `tests/test_events.py` checks every one."""

    name: str
    value_meaning: str
    value_low: float
    value_high: float
    outcome: str
    outcome_of: str  # "countries", "partners" or "world"
    direction: int
    needs_countries: bool = True
    uses: tuple[str, ...] = ()  # extra fields: "partners", "convention", "hazard", "group", "until"

    def effect(self) -> str:
        """The documented effect in words (for docs and messages)."""
        moves = "raises" if self.direction > 0 else "lowers"
        whose = {"countries": "the countries'", "partners": "the partners'", "world": "the world's"}
        return f"{moves} {whose[self.outcome_of]} `{self.outcome}`"


EVENT_KINDS: dict[str, EventKind] = {
    k.name: k
    for k in (
        EventKind(
            "join_convention",
            "unused (0)",
            0.0,
            0.0,
            "brain_waste_rate",
            "countries",
            -1,
            uses=("convention",),
        ),
        EventKind(
            "bilateral_recognition",
            "extra recognition probability between countries and partners, both ways",
            0.0,
            1.0,
            "brain_waste_rate",
            "countries",
            -1,
            uses=("partners",),
        ),
        EventKind(
            "quality_assurance",
            "new quality-assurance level (0-1)",
            0.0,
            1.0,
            "brain_waste_rate",
            "countries",
            -1,
        ),
        EventKind(
            "ict_investment",
            "ICT level (internet share, 0-1) reached by `until` (at once without it)",
            0.0,
            1.0,
            "knowledge_transfer",
            "countries",
            1,
            uses=("until",),
        ),
        EventKind(
            "diaspora_engagement",
            "new engagement of the countries' diasporas",
            0.0,
            1.0,
            "knowledge_transfer",
            "countries",
            1,
        ),
        EventKind(
            "return_incentive",
            "extra utility (log-wage units) of returning to these countries",
            0.0,
            5.0,
            "returns",
            "countries",
            1,
        ),
        EventKind(
            "visa_facilitation",
            "new visa openness (0-1) of these destinations for the group",
            0.0,
            1.0,
            "students_inbound",
            "countries",
            1,
            uses=("group",),
        ),
        EventKind(
            "integration_policy",
            "new social openness to migrants (0-1); low openness pushes migrants home or on",
            0.0,
            1.0,
            "return_rate",
            "world",
            -1,
        ),
        EventKind(
            "education_seats",
            "multiplier of tertiary seats",
            0.0,
            10.0,
            "new_students",
            "countries",
            1,
        ),
        EventKind(
            "education_quality",
            "change of education quality (capped to 0-1)",
            -1.0,
            1.0,
            "students_outbound",
            "countries",
            -1,
        ),
        EventKind(
            "ethical_recruitment",
            "share of recruitment from shortage countries (partners, or origins with a "
            "tertiary share under `shortage_share`) that these destinations forgo",
            0.0,
            1.0,
            "emigrations",
            "partners",
            -1,
            uses=("partners",),
        ),
        EventKind(
            "climate_trend",
            "yearly growth of hazard probabilities from now on (all countries if none named)",
            -0.05,
            0.1,
            "env_displaced",
            "world",
            1,
            needs_countries=False,
        ),
        EventKind(
            "adaptation",
            "new adaptation level (0-1)",
            0.0,
            1.0,
            "env_displaced",
            "countries",
            -1,
        ),
        EventKind(
            "shock",
            "severity: share of residents displaced by a one-off event this year",
            0.0,
            1.0,
            "env_displaced",
            "countries",
            1,
            uses=("hazard",),
        ),
        EventKind(
            "remittance_cost",
            "new cost of sending remittances (share, 0-1)",
            0.0,
            1.0,
            "remittances",
            "countries",
            -1,
        ),
    )
}


class EventError(ValueError):
    """A malformed event: which field, and what is wrong with it (including what is allowed)."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class PolicyEvent:
    """One scheduled event. `countries` and `partners` hold ISO3 codes or region names."""

    kind: str
    year: int
    countries: tuple[str, ...] = ()
    value: float = 0.0
    partners: tuple[str, ...] = ()
    convention: str | None = None
    hazard: str | None = None
    group: str | None = None
    until: int | None = None
    label: str = field(default="", compare=False)

    def check(self) -> None:
        """Raise EventError naming the field and what is allowed, if the event is malformed."""
        spec = EVENT_KINDS.get(self.kind)
        if spec is None:
            raise EventError(
                "kind", f"unknown event kind {self.kind!r}; allowed: {sorted(EVENT_KINDS)}"
            )
        if not (spec.value_low <= self.value <= spec.value_high):
            raise EventError(
                "value",
                f"{self.value!r} out of range for {self.kind} ({spec.value_meaning}); "
                f"allowed: [{spec.value_low}, {spec.value_high}]",
            )
        if spec.needs_countries and not self.countries:
            raise EventError("countries", f"{self.kind} needs at least one country or region")
        choices = {"convention": CONVENTIONS, "hazard": HAZARDS, "group": VISA_GROUPS}
        for name, allowed in choices.items():
            if name in spec.uses and getattr(self, name) not in allowed:
                raise EventError(name, f"got {getattr(self, name)!r}; allowed: {list(allowed)}")
        if "partners" in spec.uses and self.kind == "bilateral_recognition" and not self.partners:
            raise EventError("partners", "bilateral_recognition needs at least one partner")
        if self.until is not None and self.until < self.year:
            raise EventError("until", f"{self.until} is before the event year {self.year}")
        for name in ("partners", "convention", "hazard", "group", "until"):
            if name not in spec.uses and getattr(self, name) not in (None, ()):
                raise EventError(name, f"not used by {self.kind}; it uses {list(spec.uses)}")
