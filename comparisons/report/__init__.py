"""Reports from records: results.csv, summary.csv, environment.json and the HTML pages.

Every file is written into a temporary folder inside ``out`` first and moved into
place only when all of them are complete, so an interrupted run leaves the previous
report intact.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from comparisons.progress import progress_bar
from comparisons.report.tables import results_frame, summary_frame


def git_commit() -> str | None:
    """The commit the code was run from, when it is a git checkout."""
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True,
            cwd=Path(__file__).resolve().parent, timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def run_environment(seeds) -> dict:
    from comparisons.witnesses import environment

    return {
        **environment(),
        "seeds": list(seeds),
        "git_commit": git_commit(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def write_report(result, out: Path, *, seeds, console=None, lang: str = "en", notebooks: bool = True) -> None:
    """Write every report file for a :class:`~comparisons.harness.RunResult` into ``out``, replacing the previous ones.

    The HTML pages show a progress bar on ``console`` (one step per page) when it is a
    terminal. ``out/bench.csv``, when ``rosetta bench`` has written one, becomes
    bench.html. ``lang`` (``"en"`` or ``"zh"``) is the language of every text a
    person reads; the CSV files stay in English. With ``notebooks`` (and nbformat
    installed) every concept of the run in the registry gets ``notebooks/NAME.ipynb``
    (written, not executed), and its page links to it.
    """
    from comparisons.registry import load_all

    registry = load_all()
    ran = [registry[name] for name in dict.fromkeys(r.concept for r in result.records) if name in registry]
    with ReportWriter(out, ran, seeds=seeds, lang=lang, notebooks=notebooks) as report:
        report.finish(result, console)


class ReportWriter:
    """A run's report written while the run goes on, and published whole when it ends.

    Each concept's page is written as soon as its rows are in (:meth:`add`), while the
    workers still compute the concepts after it; :meth:`finish` writes the tables, the
    catalog, the index and the pages not written yet, and moves everything into ``out``.
    Everything goes into a hidden folder inside ``out`` first: a run that stops before
    :meth:`finish` (an error, an interruption) leaves the previous report as it was.
    Use it as a context manager; see :func:`write_report` for the arguments.
    """

    def __init__(self, out: Path, concepts, *, seeds, lang: str = "en", notebooks: bool = True):
        from comparisons.i18n import language
        from comparisons.report import html

        self.out, self.lang = out, language(lang)
        out.mkdir(parents=True, exist_ok=True)
        self.staging = Path(tempfile.mkdtemp(prefix=".rosetta-", dir=out))
        self.environment = run_environment(seeds)
        self.notebooks: set[str] = set()
        if notebooks:
            from comparisons.notebook import write_notebooks

            self.notebooks = write_notebooks(list(concepts), self.staging / "notebooks", self.lang)
        self.setup = html.page_setup(
            self.environment, self.staging, bench_csv=out / "bench.csv", lang=self.lang, notebooks=self.notebooks
        )
        self.written: set[str] = set()

    def add(self, name: str, result) -> None:
        """Write the page of a concept whose rows are all in ``result`` (a RunResult of that concept alone)."""
        from comparisons.report import html

        rows = results_frame(result.records).to_dict("records")
        html.write_concept_page(self.setup, self.staging, name, rows, result.curves.get(name))
        self.written.add(name)

    def finish(self, result, console=None) -> None:
        """Write the rest for the whole run's :class:`~comparisons.harness.RunResult` and publish the report."""
        from comparisons.report import html

        results = results_frame(result.records)
        results.to_csv(self.staging / "results.csv", index=False, float_format="%.8g")
        summary_frame(results).to_csv(self.staging / "summary.csv", index=False, float_format="%.8g")
        (self.staging / "environment.json").write_text(json.dumps(self.environment, indent=2) + "\n")
        gettext = self.lang.gettext
        with progress_bar(console) as bar:
            task = bar.add_task(gettext("writing the report"), total=results["concept"].nunique() + 1)
            html.write_html(
                results, self.environment, self.staging, bench_csv=self.out / "bench.csv",
                progress=lambda page: bar.update(task, advance=1, description=gettext("report: {page}").format(page=page)),
                curves_by_concept=result.curves, lang=self.lang, notebooks=self.notebooks, written=self.written,
                setup=self.setup,
            )
        publish(self.staging, self.out)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.staging, ignore_errors=True)


def publish(staging: Path, out: Path) -> None:
    """Move finished files into ``out``, index.html last, each by an atomic rename."""
    entries = sorted(staging.iterdir(), key=lambda p: p.name == "index.html")
    for entry in entries:
        target = out / entry.name
        if entry.is_dir():
            if target.exists():
                shutil.rmtree(target)
            entry.rename(target)
        else:
            os.replace(entry, target)
