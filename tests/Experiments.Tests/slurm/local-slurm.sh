#!/usr/bin/env bash
# A single-node Slurm on this machine (Debian 12, root, no systemd) for the opt-in Slurm integration
# test: `local-slurm.sh start` installs slurmctld/slurmd/munge if missing, writes a minimal slurm.conf
# (no cgroups, localhost only; see notes/slurm-local.md) and starts the daemons, remembering their PIDs;
# `local-slurm.sh stop` stops exactly those PIDs. Then:
#   RESEARCH_SLURM_TESTS=1 dotnet tests/Experiments.Tests/bin/Release/net10.0/Research.Experiments.Tests.dll --filter-test-list SlurmIntegration
set -euo pipefail
state=/tmp/research-local-slurm
mkdir -p "$state"

start() {
  if ! command -v slurmctld > /dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurmctld slurmd slurm-client munge
  fi
  [ -f /etc/munge/munge.key ] || runuser -u munge -- mungekey --create
  cpus=$(nproc)
  mem=$(( $(slurmd -C | sed -nE 's/.*RealMemory=([0-9]+).*/\1/p') * 9 / 10 ))
  cat > /etc/slurm/slurm.conf <<CONF
ClusterName=local
SlurmctldHost=localhost
SlurmUser=slurm
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
ReturnToService=2
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmdSpoolDir=/var/spool/slurmd
StateSaveLocation=/var/spool/slurmctld
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
NodeName=localhost NodeHostname=localhost CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
  mkdir -p /run/munge /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
  chown munge:munge /run/munge
  chown slurm:slurm /var/spool/slurmctld /var/log/slurm
  if ! munge -n 2> /dev/null | unmunge > /dev/null 2>&1; then
    runuser -u munge -- /usr/sbin/munged
  fi
  nohup slurmctld -D -c > "$state/slurmctld.out" 2>&1 &
  echo $! > "$state/slurmctld.pid"
  nohup slurmd -D -N localhost > "$state/slurmd.out" 2>&1 &
  echo $! > "$state/slurmd.pid"
  for _ in $(seq 1 120); do
    [ "$(sinfo -h -o %T 2> /dev/null)" = idle ] && { echo "slurm is up (node idle)"; return 0; }
    sleep 0.5
  done
  echo "slurm did not come up; see $state/*.out and /var/log/slurm" >&2
  return 1
}

stop() {
  for d in slurmd slurmctld; do
    if [ -f "$state/$d.pid" ]; then
      kill "$(cat "$state/$d.pid")" 2> /dev/null || true
      rm -f "$state/$d.pid"
    fi
  done
  if [ -f /run/munge/munged.pid ]; then kill "$(cat /run/munge/munged.pid)" 2> /dev/null || true; fi
  echo "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
