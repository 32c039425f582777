"""``rosetta bench``: time each witness, forward + backward, on the concepts' large inputs.

Every witness runs through the same adapter as in ``rosetta run``
(:meth:`comparisons.witnesses.adapter.Adapter.forward`, then the pullback), but in
this process, so that the times hold no pipe: a time includes the conversion of the
inputs to the framework's tensors and of the results back to NumPy, for every witness
alike. Each time is the median of ``repeats`` runs after one warm-up run. The
frameworks timed here are :data:`BENCH_FRAMEWORKS` (torch and TensorFlow share a
process safely; PaddlePaddle cannot follow TensorFlow into one).

The NumPy / PyTorch ratio is only fair at equal thread counts: each thread count of
:data:`THREAD_COUNTS` limits NumPy's BLAS (threadpoolctl) and torch's intra-op pool
to the same number. TensorFlow's pools are fixed when it is first imported
(:data:`comparisons.witnesses.adapter.THREADS`), so it is timed at that count only.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from comparisons.harness import cast_inputs
from comparisons.registry import Concept, load_all, sample_rng
from comparisons.witnesses import FRAMEWORKS
from comparisons.witnesses.adapter import THREADS, Adapter, NumpyAdapter

BENCH_FRAMEWORKS = ("torch", "tensorflow")
"""Frameworks timed in this process beside NumPy."""

FLOOR = "numpy-matmuls"
"""The row of a concept's ``bench_floor``: the NumPy reference's matrix products alone."""

THREAD_COUNTS = (1, 2)
"""Thread counts every benchmark is timed at (NumPy and torch alike)."""

BENCH_DTYPE = "float32"
BENCH_SEED = 0


@dataclass(frozen=True)
class Timing:
    """One row of bench.csv: the median forward + backward time of one witness."""

    concept: str
    sample: str
    dtype: str
    threads: int
    witness: str
    seconds: float
    repeats: int
    ratio_to_torch: float


def bench_adapters() -> dict[str, Adapter]:
    """NumPy and every framework of :data:`BENCH_FRAMEWORKS` that imports, set up once."""
    adapters: dict[str, Adapter] = {"numpy": NumpyAdapter()}
    for name in BENCH_FRAMEWORKS:
        adapter = FRAMEWORKS[name].make_adapter()
        try:
            adapter.setup()
        except ImportError:
            continue
        adapters[name] = adapter
    return adapters


def default_concepts() -> list[Concept]:
    """Every registered concept that declares benchmark inputs."""
    return [c for c in load_all().values() if c.benchmarks is not None]


@contextmanager
def thread_limit(threads: int, adapters: dict[str, Adapter]):
    """Limit NumPy's BLAS and torch's intra-op pool to ``threads``; restore afterwards."""
    from threadpoolctl import threadpool_limits

    torch = adapters["torch"].torch if "torch" in adapters else None
    if torch is not None:
        torch.set_num_threads(threads)
    try:
        with threadpool_limits(limits=threads):
            yield
    finally:
        if torch is not None:
            torch.set_num_threads(THREADS)


def median_seconds(run, repeats: int) -> float:
    """Median wall time of ``run()`` over ``repeats`` calls, after one warm-up call."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def function_of(concept: Concept, witness: str):
    """What a witness's adapter runs: the reference pair for NumPy, the framework's version otherwise."""
    return concept.reference if witness == "numpy" else concept.implementation(witness)


def time_witness(adapter: Adapter, concept: Concept, inputs, params, dout, repeats: int) -> float:
    """Median seconds of one forward pass and its pullback of ``dout``."""
    function = function_of(concept, adapter.name)
    function = function.resolve() if hasattr(function, "resolve") else function

    def forward_backward():
        _, pullback = adapter.forward(function, inputs, params, concept.grad_wrt)
        if pullback is not None:
            pullback(dout)

    return median_seconds(forward_backward, repeats)


def witnesses_for(concept: Concept, threads: int, adapters: dict[str, Adapter]) -> list[str]:
    """Witnesses with an implementation of ``concept`` that can run at ``threads``."""
    names = [w for w in adapters if function_of(concept, w) is not None]
    return [w for w in names if w != "tensorflow" or threads == THREADS]


def bench_concept(concept: Concept, repeats: int, adapters: dict[str, Adapter], thread_counts=THREAD_COUNTS) -> list[Timing]:
    """Time every witness on every benchmark sample of ``concept`` at each thread count."""
    timings = []
    for sample in concept.benchmarks(np.random.default_rng(BENCH_SEED)):
        rng = sample_rng(BENCH_SEED, concept.name, sample.name)
        inputs = cast_inputs(sample.draw(rng), BENCH_DTYPE)
        outputs, _ = adapters["numpy"].forward(concept.reference, inputs, sample.params, ())
        dout = rng.standard_normal(outputs["out"].shape).astype(outputs["out"].dtype)
        for threads in thread_counts:
            with thread_limit(threads, adapters):
                seconds = {
                    name: time_witness(adapters[name], concept, inputs, sample.params, dout, repeats)
                    for name in witnesses_for(concept, threads, adapters)
                }
                if concept.bench_floor is not None:
                    seconds[FLOOR] = median_seconds(concept.bench_floor(inputs, sample.params), repeats)
            torch_seconds = seconds.get("torch", np.nan)
            timings += [
                Timing(concept.name, sample.name, BENCH_DTYPE, threads, name, s, repeats, s / torch_seconds)
                for name, s in seconds.items()
            ]
    return timings


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file next to ``path``, then rename it over ``path``."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def blas_libraries() -> list[dict]:
    """The BLAS libraries loaded in this process, as threadpoolctl reports them.

    ``architecture`` is the kernel family OpenBLAS picked (e.g. ``Haswell`` for AVX2,
    ``SkylakeX`` for AVX-512; ``OPENBLAS_CORETYPE`` forces it), so that figures from different
    machines can be compared; ``filepath`` tells NumPy's library from a framework's.
    """
    from threadpoolctl import threadpool_info

    keys = ("internal_api", "version", "architecture", "threading_layer", "num_threads", "filepath")
    return [
        {key: library.get(key) for key in keys} | {"OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")}
        for library in threadpool_info() if library.get("user_api") == "blas"
    ]


def write_results(timings: list[Timing], out: Path) -> None:
    """bench.csv (one row per concept, sample, threads, witness) and bench.json."""
    import pandas as pd

    table = pd.DataFrame([asdict(t) for t in timings], columns=list(Timing.__dataclass_fields__))
    write_atomically(out / "bench.csv", table.to_csv(index=False))
    write_atomically(out / "bench.json", json.dumps([asdict(t) for t in timings], indent=2) + "\n")


def print_table(timings: list[Timing], console) -> None:
    """One line per concept, sample and thread count; milliseconds per witness and the ratio."""
    from rich.table import Table

    witnesses = [w for w in ("numpy", *BENCH_FRAMEWORKS, FLOOR) if any(t.witness == w for t in timings)]
    table = Table(title=f"forward + backward, median ms ({BENCH_DTYPE})")
    ratios = [w for w in ("numpy", FLOOR) if w in witnesses]
    for column in ("concept", "sample", "threads", *witnesses, *(f"{w} / torch" for w in ratios)):
        table.add_column(column, justify="left" if column in ("concept", "sample") else "right")
    rows: dict[tuple, dict[str, Timing]] = {}
    for t in timings:
        rows.setdefault((t.concept, t.sample, t.threads), {})[t.witness] = t
    for (concept, sample, threads), by_witness in rows.items():
        cells = [f"{by_witness[w].seconds * 1e3:.2f}" if w in by_witness else "-" for w in witnesses]
        ratio_cells = [
            f"{by_witness[w].ratio_to_torch:.2f}x" if w in by_witness and not np.isnan(by_witness[w].ratio_to_torch)
            else "-" for w in ratios
        ]
        table.add_row(concept, sample, str(threads), *cells, *ratio_cells)
    console.print(table)


def bench_main(concepts, *, repeats, out, console) -> int:
    """Time the given concepts (None: every concept with benchmarks); print and write the results."""
    concepts = default_concepts() if concepts is None else [c for c in concepts if c.benchmarks is not None]
    if not concepts:
        console.print("no benchmark inputs for these concepts")
        return 0
    timings = []
    adapters = bench_adapters()
    for concept in concepts:
        console.print(f"timing {concept.name} ...")
        timings += bench_concept(concept, repeats, adapters)
    print_table(timings, console)
    libraries = blas_libraries()
    for library in libraries:
        where = Path(library["filepath"] or "?").parent.name  # numpy.libs: NumPy's own
        console.print(f"BLAS: {library['internal_api']} {library['version']} ({library['architecture']} kernels) in {where}")
    write_results(timings, Path(out))
    write_atomically(Path(out) / "bench-blas.json", json.dumps(libraries, indent=2) + "\n")
    from comparisons.report.html import write_bench_page

    write_bench_page(Path(out))
    console.print(f"bench results written to {out}/ (bench.csv, bench.json, bench.html, bench-blas.json)")
    return 0
