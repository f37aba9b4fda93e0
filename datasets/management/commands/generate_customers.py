"""`manage.py generate_customers --rows N --out FILE [--kind rfm]`: a realistic synthetic customer
CSV: demographics and spending (document 004's columns), or a transaction summary per customer
(recency, frequency, monetary value, tenure)."""

import sys
from pathlib import Path

import pyarrow as pa
from django.core.management.base import BaseCommand, CommandError, CommandParser

from datasets.demo import customers_csv_write, generate_customers, generate_rfm_customers

MAX_ROWS = 10_000_000  # ~700 MB of CSV: beyond that, generate several files


class Command(BaseCommand):
    help = (
        "Write a synthetic customer table (age, gender, region, annual income, spending score, "
        "purchase frequency, average purchase amount, tenure) with real segment structure, or "
        "with --kind rfm a transaction summary (days since the last order, orders, total spent, "
        "days since the first order) where most customers bought once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rows", type=int, required=True, help="number of customers")
        parser.add_argument("--out", type=Path, help="CSV file to write (default: stdout)")
        parser.add_argument("--seed", type=int, default=0, help="same seed, same table")
        parser.add_argument(
            "--kind",
            choices=("demographic", "rfm"),
            default="demographic",
            help="demographic and spending columns (default) or recency/frequency/monetary",
        )

    def handle(self, *args, rows: int, out: Path | None, seed: int, kind: str, **options) -> None:
        if not 1 <= rows <= MAX_ROWS:
            raise CommandError(f"--rows must be between 1 and {MAX_ROWS:,}; got {rows}.")
        generate = generate_rfm_customers if kind == "rfm" else generate_customers
        frame = generate(rows, seed=seed)
        if out is None:
            sink = pa.BufferOutputStream()
            customers_csv_write(frame, sink)
            sys.stdout.buffer.write(sink.getvalue().to_pybytes())
            return
        out.parent.mkdir(parents=True, exist_ok=True)
        customers_csv_write(frame, out)
        self.stderr.write(f"Wrote {rows:,} customers ({out.stat().st_size:,} bytes) to {out}")
