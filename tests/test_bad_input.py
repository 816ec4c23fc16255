"""User mistakes give one clear line each (file, line or node, what was expected), exit code 2
and no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import kg
from kg.interfaces.cli import app

BAD = Path(__file__).parent / "bad-input"


def _problems(name: str) -> list[str]:
    with pytest.raises(kg.InputError) as caught:
        kg.evaluate(BAD / name)
    return str(caught.value).splitlines()


def test_malformed_turtle_names_the_file_and_line():
    [line] = _problems("malformed.ttl")
    assert line.startswith(f"{BAD / 'malformed.ttl'}:7: not valid Turtle:")
    assert "expected '.'" in line


def test_request_without_service_names_the_node():
    assert _problems("request-without-service.ttl") == [
        f"{BAD / 'request-without-service.ttl'}: <https://w3id.org/imr-kg/case/bad/no-service/request>: "
        "a request needs exactly one imr:service"
    ]


def test_quantity_that_is_not_a_number_names_the_property_and_value():
    assert _problems("quantity-not-a-number.ttl") == [
        f"{BAD / 'quantity-not-a-number.ttl'}: <https://w3id.org/imr-kg/case/bad/quantity/request>: "
        "imr:quantityMax must be one non-negative xsd:integer (found twelve)"
    ]


def test_unknown_service_concept_is_named():
    assert _problems("unknown-service.ttl") == [
        f"{BAD / 'unknown-service.ttl'}: <https://w3id.org/imr-kg/case/bad/unknown-service/request>: "
        "imr:service must be a service concept of ontology/vocabularies/ (found vc:Hypnotherapy)"
    ]


def test_missing_file_is_reported():
    [line] = _problems("does-not-exist.ttl")
    assert line == f"{BAD / 'does-not-exist.ttl'}: no such file"


@pytest.mark.parametrize("name", ["malformed.ttl", "unknown-service.ttl"])
def test_cli_exits_2_with_the_message_and_no_traceback(name):
    # In process (a process started costs seconds); test_bad_input_kinds.py starts one.
    result = CliRunner().invoke(app, ["evaluate", str(BAD / name)])
    assert isinstance(result.exception, SystemExit), result.exception  # nothing uncaught
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ")
    assert str(BAD / name) in result.stderr


def test_a_negative_count_of_visits_already_completed_is_named():
    assert _problems("prior-visits-negative.ttl") == [
        f"{BAD / 'prior-visits-negative.ttl'}: <https://w3id.org/imr-kg/case/bad/prior-visits/request>: "
        "imr:priorCompleted must be one non-negative xsd:integer (found -3)"
    ]


def test_a_quote_span_that_ends_before_it_starts_is_named():
    assert _problems("span-ends-before-it-starts.ttl") == [
        f"{BAD / 'span-ends-before-it-starts.ttl'}: <https://w3id.org/imr-kg/case/bad/span/finding>: "
        "imr:spanStart must be less than imr:spanEnd (found 1008)"
    ]
