"""Issue 11: the request mix of real letters. A letter is never refused for one item: an item
whose words name no service concept is kept (vc:UnrecognisedService), screened not_covered and
warned about; the categories DWC reports for IMR have service concepts (request-mix.ttl), so
their requests are not_covered in their category; quantities are read as letters write them."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal
from typer.testing import CliRunner

import kg
from kg.core.namespaces import IMR, VC
from kg.ingest.lexicon import load_lexicon
from kg.ingest.quantities import Quantity, parse_quantity
from kg.interfaces.cli import app

MIX = Path(__file__).parent / "request-mix" / "2015-03-request-mix.txt"
ZORBLAX = (
    "item 'Zorblax device': no service concept matches 'Zorblax device'; kept in the case and "
    "screened not_covered"
)
WARNING = f"warning: {MIX}: {ZORBLAX}"


def _no_criterion(service: str, regions: str = "cervical spine, knee") -> str:
    return f"No criterion in the catalogue addresses {service} ({regions})."


# request (IRI ending) -> (requested as, service, verdict, reason)
EXPECTED = {
    "request-mri-cervical-spine": (
        "MRI of the Cervical Spine",
        "magnetic resonance imaging",
        "criteria_met",
        "The documented facts meet every applicable criterion.",
    ),
    "request-mattress-knee-cervical-spine": (
        "Orthopedic mattress",
        "mattress",
        "not_covered",
        _no_criterion("mattress"),
    ),
    "request-ergonomic-furniture-knee-cervical-spine": (
        "Ergonomic chair",
        "ergonomic furniture and workstation",
        "not_covered",
        _no_criterion("ergonomic furniture and workstation"),
    ),
    "request-viscosupplementation-knee": (
        "Synvisc injections x3 to the right knee",
        "viscosupplementation (hyaluronic acid injections)",
        "not_covered",
        _no_criterion("viscosupplementation (hyaluronic acid injections)", "knee"),
    ),
    "request-cold-compression-unit-knee-cervical-spine": (
        "VascuTherm rental x28 days",
        "cold therapy and compression unit",
        "not_covered",
        _no_criterion("cold therapy and compression unit"),
    ),
    "request-transportation-knee-cervical-spine": (
        "Transportation to medical appointments",
        "transportation to medical appointments",
        "not_covered",
        _no_criterion("transportation to medical appointments"),
    ),
    "request-aftercare-programme-knee-cervical-spine": (
        "Aftercare program",
        "aftercare programme",
        "not_covered",
        _no_criterion("aftercare programme"),
    ),
    "request-unrecognised-service-knee-cervical-spine-zorblax-device": (
        "Zorblax device",
        "unrecognised service",
        "not_covered",
        "No service concept matches 'Zorblax device'.",
    ),
    "request-home-health-knee-cervical-spine": (
        "Home health care 4 hrs/day x 4 days/wk x 3 months",
        "home health services",
        "criteria_not_met",
        "The documented facts do not meet: Home health is part-time medical treatment for a "
        "homebound patient. This verdict rests on criteria marked INF, not confirmed against the "
        "guideline text (as habitually quoted in IMR letters): Home health is part-time medical "
        "treatment for a homebound patient.",
    ),
}


@pytest.fixture(scope="module")
def mix_evaluation():
    return kg.evaluate(MIX)


@pytest.fixture(scope="module")
def mix_result():
    from kg.ingest import ingest

    return ingest(MIX)


def _screened(evaluation) -> dict[str, tuple]:
    return {
        r.iri.rsplit("/", 1)[-1]: (r.requested_as, r.service, r.verdict, r.reason)
        for r in evaluation.requests
    }


def test_a_letter_with_an_unknown_item_is_screened_item_by_item(mix_evaluation):
    assert _screened(mix_evaluation) == EXPECTED
    assert mix_evaluation.warnings == [ZORBLAX]
    assert mix_evaluation.to_dict()["warnings"] == [ZORBLAX]


def test_the_unknown_item_keeps_its_words_spans_and_decisions(mix_result):
    graph = mix_result.graph
    assert mix_result.problems == [] and mix_result.partial is False
    assert mix_result.warnings == [ZORBLAX]
    [case] = graph.subjects(IMR.ingestWarning, Literal(ZORBLAX))
    assert (case, IMR.partial, None) not in graph
    [request] = graph.subjects(IMR.service, VC.UnrecognisedService)
    assert (case, IMR.hasRequest, request) in graph
    assert graph.value(request, IMR.requestedAs) == Literal("Zorblax device")
    text = MIX.read_text(encoding="utf-8")
    start, end = int(graph.value(request, IMR.spanStart)), int(graph.value(request, IMR.spanEnd))
    assert text[start:end] == "Zorblax device:  Upheld"
    assert graph.value(request, IMR.quote) == Literal("Zorblax device: Upheld")
    assert graph.value(request, IMR.source) is not None
    # The IMR outcome of the item is read like any other item's, and the UR sentence's "denied
    # a Zorblax device" by the item's own words.
    outcomes = {graph.value(d, IMR.outcome) for d in graph.subjects(IMR.decides, request)}
    assert outcomes == {IMR.Upheld, IMR.Denied}


def test_the_home_health_request_is_read_with_its_hours_days_and_duration(
    mix_result, mix_evaluation
):
    graph = mix_result.graph
    [request] = graph.subjects(IMR.requestedAs, Literal(EXPECTED[_home()][0]))
    values = {
        prop: graph.value(request, prop).toPython()
        for prop in (
            IMR.hoursPerDay,
            IMR.frequencyPerWeekMin,
            IMR.frequencyPerWeekMax,
            IMR.durationMonths,
        )
    }
    assert values == {
        IMR.hoursPerDay: 4,
        IMR.frequencyPerWeekMin: 4,
        IMR.frequencyPerWeekMax: 4,
        IMR.durationMonths: 3,
    }
    # No total is invented from the rate: neither a quantity nor weeks.
    for prop in (IMR.quantityMax, IMR.quantityMin, IMR.durationWeeksMax, IMR.hoursPerWeek):
        assert graph.value(request, prop) is None
    result = mix_evaluation.request(_home())
    [criterion] = result.criteria
    statuses = {c.label: (c.status, [e.text for e in c.evidence]) for c in criterion.conditions}
    assert statuses["hours are part-time or intermittent, within the weekly limit"] == (
        "met",
        ['hours per week: 16 (requested as "Home health care 4 hrs/day x 4 days/wk x 3 months")'],
    )
    assert statuses["the patient is homebound"][0] == "not_documented"


def _home() -> str:
    return "request-home-health-knee-cervical-spine"


def test_cli_evaluate_exits_0_and_warns(mix_evaluation):
    result = CliRunner().invoke(app, ["evaluate", str(MIX), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert WARNING in " ".join(result.stderr.split())
    import json

    data = json.loads(result.stdout)
    assert {r["iri"].rsplit("/", 1)[-1]: (r["verdict"], r["reason"]) for r in data["requests"]} == {
        key: (value[2], value[3]) for key, value in EXPECTED.items()
    }


def test_cli_ingest_exits_0_writes_the_case_and_warns(tmp_path):
    out = tmp_path / "case.ttl"
    result = CliRunner().invoke(app, ["ingest", str(MIX), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert WARNING in " ".join(result.stderr.split())
    assert "partial:" not in result.stderr
    graph = Graph().parse(out)
    assert len(set(graph.subjects(IMR.service, None))) == len(EXPECTED)
    assert [str(w) for w in graph.objects(None, IMR.ingestWarning)] == [ZORBLAX]


def test_cli_ingest_of_a_folder_warns_per_letter(tmp_path):
    folder = tmp_path / "letters"
    folder.mkdir()
    (folder / MIX.name).write_bytes(MIX.read_bytes())
    result = CliRunner().invoke(app, ["ingest", str(folder), "-o", str(tmp_path / "cases")])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stderr.split())
    assert f"warning: {folder / MIX.name}: {ZORBLAX}" in text
    assert "1 of 1 letters ingested" in text


def test_load_screen_and_count_not_covered_by_category(tmp_path):
    store = tmp_path / "cases.db"
    result = CliRunner().invoke(app, ["load", str(MIX), "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert WARNING in " ".join(result.stderr.split())
    assert "loaded 1 · unchanged 0 · errors 0" in result.stdout
    result = CliRunner().invoke(app, ["evaluate", "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert "criteria_met 1, criteria_not_met 1, not_covered 7." in " ".join(result.stdout.split())

    from kg.api import Store
    from kg.reports.coverage import UncoveredCategory, not_covered_by_category

    opened = Store(store, read_only=True)
    try:
        rows = not_covered_by_category(opened)
    finally:
        opened.close()
    assert rows == [
        UncoveredCategory(
            "durable medical equipment",
            3,
            3,
            [
                "cold therapy and compression unit",
                "ergonomic furniture and workstation",
                "mattress",
            ],
        ),
        UncoveredCategory(
            "joint and soft-tissue injections",
            1,
            1,
            ["viscosupplementation (hyaluronic acid injections)"],
        ),
        UncoveredCategory(
            "other programmes (aftercare, weight loss, fitness)", 1, 1, ["aftercare programme"]
        ),
        UncoveredCategory(
            "transportation to medical appointments",
            1,
            1,
            ["transportation to medical appointments"],
        ),
        UncoveredCategory("unrecognised service", 1, 1, ["unrecognised service"]),
    ]
    result = CliRunner().invoke(app, ["coverage", "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert "requests not covered" in result.stdout
    assert "unrecognised service" in result.stdout


def test_the_audit_report_of_the_letter_shows_the_warning(tmp_path):
    from kg.reports.html import write_case_report

    html = write_case_report(MIX, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Read from the letter with warnings" in html
    assert (
        "item &#39;Zorblax device&#39;: no service concept matches &#39;Zorblax device&#39;" in html
    )
    assert "No service concept matches &#39;Zorblax device&#39;." in html


def test_a_hand_written_case_may_name_the_unrecognised_service():
    graph = Graph().parse(
        data="""
        @prefix imr: <https://w3id.org/imr-kg/ontology#> .
        @prefix vc:  <https://w3id.org/imr-kg/vocab#> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        @prefix :    <https://w3id.org/imr-kg/case/hand/unrecognised/> .
        :case a imr:Case ; imr:hasRequest :request .
        :request a imr:TreatmentRequest ; imr:service vc:UnrecognisedService ;
            imr:requestedAs "a Zorblax device" ; imr:requestDate "2014-09-12"^^xsd:date .
        """,
        format="turtle",
    )
    [request] = kg.evaluate(graph).requests
    assert (request.verdict, request.reason) == (
        "not_covered",
        "No service concept matches 'a Zorblax device'.",
    )


@pytest.mark.parametrize(
    "name", ["request-without-service.ttl", "unknown-service.ttl"], ids=["no-service", "unknown"]
)
def test_hand_written_cases_without_a_service_concept_are_still_refused(name):
    with pytest.raises(kg.InputError):
        kg.evaluate(Path(__file__).parent / "bad-input" / name)


@pytest.mark.parametrize(
    ("words", "concept"),
    [
        ("Neurontin 600mg #90", VC.Anticonvulsants),
        # British and American spellings of a label are one label
        ("a functional restoration program x 10 days", VC.FunctionalRestorationProgramme),
        ("cognitive behavioral therapy x 6", VC.CognitiveBehaviouralTherapy),
        ("gabapentin 300 mg", VC.Anticonvulsants),
        ("Lyrica 75mg", VC.Anticonvulsants),
        ("pregabalin", VC.Anticonvulsants),
        ("amitriptyline 25mg", VC.Antidepressants),
        ("Cymbalta 60mg #30", VC.Antidepressants),
        ("duloxetine", VC.Antidepressants),
        ("nortriptyline", VC.Antidepressants),
        ("Ambien 10mg #30", VC.SleepAids),
        ("zolpidem", VC.SleepAids),
        ("Prilosec 20mg", VC.ProtonPumpInhibitors),
        ("omeprazole 20 mg #60", VC.ProtonPumpInhibitors),
        ("pantoprazole", VC.ProtonPumpInhibitors),
        ("compounded cream", VC.TopicalCompounds),
        ("Terocin lotion", VC.TopicalCompounds),
        ("Lidoderm patches #30", VC.TopicalLidocaine),
        ("flurbiprofen cream", VC.TopicalNSAIDs),
        ("work hardening program x10", VC.WorkConditioning),
        ("work conditioning", VC.WorkConditioning),
        ("X-rays of the right knee", VC.XRay),
        ("radiographs of the lumbar spine", VC.XRay),
        ("CT scan of the lumbar spine", VC.CTScan),
        ("bone scan", VC.BoneScan),
        ("CBC", VC.BloodTests),
        ("CMP", VC.BloodTests),
        ("lab work", VC.BloodTests),
        ("sleep study", VC.SleepStudy),
        ("polysomnography", VC.SleepStudy),
        ("urine drug screen", VC.UrineDrugTesting),
        ("orthopedic mattress", VC.Mattress),
        ("ergonomic chair", VC.ErgonomicFurniture),
        ("ergonomic workstation", VC.ErgonomicFurniture),
        ("VascuTherm rental x28 days", VC.ColdCompressionUnit),
        ("Game Ready unit", VC.ColdCompressionUnit),
        ("cold therapy unit", VC.ColdCompressionUnit),
        ("knee brace", VC.Brace),
        ("H-wave unit", VC.HWave),
        ("front-wheeled walker", VC.Walker),
        ("wheelchair", VC.Wheelchair),
        ("Synvisc-One injection", VC.Viscosupplementation),
        ("Synvisc injections x3", VC.Viscosupplementation),
        ("hyaluronic acid injections", VC.Viscosupplementation),
        ("PRP injection", VC.PlateletRichPlasmaInjection),
        ("trigger point injections x4", VC.TriggerPointInjection),
        ("SI joint injection", VC.SacroiliacJointInjection),
        ("right knee arthroscopy", VC.JointSurgery),
        ("post-operative care", VC.PerioperativeCare),
        ("evaluation and management", VC.EvaluationAndManagement),
        ("follow-up visits x3", VC.FollowUpVisit),
        ("orthopedic consultation", VC.OrthopedicConsultation),
        ("consultation", VC.Consultation),
        ("home health care", VC.HomeHealth),
        ("transportation to medical appointments", VC.Transportation),
        ("transportation to treatment", VC.Transportation),
        ("aftercare program", VC.AftercareProgramme),
        ("psychological evaluation", VC.PsychologicalEvaluation),
        ("cognitive behavioral therapy", VC.CognitiveBehaviouralTherapy),
        ("TMS", VC.TranscranialMagneticStimulation),
    ],
)
def test_words_letters_use_name_their_service_concept(words, concept):
    assert load_lexicon().services.first(words) == concept


def test_every_new_service_has_a_category():
    """Each service of the request mix reaches a top concept of the service scheme, except
    vc:UnrecognisedService, which is no category."""
    from rdflib.namespace import RDF, SKOS

    from kg.knowledge.graph import load_knowledge

    graph = load_knowledge().ontology
    tops = set(graph.subjects(SKOS.topConceptOf, VC.Services))
    orphans = sorted(
        str(service)
        for service in graph.subjects(RDF.type, IMR.Service)
        if not any(b in tops for b in graph.transitive_objects(service, SKOS.broader))
    )
    assert orphans == [str(VC.UnrecognisedService)]


def _q(**values) -> Quantity:
    return Quantity(**values)


@pytest.mark.parametrize(
    ("words", "service", "expected"),
    [
        (
            "Home health care 4 hrs/day x 4 days/wk x 3 months",
            VC.HomeHealth,
            _q(unit=VC.Hour, frequency_min=4, frequency_max=4, hours_per_day=4, months=3),
        ),
        (
            "home health aide 8 hours a day, 5 days a week",
            VC.HomeHealthAide,
            _q(unit=VC.Hour, frequency_min=5, frequency_max=5, hours_per_day=8),
        ),
        (
            "VascuTherm rental x28 days",
            VC.ColdCompressionUnit,
            _q(quantity_min=28, quantity_max=28, unit=VC.RentalDay, days=28),
        ),
        (
            "cold therapy unit x 28 days",
            VC.ColdCompressionUnit,
            _q(quantity_min=28, quantity_max=28, unit=VC.RentalDay, days=28),
        ),
        (
            "cold therapy unit 28 day rental",
            VC.ColdCompressionUnit,
            _q(quantity_min=28, quantity_max=28, unit=VC.RentalDay),
        ),
        (
            "physical therapy 1x6",
            VC.PhysicalTherapy,
            _q(
                quantity_min=6,
                quantity_max=6,
                unit=VC.Visit,
                frequency_min=1,
                frequency_max=1,
                weeks_min=6,
                weeks_max=6,
            ),
        ),
        (
            "acupuncture 2x4",
            VC.Acupuncture,
            _q(
                quantity_min=8,
                quantity_max=8,
                unit=VC.Visit,
                frequency_min=2,
                frequency_max=2,
                weeks_min=4,
                weeks_max=4,
            ),
        ),
        ("Neurontin 600mg #90", VC.Anticonvulsants, _q(quantity_min=90, quantity_max=90)),
        (
            "psychotherapy x 6 weeks",
            VC.Psychotherapy,
            _q(unit=VC.Visit, weeks_min=6, weeks_max=6),
        ),
        (
            "Interferential unit x 30 day rental",
            VC.InterferentialStimulator,
            _q(quantity_min=30, quantity_max=30, unit=VC.RentalDay),
        ),
        # A TENS unit is rented by the month: a 30-day trial is a duration, not 30 months.
        ("TENS unit x 30 day trial", VC.TENS, _q(unit=VC.RentalMonth, days=30)),
        # "One" in a brand name is no quantity.
        ("Synvisc-One injection to the left knee", VC.Viscosupplementation, _q(unit=VC.Injection)),
        ("Zorblax device", None, _q()),
        ("home health care", VC.HomeHealth, _q(unit=VC.Hour)),
    ],
)
def test_quantities_as_letters_write_them(words, service, expected):
    assert parse_quantity(words, load_lexicon(), service) == expected


def test_a_rate_is_never_read_as_a_count():
    quantity = parse_quantity("home health 4 days/wk x 6 weeks", load_lexicon(), VC.HomeHealth)
    assert quantity.quantity_max is None
    assert (quantity.frequency_max, quantity.weeks_max) == (4, 6)
    assert quantity.empty is False
