"""`python -m tests.benchmarks [NAME ...] [-- ARGS ...]`: run the benchmark modules of this folder.

Every `bench_*.py` module here is a benchmark with a `main(argv) -> int`. Without names, all run
in name order; a name is the module's name with or without `bench_` (`ingest`, `bench_engine`).
Arguments after `--` are passed to each module's `main`. The exit status is the first non-zero
status a module returned.

    python -m tests.benchmarks                      # everything (make bench)
    python -m tests.benchmarks ingest -- --rows 100000
"""

import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def discover() -> list[str]:
    """The benchmark modules of this folder, by name."""
    return sorted(path.stem for path in HERE.glob("bench_*.py"))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    names, module_args = argv, []
    if "--" in argv:
        split = argv.index("--")
        names, module_args = argv[:split], argv[split + 1 :]
    available = discover()
    chosen = []
    for name in names or available:
        module = name if name.startswith("bench_") else f"bench_{name}"
        if module not in available:
            print(f"No benchmark '{name}'; available: {', '.join(available)}", file=sys.stderr)
            return 2
        chosen.append(module)
    status = 0
    for module in chosen:
        print(f"=== {module} ===", flush=True)
        code = importlib.import_module(f"tests.benchmarks.{module}").main(module_args) or 0
        status = status or code
    return status


if __name__ == "__main__":
    sys.exit(main())
