"""``rosetta bench``: time each witness, forward + backward (to be filled by the convolution work)."""


def bench_main(concepts, *, repeats, out, console) -> int:
    console.print("no benchmarks yet")
    return 0
