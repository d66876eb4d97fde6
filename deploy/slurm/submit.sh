#!/bin/bash
# Plans a run over N shards and submits it to Slurm: the shard array, then the merge that waits for it.
#   deploy/slurm/submit.sh --shards N --work <shared dir> --output <bundle> [pcapviz plan options] <inputs>...
# Every node must see the inputs, the work directory and pcapviz under the same paths (a shared file system).
# sbatch options (partition, account, time limit) come from the usual SBATCH_* environment variables.
# PCAPVIZ names the pcapviz command (default: pcapviz on PATH). Writes <work>/jobs.env for retry-failed.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
shards="" work="" bundle="" plan_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --shards) shards="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --output|-o) bundle="$2"; shift 2 ;;
    *) plan_args+=("$1"); shift ;;
  esac
done
if [ -z "$shards" ] || [ -z "$work" ] || [ -z "$bundle" ] || [ ${#plan_args[@]} -eq 0 ]; then
  echo "usage: $0 --shards N --work <shared dir> --output <bundle> [pcapviz plan options] <inputs>..." >&2
  exit 1
fi
PCAPVIZ="${PCAPVIZ:-pcapviz}"
mkdir -p "$work/logs"
work="$(cd "$work" && pwd)"
case "$bundle" in /*) ;; *) bundle="$(pwd)/$bundle" ;; esac
plan="$work/plan.json"

"$PCAPVIZ" plan "${plan_args[@]}" --shards "$shards" -o "$plan"
array=$(sbatch --parsable --array="0-$((shards - 1))" --output="$work/logs/shard-%a.log" \
  --export="ALL,PCAPVIZ=$PCAPVIZ,PCAPVIZ_PLAN=$plan,PCAPVIZ_WORK=$work" "$here/pcapviz-shards.sbatch")
array="${array%%;*}"
merge=$(sbatch --parsable --dependency="afterok:$array" --output="$work/logs/merge.log" \
  --export="ALL,PCAPVIZ=$PCAPVIZ,PCAPVIZ_PLAN=$plan,PCAPVIZ_WORK=$work,PCAPVIZ_BUNDLE=$bundle" "$here/pcapviz-merge.sbatch")
merge="${merge%%;*}"
cat > "$work/jobs.env" <<ENV
ARRAY_JOB=$array
MERGE_JOB=$merge
PCAPVIZ=$PCAPVIZ
PCAPVIZ_PLAN=$plan
PCAPVIZ_WORK=$work
PCAPVIZ_BUNDLE=$bundle
ENV
echo "shards: job array $array (0-$((shards - 1))); merge: job $merge (afterok:$array); bundle: $bundle"
