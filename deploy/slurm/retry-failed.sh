#!/bin/bash
# Submits the failed tasks of a shard array again and makes the waiting merge depend on the new array.
#   deploy/slurm/retry-failed.sh <work dir>      (reads <work>/jobs.env written by submit.sh)
# A merge submitted with afterok never starts once a task has failed; Slurm keeps it pending
# (DependencyNeverSatisfied), so it can be pointed at the retry. Shards are idempotent: a retried shard writes
# the same bytes, whatever the failed attempt left behind.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="${1:?usage: $0 <work dir>}"
# shellcheck disable=SC1091
. "$work/jobs.env"
if [ -n "$(squeue -h -j "$ARRAY_JOB" -o %i 2>/dev/null)" ]; then
  echo "job array $ARRAY_JOB still has pending or running tasks; retry when it has finished" >&2
  exit 1
fi
failed=$(scontrol -o show job "$ARRAY_JOB" | awk '
  / JobState=(FAILED|NODE_FAIL|TIMEOUT|CANCELLED|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE) / {
    for (i = 1; i <= NF; i++) if ($i ~ /^ArrayTaskId=/) { sub(/^ArrayTaskId=/, "", $i); print $i } }' | sort -n | paste -sd, -)
if [ -z "$failed" ]; then
  echo "no failed task in job array $ARRAY_JOB"
  exit 0
fi
retry=$(sbatch --parsable --array="$failed" --output="$work/logs/shard-%a.log" \
  --export="ALL,PCAPVIZ=$PCAPVIZ,PCAPVIZ_PLAN=$PCAPVIZ_PLAN,PCAPVIZ_WORK=$PCAPVIZ_WORK" "$here/pcapviz-shards.sbatch")
retry="${retry%%;*}"
scontrol update jobid="$MERGE_JOB" dependency="afterok:$retry"
sed -i "s/^ARRAY_JOB=.*/ARRAY_JOB=$retry/" "$work/jobs.env"
echo "retrying tasks $failed as job array $retry; merge $MERGE_JOB now waits for it"
