"""Medication requests (issue 5): brand names resolve to ingredients and drug classes, the daily
morphine-equivalent dose is derived from strength, quantity, days' supply and the conversion
table (RDF data), shown as request evidence; requests after July 2016 are screened under the
guidelines of their date (tests/test_pharmaceuticals_2017.py), and drugs dispensed from 2018 also
under the formulary's rules (tests/test_drug_formulary.py), never the 2009 criteria."""

from __future__ import annotations

import re

import pytest
from conftest import FIXTURES, derived_case, evaluated, find_condition
from rdflib import Graph, Literal, namespace
from typer.testing import CliRunner

import kg
from kg.core.namespaces import IMR, VC
from kg.interfaces.cli import app
from kg.knowledge.catalogue import load_catalogue
from kg.knowledge.sparql_files import rows

CEILING = "https://w3id.org/imr-kg/criterion/cpmtg-2009-opioids-dose-ceiling"
WITHIN = "https://w3id.org/imr-kg/criterion/cpmtg-2009-opioids-dose-within-ceiling"


def _request(path, local="request"):
    name = path.stem
    return f"https://w3id.org/imr-kg/case/fixture/{name}/{local}"


def test_norco_resolves_by_its_brand_name_to_ingredients_and_the_opioid_class():
    path = FIXTURES / "cpmtg-2009-opioids-four-as" / "norco-four-as-documented.ttl"
    derived = derived_case(path)
    request = next(iter(derived.subjects(IMR.medication, None)))
    assert derived.value(request, IMR.medication) == VC.HydrocodoneAcetaminophenTablet
    assert set(derived.objects(request, IMR.requestedIngredient)) == {
        VC.Hydrocodone,
        VC.Acetaminophen,
    }
    assert set(derived.objects(request, IMR.requestedDrugClass)) == {
        VC.OpioidAnalgesics,
        VC.NonOpioidAnalgesics,
    }
    assert derived.value(request, IMR.requestedDosageForm) == VC.TabletForm


def test_norco_10_325_120_is_evaluated_with_its_morphine_equivalent_dose_shown():
    path = FIXTURES / "cpmtg-2009-opioids-four-as" / "norco-four-as-documented.ttl"
    result = evaluated(path).request(_request(path))
    assert result.requested_as == "Norco 10/325 #120"
    ceiling = next(c for c in result.criteria if c.iri == CEILING)
    within = find_condition(ceiling.conditions, WITHIN)
    assert within.status == "met"
    [evidence] = within.evidence
    assert (evidence.kind, evidence.node) == ("request", result.iri)
    assert evidence.text == (
        "total daily oral morphine-equivalent dose of the opioids requested together (mg): 40 "
        '(requested as "Norco 10/325 #120")'
    )
    assert within.requirement == (
        "total daily oral morphine-equivalent dose of the opioids requested together (mg) at most 120"
    )


def test_the_table_shows_the_morphine_equivalent_dose():
    output = CliRunner().invoke(
        app,
        ["evaluate", str(FIXTURES / "cpmtg-2009-opioids-four-as" / "norco-four-as-documented.ttl")],
    )
    text = " ".join(re.sub(r"[│├└─╭╮╰╯]", " ", output.stdout).split())
    assert 'requested together (mg): 40 (requested as "Norco 10/325 #120")' in text


@pytest.mark.parametrize(
    ("fixture", "own", "total"),
    [
        ("cpmtg-2009-opioids-four-as/norco-four-as-documented", "40", "40"),
        ("cpmtg-2009-opioids-dose-ceiling/oxycontin-and-norco-within-ceiling", "60", "100"),
        ("cpmtg-2009-opioids-dose-ceiling/duragesic-75-above-ceiling", "180", "180"),
        ("cpmtg-2009-opioids-continuation/percocet-improved-function-and-pain", "45", "45"),
    ],
)
def test_daily_and_total_morphine_equivalent_doses(fixture, own, total):
    path = FIXTURES / f"{fixture}.ttl"
    derived = derived_case(path)
    request = next(
        s
        for s in derived.subjects(IMR.dailyMorphineEquivalentDose, None)
        if str(s).endswith("/request")
    )
    assert _number(derived.value(request, IMR.dailyMorphineEquivalentDose)) == own
    assert _number(derived.value(request, IMR.totalDailyMorphineEquivalentDose)) == total


def test_no_dose_is_derived_for_an_opioid_without_a_conversion_factor(tmp_path):
    text = (FIXTURES / "cpmtg-2009-opioids-four-as" / "norco-four-as-documented.ttl").read_text()
    methadone = text.replace(
        'imr:medicationName "Norco"', 'imr:medicationName "methadone"'
    ).replace("vc:Hydrocodone", "vc:Methadone")
    path = tmp_path / "methadone.ttl"
    path.write_text(methadone)
    assert (None, IMR.dailyMorphineEquivalentDose, None) not in derived_case(path)
    result = kg.evaluate(path).request(
        _request(FIXTURES / "cpmtg-2009-opioids-four-as" / "norco-four-as-documented.ttl")
    )
    ceiling = next(c for c in result.criteria if c.iri == CEILING)
    assert find_condition(ceiling.conditions, WITHIN).status == "not_documented"


def test_every_conversion_factor_has_a_source_and_a_verification_mark():
    graph = load_catalogue().graph
    factors = list(graph.subjects(namespace.RDF.type, IMR.MorphineEquivalenceFactor))
    assert len(factors) == 9
    for factor in factors:
        assert graph.value(factor, IMR.factorValue).datatype == namespace.XSD.decimal, factor
        assert graph.value(factor, IMR.factorFor) is not None, factor
        assert str(graph.value(factor, namespace.SKOS.inScheme)).endswith(
            "MorphineEquivalenceTable"
        )
        assert list(graph.objects(factor, namespace.DCTERMS.source)), factor
        assert graph.value(factor, IMR.verificationStatus) in {VC.ConfirmedC1, VC.ConfirmedC2}


def test_a_norco_request_of_2018_is_screened_under_the_acoem_guideline_and_the_formulary():
    path = FIXTURES / "acoem-2017-opioids-monitoring" / "norco-after-drug-formulary.ttl"
    result = evaluated(path).request(_request(path))
    assert result.verdict == "criteria_not_met"
    acoem = "MTUS ACOEM Opioids Guideline (20 April 2017), 8 CCR 9792.24.4"
    criteria = {c.iri.rsplit("/", 1)[1]: (c.status, c.provision.document) for c in result.criteria}
    assert not [iri for iri in criteria if iri.startswith("cpmtg-2009")]
    assert {iri: s for iri, (s, _) in criteria.items() if iri.startswith("formulary-2018")} == {
        "formulary-2018-prior-review": "not_met",
        "formulary-2018-guideline-recommendation": "not_met",
    }
    assert {iri: v for iri, v in criteria.items() if iri.startswith("acoem-2017")} == {
        "acoem-2017-opioids-functional-improvement": ("not_met", acoem),
        "acoem-2017-opioids-monitoring": ("not_met", acoem),
    }


def test_opioid_requests_under_the_2016_opioid_guideline_are_screened_under_it(tmp_path):
    text = (
        (FIXTURES / "acoem-2017-opioids-monitoring" / "norco-after-drug-formulary.ttl")
        .read_text()
        .replace("2018-03-02", "2017-03-02")
    )
    path = tmp_path / "norco-2017.ttl"
    path.write_text(text)
    result = kg.evaluate(path).request(
        _request(FIXTURES / "acoem-2017-opioids-monitoring" / "norco-after-drug-formulary.ttl")
    )
    assert result.verdict == "criteria_not_met"
    assert {c.iri.rsplit("/", 1)[1]: (c.status, c.provision.document) for c in result.criteria} == {
        "mtus-opioids-2016-cures-and-urine-testing": (
            "not_met",
            "MTUS Opioids Treatment Guidelines (2016), 8 CCR 9792.24.4",
        ),
        "mtus-opioids-2016-functional-improvement": (
            "not_met",
            "MTUS Opioids Treatment Guidelines (2016), 8 CCR 9792.24.4",
        ),
    }


def test_uncovered_provisions_are_found_only_for_requests_they_address():
    catalogue = load_catalogue()
    graph = Graph()
    graph += catalogue.graph
    graph.parse(FIXTURES / "cpmtg-2009-tens-trial" / "tens-one-month-rental-trial.ttl")
    assert rows(graph, "uncovered-provisions") == []


def _number(value: Literal) -> str:
    return format(value.toPython().normalize(), "f")


def test_a_strength_or_days_supply_that_is_not_a_number_is_an_input_error():
    path = FIXTURES.parent / "bad-input" / "strength-not-a-number.ttl"
    with pytest.raises(kg.InputError) as caught:
        kg.evaluate(path)
    assert str(caught.value).splitlines() == [
        f"{path}: <https://w3id.org/imr-kg/case/bad/strength/hydrocodone>: "
        "a dose strength needs exactly one numeric imr:strengthValue (found 10 mg)",
        f"{path}: <https://w3id.org/imr-kg/case/bad/strength/request>: "
        "imr:daysSupply must be one positive xsd:integer (found a month)",
    ]


# Slow: the OWL reasoner (HermiT, in Java) over the whole ontology and catalogue, 10-20 s
@pytest.mark.slow
def test_ontology_catalogue_and_new_fixtures_are_consistent():
    from kg.cases.consistency import check_consistency
    from kg.ingest.sources import load_case

    check_consistency(
        map(
            load_case,
            [
                FIXTURES
                / "cpmtg-2009-opioids-dose-ceiling"
                / "oxycontin-and-norco-within-ceiling.ttl",
                FIXTURES
                / "cpmtg-2009-topical-compound-ingredients"
                / "compound-with-gabapentin-and-cyclobenzaprine.ttl",
                FIXTURES / "cpmtg-2009-home-health" / "stevens-home-health-aide.ttl",
                FIXTURES / "cpmtg-2009-tens-trial" / "tens-unit-purchase.ttl",
            ],
        )
    )


def test_the_4_as_are_checked_at_each_visit_of_the_opioid_therapy_and_a_lacking_visit_is_named():
    # The March report predates the first document recording opioid therapy (April): no visit.
    every = FIXTURES / "cpmtg-2009-opioids-four-as" / "norco-four-as-at-every-visit.ttl"
    visits = sorted(str(v) for v in derived_case(every).objects(None, IMR.visitDuringTherapy))
    assert visits == [_request(every, "report-april"), _request(every, "report-june")]

    path = FIXTURES / "cpmtg-2009-opioids-four-as" / "norco-one-visit-without-adverse-effects.ttl"
    result = evaluated(path).request(_request(path))
    [four_as] = [c for c in result.criteria if c.iri.endswith("cpmtg-2009-opioids-four-as")]
    assert four_as.status == "not_met"
    adverse = find_condition(
        four_as.conditions,
        "https://w3id.org/imr-kg/criterion/cpmtg-2009-opioids-four-as-adverse-effects",
    )
    assert adverse.status == "not_documented"
    assert adverse.fact_status == "not_documented"
    assert [(e.kind, e.document, e.document_type, e.date, e.text) for e in adverse.evidence] == [
        (
            "visit",
            _request(path, "report-april"),
            "progress report",
            "2014-04-07",
            "adverse side effects of the opioid assessed: not recorded at this visit",
        )
    ]


def test_a_trial_start_gets_the_initiation_criterion_and_not_the_on_going_ones():
    path = (
        FIXTURES
        / "cpmtg-2009-opioids-trial-initiation"
        / "norco-trial-after-nsaids-with-baseline-and-goals.ttl"
    )
    result = evaluated(path).request(_request(path))
    assert {c.iri.rsplit("/", 1)[1]: (c.status, c.provision.pages) for c in result.criteria} == {
        "cpmtg-2009-opioids-dose-ceiling": ("met", "86"),
        "cpmtg-2009-opioids-trial-initiation": ("met", "76-77"),
    }
    ongoing = FIXTURES / "cpmtg-2009-opioids-four-as" / "norco-four-as-documented.ttl"
    applied = {
        c.iri.rsplit("/", 1)[1] for c in evaluated(ongoing).request(_request(ongoing)).criteria
    }
    assert "cpmtg-2009-opioids-trial-initiation" not in applied
    assert "cpmtg-2009-opioids-four-as" in applied
