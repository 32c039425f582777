#!/usr/bin/env bash
# Build a wheel, install it with the pinned versions into a fresh virtual environment and run
# one concept from a folder outside the checkout: package data (templates, scripts) must
# travel in the wheel, and nothing may depend on the checkout being importable.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q --upgrade pip
"$work/venv/bin/python" -m pip wheel -q --no-deps -w "$work/dist" "$root"
wheel=$(ls "$work"/dist/rosetta-*.whl)
"$work/venv/bin/python" -m pip install -q -c "$root/constraints.txt" "$wheel"
cd "$work"
"$work/venv/bin/rosetta" run --concept sigmoid --out "$work/report"
test -s "$work/report/index.html" && test -s "$work/report/results.csv"
"$work/venv/bin/python" -c 'import comparisons, sys; sys.exit(0 if "site-packages" in comparisons.__file__ else "comparisons was imported from the checkout")'
echo "wheel check: rosetta run from an installed wheel wrote a complete report"
