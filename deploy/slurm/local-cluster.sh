#!/bin/bash
# A one-machine Slurm cluster for trying the scripts here (and for the CI test): munged, slurmctld and slurmd
# on this host, everything (key, state, spool, logs, sockets) under one directory; no cgroups, no systemd.
#   deploy/slurm/local-cluster.sh start <dir>   then: export SLURM_CONF=<dir>/slurm.conf
#   deploy/slurm/local-cluster.sh stop <dir>    stops the three daemons by the PIDs they recorded
# Needs root (SlurmUser=root) and Debian's slurm-wlm and munge packages. Ports: SLURMCTLD_PORT / SLURMD_PORT
# (default 16817 / 16818).
set -euo pipefail
action="${1:?usage: $0 start|stop <dir>}"
dir="${2:?usage: $0 start|stop <dir>}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

stop_pid() {
  local file="$1"
  [ -s "$file" ] || return 0
  local pid
  pid="$(cat "$file")"
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$file"
}

case "$action" in
  start)
    host="$(hostname -s)"
    cpus="$(nproc)"
    mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
    chmod 700 "$dir/munge"
    if [ ! -s "$dir/munge/munge.key" ]; then
      head -c 1024 /dev/urandom > "$dir/munge/munge.key"
      chmod 400 "$dir/munge/munge.key"
    fi
    munged --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" --pid-file="$dir/munge/munged.pid" \
      --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed" --force
    cat > "$dir/slurm.conf" <<CONF
ClusterName=pcapviz-local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CryptoType=crypto/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldPort=${SLURMCTLD_PORT:-16817}
SlurmdPort=${SLURMD_PORT:-16818}
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
    export SLURM_CONF="$dir/slurm.conf"
    slurmctld -f "$SLURM_CONF"
    slurmd -f "$SLURM_CONF"
    for _ in $(seq 100); do
      state="$(sinfo -h -o %T 2>/dev/null || true)"
      if [ "$state" = "idle" ]; then echo "Slurm is up: export SLURM_CONF=$SLURM_CONF"; exit 0; fi
      sleep 0.3
    done
    echo "Slurm did not come up within 30 s (node state: '${state:-none}'); logs in $dir/log" >&2
    exit 1
    ;;
  stop)
    stop_pid "$dir/slurmd.pid"
    stop_pid "$dir/slurmctld.pid"
    stop_pid "$dir/munge/munged.pid"
    ;;
  *) echo "usage: $0 start|stop <dir>" >&2; exit 1 ;;
esac
