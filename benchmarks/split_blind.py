"""Split blind-written letters into a development half and a test half, before anyone reads them.

    python benchmarks/split_blind.py INCOMING_DIR [INCOMING_DIR ...] --out tests/blind

Each INCOMING_DIR holds NAME.txt letters with NAME.facts.yaml beside them, written by a writer
who never saw the reader. Within each writer's folder the letters are grouped by the layout
their facts name and shuffled with a fixed seed; alternate letters go to dev/ and test/, so each
layout is in both halves. Only the facts' `layout` field is read; the letters are copied
unread. Letters of a folder named `real` (paraphrased public decisions) all go to dev/.
"""

from __future__ import annotations

import argparse
import random
import shutil
from collections import defaultdict
from pathlib import Path

import yaml

SEED = 20261203


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("incoming", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    rng = random.Random(SEED)
    for folder in args.incoming:
        by_layout: dict[str, list[Path]] = defaultdict(list)
        for letter in sorted(folder.glob("*.txt")):
            facts = letter.with_name(letter.stem + ".facts.yaml")
            if facts.exists():
                layout = str(yaml.safe_load(facts.read_text()).get("layout"))
                by_layout[layout].append(letter)
        for layout in sorted(by_layout):
            letters = by_layout[layout]
            rng.shuffle(letters)
            for index, letter in enumerate(letters):
                half = "dev" if folder.name == "real" or index % 2 == 0 else "test"
                target = args.out / half / folder.name
                target.mkdir(parents=True, exist_ok=True)
                for path in (letter, letter.with_name(letter.stem + ".facts.yaml")):
                    shutil.copy2(path, target / path.name)
                print(f"{half}\t{folder.name}\t{layout}\t{letter.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
