"""The ``rosetta`` command: run the comparisons, list concepts, show one, time them.

Exit codes: 0 when nothing disagrees or errors, 1 when something does, 2 on bad usage
(always with a one-line reason on stderr and no traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

DEFAULT_OUT = Path("reports")
DEFAULT_NOTEBOOKS = DEFAULT_OUT / "notebooks"
DEFAULT_SEEDS = 1
MAX_SEEDS = 1000


class UsageExit(Exception):
    """Bad usage: print one line, exit 2."""


class Parser(argparse.ArgumentParser):
    """argparse that reports bad usage in one line instead of usage + message."""

    def error(self, message):
        raise UsageExit(message)


def _seed_count(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seeds takes a whole number, got {text!r}") from None
    if not 1 <= count <= MAX_SEEDS:
        raise argparse.ArgumentTypeError(f"--seeds must be between 1 and {MAX_SEEDS}, got {count}")
    return count


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value}")
    return value


def build_parser() -> Parser:
    parser = Parser(prog="rosetta", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    run = commands.add_parser("run", help="compare every witness and write the reports")
    run.add_argument("--concept", action="append", default=[], metavar="NAME", help="a concept (repeatable)")
    run.add_argument("--family", action="append", default=[], metavar="NAME", help="a family (repeatable)")
    run.add_argument(
        "--framework", action="append", default=[], metavar="NAME",
        help="a framework witness: torch, tensorflow, jax, paddle, onnx (repeatable; default all)",
    )
    run.add_argument("--dtype", action="append", default=[], metavar="DTYPE", help="float32 or float64 (repeatable; default both)")
    run.add_argument("--seeds", type=_seed_count, default=DEFAULT_SEEDS, metavar="N", help=f"seeds 0..N-1 (default {DEFAULT_SEEDS})")
    run.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help="report folder (default reports/)")
    run.add_argument("--workers", type=_positive, default=1, metavar="N", help="spread concepts over N processes (default 1)")
    run.add_argument(
        "--scheduler", metavar="ADDRESS",
        help="run the concepts on a Dask distributed cluster (tcp://host:8786); needs rosetta[distributed]",
    )
    run.add_argument(
        "--timeout", type=_positive, default=120, metavar="SECONDS",
        help="time limit of one witness on one sample (default 120); past it the row is `error: timeout`",
    )
    run.add_argument("--lang", type=_language, default="en", metavar="LANG",
                     help="language of the report, the notebooks and these messages: en (default) or zh")

    listing = commands.add_parser("list", help="concepts, families and the frameworks available")
    listing.add_argument("--lang", type=_language, default="en", metavar="LANG", help="en (default) or zh")

    show = commands.add_parser("show", help="the implementations side by side")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help="where to look for the latest results")
    show.add_argument("--lang", type=_language, default="en", metavar="LANG", help="en (default) or zh")

    bench = commands.add_parser("bench", help="time each implementation, forward + backward")
    bench.add_argument("--concept", action="append", default=[], metavar="NAME", help="a concept (repeatable)")
    bench.add_argument("--repeats", type=_positive, default=7, metavar="N", help="timed runs per witness (median reported)")
    bench.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help="report folder (default reports/)")

    export = commands.add_parser("export", help="write the trained networks as .onnx files into DIR/models/")
    export.add_argument("--network", action="append", default=[], metavar="NAME", help="a network (repeatable; default all)")
    export.add_argument("--dtype", default="float32", metavar="DTYPE", help="float32 (default) or float64")
    export.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help="report folder (default reports/)")

    notebook = commands.add_parser("notebook", help="write a runnable Jupyter notebook of one concept")
    notebook.add_argument("name", metavar="NAME")
    notebook.add_argument("--out", type=Path, default=DEFAULT_NOTEBOOKS, metavar="DIR",
                          help=f"folder of NAME.ipynb (default {DEFAULT_NOTEBOOKS}/)")
    notebook.add_argument("--lang", type=_language, default="en", metavar="LANG", help="en (default) or zh")
    return parser


def _language(code: str) -> str:
    """A ``--lang`` value whose catalog is there (checked before any work)."""
    from comparisons.i18n import UnknownLanguage, language

    try:
        language(code)
    except UnknownLanguage as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return code


def check_writable(out: Path) -> None:
    """Fail early, before any work, when the report folder cannot be written."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageExit(f"cannot create --out {str(out)!r}: {error.strerror or error}") from None
    if not out.is_dir() or not os.access(out, os.W_OK | os.X_OK):
        raise UsageExit(f"--out {str(out)!r} is not a writable folder")


def command_run(args, console) -> int:
    from comparisons import harness
    from comparisons.agreement import DISAGREE, ERROR
    from comparisons.concepts.deployment import NETWORKS
    from comparisons.export import queue_exports, write_exports
    from comparisons.i18n import language
    from comparisons.report import ReportWriter
    from comparisons.runner import WorkerLost, run_with_progress
    from comparisons.summary import print_summary
    from comparisons.witnesses import ONNX
    from comparisons.witnesses.pool import WorkerPool

    concepts = harness.select(args.concept, args.family)
    dtypes = harness.check_dtypes(args.dtype)
    config = harness.RunConfig(timeout=float(args.timeout), frameworks=harness.check_frameworks(args.framework))
    if args.scheduler:
        _check_scheduler(args.scheduler)
    check_writable(args.out)
    seeds = list(range(args.seeds))
    lang = language(args.lang)
    exporting = any(c.family == "deployment" for c in concepts) and ONNX in config.frameworks
    # Each concept's page is written as soon as its rows are in, while the workers go on; a framework
    # left with a long queue while a core is idle gets a second worker.
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    with WorkerPool(cores=cores) as pool, ReportWriter(args.out, concepts, seeds=seeds, lang=args.lang) as report:
        # The trained networks' .onnx files are exported first, each in the run's worker of the framework
        # that exports it (the deployment concept exports there too); they are written after the report.
        exports = queue_exports(pool, NETWORKS, dtypes[0], seed=0, timeout=config.timeout) if exporting else {}
        try:
            result = run_with_progress(
                concepts, dtypes, seeds, config, console, workers=args.workers, scheduler=args.scheduler, pool=pool,
                concept_done=report.add,
            )
        except WorkerLost as error:
            print(f"rosetta: error: {error}", file=sys.stderr)
            return 1
        result.records += harness.load_error_records(None if not (args.concept or args.family) else args.family)
        report.finish(result, console)
        print_summary(result.records, console, lang)
        write_exports(args.out / "models", exports)
    if (args.out / "notebooks").is_dir():
        written = lang.gettext("reports written to {out}/ (index.html, results.csv, summary.csv, environment.json, notebooks/)")
    else:  # nbformat (rosetta[notebook]) is not installed
        written = lang.gettext("reports written to {out}/ (index.html, results.csv, summary.csv, environment.json)")
    console.print(written.format(out=args.out), highlight=False, soft_wrap=True)
    return 1 if any(r.verdict in (DISAGREE, ERROR) for r in result.records) else 0


def _check_scheduler(address: str) -> None:
    """Fail early, in one line, when --scheduler cannot be used."""
    import importlib.util

    if importlib.util.find_spec("distributed") is None:
        raise UsageExit("--scheduler needs Dask distributed: pip install 'rosetta[distributed]'")
    if "://" not in address and ":" not in address:
        raise UsageExit(f"--scheduler takes an address such as tcp://127.0.0.1:8786, got {address!r}")


def command_list(args, console) -> int:
    from rich import box
    from rich.table import Table

    from comparisons.i18n import language
    from comparisons.registry import LOAD_ERRORS, load_all
    from rich.text import Text

    from comparisons.report.details import render_detail
    from comparisons.report.html import FAMILY_LABELS
    from comparisons.witnesses import FRAMEWORKS

    _ = language(args.lang).gettext
    table = Table(title=_("Concepts"), box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column(_("family"), no_wrap=True)
    table.add_column(_("concept"), no_wrap=True)  # names are what users type: never cut them
    table.add_column(_("gradients"), overflow="fold")
    table.add_column(_("summary"), overflow="fold")  # Chinese has no spaces to wrap at: fold, never cut
    for concept in sorted(load_all().values(), key=lambda c: (c.family, c.name)):
        family = _(FAMILY_LABELS.get(concept.family, concept.family))
        table.add_row(family, concept.name, ", ".join(concept.grad_wrt) or "-", _(concept.summary))
    console.print(table)
    console.print(_("framework numpy: the reference, always available; finite-diff: central differences of it, float64"),
                  highlight=False)
    for name, framework in FRAMEWORKS.items():
        reason = framework.missing_reason()
        if reason:
            state = _("unavailable: {reason}").format(reason=render_detail(reason, language(args.lang)))
        else:
            state = _("available ({module} {version})").format(module=framework.module, version=framework.version())
        console.print(_("framework {name}: {state}").format(name=name, state=state), highlight=False)
    for module, reason in LOAD_ERRORS.items():
        console.print(Text(_("module comparisons.concepts.{module} failed to load").format(module=module), style="red")
                      + Text(f": {reason}"))
    return 0


def command_show(args, console) -> int:
    from comparisons.harness import select
    from comparisons.i18n import language
    from comparisons.show import show_concept

    concept = select([args.name])[0]
    show_concept(concept, console, results_dir=args.out, lang=language(args.lang))
    return 0


def command_bench(args, console) -> int:
    from comparisons.bench import bench_main
    from comparisons.harness import select

    concepts = select(args.concept) if args.concept else None
    check_writable(args.out)
    return bench_main(concepts, repeats=args.repeats, out=args.out, console=console)


def command_export(args, console) -> int:
    from comparisons.concepts.deployment import NETWORKS
    from comparisons.export import describe, export_networks
    from comparisons.harness import check_dtypes

    unknown = [n for n in args.network if n not in NETWORKS]
    if unknown:
        raise UsageExit(f"unknown network {unknown[0]!r}; networks: {', '.join(NETWORKS)}")
    dtype = check_dtypes([args.dtype])[0]
    check_writable(args.out)
    for path, problem in export_networks(args.network or NETWORKS, args.out / "models", dtype).items():
        if problem:
            console.print(f"{path}: {problem}")
            continue
        nodes = describe(path.read_bytes())
        console.print(f"{path}: {len(nodes)} nodes: " + " -> ".join(node["op"] for node in nodes))
    return 0


def command_notebook(args, console) -> int:
    from comparisons.harness import select
    from comparisons.i18n import language
    from comparisons.notebook import MissingNotebookSupport, write_notebook

    concept = select([args.name])[0]
    check_writable(args.out)
    lang = language(args.lang)
    try:
        path = write_notebook(concept, args.out, lang)
    except MissingNotebookSupport as error:
        raise UsageExit(str(error)) from None
    except OSError as error:
        raise UsageExit(f"cannot write {str(args.out / (concept.name + '.ipynb'))!r}: {error.strerror or error}") from None
    console.print(lang.gettext("notebook written to {path}").format(path=path), highlight=False, soft_wrap=True)
    return 0


COMMANDS = {
    "run": command_run, "list": command_list, "show": command_show, "bench": command_bench, "export": command_export,
    "notebook": command_notebook,
}


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``rosetta`` and ``python -m comparisons``; returns the exit code."""
    from rich.console import Console

    from comparisons.harness import UsageError

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's C++ start-up and runtime log
    console = Console(stderr=False)
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args, console)
    except (UsageExit, UsageError) as error:
        print(f"rosetta: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rosetta: interrupted; the previous report is left as it was", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
