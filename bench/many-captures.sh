#!/usr/bin/env bash
# Scale of a real archive: one run over N small captures, for several N (issue 10).
#
#   bench/many-captures.sh                  # N = 1000 2000 4000, formats json and all
#   COUNTS="1000 4000 20000" FORMATS="json all" PACKETS=200 bench/many-captures.sh
#
# Captures are written by `pcapviz-bench many` (the project's generator, seeds 1..N, PACKETS packets each, 500 per
# sub-directory) into bench/data/many-N/ (git-ignored) and reused. Each run is timed once (wall clock) with peak
# memory (max RSS) from GNU time; the table gives seconds per 1,000 captures (wall clock and CPU), which is flat when
# the run scales linearly. CPU seconds are the steadier figure on a shared machine. Prints Markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DATA=$ROOT/bench/data
COUNTS=${COUNTS:-"1000 2000 4000"}
FORMATS=${FORMATS:-"json all"}
PACKETS=${PACKETS:-200}
JOBS=${JOBS:-2}
[[ -x /usr/bin/time ]] || { echo "missing GNU time: run bench/install-tools.sh (as root)" >&2; exit 1; }

echo "building (Release)..." >&2
dotnet build -c Release -nologo -v q src/PcapViz.Cli/PcapViz.Cli.csproj >/dev/null
dotnet build -c Release -nologo -v q bench/PcapViz.Benchmarks/PcapViz.Benchmarks.csproj >/dev/null
CLI=$ROOT/src/PcapViz.Cli/bin/Release/net10.0/pcapviz.dll
BENCH=$ROOT/bench/PcapViz.Benchmarks/bin/Release/net10.0/pcapviz-bench.dll
[[ -f $BENCH ]] || BENCH=$(ls "$ROOT"/bench/PcapViz.Benchmarks/bin/Release/net10.0/*.Benchmarks.dll 2>/dev/null | head -1)

echo "| captures | formats | wall s | s per 1,000 captures | CPU s (user+sys) | CPU s per 1,000 captures | peak RSS MB |"
echo "|---:|---|---:|---:|---:|---:|---:|"
for n in $COUNTS; do
  in=$DATA/many-$n
  if [[ ! -f $in/.complete ]]; then
    echo "generating $n captures of $PACKETS packets..." >&2
    dotnet "$BENCH" many "$in" "$n" "$PACKETS"
    touch "$in/.complete"
  fi
  cat "$in"/*/* >/dev/null # warm page cache
  for f in $FORMATS; do
    out=$DATA/many-out-$n-$f
    log=$(mktemp)
    SOURCE_DATE_EPOCH=1709251200 /usr/bin/time -f "%e %M %U %S" -o "$log" dotnet "$CLI" report "$in" -o "$out" --format "$f" -j "$JOBS" -q || true
    read -r wall rss user sys <"$log"
    rm -f "$log"
    per=$(python3 -c "print(f'{$wall / $n * 1000:.2f}')")
    cpu=$(python3 -c "print(f'{$user + $sys:.1f}')")
    cpuper=$(python3 -c "print(f'{($user + $sys) / $n * 1000:.2f}')")
    echo "| $n | $f | $wall | $per | $cpu | $cpuper | $((rss / 1024)) |"
    rm -rf "$out" "$DATA/.many-out-$n-$f.lock"
  done
done
