"""``python -m evaluation analyse --data FILE.csv --spec SPEC.json --out RESULT.json``.

Reruns one analysis on an exported dataset with the platform's own engine. Bad input
prints one clear line to stderr and exits non-zero; it never prints a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from evaluation.stats.engine import analysis_record
from evaluation.stats.spec import AnalysisError

#: Exit codes: 0 done, 1 the analysis could not be run, 2 the command line is wrong.
EXIT_ANALYSIS = 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m evaluation",
        description="Run a Dorset Living Lab analysis on an exported long dataset.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    analyse = commands.add_parser(
        "analyse", help="fit the model a spec describes and write the result as JSON"
    )
    analyse.add_argument("--data", required=True, type=Path, help="long CSV, one row per visit")
    analyse.add_argument("--spec", required=True, type=Path, help="the model spec (JSON)")
    analyse.add_argument(
        "--out", required=True, help="where to write the result JSON ('-' for stdout)"
    )
    return parser


def _read_data(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError as error:
        raise AnalysisError(f"No data file at {path}.") from error
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise AnalysisError(f"{path} is not a readable CSV file: {error}") from error
    if frame.empty:
        raise AnalysisError(f"{path} has no rows.")
    return frame


def _read_spec(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise AnalysisError(f"No spec file at {path}.") from error
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise AnalysisError(f"{path} is not valid JSON: {error}") from error


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        record = analysis_record(_read_data(args.data), _read_spec(args.spec))  # type: ignore[arg-type]
    except AnalysisError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ANALYSIS
    except Exception as error:  # an auditor gets a message, not a traceback
        print(f"error: the analysis failed: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_ANALYSIS
    text = json.dumps(record, indent=2, allow_nan=False) + "\n"
    if args.out == "-":
        sys.stdout.write(text)
    else:
        try:
            Path(args.out).write_text(text, encoding="utf-8")
        except OSError as error:
            print(f"error: cannot write {args.out}: {error.strerror}", file=sys.stderr)
            return EXIT_ANALYSIS
    return 0
