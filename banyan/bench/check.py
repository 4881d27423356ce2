"""`python -m banyan.bench.check FILE…`: exit 1 unless each results file is well-formed.

What CI runs after `make bench-smoke`: the harness must keep running and writing every
scenario with its query count. It never looks at a timing.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .results import check_file


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m banyan.bench.check RESULTS.json ...", file=sys.stderr)
        return 2
    status = 0
    for name in argv:
        problems = check_file(Path(name))
        for problem in problems:
            print(f"{name}: {problem}", file=sys.stderr)
        if problems:
            status = 1
        else:
            print(f"{name}: well-formed")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
