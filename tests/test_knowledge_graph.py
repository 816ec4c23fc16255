"""The knowledge graph holds together: traceability shapes over the shapes and catalogue pass
(and catch a broken link), and the OWL reasoner finds the ontology, catalogue and example
consistent while catching contradictory case data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import ROOT, SEED_CASE

from kg.cases.consistency import check_consistency
from kg.core.errors import ConsistencyError
from kg.ingest.sources import load_case
from kg.knowledge.integrity import check_integrity

BAD = Path(__file__).parent / "bad-input"


def test_every_shape_criterion_and_provision_is_linked():
    assert check_integrity() == []


@pytest.fixture()
def knowledge_copy(tmp_path):
    for part in ("ontology", "shapes", "queries"):
        shutil.copytree(ROOT / part, tmp_path / part)
    return tmp_path


def test_a_criterion_without_its_provision_fails_the_build(knowledge_copy):
    path = knowledge_copy / "ontology" / "criteria" / "spine-imaging.ttl"
    text = path.read_text()
    broken = text.replace("    imr:fromProvision gl:mtus-acoem-2004-ch12-p303-304 ;\n", "", 1)
    assert broken != text
    path.write_text(broken)
    assert check_integrity(knowledge_copy) == [
        "cr:acoem-2004-low-back-imaging: every criterion must name exactly one primary "
        "imr:fromProvision"
    ]


def test_a_condition_no_shape_checks_fails_the_build(knowledge_copy):
    path = knowledge_copy / "shapes" / "spine-imaging.ttl"
    text = path.read_text()
    broken = text.replace("    imr:checksCondition cr:acoem-2004-neck-imaging-red-flag ;\n", "", 1)
    assert broken != text
    path.write_text(broken)
    assert check_integrity(knowledge_copy) == [
        "cr:acoem-2004-neck-imaging-red-flag: every condition must be checked by a shape in shapes/"
    ]


# Slow: the OWL reasoner (HermiT, in Java) over the whole ontology and catalogue, 10-20 s
@pytest.mark.slow
def test_ontology_catalogue_and_seed_case_are_consistent():
    check_consistency([load_case(SEED_CASE)])


def test_a_finding_both_present_and_absent_in_one_document_is_caught():
    with pytest.raises(ConsistencyError) as caught:
        check_consistency([load_case(BAD / "finding-present-and-absent.ttl")])
    assert str(caught.value) == (
        f"{BAD / 'finding-present-and-absent.ttl'}: "
        "<https://w3id.org/imr-kg/case/bad/contradiction/deficit> has two values for functional "
        "property imr:status: imr:DocumentedAbsent and imr:DocumentedPresent"
    )


def test_a_decision_both_upheld_and_overturned_is_caught():
    with pytest.raises(ConsistencyError) as caught:
        check_consistency([load_case(BAD / "decision-upheld-and-overturned.ttl")])
    assert "functional property imr:outcome: imr:Overturned and imr:Upheld" in str(caught.value)


def test_the_version_read_from_file_hashes_is_the_parsed_knowledges(knowledge_copy):
    from kg.knowledge.graph import knowledge_version, load_knowledge

    assert knowledge_version() == load_knowledge().version
    assert knowledge_version(knowledge_copy) == load_knowledge(knowledge_copy).version
    # Any file of the knowledge changes it, a query's too (a store's pending cases follow).
    query = knowledge_copy / "queries" / "failed-criteria.rq"
    query.write_text(query.read_text() + "\n# changed\n")
    from kg.knowledge import graph

    graph._version.cache_clear()
    graph._load_knowledge.cache_clear()
    assert knowledge_version(knowledge_copy) == load_knowledge(knowledge_copy).version
    assert knowledge_version(knowledge_copy) != knowledge_version()
