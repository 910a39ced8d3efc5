"""What the bounded reading of user files costs, and what the bombs cost now that they are refused.

Run: ``.venv/bin/python benchmarks/bench_reading.py [--repeats N]``.

1. In this process, medians over N repeats: reading the baseline's meicirculaire workbook
   (xlsx and ODS, written by ``run``) with python-calamine directly (every sheet, the bare
   baseline) against :func:`allocation.data.input_files.open_workbook` (zip checks, bounded
   copy, streamed extent of every sheet, then calamine) and against
   :func:`allocation.data.published_table.read_published_table`; and a key CSV of 352 rows
   by name in Windows-1252 read by :func:`allocation.data.key_csv.parse_key_csv`.
2. In a fresh process each, wall time and peak memory (``ru_maxrss``) of refusing each bomb
   of ``tests/data/test_input_files.py`` against a bare ``python -c "import numpy, pandas"``.

Prints the machine's load (``uptime``) first: on a busy machine the ratios are what to compare.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from timing import median  # noqa: E402

CHILD = """
import resource, sys, time
start = time.perf_counter()
sys.path.insert(0, {root!r})
from tests.data.test_input_files import BOMBS
from allocation.common.errors import InputError
from allocation.data.published_table import read_published_table
content = BOMBS[{name!r}][0]()
made = time.perf_counter()
try:
    read_published_table(content, {name!r}, "elip")
    outcome = "read"
except InputError:
    outcome = "refused"
print(outcome, time.perf_counter() - made, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def in_process(repeats: int) -> None:
    from python_calamine import CalamineWorkbook

    from allocation.data.input_files import open_workbook
    from allocation.data.key_csv import parse_key_csv
    from allocation.data.published_table import read_published_table
    from allocation.data.registers import load_register
    from allocation.publish.run_files import export_files
    from allocation.scenario.loading import load_scenario
    from allocation.scenario.running import run_scenario

    files = export_files(run_scenario(load_scenario(ROOT / "scenarios" / "kamerbrief-2021.yaml")),
                         workbook_format="both")
    print(f"{'file':<44} {'calamine (bare)':>16} {'open_workbook':>14} {'ratio':>6} {'published table':>16}")
    for name, content in sorted(files.items()):
        if not name.endswith("meicirculaire.xlsx") and not name.endswith("meicirculaire.ods"):
            continue

        def bare():
            book = CalamineWorkbook.from_filelike(io.BytesIO(content))
            return [book.get_sheet_by_name(s).to_python() for s in book.sheet_names]

        def bounded():
            book = open_workbook(content, name)
            return [book.rows(s) for s in book.sheet_names]

        base, ours = median(bare, repeats), median(bounded, repeats)
        table = median(lambda: read_published_table(content, name), repeats)
        print(f"{name:<44} {base * 1000:>13.1f} ms {ours * 1000:>11.1f} ms {ours / base:>6.2f} "
              f"{table * 1000:>13.1f} ms")
    register = load_register("2021-01-01")
    text = "Gemeente;Aantal\r\n" + "".join(f"{n};{i % 7 + 1}\r\n" for i, n in enumerate(register["gm_name"]))
    data = text.encode("cp1252")  # FICTITIOUS counts
    seconds = median(lambda: parse_key_csv(data, origin="k.csv", name="k", value_column="Aantal",
                                                   code_column="Gemeente"), repeats)
    print(f"key CSV by name, Windows-1252, 352 rows: {seconds * 1000:.1f} ms")


def bombs() -> None:
    bare = subprocess.run([sys.executable, "-c", "import resource, numpy, pandas; "
                           "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"],
                          capture_output=True, text=True, check=True)
    bare_kb = int(bare.stdout.split()[-1])
    print(f"\nbare python -c 'import numpy, pandas': peak {bare_kb / 1024:.0f} MB")
    print(f"{'bomb':<14} {'outcome':<8} {'refused in':>11} {'peak MB':>8} {'x bare':>7}")
    from tests.data.test_input_files import BOMBS

    for name in sorted(BOMBS):
        done = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT), name=name)],
                              capture_output=True, text=True, cwd=ROOT)
        if done.returncode:
            print(f"{name:<14} FAILED {done.stderr.strip()[-200:]}")
            continue
        outcome, seconds, peak = done.stdout.split()
        print(f"{name:<14} {outcome:<8} {float(seconds) * 1000:>8.0f} ms {int(peak) / 1024:>8.0f} "
              f"{int(peak) / bare_kb:>7.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    in_process(args.repeats)
    bombs()


if __name__ == "__main__":
    main()
