"""The MTUS Drug Formulary (issue 13, part 3): drugs dispensed from 1 January 2018 are screened
against the formulary's prior-review rules and the guideline recommendation the Drug List points
to. The rules are provisions with their marks (criteria-2017.md section 3); a drug's status is
data (every opioid is non-exempt) or a fact the record states; where the per-drug MTUS Drug List
would be needed, the condition is not documented and the explanation names that list."""

from __future__ import annotations

import json
import re

from conftest import FIXTURES, derived_case, evaluated, find_condition
from typer.testing import CliRunner

import kg
from kg.core.namespaces import IMR, VC
from kg.interfaces.cli import app
from kg.knowledge.catalogue import load_catalogue

CR = "https://w3id.org/imr-kg/criterion/"
GL = "https://w3id.org/imr-kg/guideline/"


def _request(path, local="request"):
    return f"https://w3id.org/imr-kg/case/fixture/{path.stem}/{local}"


def _screen(path):
    return evaluated(path).request(_request(path))


def _criteria(result) -> dict[str, str]:
    return {c.iri.removeprefix(CR): c.status for c in result.criteria}


def _condition(result, local):
    for criterion in result.criteria:
        found = find_condition(criterion.conditions, CR + local)
        if found is not None:
            return found
    raise AssertionError(f"{local} was not assessed")


def _variant(tmp_path, source, name, replacements):
    text = source.read_text()
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    text = text.replace(f"fixture/{source.stem}/", f"fixture/{name}/")
    path = tmp_path / f"{name}.ttl"
    path.write_text(text)
    return path


# --- the rules as provisions, with their marks ----------------------------------------------

RULES = {
    # provision: (rule id of criteria-2017.md section 3, citation, mark)
    "mtus-drug-formulary-2018-rules": (
        "DF1",
        "MTUS Drug Formulary, 8 CCR 9792.27.2(b) (scope: drugs dispensed on or after "
        "1 January 2018)",
        "ConfirmedC2",
    ),
    "mtus-drug-formulary-2018-physician-administered": (
        "DF2",
        "MTUS Drug Formulary, 8 CCR 9792.27.2(b)(2) (physician-administered drugs)",
        "ConfirmedC1",
    ),
    "mtus-drug-formulary-2018-treatment": (
        "DF3",
        "MTUS Drug Formulary, 8 CCR 9792.27.2(a) (drugs as treatment under Labor Code 4600)",
        "ConfirmedC1",
    ),
    "mtus-drug-formulary-2018-exempt": (
        "DF4",
        "MTUS Drug Formulary, 8 CCR 9792.27.1(h) (exempt drug)",
        "ConfirmedC2",
    ),
    "mtus-drug-formulary-2018-non-exempt": (
        "DF5",
        "MTUS Drug Formulary, 8 CCR 9792.27.1 (non-exempt drug: prospective review before "
        "dispensing)",
        "ConfirmedC2",
    ),
    "mtus-drug-formulary-2018-unlisted": (
        "DF6",
        "MTUS Drug Formulary, 8 CCR 9792.27.1, 9792.27.10 (unlisted drug)",
        "ConfirmedC2",
    ),
    "mtus-drug-formulary-2018-guideline-use": (
        "DF7",
        "MTUS Drug List, preamble (use with the MTUS Guidelines and the formulary rules)",
        "ConfirmedC2",
    ),
    "mtus-drug-formulary-2018-physician-dispensed": (
        "DF8",
        "MTUS Drug Formulary, 8 CCR 9792.27.8 (physician-dispensed drugs)",
        "ConfirmedC2",
    ),
    "mtus-drug-formulary-2018-brand": (
        "DF9",
        "MTUS Drug Formulary, 8 CCR 9792.27.7 (brand name drugs)",
        "ConfirmedC2",
    ),
    "mtus-drug-formulary-2018-special-fill": (
        "DF10",
        "MTUS Drug Formulary, 8 CCR 9792.27.12 (Special Fill)",
        "ConfirmedC2",
    ),
    "mtus-drug-formulary-2018-perioperative-fill": (
        "DF11",
        "MTUS Drug Formulary, 8 CCR 9792.27.13 (Perioperative Fill)",
        "ConfirmedC2",
    ),
    "mtus-drug-formulary-2018-drug-list": (
        "DF12",
        "MTUS Drug Formulary, 8 CCR 9792.27.15 (MTUS Drug List)",
        "ConfirmedC2",
    ),
    "mtus-drug-formulary-2018-compounded": (
        "DF13",
        "MTUS Drug Formulary, 8 CCR 9792.27.9 (compounded drugs)",
        "ConfirmedC1",
    ),
    "mtus-drug-formulary-2018-off-label": (
        "DF14",
        "MTUS Drug Formulary, 8 CCR 9792.27.5 (off-label use)",
        "ConfirmedC1",
    ),
    "mtus-drug-formulary-2018-transition": (
        "DF15",
        "MTUS Drug Formulary, 8 CCR 9792.27.3(b) (injuries before 1 January 2018)",
        "ConfirmedC2",
    ),
    "mtus-drug-formulary-2018-disputes": (
        "DF16",
        "MTUS Drug Formulary, 8 CCR 9792.27.17 (disputes)",
        "ConfirmedC1",
    ),
    "mtus-drug-formulary-2018-acoem-reference": (
        "DF17",
        "MTUS Drug Formulary, 8 CCR 9792.27.15 (MTUS Drug List, 'Reference in ACOEM Guidelines')",
        "ConfirmedC2",
    ),
    "mtus-drug-formulary-2018-exempt-status-criteria": (
        "DF18",
        "DWC Pharmacy and Therapeutics Committee, exempt-status considerations (26 September 2018)",
        "ConfirmedC1",
    ),
    "mtus-drug-formulary-2018-updates": (
        "DF19",
        "MTUS Drug Formulary, 8 CCR 9792.27.23 (updates to the MTUS Drug List)",
        "ConfirmedC2",
    ),
    "mtus-drug-formulary-2018-opioids-non-exempt": (
        "O7",
        "MTUS Drug Formulary, 8 CCR 9792.27.15 (MTUS Drug List: opioids non-exempt)",
        "ConfirmedC2",
    ),
}


def test_every_formulary_rule_is_a_provision_with_its_section_and_mark():
    from rdflib import URIRef
    from rdflib.namespace import DCTERMS, RDF, RDFS

    graph = load_catalogue().graph
    document = URIRef(GL + "mtus-drug-formulary-2018")
    provisions = set(graph.subjects(IMR.inDocument, document))
    assert {str(p).removeprefix(GL) for p in provisions} == set(RULES)
    for provision in provisions:
        rule, citation, mark = RULES[str(provision).removeprefix(GL)]
        assert (provision, RDF.type, IMR.Provision) in graph
        assert str(graph.value(provision, RDFS.label)).endswith(f"({rule})"), provision
        assert str(graph.value(provision, DCTERMS.bibliographicCitation)) == citation
        assert graph.value(provision, IMR.verificationStatus) == VC[mark], provision
        assert str(graph.value(provision, IMR.effectiveFrom)) == "2018-01-01", provision
    assert graph.value(document, IMR.governedByDate) == IMR.DispensingDateTrigger


def test_each_formulary_criterion_rests_on_its_rule():
    catalogue = load_catalogue()
    primary = {
        str(iri).removeprefix(CR): (info.provision.citation, info.provision.verification)
        for iri, info in catalogue.criteria.items()
        if str(iri).startswith(CR + "formulary-2018")
    }
    assert primary == {
        "formulary-2018-prior-review": (RULES["mtus-drug-formulary-2018-non-exempt"][1], "C2"),
        "formulary-2018-special-fill": (RULES["mtus-drug-formulary-2018-special-fill"][1], "C2"),
        "formulary-2018-perioperative-fill": (
            RULES["mtus-drug-formulary-2018-perioperative-fill"][1],
            "C2",
        ),
        "formulary-2018-brand-name": (RULES["mtus-drug-formulary-2018-brand"][1], "C2"),
        "formulary-2018-compounded": (RULES["mtus-drug-formulary-2018-compounded"][1], "C1"),
        "formulary-2018-physician-dispensed": (
            RULES["mtus-drug-formulary-2018-physician-dispensed"][1],
            "C2",
        ),
        "formulary-2018-transition": (RULES["mtus-drug-formulary-2018-transition"][1], "C2"),
        "formulary-2018-guideline-recommendation": (
            RULES["mtus-drug-formulary-2018-guideline-use"][1],
            "C2",
        ),
    }


# --- drug statuses ------------------------------------------------------------------------------


def test_every_opioid_is_non_exempt_and_a_compound_is_compounded_as_data():
    graph = load_catalogue().graph
    assert graph.value(VC.OpioidAnalgesics, IMR.formularyStatus) == VC.FormularyNonExempt
    assert graph.value(VC.TopicalCompounds, IMR.formularyStatus) == VC.FormularyCompounded
    norco = derived_case(
        FIXTURES / "formulary-2018-prior-review" / "norco-dispensed-before-review.ttl"
    )
    request = next(iter(norco.subjects(IMR.formularyStatus, None)))
    assert set(norco.objects(request, IMR.formularyStatus)) == {VC.FormularyNonExempt}
    assert list(norco.objects(request, IMR.missingFormularyFact)) == []
    compound = derived_case(
        FIXTURES / "formulary-2018-compounded" / "compound-cream-reason-not-stated.ttl"
    )
    assert set(compound.objects(None, IMR.formularyStatus)) == {VC.FormularyCompounded}


def test_an_opioid_by_any_brand_is_non_exempt(tmp_path):
    path = _variant(
        tmp_path,
        FIXTURES / "formulary-2018-prior-review" / "norco-dispensed-before-review.ttl",
        "duragesic-dispensed-before-review",
        [
            ('"Norco 10/325 #120"', '"Duragesic 25 mcg/h #10"'),
            ('imr:medicationName "Norco"', 'imr:medicationName "Duragesic"'),
        ],
    )
    result = kg.evaluate(path).request(_request(path))
    exempt = _condition(result, "formulary-2018-prior-review-exempt")
    assert exempt.status == "not_met"
    assert exempt.fact_status == "documented"
    assert [e.text for e in exempt.evidence] == [
        'formulary status: non-exempt drug (requested as "Duragesic 25 mcg/h #10")'
    ]


def test_a_drug_whose_status_is_not_known_names_the_missing_drug_list():
    result = _screen(
        FIXTURES / "formulary-2018-prior-review" / "mobic-status-and-review-not-stated.ttl"
    )
    assert result.verdict == "criteria_not_met"
    assert _criteria(result) == {
        "formulary-2018-prior-review": "not_met",
        "formulary-2018-guideline-recommendation": "met",
    }
    exempt = _condition(result, "formulary-2018-prior-review-exempt")
    assert (exempt.status, exempt.fact_status) == ("not_documented", "not_documented")
    assert exempt.requirement == "formulary status one of exempt drug"
    assert [e.text for e in exempt.evidence] == [
        "formulary status: not derived; the request states no MTUS Drug List status of the "
        'drug (the per-drug list is not encoded) (requested as "Mobic 15 mg #30")'
    ]
    reviewed = _condition(result, "formulary-2018-prior-review-reviewed")
    assert (reviewed.status, reviewed.fact_status) == ("not_documented", "not_documented")
    assert [e.text for e in reviewed.evidence] == [
        "prospective review before dispensing: not derived; the request states no utilization "
        'review decision (requested as "Mobic 15 mg #30")'
    ]


def test_the_guideline_recommendation_is_never_guessed():
    result = _screen(
        FIXTURES / "formulary-2018-guideline-recommendation" / "mobic-recommendation-not-stated.ttl"
    )
    recommended = _condition(result, "formulary-2018-guideline-recommendation-recommended")
    assert (recommended.status, recommended.fact_status) == ("not_documented", "not_documented")
    assert recommended.requirement == (
        "recommendation of the MTUS guideline the Drug List references for the drug and "
        "condition (per-drug references not encoded) documented as present"
    )
    assert result.reason == (
        "The documented facts do not meet: The MTUS guideline the Drug List references "
        "recommends the drug for the condition."
    )


# --- prospective review -----------------------------------------------------------------------


def test_dispensing_before_the_review_fails_on_the_dates_the_record_states():
    result = _screen(FIXTURES / "formulary-2018-prior-review" / "norco-dispensed-before-review.ttl")
    reviewed = _condition(result, "formulary-2018-prior-review-reviewed")
    assert (reviewed.status, reviewed.fact_status) == ("not_met", "documented")
    assert [e.text for e in reviewed.evidence] == [
        'prospective review before dispensing: false (requested as "Norco 10/325 #120")'
    ]
    prior = next(c for c in result.criteria if c.iri == CR + "formulary-2018-prior-review")
    assert prior.combination == "any_of"
    assert prior.search_tier == "MTUS"
    assert [p.citation for p in prior.supporting_provisions] == sorted(
        RULES[name][1]
        for name in (
            "mtus-drug-formulary-2018-exempt",
            "mtus-drug-formulary-2018-unlisted",
            "mtus-drug-formulary-2018-opioids-non-exempt",
            "mtus-drug-formulary-2018-rules",
        )
    )


def test_a_ur_decision_without_a_date_leaves_a_dispensed_drug_not_documented(tmp_path):
    path = _variant(
        tmp_path,
        FIXTURES / "formulary-2018-prior-review" / "norco-dispensed-before-review.ttl",
        "norco-dispensed-undated-review",
        [(' ; imr:decisionDate "2018-03-09"^^xsd:date', "")],
    )
    result = kg.evaluate(path).request(_request(path))
    reviewed = _condition(result, "formulary-2018-prior-review-reviewed")
    assert reviewed.status == "not_documented"
    assert [e.text for e in reviewed.evidence] == [
        "prospective review before dispensing: not derived; the request states no decision "
        'date (requested as "Norco 10/325 #120")'
    ]


def test_a_fill_exception_takes_the_place_of_the_prospective_review_rule():
    # A fill exception replaces only the prospective-review rule: the ACOEM Opioids Guideline
    # still screens the opioid. The Special Fill at the first visit starts a trial for acute
    # pain, which the ACOEM indication does not cover; the Perioperative Fill continues the
    # therapy of a worker whose record documents functional improvement and monitoring.
    special = _screen(
        FIXTURES / "formulary-2018-special-fill" / "percocet-special-fill-two-days-after-injury.ttl"
    )
    assert special.verdict == "criteria_not_met"
    assert _criteria(special) == {
        "formulary-2018-special-fill": "met",
        "formulary-2018-guideline-recommendation": "met",
        "acoem-2017-opioids-indication": "not_met",
        "acoem-2017-opioids-monitoring": "met",
    }
    perioperative = _screen(
        FIXTURES
        / "formulary-2018-perioperative-fill"
        / "norco-perioperative-fill-two-days-before-surgery.ttl"
    )
    assert perioperative.verdict == "criteria_met"
    assert _criteria(perioperative) == {
        "formulary-2018-perioperative-fill": "met",
        "formulary-2018-guideline-recommendation": "met",
        "acoem-2017-opioids-functional-improvement": "met",
        "acoem-2017-opioids-monitoring": "met",
    }


# --- the days the fill exceptions count -------------------------------------------------------


def test_special_fill_counts_days_from_the_injury_and_the_supply():
    met = _screen(
        FIXTURES / "formulary-2018-special-fill" / "percocet-special-fill-two-days-after-injury.ttl"
    )
    assert [
        e.text for e in _condition(met, "formulary-2018-special-fill-within-7-days").evidence
    ] == ['days from the injury to the prescribing visit: 2 (requested as "Percocet 5/325 #12")']
    supply = _condition(met, "formulary-2018-special-fill-supply")
    assert supply.requirement == "days' supply at most 4"
    failed = _screen(
        FIXTURES / "formulary-2018-special-fill" / "norco-special-fill-seven-day-supply.ttl"
    )
    assert failed.verdict == "criteria_not_met"
    supply = _condition(failed, "formulary-2018-special-fill-supply")
    assert (supply.status, [e.text for e in supply.evidence]) == (
        "not_met",
        ['days\' supply: 7 (requested as "Norco 10/325 #28")'],
    )
    unknown = _screen(
        FIXTURES / "formulary-2018-special-fill" / "norco-special-fill-injury-date-not-stated.ttl"
    )
    within = _condition(unknown, "formulary-2018-special-fill-within-7-days")
    assert [e.text for e in within.evidence] == [
        "days from the injury to the prescribing visit: not derived; the request states no "
        'date of injury (requested as "Norco 10/325 #12")'
    ]


def test_perioperative_fill_counts_days_either_side_of_the_surgery():
    before = _screen(
        FIXTURES
        / "formulary-2018-perioperative-fill"
        / "norco-perioperative-fill-two-days-before-surgery.ttl"
    )
    period = _condition(before, "formulary-2018-perioperative-fill-period")
    assert period.requirement == "days between the surgery and the prescription at most 4"
    assert [e.text for e in period.evidence] == [
        'days between the surgery and the prescription: 2 (requested as "Norco 10/325 #20")'
    ]
    after = _screen(
        FIXTURES
        / "formulary-2018-perioperative-fill"
        / "norco-perioperative-fill-ten-days-after-surgery.ttl"
    )
    period = _condition(after, "formulary-2018-perioperative-fill-period")
    assert (period.status, [e.text for e in period.evidence]) == (
        "not_met",
        ['days between the surgery and the prescription: 10 (requested as "Norco 10/325 #20")'],
    )
    unknown = _screen(
        FIXTURES
        / "formulary-2018-perioperative-fill"
        / "norco-perioperative-fill-surgery-date-and-day-limit-not-stated.ttl"
    )
    period = _condition(unknown, "formulary-2018-perioperative-fill-period")
    assert [e.text for e in period.evidence] == [
        "days between the surgery and the prescription: not derived; the request states no "
        'date of surgery (requested as "Norco 10/325 #20")'
    ]
    limit = _condition(unknown, "formulary-2018-perioperative-fill-day-limit")
    assert (limit.status, limit.fact_status) == ("not_documented", "not_documented")
    assert limit.requirement == (
        "supply within the MTUS Drug List's fill day limit for the drug (per-drug limits not "
        "encoded) documented as present"
    )


def test_physician_dispensing_beyond_seven_days_needs_review():
    result = _screen(
        FIXTURES
        / "formulary-2018-physician-dispensed"
        / "mobic-physician-dispensed-thirty-day-supply.ttl"
    )
    assert result.verdict == "criteria_not_met"
    assert _criteria(result) == {
        "formulary-2018-physician-dispensed": "not_met",
        "formulary-2018-prior-review": "met",
        "formulary-2018-guideline-recommendation": "met",
    }
    dispensed = next(
        c for c in result.criteria if c.iri == CR + "formulary-2018-physician-dispensed"
    )
    assert dispensed.combination == "any_of"
    [initial_supply, reviewed] = dispensed.conditions
    assert (initial_supply.combination, initial_supply.status) == ("all_of", "not_met")
    assert [(c.iri.removeprefix(CR), c.status) for c in initial_supply.conditions] == [
        ("formulary-2018-physician-dispensed-exempt", "met"),
        ("formulary-2018-physician-dispensed-initial-visit", "met"),
        ("formulary-2018-physician-dispensed-within-7-days", "met"),
        ("formulary-2018-physician-dispensed-supply", "not_met"),
    ]
    assert reviewed.status == "not_documented"


# --- the era boundary: the dispensing date decides ------------------------------------------------


def test_the_formulary_governs_drugs_dispensed_from_1_january_2018(tmp_path):
    source = (
        FIXTURES
        / "formulary-2018-guideline-recommendation"
        / "mobic-recommended-for-the-condition.ttl"
    )

    def dispensed_on(day):
        return _variant(
            tmp_path,
            source,
            f"mobic-requested-2017-12-20-dispensed-{day}",
            [
                (
                    '"2018-03-02"^^xsd:date ; imr:requestedIn',
                    '"2017-12-20"^^xsd:date ; imr:requestedIn',
                ),
                (
                    "imr:requestedIn :report",
                    f'imr:requestedIn :report ; imr:dispensingDate "{day}"^^xsd:date ;\n'
                    "    imr:formularyStatus vc:FormularyExempt",
                ),
                ('imr:documentDate "2018-03-02"', 'imr:documentDate "2017-12-20"'),
                ('imr:decisionDate "2018-03-09"', 'imr:decisionDate "2017-12-28"'),
            ],
        )

    before = dispensed_on("2017-12-31")
    result = kg.evaluate(before).request(_request(before))
    assert result.verdict == "not_covered"
    assert result.criteria == []
    assert "MTUS Drug Formulary" not in result.reason

    on = dispensed_on("2018-01-01")
    result = kg.evaluate(on).request(_request(on))
    assert result.verdict == "criteria_met"
    assert _criteria(result) == {
        "formulary-2018-prior-review": "met",
        "formulary-2018-guideline-recommendation": "met",
    }
    assert _condition(result, "formulary-2018-prior-review-exempt").status == "met"
    assert _condition(result, "formulary-2018-prior-review-reviewed").status == "met"


def test_an_injury_before_2018_brings_the_transition_rule_and_one_in_2018_does_not():
    before = _screen(
        FIXTURES
        / "formulary-2018-transition"
        / "norco-injured-2015-transition-plan-not-mentioned.ttl"
    )
    assert _criteria(before)["formulary-2018-transition"] == "not_met"
    plan = _condition(before, "formulary-2018-transition-plan")
    assert (plan.status, plan.fact_status) == ("not_documented", "not_documented")
    after = _screen(
        FIXTURES / "formulary-2018-special-fill" / "percocet-special-fill-two-days-after-injury.ttl"
    )
    assert "formulary-2018-transition" not in _criteria(after)


# --- every output -------------------------------------------------------------------------------


def test_json_output_carries_statuses_citations_and_the_named_missing_fact():
    path = FIXTURES / "formulary-2018-prior-review" / "mobic-status-and-review-not-stated.ttl"
    output = CliRunner().invoke(app, ["evaluate", str(path), "--format", "json"])
    assert output.exit_code == 0, output.output
    [request] = json.loads(output.output)["requests"]
    assert request["verdict"] == "criteria_not_met"
    prior = next(c for c in request["criteria"] if c["label"].startswith("A drug not shown"))
    assert prior["status"] == "not_met"
    assert prior["provision"]["verification"] == "C2"
    assert prior["provision"]["citation"] == RULES["mtus-drug-formulary-2018-non-exempt"][1]
    exempt = prior["conditions"][0]
    assert (exempt["label"], exempt["status"], exempt["fact_status"]) == (
        "the drug is exempt on the MTUS Drug List",
        "not_documented",
        "not_documented",
    )
    assert (
        "MTUS Drug List status of the drug (the per-drug list is not encoded)"
        in (exempt["evidence"][0]["text"])
    )


def test_a_letter_of_2018_is_screened_by_the_formulary_from_its_own_words(tmp_path):
    """The synthetic Norco letter moved to 2018 (an injury of 2017, a dated RFA, no guideline
    cited): both drugs are screened by the formulary; the UR decision is the prospective review,
    an injury before 2018 brings the transition rule, and the guideline recommendation the
    letter does not state stays not documented."""
    text = (FIXTURES.parent / "letters" / "2014-04-norco-denied.txt").read_text()
    text = text.replace("2014", "2018").replace("February 2, 2012", "February 2, 2017")
    text = re.sub(r"(Claims Administrator|MAXIMUS) guideline:.*?\n\n", "", text, flags=re.S)
    text = re.sub(
        r"As noted on pages? [\d-]+ of the MTUS Chronic Pain Medical Treatment\n"
        r"Guidelines, (\w)",
        lambda m: m.group(1).upper(),
        text,
    )
    text = text.replace(
        "In a progress note dated July 1, 2018,",
        "In a Request for Authorization dated July 1, 2018, the attending provider requested "
        "Norco\nand Flexeril. In a progress note dated July 1, 2018,",
    )
    assert "Page(s)" not in text and "2014" not in text
    letter = tmp_path / "norco-and-flexeril-2018.txt"
    letter.write_text(text)
    requests = {r.requested_as: r for r in kg.evaluate(letter).requests}
    assert sorted(requests) == ["Flexeril 7.5 mg #30", "Norco 10/325 mg #60"]
    for requested_as, status in (
        ("Norco 10/325 mg #60", ("not_met", "documented")),
        ("Flexeril 7.5 mg #30", ("not_documented", "not_documented")),
    ):
        result = requests[requested_as]
        assert result.request_date == "2018-07-01"
        assert result.verdict == "criteria_not_met"
        formulary = {k: v for k, v in _criteria(result).items() if k.startswith("formulary-2018")}
        assert formulary == {
            "formulary-2018-prior-review": "met",
            "formulary-2018-transition": "not_met",
            "formulary-2018-guideline-recommendation": "not_met",
        }, requested_as
        exempt = _condition(result, "formulary-2018-prior-review-exempt")
        assert (exempt.status, exempt.fact_status) == status, requested_as
        reviewed = _condition(result, "formulary-2018-prior-review-reviewed")
        assert [e.text for e in reviewed.evidence] == [
            f'prospective review before dispensing: true (requested as "{requested_as}")'
        ]
        plan = _condition(result, "formulary-2018-transition-plan")
        assert plan.status == "not_documented"
        recommended = _condition(result, "formulary-2018-guideline-recommendation-recommended")
        assert recommended.status == "not_documented"


def test_a_drug_the_record_states_unlisted_is_not_exempt(tmp_path):
    path = _variant(
        tmp_path,
        FIXTURES / "formulary-2018-prior-review" / "mobic-status-and-review-not-stated.ttl",
        "mobic-stated-unlisted",
        [
            (
                "imr:requestedIn :report",
                "imr:requestedIn :report ; imr:formularyStatus vc:FormularyUnlisted",
            )
        ],
    )
    result = kg.evaluate(path).request(_request(path))
    exempt = _condition(result, "formulary-2018-prior-review-exempt")
    assert (exempt.status, exempt.fact_status) == ("not_met", "documented")
    assert [e.text for e in exempt.evidence] == [
        'formulary status: unlisted drug (requested as "Mobic 15 mg #30")'
    ]
    assert derived_case(path).value(None, IMR.missingFormularyFact) is None
