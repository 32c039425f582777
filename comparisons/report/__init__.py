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
    from comparisons.i18n import language
    from comparisons.registry import load_all
    from comparisons.report import html

    lang = language(lang)

    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".rosetta-", dir=out))
    try:
        results = results_frame(result.records)
        summary = summary_frame(results)
        environment = run_environment(seeds)
        results.to_csv(staging / "results.csv", index=False, float_format="%.8g")
        summary.to_csv(staging / "summary.csv", index=False, float_format="%.8g")
        (staging / "environment.json").write_text(json.dumps(environment, indent=2) + "\n")
        written: set[str] = set()
        if notebooks:
            from comparisons.notebook import write_notebooks

            registry = load_all()
            ran = [registry[name] for name in dict.fromkeys(results["concept"]) if name in registry]
            written = write_notebooks(ran, staging / "notebooks", lang)
        with progress_bar(console) as bar:
            task = bar.add_task(lang.gettext("writing the report"), total=results["concept"].nunique() + 1)
            html.write_html(
                results, environment, staging, bench_csv=out / "bench.csv",
                progress=lambda page: bar.update(task, advance=1, description=lang.gettext("report: {page}").format(page=page)),
                curves_by_concept=result.curves, lang=lang, notebooks=written,
            )
        publish(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


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
