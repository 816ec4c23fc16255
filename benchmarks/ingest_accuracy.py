"""Ingestion accuracy and speed.

    python benchmarks/ingest_accuracy.py                 # precision / recall per field
    python benchmarks/ingest_accuracy.py --generate 1000 # + 1,000 generated letters, letters/s

Blind letters (tests/blind/, written by writers who never saw the reader): the development
half and the test half are scored apart, end to end: items read, service, outcome, screened
(not not_covered), agreeing with the recorded IMR outcome, findings and dates (blind_scoring.py).

Accuracy: every letter with known facts is ingested and its facts (kg.ingest.compare) scored
against the expected ones, per field: dates, items, quantities, outcomes, citations, findings.
Letters: the seed letter (expected = the hand-modelled examples/seed-case.ttl), the synthetic
test letters of tests/letters/ (expected = NAME.expected.json), and any other *.txt letter in
../shared/ that has an expected file beside it.

Speed: --generate N writes N letters made from the test letters by the kinds of noise real
letters carry (page-break blank runs, lines broken mid-sentence, trailing spaces, a different
header line), ingests the folder exactly as `imr-kg ingest FOLDER` does (progress bar, one case
graph per letter) and prints letters per second; it also scores the generated letters against
their source letter's expected facts, since the noise must not change what is read.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

from rdflib import Graph
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from blind_scoring import LetterScore, blind_letters, score_letter  # noqa: E402

from kg.ingest import ingest  # noqa: E402
from kg.ingest.batch import ingest_folder  # noqa: E402
from kg.ingest.compare import FIELDS, Facts, case_facts, facts_from_json, score  # noqa: E402
from kg.knowledge.catalogue import load_catalogue  # noqa: E402
from kg.knowledge.graph import load_knowledge  # noqa: E402
from kg.screening.screen import screener_for  # noqa: E402

SHARED = ROOT.parent / "shared"
SEED_LETTER = SHARED / "seed" / "imr-final-determination-2014.txt"
LETTERS = ROOT / "tests" / "letters"
BLIND = ROOT / "tests" / "blind"


def known_letters() -> list[tuple[Path, Facts]]:
    letters = [(SEED_LETTER, case_facts(Graph().parse(ROOT / "examples" / "seed-case.ttl")))]
    for path in sorted(LETTERS.glob("*.txt")):
        letters.append(
            (path, facts_from_json(json.loads(path.with_suffix(".expected.json").read_text())))
        )
    for path in sorted(SHARED.rglob("*.txt")):
        expected = path.with_suffix(".expected.json")
        if path != SEED_LETTER and expected.exists():
            letters.append((path, facts_from_json(json.loads(expected.read_text()))))
    return letters


def accumulate(totals: dict, expected: Facts, actual: Facts) -> None:
    for name, (hits, found, wanted) in score(expected, actual).items():
        t = totals.setdefault(name, [0, 0, 0])
        t[0] += hits
        t[1] += found
        t[2] += wanted


def table(title: str, totals: dict) -> Table:
    out = Table("field", "precision", "recall", "correct", "ingested", "expected", title=title)
    for name in FIELDS:
        hits, found, wanted = totals.get(name, [0, 0, 0])
        precision = hits / found if found else 1.0
        recall = hits / wanted if wanted else 1.0
        out.add_row(name, f"{precision:.3f}", f"{recall:.3f}", str(hits), str(found), str(wanted))
    return out


def blind_report(console: Console, half_wanted: str = "all", details: bool = False) -> None:
    """Blind letters (tests/blind/): development and test halves apart, never blended.
    `details` prints, for development letters only, what each letter lost."""
    knowledge = load_knowledge().ontology
    screener = screener_for(load_catalogue())

    def evaluate(graph: Graph):
        return screener.evaluate(graph, "letter")

    halves = {
        "dev (blind)": [p for p in blind_letters(BLIND / "dev") if p[0].parent.name != "real"],
        "dev (public decisions)": blind_letters(BLIND / "dev" / "real"),
        "test (blind, scored only)": blind_letters(BLIND / "test"),
    }
    totals = Table(
        "half",
        "letters",
        "refused",
        "items",
        "read",
        "service right",
        "outcome right",
        "screened",
        "agree w/ IMR",
        "findings right",
        "false present",
        "injury date",
        "UR date",
        title="Blind letters, end to end (read = items whose IMR decision was read)",
    )
    layouts = Table("half", "layout", "letters", "refused", "items", "read", title="By layout")
    # Writers apart: a later writer's letters are the ones the reader was never fixed against.
    writers = Table(
        "half",
        "writer",
        "letters",
        "refused",
        "items",
        "read",
        "screened",
        "agree w/ IMR",
        title="By writer",
    )
    halves = {k: v for k, v in halves.items() if half_wanted == "all" or k.startswith(half_wanted)}
    for half, letters in halves.items():
        scores: list[LetterScore] = [
            score_letter(path, facts, knowledge, ingest, evaluate) for path, facts in letters
        ]
        injury = [s.injury_right for s in scores if s.injury_right is not None]
        ur = [s.ur_date_right for s in scores if s.ur_date_right is not None]
        totals.add_row(
            half,
            str(len(scores)),
            str(sum(s.refused is not None for s in scores)),
            str(sum(s.items_expected for s in scores)),
            str(sum(s.items_read for s in scores)),
            str(sum(s.categories_right for s in scores)),
            str(sum(s.outcomes_right for s in scores)),
            str(sum(s.screened for s in scores)),
            str(sum(s.agreeing for s in scores)),
            f"{sum(s.findings_right for s in scores)}/{sum(s.findings_expected for s in scores)}",
            str(sum(s.false_present for s in scores)),
            f"{sum(injury)}/{len(injury)}",
            f"{sum(ur)}/{len(ur)}",
        )
        _grouped(layouts, half, scores, lambda s: s.layout, screened=False)
        _grouped(writers, half, scores, lambda s: s.writer, screened=True)
        if half.startswith("dev") and details:
            for s in scores:
                console.print(s.describe(), markup=False, highlight=False)
    console.print(totals)
    console.print(layouts)
    console.print(writers)


def _grouped(table: Table, half: str, scores: list[LetterScore], key, screened: bool) -> None:
    """One row per group of letters (a layout, a writer): letters, refused, items, read and,
    with `screened`, screened and agreeing."""
    for name in sorted({key(s) for s in scores}):
        group = [s for s in scores if key(s) == name]
        row = [
            half,
            name,
            str(len(group)),
            str(sum(s.refused is not None for s in group)),
            str(sum(s.items_expected for s in group)),
            str(sum(s.items_read for s in group)),
        ]
        if screened:
            row += [str(sum(s.screened for s in group)), str(sum(s.agreeing for s in group))]
        table.add_row(*row)


def noisy(text: str, rng: random.Random, number: int) -> str:
    """The same letter as a different scan would give it: facts must not change."""
    lines = [f"Generated benchmark copy {number} (synthetic; not a real decision)", ""]
    for line in text.splitlines():
        if len(line) > 60 and ":" not in line and rng.random() < 0.3:
            cut = line.rfind(" ", 20, len(line) - 20)
            if cut > 0:
                lines += [line[:cut] + " ", "", " " * rng.randint(0, 2), line[cut + 1 :]]
                continue
        lines.append(line + (" " * rng.randint(0, 2)))
        if rng.random() < 0.05:
            lines += [""] * rng.randint(2, 5)  # a page break
    return "\n".join(lines) + "\n"


def generate(count: int, folder: Path, sources: list[tuple[Path, Facts]], seed: int = 7) -> dict:
    rng = random.Random(seed)
    origin = {}
    for number in range(count):
        source, _ = sources[number % len(sources)]
        name = f"letter-{number:05d}.txt"
        (folder / name).write_text(noisy(source.read_text(encoding="utf-8"), rng, number))
        origin[name] = source
    return origin


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--generate",
        type=int,
        default=0,
        metavar="N",
        help="also generate N letters and ingest them",
    )
    parser.add_argument(
        "--match", help="score only letters whose file name contains this, e.g. held-out"
    )
    parser.add_argument("--keep", type=Path, help="folder to keep the generated letters in")
    parser.add_argument(
        "--half",
        choices=["all", "dev", "test"],
        default="all",
        help="blind letters to score: both halves (reported apart), or one",
    )
    parser.add_argument(
        "--details",
        action="store_true",
        help="print what each development letter lost (never for the test half)",
    )
    args = parser.parse_args()
    console = Console(width=200)

    letters = known_letters()
    if args.match:
        letters = [(p, e) for p, e in letters if args.match in p.name]
    totals: dict = {}
    layouts = {"2014": 0, "2013": 0}
    for path, expected in letters:
        result = ingest(path)
        actual = case_facts(result.graph)
        accumulate(totals, expected, actual)
        layouts["2013" if "Notice of Independent" in path.read_text() else "2014"] += 1
    console.print(
        table(
            f"Ingestion accuracy: {len(letters)} letters ({layouts['2014']} of the 2014 layout, "
            f"{layouts['2013']} of the 2013 layout)",
            totals,
        )
    )

    if not args.match:
        blind_report(console, args.half, args.details)

    if args.generate:
        with tempfile.TemporaryDirectory() as scratch:
            base = args.keep or Path(scratch)
            folder, cases = base / "letters", base / "cases"
            folder.mkdir(parents=True, exist_ok=True)
            origin = generate(args.generate, folder, letters)
            expected_of = dict(letters)
            started = time.perf_counter()
            failed = ingest_folder(folder, cases, False, console)
            elapsed = time.perf_counter() - started
            console.print(
                f"{args.generate} generated letters: {args.generate / elapsed:.1f} letters/second "
                f"(ingest and write Turtle, one process), {failed} failed"
            )
            noisy_totals: dict = {}
            for name, source in sorted(origin.items())[:200]:
                graph = Graph().parse(cases / (Path(name).stem + ".ttl"))
                accumulate(noisy_totals, expected_of[source], case_facts(graph))
            console.print(
                table("Accuracy on the first 200 generated (noisy) letters", noisy_totals)
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
