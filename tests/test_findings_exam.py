"""Findings read as a clinician reads them (issue 11): an examination performed is not a finding
present. A normal examination documents the deficit absent, an abnormal one present with its
region (a root level names its spine region), a bare examination name documents nothing, and
uncertain, historical, hypothetical and family mentions are never documented present.

Letter fixtures are the seed letter with its examination sentence ("The applicant was described
as having intact sensorium about the upper and lower extremities.") reworded."""

from __future__ import annotations

import re

import pytest
from conftest import SEED_LETTER
from rdflib.namespace import SKOS

import kg
from kg.core.namespaces import VC
from kg.ingest.compare import case_facts
from kg.ingest.examinations import load_examinations
from kg.ingest.findings import read_context
from kg.ingest.lexicon import LX, load_lexicon
from kg.knowledge.graph import load_knowledge

SEED_EXAM = re.compile(
    r"The applicant was described as having intact\s+sensorium about the upper and lower"
    r"\s+extremities\."
)
NOT_MET = {
    "Chirocare 2x4-6": "criteria_not_met",
    "MRI Cervical Spine": "criteria_not_met",
    "MRI Lumbar Spine": "criteria_not_met",
    "pain management consultation": "not_covered",
}
DFR = "DoctorsFirstReport@2014-09-12"


def _seed_with(exam_sentence: str) -> str:
    seed = SEED_LETTER.read_text(encoding="utf-8")
    assert len(SEED_EXAM.findall(seed)) == 1
    return SEED_EXAM.sub(exam_sentence, seed)


def _neurologic_facts(graph) -> set[tuple[str, ...]]:
    return {f for f in case_facts(graph)["findings"] if f[0] == "NeurologicDysfunction"}


def _read(sentence: str) -> list[tuple[str, str, str, str]]:
    """(concept, region, present/absent, quote) of each finding the reader takes from one
    sentence, and no documentation gap."""
    findings, gaps = read_context(sentence, [(0, len(sentence))], load_lexicon(), lambda _: None)
    assert gaps == []
    return [
        (
            f.concept.rsplit("#", 1)[-1],
            f.region.rsplit("#", 1)[-1] if f.region is not None else "-",
            "present" if f.present else "absent",
            sentence[f.span[0] : f.span[1]],
        )
        for f in findings
    ]


# --- the seed letter, its examination sentence reworded --------------------------------------

NORMAL_EXAMS = {
    "unremarkable": (
        "The applicant was described as having a neurological examination of the upper and "
        "lower extremities that was unremarkable.",
        {"CervicalSpine", "LumbarSpine"},
    ),
    "no-focal-deficit": (
        "There was no focal deficit about the upper and lower extremities.",
        {"CervicalSpine", "LumbarSpine"},
    ),
    "motor-5-of-5-symmetric": (
        "Motor strength was 5/5 and symmetric about the upper and lower extremities.",
        {"CervicalSpine", "LumbarSpine"},
    ),
    "reflexes-2-plus-symmetric": (
        "Reflexes were 2+ and symmetric about the upper and lower extremities.",
        {"CervicalSpine", "LumbarSpine"},
    ),
    "negative-spurling": ("The applicant had a negative Spurling's test.", {"CervicalSpine"}),
}


@pytest.mark.parametrize("name", sorted(NORMAL_EXAMS))
def test_seed_with_a_normal_examination_keeps_its_three_criteria_not_met(name):
    sentence, regions = NORMAL_EXAMS[name]
    graph = kg.ingest_letter(_seed_with(sentence))
    assert _neurologic_facts(graph) == {
        ("NeurologicDysfunction", region, "DocumentedAbsent", DFR) for region in regions
    }
    evaluation = kg.evaluate(graph)
    assert {r.requested_as: r.verdict for r in evaluation.requests} == NOT_MET
    cervical = next(r for r in evaluation.requests if r.requested_as == "MRI Cervical Spine")
    assert cervical.agrees_with_imr is True


def test_seed_with_a_c6_deficit_and_the_cervical_mri_overturned_screens_it_criteria_met():
    text = _seed_with("The applicant had decreased sensation in a C6 distribution.")
    text = text.replace("MRI Cervical Spine:  Upheld", "MRI Cervical Spine:  Overturned")
    graph = kg.ingest_letter(text)
    assert _neurologic_facts(graph) == {
        ("NeurologicDysfunction", "CervicalSpine", "DocumentedPresent", DFR)
    }
    evaluation = kg.evaluate(graph)
    verdicts = {r.requested_as: (r.verdict, r.imr_outcome) for r in evaluation.requests}
    assert verdicts == {
        "Chirocare 2x4-6": ("criteria_not_met", "upheld"),
        "MRI Cervical Spine": ("criteria_met", "overturned"),
        "MRI Lumbar Spine": ("criteria_not_met", "upheld"),
        "pain management consultation": ("not_covered", None),
    }


def test_seed_with_an_examination_named_but_no_result_documents_no_neurologic_finding():
    graph = kg.ingest_letter(
        _seed_with("A neurological examination of the upper and lower extremities was performed.")
    )
    assert _neurologic_facts(graph) == set()
    evaluation = kg.evaluate(graph)
    assert {r.requested_as: r.verdict for r in evaluation.requests} == NOT_MET


# --- the reader, sentence by sentence ---------------------------------------------------------

NORMAL_CUES = [
    (
        "The neurological examination of the upper extremities was unremarkable.",
        "CervicalSpine",
        "neurological examination of the upper extremities was unremarkable",
    ),
    (
        "Neurologic examination within normal limits about the lower extremities.",
        "LumbarSpine",
        "Neurologic examination within normal limits about the lower extremities",
    ),
    (
        "DTRs WNL about the upper extremities.",
        "CervicalSpine",
        "DTRs WNL about the upper extremities",
    ),
    (
        "Normal sensation about the lower extremities.",
        "LumbarSpine",
        "Normal sensation about the lower extremities",
    ),
    (
        "Sensation was grossly intact about the upper extremities.",
        "CervicalSpine",
        "Sensation was grossly intact about the upper extremities",
    ),
    (
        "Intact sensorium about the lower extremities.",
        "LumbarSpine",
        "Intact sensorium about the lower extremities",
    ),
    (
        "Reflexes were symmetric about the upper extremities.",
        "CervicalSpine",
        "Reflexes were symmetric about the upper extremities",
    ),
    (
        "Motor strength was 5/5 about the lower extremities.",
        "LumbarSpine",
        "Motor strength was 5/5 about the lower extremities",
    ),
    (
        "Reflexes were 2+ and symmetric about the lower extremities.",
        "LumbarSpine",
        "Reflexes were 2+ and symmetric about the lower extremities",
    ),
    ("Negative Spurling's.", "CervicalSpine", "Negative Spurling's"),
    ("Straight leg raising was negative.", "LumbarSpine", "Straight leg raising was negative"),
    (
        "There was no focal deficit about the upper extremities.",
        "CervicalSpine",
        "no focal deficit about the upper extremities",
    ),
    (
        "The applicant denies numbness or weakness about the lower extremities.",
        "LumbarSpine",
        "denies numbness or weakness about the lower extremities",
    ),
    (
        "There was no weakness about the upper extremities.",
        "CervicalSpine",
        "no weakness about the upper extremities",
    ),
    (
        "The applicant was neurologically intact about the upper extremities.",
        "CervicalSpine",
        "neurologically intact about the upper extremities",
    ),
]


@pytest.mark.parametrize(("sentence", "region", "quote"), NORMAL_CUES)
def test_a_normal_cue_documents_the_deficit_absent_with_its_region(sentence, region, quote):
    assert _read(sentence) == [("NeurologicDysfunction", region, "absent", quote)]


ABNORMAL_CUES = [
    (
        "Sensation was decreased in a C6 distribution.",
        "CervicalSpine",
        "Sensation was decreased in a C6 distribution",
    ),
    (
        "Diminished sensation in an L5 dermatome.",
        "LumbarSpine",
        "Diminished sensation in an L5 dermatome",
    ),
    (
        "Sensation was altered in the C7 dermatome.",
        "CervicalSpine",
        "Sensation was altered in the C7 dermatome",
    ),
    ("Absent Achilles reflex.", "LumbarSpine", "Absent Achilles reflex"),
    (
        "Motor strength was 4/5 about the left upper extremity.",
        "CervicalSpine",
        "Motor strength was 4/5 about the left upper extremity",
    ),
    (
        "Weakness on motor testing about the left lower extremity.",
        "LumbarSpine",
        "Weakness on motor testing about the left lower extremity",
    ),
    ("Positive Spurling's on the right.", "CervicalSpine", "Positive Spurling's on the right"),
    (
        "Positive straight leg raise on the left.",
        "LumbarSpine",
        "Positive straight leg raise on the left",
    ),
    (
        "Numbness in an S1 distribution was reported.",
        "LumbarSpine",
        "Numbness in an S1 distribution was reported",
    ),
]


@pytest.mark.parametrize(("sentence", "region", "quote"), ABNORMAL_CUES)
def test_an_abnormal_cue_documents_the_deficit_present_with_its_region(sentence, region, quote):
    assert _read(sentence) == [("NeurologicDysfunction", region, "present", quote)]


@pytest.mark.parametrize(
    "sentence",
    [
        "A neurological examination was performed.",
        "Sensation was tested about the upper extremities.",
        "Reflexes and motor strength were examined about the lower extremities.",
        "The applicant underwent a neurologic exam of the upper and lower extremities.",
        "Straight leg raise testing was attempted.",
        "The applicant reported numbness about the left leg.",
        # a negation before an examination's name: it was not done
        "No neurological examination was performed.",
    ],
)
def test_an_examination_named_without_a_result_documents_nothing(sentence):
    assert _read(sentence) == []


@pytest.mark.parametrize(
    "sentence",
    [
        # uncertain
        "Possible radiculopathy about the upper extremities.",
        "Rule out radiculopathy about the lower extremities.",
        "R/o cervical radiculopathy.",
        "Suspected radiculopathy in a C6 distribution.",
        "Questionable decreased sensation in an L5 dermatome.",
        # historical
        "The applicant has a history of radiculopathy in 2006.",
        "The applicant had a history of decreased sensation in a C6 distribution in 2006.",
        # hypothetical
        "If symptoms worsen, surgery may be considered.",
        "If sensation becomes diminished in an L5 dermatome, surgery may be considered.",
        # family
        "Family history of radiculopathy.",
        "The applicant's mother had radiculopathy.",
    ],
)
def test_uncertain_historical_hypothetical_and_family_mentions_document_nothing(sentence):
    assert _read(sentence) == []


def test_history_of_cancer_is_itself_a_red_flag_and_a_denial_is_absent():
    assert _read("The applicant has a history of cancer.") == [
        ("RedFlag", "-", "present", "history of cancer")
    ]
    assert _read("The applicant denies bowel or bladder dysfunction.") == [
        ("RedFlag", "-", "absent", "denies bowel or bladder dysfunction")
    ]


def test_a_deficit_word_is_present_unless_negated():
    assert _read("The applicant had C6 radiculopathy.") == [
        ("NeurologicDysfunction", "CervicalSpine", "present", "radiculopathy")
    ]
    assert _read("No focal neurologic deficits were noted about the lower extremities.") == [
        (
            "NeurologicDysfunction",
            "LumbarSpine",
            "absent",
            "No focal neurologic deficits were noted about the lower extremities",
        )
    ]


def test_each_examination_of_a_clause_keeps_its_own_result_and_region():
    assert _read(
        "Sensation was decreased in the left L5 dermatome and reflexes were 2+ and symmetric "
        "about the upper extremities."
    ) == [
        (
            "NeurologicDysfunction",
            "LumbarSpine",
            "present",
            "Sensation was decreased in the left L5 dermatome and",
        ),
        (
            "NeurologicDysfunction",
            "CervicalSpine",
            "absent",
            "reflexes were 2+ and symmetric about the upper extremities",
        ),
    ]
    assert _read(
        "Sensation, reflexes and motor strength were normal about the upper extremities."
    ) == [
        (
            "NeurologicDysfunction",
            "CervicalSpine",
            "absent",
            "Sensation, reflexes and motor strength were normal about the upper extremities",
        )
    ]


def test_a_reviewer_silent_on_an_examination_states_a_gap_not_a_finding():
    sentence = "There was no mention of a neurological examination of the upper extremities."
    findings, gaps = read_context(sentence, [(0, len(sentence))], load_lexicon(), lambda _: None)
    assert findings == []
    assert [(g.concept, g.region, sentence[g.span[0] : g.span[1]]) for g in gaps] == [
        (
            VC.NeurologicDysfunction,
            VC.CervicalSpine,
            "There was no mention of a neurological examination of the upper extremities",
        )
    ]


# --- the distinction is data ------------------------------------------------------------------


def test_examination_words_are_lx_examination_phrases_not_labels_of_the_deficit():
    graph = load_knowledge().ontology
    deficit_words = {
        str(o).lower() for o in graph.objects(VC.NeurologicDysfunction, SKOS.hiddenLabel)
    }
    exams = load_examinations()
    for word in (
        "neurologic examination",
        "neurological examination",
        "sensation",
        "sensorium",
        "reflexes",
        "deep tendon reflexes",
        "dtrs",
        "motor strength",
        "strength",
        "spurling's",
        "straight-leg raise",
        "slr",
    ):
        assert word not in deficit_words
        assert word not in load_lexicon().findings.phrases
        assert exams.examines[exams.phrases.phrases[word]] == VC.NeurologicDysfunction
    for word in (
        "radiculopathy",
        "focal deficit",
        "dermatomal sensory loss",
        "nerve root compromise",
    ):
        assert word in deficit_words
        assert word not in exams.phrases.phrases
    assert exams.region[exams.phrases.phrases["spurling's"]] == VC.CervicalSpine
    assert exams.region[exams.phrases.phrases["slr"]] == VC.LumbarSpine


def test_root_levels_name_their_spine_region_in_rdf():
    levels = load_examinations().levels.phrases
    assert {label: levels[label] for label in ("c5", "c6", "c7", "c8", "l4", "l5", "s1")} == {
        "c5": VC.CervicalSpine,
        "c6": VC.CervicalSpine,
        "c7": VC.CervicalSpine,
        "c8": VC.CervicalSpine,
        "l4": VC.LumbarSpine,
        "l5": VC.LumbarSpine,
        "s1": VC.LumbarSpine,
    }


def test_no_lexicon_phrase_exists_only_for_the_seed():
    graph = load_knowledge().ontology
    effect = {str(o) for o in graph.objects(VC.ImagingEffectOnTreatmentPlan, SKOS.hiddenLabel)}
    assert "influence the treatment plant" not in effect
    gap_labels = {str(o) for o in graph.objects(VC.ObjectiveFunctionalImprovement, LX.gapLabel)}
    assert not gap_labels & {
        "what treatment or treatments had transpired",
        "what treatment had transpired",
    }


def test_the_seed_gaps_are_read_by_the_general_phrases():
    sentences = (
        "It was not clearly stated how (or if) the proposed lumbar MRI would influence the "
        "treatment plant. It was not clearly stated what treatment had been given to date."
    )
    spans = [(0, sentences.index(".") + 1), (sentences.index(".") + 2, len(sentences))]
    findings, gaps = read_context(sentences, spans, load_lexicon(), lambda _: None)
    assert findings == []
    assert [(g.concept, g.region, sentences[g.span[0] : g.span[1]]) for g in gaps] == [
        (
            VC.ImagingEffectOnTreatmentPlan,
            VC.LumbarSpine,
            "It was not clearly stated how (or if) the proposed lumbar MRI would influence the "
            "treatment plant",
        ),
        (
            VC.ObjectiveFunctionalImprovement,
            None,
            "It was not clearly stated what treatment had been given to date",
        ),
    ]


CASE_TOLD_IN_THE_DISCUSSION = (
    "STATE OF CALIFORNIA - INDEPENDENT MEDICAL REVIEW\nFinal Determination\n\n"
    "The Utilization Review determination of 09/22/2015 denied an MRI of the lumbar spine.\n\n"
    "The request for an MRI of the lumbar spine is not medically necessary. On examination\n"
    "on 09/01/2015, straight leg raise was negative and reflexes were 2+ and symmetric.\n"
    "The MTUS supports imaging when there is a focal neurologic deficit or a red flag.\n"
)


def test_a_case_told_only_in_the_discussion_documents_its_findings_there():
    """A letter whose summary reports nothing (headings lost, the case told inside the item's
    discussion) takes its findings from the discussion's sentences about the record, not from
    its sentences about what the guideline supports (ls:GuidelineProse)."""
    findings = case_facts(kg.ingest.ingest(CASE_TOLD_IN_THE_DISCUSSION).graph)["findings"]
    assert findings == {
        ("NeurologicDysfunction", "LumbarSpine", "DocumentedAbsent", "letter"),  # straight leg
        ("NeurologicDysfunction", "-", "DocumentedAbsent", "letter"),  # reflexes, no region
    }


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Pain is 8/10 without medication and 6/10 with it.", ("-", "present")),
        ("Pain 8/10 w/o meds, 6/10 w/ meds.", ("-", "present")),
        ("Pain 4/10 with medication and 8/10 without.", ("-", "present")),
        ("His lumbar pain has gone from 8/10 to 5/10.", ("LumbarSpine", "present")),
        ("Knee pain of 8/10 with and without medications.", ("Knee", "absent")),
        ("Pain increased from 4/10 to 7/10.", ("-", "absent")),
    ],
)
def test_two_pain_scores_compared_document_pain_relief(sentence, expected):
    """lx:ScoreComparison: a lower score with (or after) treatment documents pain relief, the
    same score with and without it, or a higher one, documents it absent."""
    found = _read(sentence)
    assert [(f[0], f[1], f[2]) for f in found] == [("PainImprovement", *expected)]


def test_one_pain_score_documents_no_relief_either_way():
    assert _read("Her lumbar pain is 6/10 with meds.") == []


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("There is no CURES report in the records.", [("PrescriptionMonitoringChecked", "absent")]),
        (
            "A CURES query on 3/1/2017 was consistent.",
            [("PrescriptionMonitoringChecked", "present")],
        ),
        ("He had a GI bleed on ibuprofen in 2016.", [("GastrointestinalRiskFactor", "present")]),
        ("An opioid agreement was signed in 2015.", [("OpioidTreatmentAgreement", "present")]),
        ("The guidelines call for a CURES check.", []),
        ("He has moderate to severe low back pain.", [("ModerateToSevereLowBackPain", "present")]),
        ("No weaning plan has been submitted.", [("FormularyTransitionPlanFiled", "absent")]),
        ("The Norco was dispensed in the office.", [("PhysicianDispensed", "present")]),
        ("She has acute low back pain after lifting a box.", [("AcuteLowBackPain", "present")]),
    ],
)
def test_words_for_the_2017_opioid_and_nsaid_findings(sentence, expected):
    """The findings the 2016-2017 medication, ACOEM-era and formulary criteria ask about are
    read from letters; what a guideline calls for documents nothing."""
    assert [(f[0], f[2]) for f in _read(sentence)] == expected
