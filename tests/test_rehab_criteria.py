"""Issue 4 (physical medicine, imaging, diagnostics, injections): what the fixtures alone do not
show. The search-sequence tiers (MTUS, non-MTUS, statute), scoped criteria, derived totals and
weeks, values carried by findings in explanations, and the one shared definition of functional
improvement."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, evaluated, find_condition
from rdflib.namespace import SH

import kg
from kg.core.namespaces import IMR
from kg.knowledge.catalogue import load_catalogue
from kg.knowledge.graph import load_knowledge

# The search tiers' labels (gl:search-tier-* in ontology/guidelines/mtus-regulations.ttl).
MTUS_TIER = "MTUS"
NON_MTUS_TIER = "non-MTUS (MTUS has no criterion in force for this request)"
STATUTE_TIER = "statute (applies whichever guideline tier governs)"

CR = "https://w3id.org/imr-kg/criterion/"
VC = "https://w3id.org/imr-kg/vocab#"
GL = "https://w3id.org/imr-kg/guideline/"


def _request(path):
    return evaluated(FIXTURES / path).requests[0]


def test_the_labor_code_cap_applies_as_a_statute_alongside_the_mtus_criteria():
    request = _request("lc-4604-5-visit-cap/chiropractic-twenty-four-visits-used-injury-2010.ttl")
    tiers = {c.iri.removeprefix(CR): (c.search_tier, c.status) for c in request.criteria}
    assert tiers == {
        "lc-4604-5-visit-cap": (STATUTE_TIER, "not_met"),
        "cpmtg-2009-manual-therapy-trial": (MTUS_TIER, "met"),
        "cpmtg-2009-manual-therapy-total": (MTUS_TIER, "met"),
        "cpmtg-2009-manual-therapy-maintenance": (MTUS_TIER, "met"),
    }
    cap = next(c for c in request.criteria if c.iri == CR + "lc-4604-5-visit-cap")
    assert cap.provision.citation == "California Labor Code section 4604.5(c)"
    assert (cap.provision.verification, cap.provision.mtus) == ("C2", False)
    total = find_condition(cap.conditions, CR + "lc-4604-5-visit-cap-total")
    assert (
        total.requirement == "total for the injury (completed + authorised + requested) at most 24"
    )
    assert total.evidence[0].text == (
        'total for the injury (completed + authorised + requested): 30 (requested as "chiropractic x6")'
    )
    injury = find_condition(cap.conditions, CR + "lc-4604-5-visit-cap-injury-before-2004")
    assert injury.requirement == "date of injury less than 2004-01-01"
    assert injury.evidence[0].text.startswith("date of injury: 2010-02-01")


def test_neck_manipulation_falls_to_odg_because_mtus_is_silent():
    request = _request(
        "odg-neck-manipulation-visits/chiropractic-neck-moderate-whiplash-eighteen-visits-with-improvement.ttl"
    )
    tiers = {c.iri.removeprefix(CR): c.search_tier for c in request.criteria}
    assert tiers == {
        "odg-neck-manipulation-visits": NON_MTUS_TIER,
        "lc-4604-5-visit-cap": STATUTE_TIER,
    }
    odg = next(c for c in request.criteria if c.iri == CR + "odg-neck-manipulation-visits")
    assert [p.iri for p in odg.supporting_provisions] == [
        GL + "ccr-9792-20-f",
        GL + "mtus-acoem-2004-ch8-manipulation",
    ]


def test_the_seed_chiropractic_request_stays_with_mtus_and_gets_no_odg_or_cap(seed_evaluation):
    chiro = seed_evaluation.request("request-chiropractic")
    assert {c.search_tier for c in chiro.criteria} == {MTUS_TIER}
    assert len(chiro.criteria) == 3


def test_the_early_neck_imaging_rule_applies_only_in_the_first_four_weeks(tmp_path):
    source = (
        FIXTURES
        / "acoem-2004-neck-imaging-early/cervical-mri-one-week-after-injury-deficit-documented.ttl"
    )
    text = source.read_text().replace('"2014-09-01"^^xsd:date', '"2014-06-01"^^xsd:date')
    later = tmp_path / "later.ttl"
    later.write_text(text)
    [request] = kg.evaluate(later).requests
    assert [c.iri for c in request.criteria] == [CR + "acoem-2004-neck-imaging"]
    assert request.verdict == "criteria_met"


def test_weeks_since_injury_and_date_of_injury_are_derived_from_full_dates_only():
    from conftest import SEED_CASE, derived_case

    facts = derived_case(SEED_CASE)
    dates = {str(o) for o in facts.objects(None, IMR.dateOfInjury)}
    weeks = {int(o) for o in facts.objects(None, IMR.weeksSinceInjury)}
    assert dates == {"2013-05-21"}  # "2012-05" (a month only) is not used
    assert weeks == {68}  # 2013-05-21 to 2014-09-12: 479 days


def test_flare_up_criterion_needs_a_documented_flare_up(tmp_path):
    source = (
        FIXTURES
        / "cpmtg-2009-manual-therapy-flare-up/chiropractic-flare-up-two-visits-after-return-to-work.ttl"
    )
    text = source.read_text().replace(
        "vc:FlareUp ;\n    imr:status imr:DocumentedPresent",
        "vc:FlareUp ;\n    imr:status imr:DocumentedAbsent",
    )
    case = tmp_path / "no-flare-up.ttl"
    case.write_text(text)
    [request] = kg.evaluate(case).requests
    assert CR + "cpmtg-2009-manual-therapy-flare-up" not in [c.iri for c in request.criteria]


def test_a_finding_value_constraint_is_explained_with_the_numbers_from_the_shape():
    request = _request("cpmtg-2009-esi-repeat/tfesi-repeat-relief-lasted-three-weeks.ttl")
    repeat = next(c for c in request.criteria if c.iri == CR + "cpmtg-2009-esi-repeat")
    relief = find_condition(repeat.conditions, CR + "cpmtg-2009-esi-repeat-relief")
    assert relief.requirement == (
        "pain relief after the previous injection documented as present, "
        "with percentage at least 50 and duration in weeks at least 6"
    )
    assert [e.text for e in relief.evidence] == ["70% relief for about three weeks"]


def test_functional_improvement_has_one_shared_definition():
    shapes = load_knowledge().shapes
    concept = kg.core.namespaces.VC.ObjectiveFunctionalImprovement
    testing = {s for s in shapes.subjects(SH.hasValue, concept)}
    owners = {next(shapes.subjects(SH.property, s)) for s in testing}
    assert {str(o) for o in owners} == {
        "https://w3id.org/imr-kg/shapes#FunctionalImprovementPresent"
    }
    [shared] = owners
    catalogue = load_catalogue()
    assert (concept, IMR.definedBy, kg.core.namespaces.GL["ccr-9792-20-f"]) in catalogue.graph
    users = {
        catalogue.logic[s].condition
        for s in catalogue.logic
        if catalogue.logic[s].value_shape == shared
    }
    criteria = {catalogue.graph.value(None, IMR.hasCondition, c) for c in users}
    for criterion in criteria:
        cited = set(catalogue.graph.objects(criterion, IMR.supportingProvision))
        assert kg.core.namespaces.GL["ccr-9792-20-f"] in cited, criterion
    assert sorted(str(c).removeprefix(CR) for c in criteria) == [
        "acoem-2017-opioids-functional-improvement",
        "acoem-cp-2017-functional-restoration",
        "acoem-cp-2017-physical-therapy-continuation",
        "acoem-cp-2017-psychotherapy",
        "acoem-ct-2016-neck-manipulation",
        "acoem-ct-2018-neck-manipulation",
        "acoem-lbd-2016-acupuncture",
        "acoem-lbd-2016-manipulation",
        "acoem-lbd-2019-manipulation",
        "acoem-lbd-2020-manipulation",
        "cpmtg-2009-cbt-initial-trial",
        "cpmtg-2009-cbt-period",
        "cpmtg-2009-esi-repeat",
        "cpmtg-2009-frp-two-week-gains",
        "cpmtg-2009-manual-therapy-trial",
        "cpmtg-2009-opioids-continuation",
        "mtus-acupuncture-extension",
        "mtus-opioids-2016-functional-improvement",
        "odg-neck-manipulation-visits",
    ]


def test_a_request_before_the_provision_is_not_covered_with_the_reason():
    request = _request("cpmtg-2009-massage/massage-before-cpmtg-2009.ttl")
    assert request.verdict == "not_covered"
    assert request.reason == (
        "No criterion for massage therapy (lumbar spine) is in force over the request's date, 2009-03-02 "
        "(Massage is an adjunct limited to 4-6 visits: in force 2009-07-18 to 2016-07-28)."
    )


def test_evaluating_leaves_the_shared_knowledge_graph_unchanged():
    from pathlib import Path

    from kg.screening.screen import screener_for

    catalogue = load_catalogue()
    before = set(catalogue.graph), set(catalogue.shapes), screener_for(catalogue).engine.knowledge
    kg.evaluate(
        FIXTURES / "lc-4604-5-visit-cap/chiropractic-twenty-four-visits-used-injury-2010.ttl"
    )
    with pytest.raises(kg.InputError):
        kg.evaluate(Path(__file__).parent / "bad-input" / "prior-visits-negative.ttl")
    after = set(catalogue.graph), set(catalogue.shapes), screener_for(catalogue).engine.knowledge
    assert after == before


def test_the_aquatic_therapy_overturn_is_reproduced_with_the_physical_medicine_criteria():
    request = _request(
        "cpmtg-2009-aquatic-therapy/aquatic-therapy-eight-visits-knee-imr-overturned.ttl"
    )
    assert (request.verdict, request.imr_outcome, request.agrees_with_imr) == (
        "criteria_met",
        "overturned",
        True,
    )
    assert {c.iri.removeprefix(CR) for c in request.criteria} == {
        "cpmtg-2009-aquatic-therapy",
        "cpmtg-2009-physical-medicine-visits",
        "cpmtg-2009-physical-medicine-fading",
        "lc-4604-5-visit-cap",
    }
