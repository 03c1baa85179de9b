"""Score the judge on a blind set by category only: no pair's text is ever printed (issue 14).

    .venv/bin/python scripts/score_blind.py tests/data/couple_pairs_blind.jsonl

A pair counts as coached when the judge's action is "coach" (before issue 14: when it refused).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from facilitator.reflection import judge


def _coached(verdict: Any) -> bool:
    action = getattr(verdict, "action", None)  # before issue 14 a verdict had no action
    if action is None:
        return not verdict.accepted
    return str(action) == "coach"


def main() -> None:
    path = Path(sys.argv[1])
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    coached: Counter[str] = Counter()
    total: Counter[str] = Counter()
    accepted_right = 0
    reflections = [i for i in items if i["accepted"]]
    for item in items:
        verdict = judge(item["share"], item["reflection"])
        total[item["category"]] += 1
        coached[item["category"]] += _coached(verdict)
        accepted_right += verdict.accepted == item["accepted"]
    harm = sum(coached[c] for c in {i["category"] for i in reflections})
    print(f"{path.name}: {len(items)} pairs; accepted-accuracy {accepted_right / len(items):.3f}")
    share = harm / max(1, len(reflections))
    print(f"real reflections coached (harm): {harm}/{len(reflections)} = {share:.3f}")
    for category in sorted(total):
        kind = "reflection" if any(i["accepted"] for i in items if i["category"] == category) else "miss"
        print(f"  {category} ({kind}): coached {coached[category]}/{total[category]}")


if __name__ == "__main__":
    main()
