"""How explanations show RDF terms: recorded decisions, outcomes, quantities and literals."""

from __future__ import annotations

from decimal import Decimal

from rdflib import Literal
from rdflib.namespace import XSD
from rdflib.term import Node

from kg.screening.model import DecisionRecord


def decision_record(node, outcome, approved) -> DecisionRecord | None:
    """A recorded UR or IMR decision as the explanation (and the stored report) shows it."""
    if node is None or outcome is None:
        return None
    return DecisionRecord(
        outcome=outcome_name(outcome),
        approved_quantity=int(approved) if approved is not None else None,
        iri=str(node),
    )


def outcome_name(outcome: Node | None) -> str | None:
    """imr:Upheld -> "upheld": the outcome as JSON and reports name it."""
    if outcome is None:
        return None
    return str(outcome).rsplit("#", 1)[-1].lower()


def quantity_text(row: dict) -> str | None:
    """The requested quantity as shown: "12 visits", "6-8 visits"."""
    low, high, unit = row.get("quantityMin"), row.get("quantityMax"), row.get("unit")
    if low is None and high is None:
        return None
    amount = str(high if low is None else low if high is None or low == high else f"{low}-{high}")
    return f"{amount} {unit}" if unit is not None else amount


def literal_text(value: Literal) -> str:
    """A literal as an explanation shows it: decimals without trailing zeros (a derived dose of
    40.00 mg reads 40)."""
    if value.datatype == XSD.decimal:
        number = value.toPython()
        if isinstance(number, Decimal):
            return format(number.normalize(), "f")
    return str(value)


def span(row: dict) -> tuple[int, int] | None:
    if "spanStart" in row and "spanEnd" in row:
        return int(row["spanStart"]), int(row["spanEnd"])
    return None


def term_text(value: Node | None) -> str | None:
    """An RDF term as text, None kept as None."""
    if value is None:
        return None
    return str(value)
