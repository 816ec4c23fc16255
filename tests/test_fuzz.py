"""Fuzzing (issue 12, item 6): mutated letters (tests/letters/ and the seed letter) and
mutated Turtle and JSON-LD case files (examples/seed-case.ttl) through the commands, in
process. Whatever the input, a command exits 0 or 2, never with a traceback (no exception but
the project's InputError, which the command turns into exit code 2), and never runs past a
time bound.

The budget is bounded for CI: IMR_KG_FUZZ_EXAMPLES examples per property (default 30; the
inputs are derandomised, so CI runs the same ones every time) and HANG_SECONDS per input.
Setting IMR_KG_FUZZ_EXAMPLES runs random inputs instead (e.g. 400 per property locally);
IMR_KG_FUZZ_REPORT=path.json writes the figures: inputs, exit codes, tracebacks, hangs.
"""

from __future__ import annotations

import atexit
import itertools
import json
import os
import re
import signal
import traceback
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph
from typer.testing import CliRunner

from kg.interfaces.cli import app

ROOT = Path(__file__).resolve().parent.parent
LETTERS = sorted((ROOT / "tests" / "letters").glob("*.txt"))
SEED_LETTER = ROOT.parent / "shared" / "seed" / "imr-final-determination-2014.txt"
SEED_CASE = ROOT / "examples" / "seed-case.ttl"

EXAMPLES = int(os.environ.get("IMR_KG_FUZZ_EXAMPLES", "30"))
HANG_SECONDS = 30.0  # no input may take longer than this (the slowest seen take ~2 s)
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=timedelta(seconds=HANG_SECONDS),
    derandomize="IMR_KG_FUZZ_EXAMPLES" not in os.environ,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)

# Slow: hundreds of inputs through the commands (about a minute).
pytestmark = pytest.mark.slow

FIGURES: Counter = Counter()


def _write_figures() -> None:
    target = os.environ.get("IMR_KG_FUZZ_REPORT")
    if target and FIGURES:
        Path(target).write_text(json.dumps(dict(sorted(FIGURES.items())), indent=2) + "\n")


atexit.register(_write_figures)


class Hang(BaseException):
    """An input ran past HANG_SECONDS (a BaseException: no `except Exception` of the code
    under test may turn it into an ordinary error)."""


def _alarm(signum, frame):
    raise Hang(f"ran past {HANG_SECONDS} s")


def run(kind: str, args: list[str]) -> None:
    """Run the command in process and assert the contract: exit 0 or 2, no traceback, no
    hang; an exit 2 says what is wrong in lines starting with "error: "."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS)
    FIGURES["inputs"] += 1
    FIGURES[f"{kind} inputs"] += 1
    try:
        result = CliRunner().invoke(app, args)
    except Hang as exc:
        FIGURES["hangs"] += 1
        raise AssertionError(f"{kind}: {args} {exc}") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    exception = result.exception
    if exception is not None and not isinstance(exception, SystemExit):
        FIGURES["tracebacks"] += 1
        trace = "".join(traceback.format_exception(exception))
        raise AssertionError(f"{kind}: traceback for {args}:\n{trace}")
    FIGURES[f"exit {result.exit_code}"] += 1
    assert result.exit_code in (0, 2), (result.exit_code, result.output)
    assert "Traceback" not in result.stderr
    if result.exit_code == 2:
        assert result.stderr.startswith("error: ") or "\nerror: " in result.stderr, result.stderr


# --- mutations -----------------------------------------------------------------------------

HOSTILE_TEXT = [
    "[/red]",
    "[bold]x[/bold",
    "February 31, 2013",
    "2013-02-30",
    "13/45/2014",
    "May 0, 2014",
    "０１２３",
    "٢٠١٤",
    "\u202e",
    "\ufeff",
    "\t\t\r\n",
    "-\n",
    "A" * 3000,
    "x 99999999999999999999 visits",
    "#-120",
    "Norco 10/325 mg #-120, 0 tablets every 0 hours",
    "physical therapy 3x-4 (-12 visits)",
    "MRI of the cervical spine is medically necessary.",
    "ITEM: Upheld",
    "ITEM: Overturned",
    "1. ",
    "Claims Administrator guideline:",
    "IMR ISSUES, DECISIONS AND RATIONALES",
    "CLINICAL CASE SUMMARY",
    "The IMR reviewer overturns",
    "Therefore, the request is not medically necessary.",
    "(",
    ")",
    '"',
    "%PDF",
    "\x00",
]
NUMBERS = ["-3", "0", "1", "99999999999999999999", "1e400", "٣", "１２", "2.5", "-0.5", "7000"]


@st.composite
def text_mutations(draw, text: str) -> str:
    """`text` after up to four edits: slices deleted, duplicated or moved, hostile snippets and
    random text inserted, numbers replaced, lines swapped, the end cut off."""
    for _ in range(draw(st.integers(1, 4))):
        size = max(len(text), 1)
        at = draw(st.integers(0, size - 1))
        span = draw(st.integers(1, 400))
        op = draw(
            st.sampled_from(
                ["delete", "duplicate", "insert", "random", "number", "swap", "cut", "case"]
            )
        )
        if op == "delete":
            text = text[:at] + text[at + span :]
        elif op == "duplicate":
            text = text[: at + span] + text[at : at + span] + text[at + span :]
        elif op == "insert":
            text = text[:at] + draw(st.sampled_from(HOSTILE_TEXT)) + text[at:]
        elif op == "random":
            text = text[:at] + draw(st.text(max_size=40)) + text[at:]
        elif op == "number":
            numbers = list(re.finditer(r"\d+", text))
            if numbers:
                match = draw(st.sampled_from(numbers))
                text = text[: match.start()] + draw(st.sampled_from(NUMBERS)) + text[match.end() :]
        elif op == "swap":
            lines = text.split("\n")
            if len(lines) > 1:
                i = draw(st.integers(0, len(lines) - 1))
                j = draw(st.integers(0, len(lines) - 1))
                lines[i], lines[j] = lines[j], lines[i]
                text = "\n".join(lines)
        elif op == "cut":
            text = text[:at]
        else:
            text = text[:at] + text[at : at + span].swapcase() + text[at + span :]
    return text


TURTLE_TERMS = [
    '"2013-02-30"^^xsd:date',
    '"9999-12-31"^^xsd:date',
    '"0001-01-01"^^xsd:date',
    '"-0044-03-15"^^xsd:date',
    '"2014-09"^^xsd:gYearMonth',
    '"2014-09-12T10:00:00"^^xsd:dateTime',
    '"-5"^^xsd:integer',
    '"１２"^^xsd:integer',
    '"NaN"^^xsd:decimal',
    '"1e400"^^xsd:decimal',
    "99999999999999999999999",
    "-1",
    "0",
    "2.5",
    "true",
    '"[/red]"',
    '"x"@en',
    '""',
    "<>",
    "<#x>",
    "<http://x/a[1]>",
    "<file:///etc/passwd>",
    "<http://127.0.0.1:1/x>",
    "_:b1",
    "[]",
    "imr:DocumentedAbsent",
    "imr:DocumentedPresent",
    "imr:Upheld",
    "imr:Overturned",
    "vc:MRI",
    "vc:CervicalSpine",
    "vc:Hypnotherapy",
    "imr:Case",
    "imr:TreatmentRequest",
    "imr:Finding",
    "imr:Service",
    "rdfs:subClassOf",
    "owl:sameAs",
    "skos:broader",
    "imr:status",
    "imr:quantityMax",
    "a",
]
TURTLE_LINES = [
    "case:case a imr:Case .",
    "case:other a imr:Case ; imr:hasRequest case:request-mri-lumbar .",
    "[] a imr:Case .",
    "case:hypno a imr:Service ; skos:prefLabel 'x' .",
    "vc:MRI skos:narrower case:hypno .",
    "case:finding-dfr-neuro-cervical-absent imr:status imr:DocumentedPresent .",
    "case:request-mri-cervical imr:quantityMax 5 , 7 .",
    "case:request-mri-cervical imr:frequencyPerWeekMax -3 .",
    'case:request-mri-cervical imr:requestDate "2013-02-30"^^xsd:date .',
    "@prefix case: <http://x/a b/> .",
    "@base <http://127.0.0.1:1/> .",
    "<a> <b> <c> .",
    "case:request-mri-cervical imr:service case:request-mri-cervical .",
    "case:x imr:hasRequest [ a imr:TreatmentRequest ; imr:service vc:MRI ] .",
    "( ( ( ( ( ( ( ( ( ( ) ) ) ) ) ) ) ) ) ) a imr:Case .",
]
TOKEN = re.compile(
    r'<[^>\s]*>|"[^"\\\n]*"(?:\^\^[\w:]+|@\w+)?|(?<![\w:])[a-z]+:[A-Za-z0-9_-]+|-?\b\d+(?:\.\d+)?\b'
)


@st.composite
def turtle_mutations(draw, text: str) -> str:
    """Turtle after up to four edits: a term replaced (by a hostile term or another term of the
    file), a line deleted, duplicated or added, or the text edits of text_mutations."""
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["term", "term", "term", "line", "add", "text"]))
        lines = text.split("\n")
        if op == "term":
            tokens = list(TOKEN.finditer(text))
            if not tokens:
                continue
            match = draw(st.sampled_from(tokens))
            other = draw(st.sampled_from(TURTLE_TERMS + [t.group(0) for t in tokens[:200]]))
            text = text[: match.start()] + other + text[match.end() :]
        elif op == "line":
            i = draw(st.integers(0, len(lines) - 1))
            if draw(st.booleans()):
                del lines[i]
            else:
                lines.insert(i, lines[i])
            text = "\n".join(lines)
        elif op == "add":
            i = draw(st.integers(0, len(lines)))
            lines.insert(i, draw(st.sampled_from(TURTLE_LINES)))
            text = "\n".join(lines)
        else:
            text = draw(text_mutations(text))
    return text


JSON_VALUES = [
    None,
    "",
    "[/red]",
    "2013-02-30",
    -5,
    1e308,
    10**30,
    True,
    [],
    {},
    {"@id": ""},
    {"@id": "http://x/a b"},
    {"@value": "2013-02-30", "@type": "xsd:date"},
    {"@value": "-3", "@type": "xsd:integer"},
    {"@context": "http://127.0.0.1:1/ctx.jsonld"},
    {"@context": "file:///etc/passwd"},
    {"@import": "http://127.0.0.1:1/ctx.jsonld"},
    "http://127.0.0.1:1/ctx.jsonld",
    "imr:Service",
    "imr:Case",
    "vc:MRI",
    "@id",
    "@type",
    [[[[[[[[[[]]]]]]]]]],
]


MARKUP_NAMES = ["", "[red]", "[bold]x[", "[link=x]", "\\[x]"]
FOLDERS = itertools.count()


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*path, index))


@st.composite
def jsonld_mutations(draw, document: dict) -> str:
    """The JSON-LD document after up to four edits (a value replaced by a hostile one, a key
    deleted or renamed, a list item duplicated), as text, or its text edited."""
    document = json.loads(json.dumps(document))
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(document) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        key = path[-1]
        op = draw(st.sampled_from(["replace", "replace", "delete", "rename", "duplicate"]))
        if op == "replace":
            parent[key] = draw(st.sampled_from(JSON_VALUES))
        elif op == "delete":
            del parent[key]
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["@id", "@type", "@context", "@graph", "@list", "x"]))] = (
                parent.pop(key)
            )
        elif op == "duplicate" and isinstance(parent, list):
            parent.insert(key, json.loads(json.dumps(parent[key])))
    text = json.dumps(document, indent=1)
    return draw(text_mutations(text)) if draw(st.integers(0, 4)) == 0 else text


def _seed_jsonld() -> dict:
    context = json.loads((ROOT / "contexts" / "case.jsonld").read_text())["@context"]
    context["case"] = "https://w3id.org/imr-kg/case/seed-2014/"
    return json.loads(
        Graph().parse(SEED_CASE).serialize(format="json-ld", context=context, auto_compact=True)
    )


LETTER_TEXTS = [p.read_text(encoding="utf-8") for p in [*LETTERS, SEED_LETTER] if p.is_file()]
SEED_TURTLE = SEED_CASE.read_text(encoding="utf-8")
SEED_JSONLD = _seed_jsonld()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@settings(FUZZ, max_examples=2 * EXAMPLES)  # ingesting is fast: twice the examples
@given(st.sampled_from(LETTER_TEXTS).flatmap(text_mutations))
def test_ingest_of_a_mutated_letter_exits_0_or_2(scratch, text):
    path = scratch / "letter.txt"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    run("ingest", ["ingest", str(path)])


@FUZZ
@given(st.sampled_from(LETTER_TEXTS).flatmap(text_mutations))
def test_evaluate_of_a_mutated_letter_exits_0_or_2(scratch, text):
    path = scratch / "letter-evaluated.txt"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    run("evaluate letter", ["evaluate", str(path)])


@FUZZ
@given(turtle_mutations(SEED_TURTLE))
def test_evaluate_of_a_mutated_turtle_case_exits_0_or_2(scratch, text):
    path = scratch / "case.ttl"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    run("evaluate turtle", ["evaluate", str(path), "--format", "json"])


@FUZZ
@given(jsonld_mutations(SEED_JSONLD))
def test_evaluate_of_a_mutated_jsonld_case_exits_0_or_2(scratch, text):
    path = scratch / "case.jsonld"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    run("evaluate json-ld", ["evaluate", str(path)])


@settings(FUZZ, max_examples=max(3, EXAMPLES // 10))
@given(
    st.lists(
        st.one_of(
            turtle_mutations(SEED_TURTLE).map(lambda t: ("ttl", t)),
            jsonld_mutations(SEED_JSONLD).map(lambda t: ("jsonld", t)),
            st.sampled_from(LETTER_TEXTS).flatmap(text_mutations).map(lambda t: ("txt", t)),
        ),
        min_size=2,
        max_size=4,
    )
)
def test_load_of_mutated_files_exits_0_or_2(scratch, files):
    folder = scratch / f"load-{next(FOLDERS)}"
    folder.mkdir()
    for number, (suffix, text) in enumerate(files):
        name = f"{number}{MARKUP_NAMES[number % len(MARKUP_NAMES)]}.{suffix}"
        (folder / name).write_text(text, encoding="utf-8", errors="surrogatepass")
    run("load", ["load", str(folder), "--store", str(folder / ".store")])


@settings(FUZZ, max_examples=max(3, EXAMPLES // 3))
@given(turtle_mutations(SEED_TURTLE))
def test_report_of_a_mutated_turtle_case_exits_0_or_2(scratch, text):
    path = scratch / "[bold]report-case.ttl"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    run("report", ["report", str(path), "-o", str(scratch / "[red]report.html")])
