"""Bad letters: one clear line naming the letter and what is missing, exit code 2, no
traceback, nothing written; partial results only with --allow-partial, marked partial."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal
from typer.testing import CliRunner

import kg
from kg.core.namespaces import IMR
from kg.interfaces.cli import app

BAD = Path(__file__).parent / "bad-letters"
LETTERS = Path(__file__).parent / "letters"
OUTCOME = (
    "item 'MRI Lumbar Spine': the IMR outcome (Upheld or Overturned; medically necessary or "
    "not) cannot be read (found '[illegible]'); kept with no IMR decision"
)
MESSAGES = {
    "empty.txt": "empty letter: no text to read",
    "scanned-letter.pdf": "this is a PDF; extract its text first (e.g. pdftotext)",
    "letter.bin": "binary file, not the text of a determination letter",
    "no-decision-section.txt": "no decision section: no item with 'Claims Administrator "
    "guideline:' after 'IMR ISSUES, DECISIONS AND RATIONALES'",
}


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_bad_letter_is_one_clear_line(name):
    with pytest.raises(kg.InputError) as caught:
        kg.ingest_letter(BAD / name)
    assert str(caught.value).splitlines() == [f"{BAD / name}: {MESSAGES[name]}"]


def test_text_that_is_no_letter_is_named():
    with pytest.raises(kg.InputError) as caught:
        kg.ingest_letter("Dear Sir, thank you for your letter of May 5.")
    assert str(caught.value).startswith("<letter>: not an IMR determination letter: neither")


def test_cli_evaluate_of_a_pdf_exits_2_without_traceback():
    name = "scanned-letter.pdf"
    result = CliRunner().invoke(app, ["evaluate", str(BAD / name)])
    assert isinstance(result.exception, SystemExit), result.exception  # nothing uncaught
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == f"error: {BAD / name}: {MESSAGES[name]}"


def _decisions(graph: Graph) -> set[tuple[str, object]]:
    return {
        (
            str(graph.value(graph.value(d, IMR.decides), IMR.requestedAs)),
            graph.value(d, IMR.outcome),
        )
        for d in graph.subjects(IMR.decides, None)
    }


def test_unreadable_outcome_keeps_the_item_warns_and_exits_0(tmp_path):
    """A letter is refused only when nothing can be read: the item whose outcome is illegible
    is kept (its words, service, UR decision) with no IMR decision, and named in a warning."""
    out = tmp_path / "case.ttl"
    name = "unreadable-outcome.txt"
    result = CliRunner().invoke(app, ["ingest", str(BAD / name), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert " ".join(result.stderr.split()) == f"warning: {BAD / name}: {OUTCOME}"
    graph = Graph().parse(out)
    [case] = graph.subjects(IMR.ingestWarning, None)
    assert [str(w) for w in graph.objects(case, IMR.ingestWarning)] == [OUTCOME]
    assert (case, IMR.partial, None) not in graph
    assert list(graph.objects(case, IMR.ingestProblem)) == []
    # The cervical item is read as before; the lumbar item keeps its request and UR decision,
    # and no IMR decision is invented for it.
    assert _decisions(graph) == {
        ("MRI Cervical Spine", IMR.Upheld),
        ("MRI Cervical Spine", IMR.Denied),
        ("MRI Lumbar Spine", IMR.Denied),
    }
    [lumbar] = graph.subjects(IMR.requestedAs, Literal("MRI Lumbar Spine"))
    assert (lumbar, IMR.service, None) in graph


def test_unreadable_outcome_through_the_api_is_a_warning_not_a_problem():
    result = kg.ingest.ingest(BAD / "unreadable-outcome.txt")
    assert result.problems == [] and result.partial is False
    assert result.warnings == [OUTCOME]


def test_a_missing_rationale_is_a_warning_and_the_letter_is_read(tmp_path):
    """What a letter lacks but its items do not need (here an item's rationale) is warned
    about and kept on the case; the letter is read, not refused, and is not partial."""
    letter = tmp_path / "no-rationale.txt"
    text = (BAD / "unreadable-outcome.txt").read_text(encoding="utf-8")
    text = text.replace("MRI Lumbar Spine:  [illegible]", "MRI Lumbar Spine:  Upheld")
    text = text.replace(
        "Decision rationale: Imaging studies should be reserved for cases in which surgery is "
        "being\nconsidered.",
        "",
    )
    letter.write_text(text, encoding="utf-8")
    warning = "item 'MRI Lumbar Spine': no decision rationale"
    out = tmp_path / "case.ttl"
    result = CliRunner().invoke(app, ["ingest", str(letter), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"warning: {letter}: {warning}" in " ".join(result.stderr.split())
    graph = Graph().parse(out)
    [case] = graph.subjects(IMR.ingestWarning, Literal(warning))
    assert (case, IMR.partial, None) not in graph
    assert _decisions(graph) == {
        ("MRI Cervical Spine", IMR.Upheld),
        ("MRI Cervical Spine", IMR.Denied),
        ("MRI Lumbar Spine", IMR.Upheld),
        ("MRI Lumbar Spine", IMR.Denied),
    }


def test_unresolved_citation_is_kept_and_reported(tmp_path):
    letter = LETTERS / "2013-10-lumbar-mri-overturned.txt"
    result = CliRunner().invoke(app, ["ingest", str(letter), "-o", str(tmp_path / "c.ttl")])
    assert result.exit_code == 0
    assert (
        f"warning: {letter}: citation not in the catalogue, kept as text: The Claims "
        "Administrator based its decision on the Official Disability Guidelines (ODG), Low Back "
        "chapter, MRI"
    ) in " ".join(result.stderr.split())


def test_folder_ingest_writes_one_case_per_letter_and_reports_the_rate(tmp_path):
    folder = tmp_path / "letters"
    folder.mkdir()
    for path in sorted(LETTERS.glob("2014-0[12]*.txt")):
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "empty.txt").write_text("")
    out = tmp_path / "cases"
    result = CliRunner().invoke(app, ["ingest", str(folder), "-o", str(out)])
    assert result.exit_code == 2
    assert sorted(p.name for p in out.iterdir()) == [
        "2014-01-chiropractic-trial-overturned.ttl",
        "2014-02-lumbar-mri-red-flag.ttl",
    ]
    text = " ".join(result.stderr.split())
    assert f"error: {folder / 'empty.txt'}: empty letter: no text to read" in text
    assert f"2 of 3 letters ingested into {out} in " in text
    assert "letters/second" in text


def test_a_letter_is_recognised_by_content_not_by_its_name(tmp_path):
    from conftest import SEED_LETTER

    from kg.ingest import looks_like_letter

    disguised = tmp_path / "determination.dat"
    disguised.write_bytes(SEED_LETTER.read_bytes())
    turtle_named_txt = tmp_path / "case.txt"
    turtle_named_txt.write_text("@prefix imr: <https://w3id.org/imr-kg/ontology#> .\n")
    assert looks_like_letter(disguised) is True
    assert looks_like_letter(turtle_named_txt) is False
    assert looks_like_letter(BAD / "scanned-letter.pdf") is True
    evaluation = kg.evaluate(disguised)
    assert [r.verdict for r in evaluation.requests] == [
        "criteria_not_met",
        "criteria_not_met",
        "criteria_not_met",
        "not_covered",
    ]


def test_a_letter_saved_as_turtle_is_ingested_after_its_parse_fails(tmp_path):
    """A file with an RDF suffix is parsed first (no letter sniffing for every case file);
    one that does not parse and reads as a letter is ingested as the letter."""
    from kg.ingest.sources import load_case

    letter = LETTERS / "2013-09-chiropractic-2x4-upheld.txt"
    saved = tmp_path / "letter.ttl"
    saved.write_bytes(letter.read_bytes())
    graph, name = load_case(saved)
    assert name == str(saved)
    assert _decisions(graph) == _decisions(load_case(letter)[0])
    assert {o for _, o in _decisions(graph)} == {IMR.Upheld, IMR.Denied}
    pdf = tmp_path / "scan.ttl"
    pdf.write_bytes((BAD / "scanned-letter.pdf").read_bytes())
    with pytest.raises(kg.InputError) as caught:
        load_case(pdf)
    assert str(caught.value).splitlines() == [f"{pdf}: {MESSAGES['scanned-letter.pdf']}"]
    not_a_letter = tmp_path / "broken.ttl"
    not_a_letter.write_text("@prefix imr: <https://w3id.org/imr-kg/ontology#> .\nimr:a imr:b .\n")
    with pytest.raises(kg.InputError) as caught:
        load_case(not_a_letter)
    assert str(caught.value).startswith(f"{not_a_letter}:2: not valid Turtle")


def test_a_fault_of_the_reader_on_one_letter_is_reported_and_the_others_are_read(
    tmp_path, monkeypatch
):
    """A bug the reader hits on one letter is that letter's error line, named as a fault of
    IMR-KG, not a traceback that stops the folder."""
    import kg.ingest as ingest_module

    real_split = ingest_module.split

    def split_failing_on_the_mri_letter(clean, lexicon):
        if "red flag" in clean.text.lower():
            raise IndexError("string index out of range")
        return real_split(clean, lexicon)

    monkeypatch.setattr(ingest_module, "split", split_failing_on_the_mri_letter)
    folder = tmp_path / "letters"
    folder.mkdir()
    for path in sorted(LETTERS.glob("2014-0[12]*.txt")):
        (folder / path.name).write_bytes(path.read_bytes())
    out = tmp_path / "cases"
    result = CliRunner().invoke(app, ["ingest", str(folder), "-o", str(out)])
    assert result.exit_code == 2
    assert sorted(p.name for p in out.iterdir()) == ["2014-01-chiropractic-trial-overturned.ttl"]
    text = " ".join(result.stderr.split())
    assert (
        f"error: {folder / '2014-02-lumbar-mri-red-flag.txt'}: the letter reader failed "
        "(IndexError: string index out of range); this is a fault of IMR-KG, not of the "
        "letter: please report it with the letter" in text
    )
    assert "Traceback" not in result.stderr
    assert f"1 of 2 letters ingested into {out} in " in text


def test_a_case_in_ntriples_quoting_a_letter_loads_as_the_case(tmp_path):
    """The seed case as N-Triples quotes the letter's title and wording at its head, which the
    letter sniffing took for a letter (refused: no decision section); parsed first, it loads."""
    from conftest import SEED_CASE

    from kg.ingest import looks_like_letter
    from kg.ingest.sources import load_case

    case = Graph().parse(SEED_CASE)
    path = tmp_path / "seed-case.nt"
    lines = sorted(case.serialize(format="nt").splitlines(keepends=True))
    path.write_text("".join(sorted(lines, key=lambda line: '"' not in line)))  # quotes first
    assert looks_like_letter(path) is True
    graph, name = load_case(path)
    assert name == str(path)
    assert len(graph) == len(case)
    assert [r.verdict for r in kg.evaluate(path).requests] == [
        r.verdict for r in kg.evaluate(SEED_CASE).requests
    ]
