"""`imr-kg coverage` is generated from the graph and shows only what a shape enforces."""

from __future__ import annotations

from kg.coverage import coverage


def test_coverage_lists_each_category_its_criteria_and_what_is_missing():
    matrix = {c.name: c for c in coverage()}
    imaging = matrix["diagnostic imaging"]
    assert sorted((c.criterion, c.regions, c.verification) for c in imaging.criteria) == [
        ("Cervical imaging has an accepted indication", "cervical spine", "C1"),
        ("Lumbar imaging has an accepted indication", "lumbar spine", "C1"),
    ]
    physical = matrix["physical medicine"]
    assert sorted(c.criterion for c in physical.criteria) == [
        "First course of manual therapy is a trial",
        "Low back manual therapy stays within the guideline total",
        "Manual therapy is not elective or maintenance care",
    ]
    assert physical.uncovered_services == []
    consultation = matrix["specialist consultation"]
    assert consultation.covered is False
    assert consultation.uncovered_services == ["pain management consultation"]
