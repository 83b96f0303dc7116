#!/usr/bin/env bash
# The Slurm recipe on a real Slurm: brings up a one-node cluster (munged,
# slurmctld and slurmd, every file under a temporary directory), submits
# deploy/slurm/replications.sbatch as the README says (a job array of 4
# shards, then the merge, dependent on it, with --wait), and checks that the
# merged output is byte for byte what one process writes (run.json's
# command and wall time aside). Installs Debian's slurm-wlm and munge when
# missing; skips, saying so, only where they cannot be installed. Every
# daemon it starts is stopped at the end, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
  echo "== installing slurm-wlm and munge for the Slurm test"
  if ! { command -v apt-get >/dev/null 2>&1 \
    && apt-get update -qq >/tmp/impexsim-slurm-install.log 2>&1 \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge \
      >>/tmp/impexsim-slurm-install.log 2>&1; }; then
    echo "skipped: the Slurm test needs Debian's slurm-wlm and munge, which could not be" \
      "installed here (see /tmp/impexsim-slurm-install.log)"
    exit 0
  fi
fi

cargo build --release --quiet
bin="$repo/target/release/impexsim"
work=$(mktemp -d /tmp/impexsim-slurm.XXXXXX)
chmod 700 "$work"
pids=()

stop_all() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  # Bounded: 10 s for each daemon to go, then SIGKILL.
  for pid in "${pids[@]}"; do
    for _ in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap stop_all EXIT

show_logs() {
  for log in "$work"/*.log; do
    echo "--- $log"
    tail -n 30 "$log" || true
  done
}

# munge: a fresh key, a socket of our own.
mungekey --create --keyfile="$work/munge.key" >/dev/null 2>&1 \
  || dd if=/dev/urandom of="$work/munge.key" bs=1024 count=1 status=none
chmod 600 "$work/munge.key"
munged --foreground --force --key-file="$work/munge.key" --socket="$work/munge.socket" \
  --pid-file="$work/munged.pid" --log-file="$work/munged.log" --seed-file="$work/munged.seed" \
  >"$work/munged.out.log" 2>&1 &
pids+=($!)

host=$(hostname -s)
# Ports away from a system Slurm's defaults (6817, 6818).
mkdir -p "$work/state" "$work/spool" "$work/results"
cat >"$work/slurm.conf" <<CONF
ClusterName=impexsim-ci
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge.socket
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=ci Nodes=$host Default=YES MaxTime=10 State=UP
CONF
export SLURM_CONF="$work/slurm.conf"

# Wait for munged's socket before the Slurm daemons need it.
for _ in $(seq 100); do [ -S "$work/munge.socket" ] && break; sleep 0.1; done
slurmctld -D -f "$SLURM_CONF" >"$work/slurmctld.out.log" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$work/slurmd.out.log" 2>&1 &
pids+=($!)

ready=""
for _ in $(seq 60); do
  if timeout 5 sinfo -h -o '%T' 2>/dev/null | grep -q -E '^(idle|mixed|allocated)'; then
    ready=yes
    break
  fi
  sleep 0.5
done
if [ -z "$ready" ]; then
  echo "the one-node Slurm cluster did not come up within 30 s" >&2
  show_logs >&2
  exit 1
fi

echo "== Slurm: 4 shards as a job array, then the merge"
export IMPEXSIM="$bin" IMPEXSIM_RESULTS="$work/results" IMPEXSIM_ARGS="--replications 8"
cd "$work"
array=$(timeout 30 sbatch --parsable --array=0-3 "$repo/deploy/slurm/replications.sbatch")
if ! timeout 180 sbatch --wait --dependency=afterok:"$array" \
  --export=ALL,IMPEXSIM_STEP=merge "$repo/deploy/slurm/replications.sbatch" >/dev/null; then
  echo "the Slurm jobs failed" >&2
  cat "$work"/impexsim-*.out >&2 || true
  show_logs >&2
  exit 1
fi
cd "$repo"

"$bin" run --replications 8 --out "$work/single" --quiet
# Byte for byte: every file but run.json compared whole; run.json without
# its command line and wall time (pretty-printed, one key a line).
if ! diff -r --exclude=run.json "$work/single" "$work/results/merged"; then
  echo "the merged output of the Slurm shards differs from one process's" >&2
  exit 1
fi
strip_variables() { sed -e '/^  "command": \[/,/^  \],/d' -e '/^  "wall_time_seconds"/d' -e '/^  "events_per_second"/d' "$1"; }
if ! diff <(strip_variables "$work/single/run.json") <(strip_variables "$work/results/merged/run.json"); then
  echo "run.json of the merged Slurm shards differs from one process's" >&2
  exit 1
fi
echo "Slurm: the merged output of 4 shards equals one process's ($(ls "$work/single" | wc -l) files)"
