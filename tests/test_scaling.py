"""Linear in the input (issue 12): a letter's verdict graph grows by the same triples per item
(no item's explanation lists what other items' reviewers noted), the reader reads a line of a
million characters in bounded pieces (spaCy's E088 never reached), and the size caps refuse a
letter over 1 MB and a case file over its cap with one line. Speed itself is measured by
benchmarks/scaling.py, never asserted here."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest
from conftest import ROOT, SEED_CASE, SEED_LETTER
from rdflib import Graph
from rdflib.namespace import RDF
from typer.testing import CliRunner

import kg
from kg.core.limits import LETTER_MAX_BYTES
from kg.core.namespaces import IMR
from kg.ingest.compare import case_facts
from kg.ingest.text import MAX_SENTENCE, CleanText, sentences
from kg.interfaces.cli import app

ITEMS_MARKER = "Chirocare 2x4-6:  Upheld"
TENS_LETTER = ROOT / "tests" / "letters" / "2014-06-tens-and-emg-hyphenated.txt"
CERVICAL_GAP = (
    "there was no mention of the applicant's considering or contemplating an invasive procedure "
    "or surgical intervention involving the cervical spine"
)


def seed_with_items_repeated(copies: int) -> str:
    """The seed letter with its three disputed items (chiropractic, cervical and lumbar MRI,
    each with its rationale) written `copies` times."""
    seed = SEED_LETTER.read_text()
    head, items = seed.split(ITEMS_MARKER, 1)
    return head + (ITEMS_MARKER + items.rstrip() + "\n\n") * copies


def _subtree(graph: Graph, node) -> int:
    """Triples of `node` and of the nodes below it (a verdict's assessments, whose IRIs are
    minted under the verdict's)."""
    count = 0
    for _, _, value in graph.triples((node, None, None)):
        count += 1
        if str(value).startswith(f"{node}/"):
            count += _subtree(graph, value)
    return count


@pytest.fixture(scope="module")
def screened_copies():
    """The seed letter with its three items once and twice, each read and screened."""
    evaluations = {}
    for copies in (1, 2):
        graph = kg.ingest_letter(seed_with_items_repeated(copies))
        evaluations[copies] = kg.evaluate(graph)
    return evaluations


def _derived(graph: Graph, node, seen: set) -> int:
    """The facts derived about a request that its verdict graph stores (its date bounds and
    the nodes they hang from it)."""
    count = 0
    for _, _, value in graph.triples((node, None, None)):
        count += 1
        if value not in seen and (value, None, None) in graph:
            seen.add(value)
            count += _derived(graph, value, seen)
    return count


def _verdict_sizes(evaluation) -> dict[str, list[int]]:
    """Per item: its verdict's triples and the derived facts about its request."""
    graph = evaluation.verdict_graph
    sizes: dict[str, list[int]] = {}
    for verdict in graph.subjects(RDF.type, IMR.Verdict):
        request = graph.value(verdict, IMR.verdictFor)
        name = next(r.requested_as for r in evaluation.requests if r.iri == str(request))
        derived = _derived(graph, request, {request})
        sizes.setdefault(name, []).append(_subtree(graph, verdict) + derived)
    return sizes


def test_twice_the_items_is_twice_the_verdict_graph_less_the_run(screened_copies):
    once, twice = screened_copies[1], screened_copies[2]
    graph = once.verdict_graph
    run = next(graph.subjects(RDF.type, IMR.Screening))
    # What does not repeat with the items: the screening run's own triples and the verdict on
    # the pain management consultation (UR-approved in the summary, no disputed item).
    consultation = _verdict_sizes(once)["pain management consultation"]
    constant = len(list(graph.triples((run, None, None)))) + sum(consultation)
    assert len(graph) == len(list(graph.triples((run, None, None)))) + sum(
        sum(s) for s in _verdict_sizes(once).values()
    )
    assert len(twice.verdict_graph) == 2 * len(once.verdict_graph) - constant
    # Each repeated item's verdict is exactly as large as the first one's.
    for name, sizes in _verdict_sizes(twice).items():
        assert sizes == [_verdict_sizes(once)[name][0]] * len(sizes), name


def test_repeated_items_are_screened_alike(screened_copies):
    twice = screened_copies[2]
    rows = sorted(
        (r.requested_as, r.verdict, r.imr_outcome, r.agrees_with_imr) for r in twice.requests
    )
    assert rows == [
        ("Chirocare 2x4-6", "criteria_not_met", "upheld", True),
        ("Chirocare 2x4-6", "criteria_not_met", "upheld", True),
        ("MRI Cervical Spine", "criteria_not_met", "upheld", True),
        ("MRI Cervical Spine", "criteria_not_met", "upheld", True),
        ("MRI Lumbar Spine", "criteria_not_met", "upheld", True),
        ("MRI Lumbar Spine", "criteria_not_met", "upheld", True),
        ("pain management consultation", "not_covered", None, None),
    ]


def _gap_evidence(request) -> list[tuple[str, tuple[int, int]]]:
    found = []

    def walk(conditions):
        for condition in conditions:
            found.extend(
                (e.text, e.span) for e in condition.evidence if e.kind == "documentation_gap"
            )
            walk(condition.conditions)

    for criterion in request.criteria:
        walk(criterion.conditions)
    return found


def test_a_gap_noted_in_an_items_rationale_is_evidence_for_that_item_only(screened_copies):
    """The reviewer's "there was no mention of ... invasive procedure ... cervical spine" in
    the rationale of each cervical MRI: each cervical MRI's criterion cites its own."""
    text = seed_with_items_repeated(2)
    headings = [m.start() for m in re.finditer("MRI Cervical Spine:  Upheld", text)]
    cervical = sorted(
        (r for r in screened_copies[2].requests if r.requested_as == "MRI Cervical Spine"),
        key=lambda r: r.imr_decision.iri if r.imr_decision else "",
    )
    seen = []
    for request in cervical:
        gaps = [(t, span) for t, span in _gap_evidence(request) if t.startswith("there was")]
        assert [t for t, _ in gaps] == [CERVICAL_GAP]
        seen.append(gaps[0][1][0])
    # One gap in each item's own block: after its heading, before the next copy's.
    assert sorted(seen)[0] > headings[0] and sorted(seen)[0] < headings[1] < sorted(seen)[1]


def test_repeated_items_are_named_with_a_count_not_a_growing_suffix():
    graph = kg.ingest_letter(seed_with_items_repeated(4))
    names = sorted(
        str(r).rsplit("/", 1)[-1]
        for r in graph.subjects(RDF.type, IMR.TreatmentRequest)
        if "cervical-spine" in str(r) and "mri" in str(r)
    )
    assert names == [
        "request-mri-cervical-spine",
        "request-mri-cervical-spine-x",
        "request-mri-cervical-spine-x2",
        "request-mri-cervical-spine-x3",
    ]


# --- the reader: bounded sentences, a line of a million characters --------------------------


def test_no_sentence_is_longer_than_the_bound():
    text = "The applicant " + "x" * 9_000 + " reported pain " + "again and " * 1_000 + "end."
    spans = sentences(text, 0, len(text))
    assert max(b - a for a, b in spans) <= MAX_SENTENCE
    # The pieces cover the text: cut hard in a run of 9,000 letters, at a space elsewhere.
    assert spans[0] == (0, MAX_SENTENCE) and spans[-1][1] == len(text)
    assert [text[b:a] for (_, b), (a, _) in pairwise(spans)] == ["", "", " ", " "]
    assert text[spans[2][0] :].startswith("x" * 1_014 + " reported pain again and")
    # A sentence within the bound is one span, as before.
    assert sentences("Pain. The MRI was sought.", 0, 25) == [(0, 5), (6, 25)]


def test_hyphenated_line_ends_are_repaired_across_a_long_letter():
    # 3,000 hyphenated line ends; "treatment" is a whole word elsewhere, "red-flag" never is.
    original = "A treatment plan. " + "The treat-\nment helped; a red-\nflag sign. " * 3_000
    clean = CleanText.of(original)
    assert clean.text == "A treatment plan. " + "The treatment helped; a red-flag sign. " * 3_000
    last = clean.text.rindex("treatment")
    assert clean.quote(last, last + len("treatment"))[0] == "treat- ment"


def _line_letter() -> tuple[str, str]:
    """The TENS letter, and the same with a line of over 1,000,000 characters (words of 49
    letters, no full stop) in its case summary."""
    base = TENS_LETTER.read_text()
    marker = "The applicant exhibited"
    line = ("a" * 49 + " ") * 20_001
    assert len(line) > 1_000_000 and "\n" not in line
    return base, base.replace(marker, line + "\n" + marker, 1)


def test_a_line_of_a_million_characters_is_read_without_the_spacy_error():
    base, long = _line_letter()
    assert len(long.encode()) < LETTER_MAX_BYTES
    read = case_facts(kg.ingest_letter(long))
    assert read == case_facts(kg.ingest_letter(base))
    assert read["items"] == {
        ("TENS", "LumbarSpine"),
        ("ElectrodiagnosticTesting", "LowerExtremity"),
    }
    assert read["findings"] == {
        ("NeurologicDysfunction", "LumbarSpine", "DocumentedAbsent", "ProgressReport@2014-02-26")
    }


# --- size caps --------------------------------------------------------------------------------

TOO_LARGE = (
    "letter too large: 1,048,577 bytes, over the cap of 1 MB (1,048,576 bytes) for a "
    "determination letter"
)


@pytest.fixture
def letter_over_the_cap(tmp_path):
    path = tmp_path / "long-letter.txt"
    base = TENS_LETTER.read_text()
    path.write_text(base + "x" * (LETTER_MAX_BYTES + 1 - len(base.encode())))
    assert path.stat().st_size == LETTER_MAX_BYTES + 1
    return path


def test_a_letter_over_1_mb_is_refused_with_one_line(letter_over_the_cap):
    with pytest.raises(kg.InputError) as caught:
        kg.ingest_letter(letter_over_the_cap)
    assert str(caught.value).splitlines() == [f"{letter_over_the_cap}: {TOO_LARGE}"]
    # The same letter given as text.
    with pytest.raises(kg.InputError) as caught:
        kg.ingest_letter(letter_over_the_cap.read_text())
    assert str(caught.value).splitlines() == [f"<letter>: {TOO_LARGE}"]


def test_cli_refuses_a_letter_over_1_mb_exit_2(letter_over_the_cap):
    for command in ("evaluate", "ingest"):
        result = CliRunner().invoke(app, [command, str(letter_over_the_cap)])
        assert isinstance(result.exception, SystemExit), result.exception  # nothing uncaught
        assert result.exit_code == 2, command
        assert result.stderr.strip() == f"error: {letter_over_the_cap}: {TOO_LARGE}"
        assert result.stdout == ""


def test_a_case_file_over_the_cap_set_by_environment_is_refused(monkeypatch):
    monkeypatch.setenv("IMR_KG_MAX_CASE_BYTES", "16KB")
    size = SEED_CASE.stat().st_size
    assert size > 16 * 1024
    with pytest.raises(kg.InputError) as caught:
        kg.evaluate(SEED_CASE)
    assert str(caught.value).splitlines() == [
        f"{SEED_CASE}: case file too large: {size:,} bytes, over the cap of 16 KB (16,384 "
        "bytes) (set IMR_KG_MAX_CASE_BYTES or imr-kg --max-case-bytes to allow more)"
    ]
    monkeypatch.setenv("IMR_KG_MAX_CASE_BYTES", "1MB")
    assert [r.verdict for r in kg.evaluate(SEED_CASE).requests] == [
        "criteria_not_met",
        "criteria_not_met",
        "criteria_not_met",
        "not_covered",
    ]


def test_cli_case_file_cap_option(monkeypatch):
    # The option sets the variable for this process and its workers: set here first, so that
    # monkeypatch puts it back as it was after the test.
    monkeypatch.setenv("IMR_KG_MAX_CASE_BYTES", "")
    runner = CliRunner()
    result = runner.invoke(app, ["--max-case-bytes", "1000", "evaluate", str(SEED_CASE)])
    assert result.exit_code == 2
    size = SEED_CASE.stat().st_size
    assert result.output.strip() == (
        f"error: {SEED_CASE}: case file too large: {size:,} bytes, over the cap of 1,000 bytes "
        "(set IMR_KG_MAX_CASE_BYTES or imr-kg --max-case-bytes to allow more)"
    )
    result = runner.invoke(app, ["--max-case-bytes", "ten", "evaluate", str(SEED_CASE)])
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: --max-case-bytes: not a size: 'ten' (expected a positive number of bytes, e.g. "
        "10485760 or 10MB)"
    )
