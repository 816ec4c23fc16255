"""Medication strengths read from letters (issue 5): "Norco 10/325 #120" becomes hydrocodone
10 mg + acetaminophen 325 mg (the product's ingredient order is RDF), with the strength's span
in the letter; the units a day or days' supply the letter states give the daily oral
morphine-equivalent dose shown in the explanation; without them the dose stays not documented
and the explanation says what the request does not state."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import derived, evaluated, find_condition
from rdflib import Graph
from typer.testing import CliRunner

import kg
from kg.core.namespaces import IMR, VC
from kg.ingest.lexicon import load_lexicon
from kg.ingest.strengths import find_medication, read_schedule, read_strengths
from kg.interfaces.cli import app
from kg.knowledge.catalogue import load_catalogue

LETTERS = Path(__file__).parent / "letters"
WITHIN_LETTER = LETTERS / "2013-15-norco-four-times-daily-within-ceiling.txt"
ABOVE_LETTER = LETTERS / "2014-12-norco-and-fentanyl-above-ceiling.txt"
NO_SCHEDULE_LETTER = LETTERS / "2014-04-norco-denied.txt"
CEILING = "https://w3id.org/imr-kg/criterion/cpmtg-2009-opioids-dose-ceiling"
WITHIN = "https://w3id.org/imr-kg/criterion/cpmtg-2009-opioids-dose-within-ceiling"
TOTAL = "total daily oral morphine-equivalent dose of the opioids requested together (mg)"


def _ceiling(letter: Path, requested_as: str):
    evaluation = evaluated(letter)
    [request] = [r for r in evaluation.requests if r.requested_as == requested_as]
    ceiling = next(c for c in request.criteria if c.iri == CEILING)
    return ceiling, find_condition(ceiling.conditions, WITHIN)


def _strengths(graph: Graph, text: str) -> set[tuple[str, str, Decimal, str, str]]:
    """(medication name, ingredient, value, unit, letter text at the span) per strength."""
    found = set()
    for request, strength in graph.subject_objects(IMR.doseStrength):
        start, end = (
            int(graph.value(strength, IMR.spanStart)),
            int(graph.value(strength, IMR.spanEnd)),
        )
        assert str(graph.value(strength, IMR.quote)) == text[start:end]
        assert graph.value(strength, IMR.source) is not None
        found.add(
            (
                str(graph.value(request, IMR.medicationName)),
                str(graph.value(strength, IMR.strengthOf)).rsplit("#", 1)[-1],
                graph.value(strength, IMR.strengthValue).toPython(),
                str(graph.value(strength, IMR.strengthUnit)).rsplit("#", 1)[-1],
                text[start:end],
            )
        )
    return found


def test_norco_four_times_daily_is_40_mg_within_the_ceiling():
    ceiling, within = _ceiling(WITHIN_LETTER, "Norco 10/325 #120")
    assert (ceiling.status, within.status) == ("met", "met")
    [evidence] = within.evidence
    assert evidence.kind == "request"
    assert evidence.text == f'{TOTAL}: 40 (requested as "Norco 10/325 #120")'


def test_the_cli_table_and_json_show_the_morphine_equivalent_dose():
    runner = CliRunner()
    table = runner.invoke(app, ["evaluate", str(WITHIN_LETTER)])
    assert table.exit_code == 0, table.output
    text = " ".join(re.sub(r"[│├└─╭╮╰╯]", " ", table.stdout).split())
    assert f'{TOTAL}: 40 (requested as "Norco 10/325 #120")' in text
    result = runner.invoke(app, ["evaluate", str(WITHIN_LETTER), "--format", "json"])
    assert result.exit_code == 0, result.output
    [request] = json.loads(result.stdout)["requests"]
    [ceiling] = [c for c in request["criteria"] if c["provision"]["pages"] == "86"]
    [within] = [c for c in ceiling["conditions"] if c["status"] == "met"]
    assert (ceiling["status"], within["label"]) == (
        "met",
        "total daily morphine-equivalent dose is within the ceiling",
    )
    assert [e["text"] for e in within["evidence"]] == [
        f'{TOTAL}: 40 (requested as "Norco 10/325 #120")'
    ]


def test_norco_and_a_fentanyl_patch_together_are_160_mg_above_the_ceiling():
    for requested_as in ("Norco 10/325 #120", "Fentanyl patch 50 mcg/h #10"):
        ceiling, within = _ceiling(ABOVE_LETTER, requested_as)
        assert (ceiling.status, within.status) == ("not_met", "not_met")
        assert [e.text for e in within.evidence] == [
            f'{TOTAL}: 160 (requested as "{requested_as}")'
        ]
    case = kg.ingest_letter(ABOVE_LETTER)
    doses = {
        str(case.value(r, IMR.medicationName)): format(d.toPython().normalize(), "f")
        for r, d in derived(case).subject_objects(IMR.dailyMorphineEquivalentDose)
    }
    # Norco: 10 mg x 120 tablets / 30 days x 1.0; fentanyl: 50 mcg/h x 2.4 (a rate unit).
    assert doses == {"Norco": "40", "Fentanyl patch": "120"}


def test_a_letter_with_no_daily_dose_information_leaves_the_dose_not_documented_and_says_why():
    ceiling, within = _ceiling(NO_SCHEDULE_LETTER, "Norco 10/325 mg #60")
    assert (ceiling.status, within.status) == ("not_met", "not_documented")
    assert [e.text for e in within.evidence] == [
        f"{TOTAL}: not derived; the request states no days' supply or units per day "
        '(requested as "Norco 10/325 mg #60")'
    ]
    graph = kg.ingest_letter(NO_SCHEDULE_LETTER)
    assert (None, IMR.daysSupply, None) not in graph
    assert (None, IMR.unitsPerDay, None) not in graph


def test_strength_facts_carry_their_spans_in_the_letter():
    text = ABOVE_LETTER.read_text()
    assert _strengths(kg.ingest_letter(ABOVE_LETTER), text) == {
        ("Norco", "Hydrocodone", Decimal("10"), "Milligram", "10/325"),
        ("Norco", "Acetaminophen", Decimal("325"), "Milligram", "10/325"),
        ("Fentanyl patch", "Fentanyl", Decimal("50"), "MicrogramPerHour", "50 mcg/h"),
    }
    text = NO_SCHEDULE_LETTER.read_text()
    assert _strengths(kg.ingest_letter(NO_SCHEDULE_LETTER), text) == {
        ("Norco", "Hydrocodone", Decimal("10"), "Milligram", "10/325 mg"),
        ("Norco", "Acetaminophen", Decimal("325"), "Milligram", "10/325 mg"),
        ("Flexeril", "Cyclobenzaprine", Decimal("7.5"), "Milligram", "7.5 mg"),
    }
    # The strength read is the one in the IMR heading "Norco 10/325 mg #60:  Upheld".
    graph = kg.ingest_letter(NO_SCHEDULE_LETTER)
    [hydrocodone] = graph.subjects(IMR.strengthOf, VC.Hydrocodone)
    start = int(graph.value(hydrocodone, IMR.spanStart))
    assert text[start - 6 : start + 18] == "Norco 10/325 mg #60:  Up"


def test_the_days_supply_and_the_units_a_day_are_only_what_the_letter_states():
    above = kg.ingest_letter(ABOVE_LETTER)
    stated = {
        str(above.value(r, IMR.medicationName)): (
            above.value(r, IMR.daysSupply),
            above.value(r, IMR.unitsPerDay),
        )
        for r in above.subjects(IMR.medicationName, None)
    }
    assert {k: tuple(v and v.toPython() for v in vs) for k, vs in stated.items()} == {
        "Norco": (30, None),
        "Fentanyl patch": (None, None),
    }
    within = kg.ingest_letter(WITHIN_LETTER)
    [request] = within.subjects(IMR.medicationName, None)
    assert within.value(request, IMR.daysSupply) is None
    assert within.value(request, IMR.unitsPerDay).toPython() == Decimal(4)
    # A patch is counted in patches (the form's count unit in the lexicon), a tablet in tablets.
    units = {
        str(above.value(r, IMR.medicationName)): above.value(r, IMR.quantityUnit)
        for r in above.subjects(IMR.medicationName, None)
    }
    assert units == {"Norco": VC.Tablet, "Fentanyl patch": VC.Patch}


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (
            "Norco 10/325 #120",
            [("Hydrocodone", "10", "Milligram"), ("Acetaminophen", "325", "Milligram")],
        ),
        (
            "Percocet 5/325 mg #90",
            [("Oxycodone", "5", "Milligram"), ("Acetaminophen", "325", "Milligram")],
        ),
        (
            "Tylenol #3 300/30 #60",
            [("Acetaminophen", "300", "Milligram"), ("Codeine", "30", "Milligram")],
        ),
        ("OxyContin 20 mg #60", [("Oxycodone", "20", "Milligram")]),
        ("tramadol 50mg #60", [("Tramadol", "50", "Milligram")]),
        ("Fentanyl patch 25 mcg/h #10", [("Fentanyl", "25", "MicrogramPerHour")]),
        ("Duragesic 75 mcg/hr #10", [("Fentanyl", "75", "MicrogramPerHour")]),
        ("Duragesic 75 #10", [("Fentanyl", "75", "MicrogramPerHour")]),
        # Not read without guessing: one number for two ingredients, a count taken for a
        # strength, a generic name with no unit and no product to imply one.
        ("Norco 10 mg #60", []),
        ("OxyContin 60 tablets", []),
        ("tramadol 50 #60", []),
        ("Norco #60", []),
    ],
)
def test_strengths_follow_the_products_ingredient_order(words, expected):
    lexicon = load_lexicon()
    medication = find_medication(words, 0, len(words), lexicon.drugs)
    assert medication is not None
    found = read_strengths(words, medication, len(words), lexicon)
    assert [
        (
            str(s.ingredient).rsplit("#", 1)[-1],
            format(s.value.normalize(), "f"),
            str(s.unit).rsplit("#", 1)[-1],
        )
        for s in found
    ] == expected


@pytest.mark.parametrize(
    ("words", "per_day", "days"),
    [
        ("Norco 10/325 #120, one tablet four times daily", 4, None),
        ("Norco 10/325 #120, 2 tablets twice daily", 4, None),
        ("Norco 10/325 #180, one tablet every 4 hours as needed", 6, None),
        ("Norco 10/325 #60 b.i.d.", 2, None),
        ("Norco 10/325 #120 for a 30-day supply", None, 30),
        ("Norco 10/325 #90, a thirty days' supply", None, 30),
        ("Norco 10/325 #90, one tablet every 4-6 hours as needed", None, None),
        ("Norco 10/325 #60", None, None),
    ],
)
def test_units_a_day_and_days_supply_as_stated(words, per_day, days):
    schedule = read_schedule(words, [(0, len(words))], load_lexicon())
    assert schedule.units_per_day == (Decimal(per_day) if per_day is not None else None)
    assert schedule.days_supply == days


def test_multi_ingredient_products_list_every_ingredient_in_order():
    graph = load_catalogue().graph
    for product in graph.subjects(IMR.ingredientPosition, None):
        positions = sorted(
            (int(graph.value(p, IMR.position)), graph.value(p, IMR.positionOf))
            for p in graph.objects(product, IMR.ingredientPosition)
        )
        assert [n for n, _ in positions] == list(range(1, len(positions) + 1)), product
        assert {i for _, i in positions} == set(graph.objects(product, IMR.hasIngredient))
    for product in graph.subjects(IMR.hasIngredient, None):
        if len(set(graph.objects(product, IMR.hasIngredient))) > 1:
            assert (product, IMR.ingredientPosition, None) in graph, product
