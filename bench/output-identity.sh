#!/usr/bin/env bash
# Proves a refactoring changed no output: runs `pcapviz report` (every format) from a base revision and from the
# working tree on the same inputs and compares every file of the two bundles byte for byte.
#
#   bench/output-identity.sh                         # base HEAD, inputs ../shared/corpus
#   bench/output-identity.sh main~3 sample-reports/inputs "--timezone Europe/Berlin --top 5"
#
# SOURCE_DATE_EPOCH fixes the generation time, so HTML is compared too. The base is built in a temporary
# `git worktree` (removed at the end). Exit 0 when identical, 1 with the differing files listed otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BASE=${1:-HEAD}
INPUT=${2:-$ROOT/../shared/corpus}
EXTRA=${3:-}
[[ -d $INPUT ]] || { echo "no input directory $INPUT" >&2; exit 2; }
INPUT=$(cd "$INPUT" && pwd)

WORK=$(mktemp -d)
cleanup() { git -C "$ROOT" worktree remove --force "$WORK/base" >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT

echo "building base $(git rev-parse --short "$BASE") and the working tree (Release)..." >&2
git -C "$ROOT" worktree add --detach "$WORK/base" "$BASE" >/dev/null 2>&1
dotnet build -c Release -nologo -v q "$WORK/base/src/PcapViz.Cli/PcapViz.Cli.csproj" >/dev/null
dotnet build -c Release -nologo -v q "$ROOT/src/PcapViz.Cli/PcapViz.Cli.csproj" >/dev/null

run() { # DLL OUT
  # shellcheck disable=SC2086 # EXTRA holds options
  SOURCE_DATE_EPOCH=1709251200 dotnet "$1" report "$INPUT" -o "$2" -q $EXTRA || {
    rc=$?; [[ $rc == 2 ]] || { echo "pcapviz exited $rc" >&2; exit 2; }; }
}
run "$WORK/base/src/PcapViz.Cli/bin/Release/net10.0/pcapviz.dll" "$WORK/a"
run "$ROOT/src/PcapViz.Cli/bin/Release/net10.0/pcapviz.dll" "$WORK/b"

files=$(cd "$WORK/a" && find . -type f | wc -l)
if diff -r -q "$WORK/a" "$WORK/b"; then
  echo "identical: $files files from $(git rev-parse --short "$BASE") and the working tree on $INPUT"
else
  echo "DIFFERENT (above): $(git rev-parse --short "$BASE") and the working tree on $INPUT" >&2
  exit 1
fi
