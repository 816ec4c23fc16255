"""The seed letter, hand-modelled in examples/seed-case.ttl, is screened and explained the way
the IMR reviewer decided it (../shared/docs/domain.md)."""

from __future__ import annotations

from conftest import SEED_LETTER, find_condition

from kg.ingest.provenance import normalise_space

CR = "https://w3id.org/imr-kg/criterion/"
CASE = "https://w3id.org/imr-kg/case/seed-2014/"


def test_the_three_disputed_items_fail_their_criteria_and_agree_with_imr(seed_evaluation):
    outcomes = {
        r.requested_as: (r.verdict, r.imr_outcome, r.agrees_with_imr)
        for r in seed_evaluation.requests
    }
    assert outcomes == {
        "Chirocare 2x4-6": ("criteria_not_met", "upheld", True),
        "MRI Cervical Spine": ("criteria_not_met", "upheld", True),
        "MRI Lumbar Spine": ("criteria_not_met", "upheld", True),
        "pain management consultation": ("not_covered", None, None),
    }


def test_pain_management_consultation_is_shown_as_not_disputed(seed_evaluation):
    consult = seed_evaluation.request("request-pain-management-consultation")
    assert consult.disputed is False
    assert consult.imr_decision is None
    assert consult.ur_decision.outcome == "approved"
    assert consult.criteria == []
    assert consult.reason == "No criterion in the catalogue addresses pain management consultation."


def test_chiropractic_fails_the_trial_on_cpmtg_page_58(seed_evaluation):
    chiro = seed_evaluation.request("request-chiropractic")
    assert chiro.ur_decision.outcome == "modified"
    assert chiro.ur_decision.approved_quantity == 6
    failed = [c for c in chiro.criteria if c.status == "not_met"]
    assert [c.iri for c in failed] == [CR + "cpmtg-2009-manual-therapy-trial"]
    trial = failed[0]
    assert trial.provision.citation == (
        "MTUS Chronic Pain Medical Treatment Guidelines (2009), Manual Therapy & Manipulation, p. 58"
    )
    assert (trial.provision.pages, trial.provision.mtus, trial.search_tier) == ("58", True, "MTUS")
    assert trial.combination == "any_of"

    visits = find_condition(trial.conditions, CR + "cpmtg-2009-manual-therapy-trial-visits")
    assert (visits.status, visits.requirement) == (
        "not_met",
        "requested quantity (upper bound) at most 6",
    )
    assert visits.evidence[0].text == (
        'requested quantity (upper bound): 12 (requested as "Chirocare 2x4-6")'
    )
    improvement = find_condition(
        trial.conditions, CR + "cpmtg-2009-manual-therapy-trial-prior-improvement"
    )
    assert improvement.status == "not_documented"
    assert [e.node for e in improvement.evidence] == [CASE + "gap-prior-improvement"]

    others = {c.iri: c.status for c in chiro.criteria if c.status == "met"}
    assert others == {
        CR + "cpmtg-2009-manual-therapy-total": "met",
        CR + "cpmtg-2009-manual-therapy-maintenance": "met",
    }


def test_cervical_mri_fails_acoem_table_8_8_with_each_branch_explained(seed_evaluation):
    mri = seed_evaluation.request("request-mri-cervical")
    [criterion] = mri.criteria
    assert criterion.iri == CR + "acoem-2004-neck-imaging"
    assert criterion.status == "not_met"
    provision = criterion.provision
    assert (provision.chapter, provision.table, provision.pages) == (8, "8-8", "182")
    assert provision.guideline == "ACOEM Practice Guidelines"
    assert [p.pages for p in criterion.supporting_provisions] == ["177-178"]
    statuses = {c.iri.removeprefix(CR): c.status for c in criterion.conditions}
    assert statuses == {
        "acoem-2004-neck-imaging-red-flag": "not_documented",
        "acoem-2004-neck-imaging-neurologic-dysfunction": "not_met",
        "acoem-2004-neck-imaging-failure-to-progress": "not_documented",
        "acoem-2004-neck-imaging-invasive-procedure": "not_documented",
    }
    deficit = find_condition(
        criterion.conditions, CR + "acoem-2004-neck-imaging-neurologic-dysfunction"
    )
    [evidence] = deficit.evidence
    assert (evidence.kind, evidence.document, evidence.date, evidence.text) == (
        "finding",
        CASE + "dfr-2014-09-12",
        "2014-09-12",
        "intact sensorium about the upper and lower extremities",
    )
    assert evidence.document_type == "Doctor's First Report of Occupational Injury"
    invasive = find_condition(
        criterion.conditions, CR + "acoem-2004-neck-imaging-invasive-procedure"
    )
    assert [e.node for e in invasive.evidence] == [CASE + "gap-cervical-invasive-procedure"]
    noted = [e.node for e in mri.reviewer_noted_undocumented]
    assert CASE + "gap-cervical-effect-on-plan" in noted


def test_lumbar_mri_fails_acoem_chapter_12_page_304(seed_evaluation):
    mri = seed_evaluation.request("request-mri-lumbar")
    [criterion] = mri.criteria
    assert criterion.iri == CR + "acoem-2004-low-back-imaging"
    assert (criterion.provision.chapter, criterion.provision.pages) == (12, "303-304")
    assert criterion.provision.table is None
    red_flag, surgical = criterion.conditions
    assert (red_flag.iri, red_flag.status) == (
        CR + "acoem-2004-low-back-imaging-red-flag",
        "not_documented",
    )
    assert (surgical.combination, surgical.status) == ("all_of", "not_met")
    statuses = {c.iri.removeprefix(CR): c.status for c in surgical.conditions}
    assert statuses == {
        "acoem-2004-low-back-imaging-nerve-compromise": "not_met",
        "acoem-2004-low-back-imaging-not-responding": "not_documented",
        "acoem-2004-low-back-imaging-surgery-considered": "not_documented",
    }


def test_every_quote_in_the_seed_case_is_found_at_its_span_in_the_letter():
    from conftest import SEED_CASE
    from rdflib import Graph

    from kg.core.namespaces import IMR

    letter = SEED_LETTER.read_text(encoding="utf-8")
    graph = Graph().parse(SEED_CASE)
    checked = 0
    for node, quote in graph.subject_objects(IMR.quote):
        start = int(graph.value(node, IMR.spanStart))
        end = int(graph.value(node, IMR.spanEnd))
        assert normalise_space(letter[start:end]) == str(quote), node
        checked += 1
    assert checked == 28


def test_both_injury_dates_are_kept_so_the_conflict_is_visible():
    from conftest import SEED_CASE
    from rdflib import Graph

    from kg.core.namespaces import IMR

    graph = Graph().parse(SEED_CASE)
    dates = sorted(str(d) for d in graph.objects(None, IMR.reportedDate))
    assert dates == ["2012-05", "2013-05-21"]
