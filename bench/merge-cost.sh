#!/usr/bin/env bash
# What `pcapviz merge` costs at scale: 1,000 shards × 20 captures (20,000 captures).
#
#   bench/merge-cost.sh            prints Markdown; knobs: SHARDS (1000), PER_SHARD (20), PACKETS (300), REPS (3)
#
# Inputs: PER_SHARD distinct captures from pcapviz-gen (deterministic seeds) hard-linked SHARDS times into
# bench/data/merge/inputs/dNNNN/ (git-ignored), so every capture has its own path, id and pages. The plan asks for
# --format json,csv with pages rendered on the shards; pcapviz-bench merge-fixture writes all shards in one process
# (what the nodes would do). Then the merge — check every shard against the plan, read 20,000 analysis.json back,
# merge them, copy and re-hash every per-capture file, write the manifest — runs as `pcapviz merge`, REPS times.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SHARDS=${SHARDS:-1000}
PER_SHARD=${PER_SHARD:-20}
PACKETS=${PACKETS:-300}
REPS=${REPS:-3}
DATA=$ROOT/bench/data/merge
export SOURCE_DATE_EPOCH=1700000000

echo "building (Release)..." >&2
for p in src/PcapViz.Cli/PcapViz.Cli.csproj src/PcapViz.Generator/PcapViz.Generator.csproj bench/PcapViz.Benchmarks/PcapViz.Benchmarks.csproj; do
  dotnet build -c Release -nologo -v q "$p" >/dev/null
done
PCAPVIZ=(dotnet "$ROOT/src/PcapViz.Cli/bin/Release/net10.0/pcapviz.dll")
GEN=(dotnet "$ROOT/src/PcapViz.Generator/bin/Release/net10.0/pcapviz-gen.dll")
BENCH=(dotnet "$ROOT/bench/PcapViz.Benchmarks/bin/Release/net10.0/pcapviz-bench.dll")

rm -rf "$DATA"
mkdir -p "$DATA/src" "$DATA/inputs"
for i in $(seq 0 $((PER_SHARD - 1))); do
  "${GEN[@]}" synth --packets "$PACKETS" --seed $((i + 1)) -o "$DATA/src/cap-$(printf %02d "$i").pcap" >&2
done
for d in $(seq 0 $((SHARDS - 1))); do
  dir="$DATA/inputs/d$(printf %04d "$d")"
  mkdir -p "$dir"
  ln "$DATA"/src/*.pcap "$dir/"
done

"${PCAPVIZ[@]}" plan "$DATA/inputs" --shards "$SHARDS" --format json,csv --fail-on never -o "$DATA/plan.json" -q
shard_start=$(date +%s.%N)
"${BENCH[@]}" merge-fixture "$DATA/plan.json" "$DATA/work"
shard_end=$(date +%s.%N)

times=()
for r in $(seq "$REPS"); do
  rm -rf "$DATA/merged"
  sync
  start=$(date +%s.%N)
  "${PCAPVIZ[@]}" merge "$DATA"/work/shard-*/ --plan "$DATA/plan.json" -o "$DATA/merged" -q
  end=$(date +%s.%N)
  times+=("$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (REPS + 1) / 2 ))p")
files=$(find "$DATA/merged" -type f | wc -l)
bytes=$(du -sb "$DATA/merged" | cut -f1)
shard_bytes=$(du -sb "$DATA/work" | cut -f1)

echo "### Merge cost: $SHARDS shards × $PER_SHARD captures ($((SHARDS * PER_SHARD)) captures of $PACKETS packets), json,csv, pages on the shards"
echo
echo "$(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ)."
echo
echo "| step | seconds |"
echo "|---|---:|"
echo "| all shards in one process (pcapviz-bench merge-fixture; $(du -sh "$DATA/work" | cut -f1)) | $(awk -v a="$shard_start" -v b="$shard_end" 'BEGIN { printf "%.1f", b - a }') |"
echo "| \`pcapviz merge\`, median of $REPS (runs: ${times[*]}) | $median |"
echo
echo "Merged bundle: $files files, $bytes bytes (shards: $shard_bytes bytes)."
