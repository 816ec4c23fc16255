"""Benchmark: time and peak memory of reading and screening one letter, as it grows.

    python benchmarks/scaling.py                  # 50, 200, 1,000 items; 100 KB, 300 KB, 1 MB
    python benchmarks/scaling.py --items 50 200 --sizes 100000 --timeout 120

Two kinds of letter are made from the seed letter (../shared/seed/):

- by items: the seed with its three disputed items (chiropractic, cervical MRI, lumbar MRI,
  each with its citations and rationale, one of which notes what was not documented) repeated
  in turn to N items;
- by size: the seed with its clinical narrative (dated reports and examination findings)
  repeated, wrapped at 90 characters with words hyphenated at line ends, to the size wanted.

Each letter is read (kg.ingest) and screened (kg.evaluate: SHACL validation, verdicts,
explanations and the verdict graph) in a fresh process of its own, which reports the seconds
of each step, the triples of the case and verdict graphs and its peak resident memory
(getrusage maxrss); a run past --timeout seconds or --memory MB is stopped and shown so.
Nothing is asserted: the figures are the output (tests/test_scaling.py asserts the shapes).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "seed" / "imr-final-determination-2014.txt"
ITEMS_MARKER = "Chirocare 2x4-6:  Upheld"
NARRATIVE_START = "In an August 28, 2013 physical therapy progress note"
NARRATIVE_END = "IMR ISSUES, DECISIONS AND RATIONALES"


def item_blocks(seed: str) -> tuple[str, list[str]]:
    """The seed up to its first item, and each item's block (heading to the next heading)."""
    head, rest = seed.split(ITEMS_MARKER, 1)
    rest = ITEMS_MARKER + rest
    heading = re.compile(r"(?m)^[A-Z][^\n:]{2,40}:  (?:Upheld|Overturned)")
    starts = [m.start() for m in heading.finditer(rest)]
    blocks = [
        rest[a:b].rstrip() + "\n\n" for a, b in zip(starts, [*starts[1:], len(rest)], strict=True)
    ]
    return head, blocks


def letter_of_items(n: int, seed: str | None = None) -> str:
    """The seed letter with its disputed items repeated in turn to `n` items."""
    head, blocks = item_blocks(seed if seed is not None else SEED.read_text())
    return head + "".join(blocks[i % len(blocks)] for i in range(n))


def hyphenated(text: str, width: int = 90) -> str:
    """`text` wrapped at `width`, a long word crossing the margin hyphenated at the line end."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            room = width - len(line) - 2
            if word.isalpha() and len(word) >= 8 and room >= 4:
                lines.append(f"{line} {word[:room]}-")
                line = word[room:]
                continue
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "\n".join([*lines, line]) + "\n"


def letter_of_size(size: int, seed: str | None = None) -> str:
    """The seed letter with its clinical narrative repeated (hyphenated) to about `size`
    bytes (never more)."""
    seed = seed if seed is not None else SEED.read_text()
    start = seed.index(NARRATIVE_START)
    end = seed.index(NARRATIVE_END)
    narrative = hyphenated(" ".join(seed[start:end].split())) + "\n"
    room = size - len(seed.encode())
    copies = max(0, room // len(narrative.encode()))
    return seed[:end] + narrative * copies + seed[end:]


def measure(path: str) -> dict:
    """Read and screen one letter in this process (run in a fresh one per letter)."""
    sys.path.insert(0, str(ROOT))
    from kg.api import evaluate
    from kg.ingest import ingest

    started = time.perf_counter()
    result = ingest(Path(path))
    read = time.perf_counter()
    evaluation = evaluate(result.graph)
    screened = time.perf_counter()
    return {
        "requests": len(evaluation.requests),
        "case_triples": len(result.graph),
        "verdict_triples": len(evaluation.verdict_graph),
        "ingest_s": read - started,
        "evaluate_s": screened - read,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_one(path: Path, timeout: float, memory_mb: int) -> dict:
    def limit() -> None:
        cap = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    command = [sys.executable, __file__, "--measure", str(path)]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, preexec_fn=limit
        )
    except subprocess.TimeoutExpired:
        return {"failed": f"over {timeout:.0f} s"}
    if done.returncode != 0:
        memory = "MemoryError" in done.stderr or "Cannot allocate" in done.stderr
        last = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        return {"failed": f"over {memory_mb} MB" if memory else last[:60]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--items", type=int, nargs="*", default=[50, 200, 1000])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--timeout", type=float, default=300, help="seconds per letter")
    parser.add_argument("--memory", type=int, default=4096, help="MB of address space a run")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return 0

    seed = SEED.read_text()
    letters = [(f"{n:,} items", letter_of_items(n, seed)) for n in args.items]
    letters += [(f"{size / 1000:,.0f} KB", letter_of_size(size, seed)) for size in args.sizes]
    header = (
        f"{'letter':>12} {'bytes':>10} {'requests':>8} {'case':>8} {'verdict':>8} "
        f"{'ingest s':>9} {'evaluate s':>10} {'peak MB':>8}"
    )
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as scratch:
        for name, text in letters:
            path = Path(scratch) / f"{name.replace(' ', '-').replace(',', '')}.txt"
            path.write_text(text)
            row = run_one(path, args.timeout, args.memory)
            size = len(text.encode())
            if "failed" in row:
                print(f"{name:>12} {size:>10,} {'':>8} {'':>8} {'':>8} {row['failed']}")
            else:
                print(
                    f"{name:>12} {size:>10,} {row['requests']:>8,} {row['case_triples']:>8,} "
                    f"{row['verdict_triples']:>8,} {row['ingest_s']:>9.1f} "
                    f"{row['evaluate_s']:>10.1f} {row['peak_mb']:>8.0f}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
