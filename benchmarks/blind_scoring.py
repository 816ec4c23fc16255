"""Scoring of the blind-written letters (tests/blind/): facts the writer recorded beside each
letter (NAME.facts.yaml, plain words, schema in tests/blind/README.md) against what IMR-KG
reads and screens.

The writer's categories and finding types are plain words; the maps below say which concept
of the vocabularies (or any narrower one) counts as reading them right. They are the
benchmark's answer key, not knowledge the reader uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from kg.core.errors import InputError
from kg.core.namespaces import IMR, VC

CATEGORIES = {
    "chiropractic": "ManualTherapyAndManipulation",
    "physical therapy": "PhysicalTherapy",
    "occupational therapy": "OccupationalTherapy",
    "aquatic therapy": "AquaticTherapy",
    "massage": "MassageTherapy",
    "acupuncture": "Acupuncture",
    "mri": "MRI",
    "ct": "CTScan",
    "x-ray": "XRay",
    "bone scan": "BoneScan",
    "sleep study": "SleepStudy",
    "emg/ncs": "ElectrodiagnosticTesting",
    "lab tests": "BloodTests",
    "urine drug test": "UrineDrugTesting",
    "opioid": "OpioidAnalgesics",
    "nsaid": "NSAIDs",
    "muscle relaxant": "MuscleRelaxants",
    "topical compound or topical analgesic": "TopicalAnalgesics",
    "anticonvulsant": "Anticonvulsants",
    "antidepressant": "Antidepressants",
    "sleep aid": "SleepAids",
    "proton pump inhibitor": "ProtonPumpInhibitors",
    "other medication": "Pharmaceuticals",
    "epidural steroid injection": "EpiduralSteroidInjection",
    "facet injection or medial branch block": "SpinalInjection",
    "viscosupplementation (e.g. synvisc)": "Viscosupplementation",
    "viscosupplementation": "Viscosupplementation",
    "prp injection": "PlateletRichPlasmaInjection",
    "trigger point injection": "TriggerPointInjection",
    "si joint injection": "SacroiliacJointInjection",
    "other injection": "JointAndSoftTissueInjection",
    "tens unit": "TENS",
    "h-wave": "HWave",
    "cold therapy or compression unit": "ColdCompressionUnit",
    "brace": "Brace",
    "mattress": "Mattress",
    "ergonomic furniture": "ErgonomicFurniture",
    "walker or wheelchair": "DurableMedicalEquipment",
    "other dme": "DurableMedicalEquipment",
    "lumbar surgery": "Surgery",
    "other surgery": "Surgery",
    "post-operative care": "PerioperativeCare",
    "consultation": "Consultation",
    "follow-up visit": "EvaluationAndManagement",
    "evaluation and management": "EvaluationAndManagement",
    "home health care": "HomeHealth",
    "transportation": "Transportation",
    "functional restoration program": "FunctionalRestorationProgramme",
    "aftercare program": "AftercareProgramme",
    "work hardening or conditioning": "WorkConditioning",
    "psychotherapy or cbt": "BehaviouralHealth",
    "psychological evaluation": "BehaviouralHealth",
    "tms": "TranscranialMagneticStimulation",
}

FINDINGS = {
    "neurologic deficit": "NeurologicDysfunction",
    "red flag": "RedFlag",
    "surgery contemplated": "InvasiveProcedureContemplated",
    "functional improvement": "ObjectiveFunctionalImprovement",
    "limited range of motion": "LimitedRangeOfMotion",
    "imaging would change plan": "ImagingEffectOnTreatmentPlan",
    "flare-up": "FlareUp",
    "home exercise program": "HomeExerciseProgram",
    "returned to work": "ReturnToWork",
    "prior treatment": "PriorTreatmentHistory",
    "pain relief from medication": "PainImprovement",
}

REGIONS = {
    "cervical spine": "CervicalSpine",
    "thoracic spine": "ThoracicSpine",
    "lumbar spine": "LumbarSpine",
    "shoulder": "Shoulder",
    "elbow": "Elbow",
    "wrist/hand": "ForearmWristHand",
    "hip": "Hip",
    "knee": "Knee",
    "ankle/foot": "AnkleAndFoot",
    "upper extremities": "UpperExtremity",
    "lower extremities": "LowerExtremity",
}


@dataclass
class LetterScore:
    name: str
    layout: str
    writer: str = ""  # the folder of the writer who wrote the letter
    refused: str | None = None
    items_expected: int = 0
    items_read: int = 0
    categories_right: int = 0
    outcomes_right: int = 0
    screened: int = 0
    agreeing: int = 0
    findings_expected: int = 0
    findings_right: int = 0
    false_present: int = 0
    injury_right: int | None = None
    ur_date_right: int | None = None
    problems: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    def describe(self) -> str:
        head = (
            f"{self.name} [{self.layout}]: items {self.items_read}/{self.items_expected}, "
            f"service {self.categories_right}, outcome {self.outcomes_right}, screened "
            f"{self.screened}, agree {self.agreeing}, findings {self.findings_right}/"
            f"{self.findings_expected}, injury {self.injury_right}, UR date {self.ur_date_right}"
        )
        lines = [head]
        if self.refused:
            lines.append(f"    refused: {self.refused}")
        lines += [f"    problem: {p}" for p in self.problems]
        lines += [f"    miss: {m}" for m in self.misses]
        return "\n".join(lines)


def blind_letters(folder: Path) -> list[tuple[Path, dict]]:
    return [
        (path, yaml.safe_load(path.with_name(path.stem + ".facts.yaml").read_text()))
        for path in sorted(folder.rglob("*.txt"))
        if path.with_name(path.stem + ".facts.yaml").exists()
    ]


def _narrower_or_same(knowledge: Graph, concept: URIRef | None, wanted: str) -> bool:
    if concept is None:
        return False
    target = VC[wanted]
    return concept == target or target in set(knowledge.transitive_objects(concept, SKOS.broader))


def _date_text(value) -> str:
    return str(value) if value is not None else ""


def score_letter(path: Path, facts: dict, knowledge: Graph, ingest, evaluate) -> LetterScore:
    score = LetterScore(path.stem, str(facts.get("layout")), path.parent.name)
    items = facts.get("items") or []
    score.items_expected = len(items)
    try:
        result = ingest(path, allow_partial=True)
    except InputError as error:
        score.refused = str(error)
        return score
    graph = result.graph
    score.problems = list(result.problems)
    decided = sorted(
        (
            (int(graph.value(d, IMR.spanStart) or 0), graph.value(d, IMR.decides), d)
            for d in graph.subjects(RDF.type, IMR.IMRDecision)
        ),
        key=lambda t: t[0],
    )
    score.items_read = min(len(decided), len(items))
    verdicts = {}
    try:
        evaluation = evaluate(graph)
        verdicts = {URIRef(r.iri): r.verdict for r in evaluation.requests}
    except Exception as error:  # noqa: BLE001 - a benchmark reports, it does not stop
        score.problems.append(f"evaluate failed: {error}")
    # Each expected item with a read one of its category (a letter may decide its items in
    # another order than its facts list them); the rest in letter order when the counts agree.
    pairs = []
    free = list(decided)
    unpaired = []
    for item in items:
        wanted = CATEGORIES.get(str(item.get("category", "")).lower())
        match = next(
            (
                d
                for d in free
                if wanted and _narrower_or_same(knowledge, graph.value(d[1], IMR.service), wanted)
            ),
            None,
        )
        if match is not None:
            free.remove(match)
            pairs.append((item, match))
        else:
            unpaired.append(item)
    if len(decided) == len(items):
        pairs += list(zip(unpaired, free, strict=True))
    for item, (_, request, decision) in pairs:
        wanted = CATEGORIES.get(str(item.get("category", "")).lower())
        service = graph.value(request, IMR.service)
        if wanted and _narrower_or_same(knowledge, service, wanted):
            score.categories_right += 1
        else:
            score.misses.append(f"service of {item.get('words')!r}: read {service}, want {wanted}")
        outcome = graph.value(decision, IMR.outcome)
        expected_outcome = str(item.get("imr_outcome", "")).lower()
        if outcome is not None and str(outcome).endswith(expected_outcome.capitalize()):
            score.outcomes_right += 1
        else:
            score.misses.append(f"outcome of {item.get('words')!r}: read {outcome}")
        verdict = verdicts.get(request)
        disagrees = (verdict == "criteria_not_met") != (expected_outcome == "upheld")
        if verdict and verdict != "not_covered" and disagrees:
            score.misses.append(
                f"{item.get('words')!r}: screened {verdict}, IMR {expected_outcome}"
            )
        if verdict and verdict != "not_covered":
            score.screened += 1
            if (verdict == "criteria_not_met") == (expected_outcome == "upheld"):
                score.agreeing += 1
    _score_findings(score, facts, graph, knowledge)
    _score_dates(score, facts, graph)
    return score


def _score_findings(score: LetterScore, facts: dict, graph: Graph, knowledge: Graph) -> None:
    read = [
        (
            graph.value(f, IMR.findingConcept),
            graph.value(f, IMR.status),
            graph.value(f, IMR.bodyRegion),
        )
        for f in graph.subjects(RDF.type, IMR.Finding)
    ]
    for finding in facts.get("findings") or []:
        wanted = FINDINGS.get(str(finding.get("type", "")).lower())
        if wanted is None:
            continue
        status = str(finding.get("status", "")).lower()
        region = REGIONS.get(str(finding.get("region", "")).lower())
        same = [
            (concept, st, reg)
            for concept, st, reg in read
            if _narrower_or_same(knowledge, concept, wanted)
            and (region is None or reg is None or reg == VC[region])
        ]
        present = [x for x in same if x[1] == IMR.DocumentedPresent]
        score.findings_expected += 1
        if status == "present":
            right = bool(present)
        elif status == "absent":
            right = any(x[1] == IMR.DocumentedAbsent for x in same) and not present
            score.false_present += bool(present)
        else:
            right = not present
            score.false_present += bool(present)
        score.findings_right += right
        if not right:
            score.misses.append(
                f"finding {wanted} {region or ''} {status}: {finding.get('words')!r}; read "
                + (", ".join(f"{str(st).rsplit('#')[-1]}" for _, st, _ in same) or "nothing")
            )


def _score_dates(score: LetterScore, facts: dict, graph: Graph) -> None:
    injury = _date_text(facts.get("injury_date"))
    if injury:
        reported = {str(d) for d in graph.objects(None, IMR.reportedDate)}
        score.injury_right = int(injury in reported)
        if not score.injury_right:
            score.misses.append(f"injury date {injury}: read {sorted(reported)}")
    ur = _date_text(facts.get("ur_date"))
    if ur:
        decided = {
            str(graph.value(d, IMR.decisionDate)) for d in graph.subjects(RDF.type, IMR.URDecision)
        }
        score.ur_date_right = int(ur in decided)
        if not score.ur_date_right:
            score.misses.append(f"UR date {ur}: read {sorted(decided)}")
