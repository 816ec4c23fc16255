"""The objects an evaluation returns: plain dataclasses that serialise to the JSON contract.

JSON contract (stable; see README): top-level ``requests``; each request has ``service``,
``body_region``, ``verdict``, ``criteria`` (each with ``label``, ``status``, ``provision``
{``guideline``, ``document``, ``chapter``, ``pages``, ``table``}, ``conditions`` [{``label``,
``status``, ``evidence``}]), ``imr_outcome`` and ``agrees_with_imr``. Other keys may be added;
none of these is renamed or removed without a new major version.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Literal

from rdflib import Graph

from kg.knowledge.citations import Caveat, Citation

Verdict = Literal["criteria_met", "criteria_not_met", "not_covered"]
Status = Literal["met", "not_met", "not_documented"]

DISCLAIMER = (
    "IMR-KG screens the documented facts against guideline criteria. It does not deny, modify "
    "or approve treatment: in California only a physician reviewer may do that."
)


@dataclass
class Evidence:
    """A fact from the record behind a status: a finding, the request itself, a reviewer's
    statement that something was not documented, or a visit of the record that lacks a finding
    required at every visit."""

    kind: Literal["finding", "request", "documentation_gap", "visit"]
    text: str
    document: str | None = None
    document_type: str | None = None
    date: str | None = None
    span: tuple[int, int] | None = None
    node: str | None = None


@dataclass
class ConditionResult:
    """One condition (leaf) or group of conditions (``combination`` set) of a criterion."""

    label: str
    status: Status
    requirement: str
    evidence: list[Evidence] = field(default_factory=list)
    fact_status: str | None = None
    combination: Literal["all_of", "any_of", "none_of"] | None = None
    conditions: list[ConditionResult] = field(default_factory=list)
    iri: str | None = None
    caveats: list[Caveat] = field(default_factory=list)


@dataclass
class CriterionResult:
    label: str
    status: Literal["met", "not_met"]
    definition: str
    combination: Literal["all_of", "any_of", "none_of"]
    provision: Citation
    supporting_provisions: list[Citation]
    search_tier: str
    conditions: list[ConditionResult]
    iri: str
    caveats: list[Caveat] = field(default_factory=list)


@dataclass
class DecisionRecord:
    """A UR or IMR decision as it was recorded (data, reported as made)."""

    outcome: str
    approved_quantity: int | None = None
    iri: str | None = None


@dataclass
class DateBound:
    """One statement of the record that bounds a request's date, and the rule that makes it
    a bound (ontology/vocabularies/date-bounds.ttl)."""

    not_before: str | None
    not_after: str | None
    rule: str  # IRI of the imr:DateBoundRule
    rule_label: str
    statement: str  # IRI of the statement: a decision, the injury, a provision, the request
    text: str | None = None  # the statement's quote or citation, where it has one


@dataclass
class DateInterval:
    """Between which dates the request's date lies (either end None: open), and why."""

    earliest: str | None
    latest: str | None
    bounds: list[DateBound] = field(default_factory=list)


@dataclass
class EraResult:
    """The screen of a request under one period of its date interval over which the same
    provisions are in force (given only when the interval spans a change of guidelines)."""

    start: str | None
    end: str | None
    verdict: Verdict
    criteria: list[str]
    documents: list[str]


@dataclass
class RequestResult:
    iri: str
    requested_as: str | None
    service: str | None
    body_region: list[str]
    quantity: str | None
    request_date: str | None
    verdict: Verdict
    reason: str
    criteria: list[CriterionResult]
    ur_decision: DecisionRecord | None
    imr_decision: DecisionRecord | None
    imr_outcome: str | None
    agrees_with_imr: bool | None
    disputed: bool
    reviewer_noted_undocumented: list[Evidence] = field(default_factory=list)
    date_interval: DateInterval | None = None
    # Criteria (IRIs) the verdict rests on whose provision is marked inferred (INF); the
    # reason says so too.
    rests_on_inferred: list[str] = field(default_factory=list)
    eras: list[EraResult] = field(default_factory=list)


@dataclass
class Evaluation:
    case: str
    source: str
    knowledge_version: str
    requests: list[RequestResult]
    disclaimer: str = DISCLAIMER
    # What reading the case's letter kept but could not map (imr:ingestWarning), in words.
    warnings: list[str] = field(default_factory=list)
    # The case's SHACL validation report, reproduced by the screen that made this evaluation
    # (a store keeps it only with --store-reports), and the verdict graph a store keeps: what
    # the screen computed (verdicts, statuses, evidence as links to the case's nodes) and the
    # derived facts, with no text the knowledge or the case graph holds (kg.screening.verdicts).
    report: Graph | None = field(default=None, repr=False, compare=False)
    verdict_graph: Graph | None = field(default=None, repr=False, compare=False)

    def request(self, needle: str) -> RequestResult:
        """The request whose IRI ends with `needle` (convenience for tools and tests)."""
        matches = [r for r in self.requests if r.iri.endswith(needle)]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} requests match {needle!r}")
        return matches[0]

    def to_dict(self) -> dict:
        """The JSON contract: everything but the RDF graphs."""
        return {
            f.name: _plain(getattr(self, f.name))
            for f in fields(self)
            if f.name not in ("report", "verdict_graph")
        }


def _plain(value):
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return asdict(value)
    return value
