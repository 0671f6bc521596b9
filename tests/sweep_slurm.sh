#!/usr/bin/env bash
# sweep_slurm.sh - `xbar sweep --emit-slurm` on a real Slurm: a local cluster of one node
# (munged, slurmctld and slurmd on this machine, as root, with a generated slurm.conf and
# their own munge key, socket, ports and state in a temporary folder) runs a 12-point lsq
# sweep as a job array of 4 tasks from the emitted script (sbatch --wait); `xbar collect`
# then gives the results.csv of the serial run byte for byte. The daemons are stopped on
# exit, whatever happens. Exit 77 (ctest SKIP) with the reason when slurm-wlm or munge is
# not installed (scripts/setup.sh --test installs them) or when not run as root.
# Usage: bash tests/sweep_slurm.sh XBAR
set -euo pipefail

xbar=$(realpath "$1")
for tool in munged slurmctld slurmd sbatch sinfo; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool is not installed (Debian packages slurm-wlm and munge: bash scripts/setup.sh --test)"
    exit 77
  fi
done
if ((EUID != 0)); then
  echo "SKIP: the local Slurm runs its daemons as root"
  exit 77
fi

tmp=$(mktemp -d /tmp/xbar-slurm-XXXXXX)
chmod 700 "$tmp"
pids=()
stop() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [[ ${XBAR_KEEP_SLURM:-} == "" ]]; then rm -rf "$tmp"; else echo "kept $tmp"; fi
}
trap stop EXIT

fail() {
  echo "FAIL: $*"
  for f in "$tmp"/*.log; do [[ -f $f ]] && { echo "--- $f"; tail -20 "$f"; }; done
  exit 1
}

# --- munge: its own key and socket
dd if=/dev/urandom of="$tmp/munge.key" bs=1024 count=1 status=none
chmod 400 "$tmp/munge.key"
mkdir -m 700 "$tmp/munge"
munged --force --key-file="$tmp/munge.key" --socket="$tmp/munge/munge.sock" --pid-file="$tmp/munge/munged.pid" \
  --log-file="$tmp/munged.log" --seed-file="$tmp/munge/seed" --foreground >"$tmp/munged.out.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [[ -S $tmp/munge/munge.sock ]] && break; sleep 0.1; done
[[ -S $tmp/munge/munge.sock ]] || fail "munged did not start"

# --- slurm.conf: this node as it is (slurmd -C), free ports
node=$(hostname -s)
hw=$(slurmd -C | head -1 | sed -e "s/^NodeName=[^ ]* //" -e 's/UpTime=.*//')
base=$((20000 + RANDOM % 20000))
mkdir -p "$tmp/state" "$tmp/spool"
cat >"$tmp/slurm.conf" <<EOF
ClusterName=xbartest
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$base
SlurmdPort=$((base + 1))
AuthType=auth/munge
AuthInfo=socket=$tmp/munge/munge.sock
CredType=cred/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
NodeName=$node NodeAddr=127.0.0.1 $hw State=UNKNOWN
PartitionName=xbar Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$tmp/slurm.conf
slurmctld -D -i -f "$SLURM_CONF" >"$tmp/slurmctld.out.log" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$tmp/slurmd.out.log" 2>&1 &
pids+=($!)
state=
for _ in $(seq 150); do
  state=$(sinfo -h -o %t 2>/dev/null | head -1 || true)
  [[ $state == idle ]] && break
  sleep 0.2
done
[[ $state == idle ]] || fail "the node is not idle after 30 s (state '$state')"

# --- the sweep: serial, then as a job array of 4 tasks
cat >"$tmp/sweep.ini" <<EOF
[sweep]
command = lsq
seed = 3
timings = false
grid = device.tau: 1, 2, 3 ; lsq.lr: 0.1, 0.05
grid = seed: 1..2
[lsq]
kinds = analog_pulse,tt_pulse
dim = 6
rows = 12
iterations = 20
[device]
model = ald
dw_min = 0.01
EOF
"$xbar" sweep --quiet --config "$tmp/sweep.ini" --out "$tmp/serial" >/dev/null
"$xbar" collect --quiet "$tmp/serial" >/dev/null
(cd "$tmp" && "$xbar" sweep --config sweep.ini --out array --jobs 4 --emit-slurm jobs/sweep.sbatch) ||
  fail "--emit-slurm"
grep -q '^#SBATCH --array=0-3$' "$tmp/jobs/sweep.sbatch" || fail "the script has no --array=0-3"
[[ ! -e $tmp/array ]] || fail "--emit-slurm created the sweep folder"
(cd /tmp && timeout 300 sbatch --wait "$tmp/jobs/sweep.sbatch") || fail "sbatch --wait: the array failed"
n=$(ls "$tmp/jobs"/xbar-sweep-*_*.out | wc -l)
[[ $n == 4 ]] || fail "$n task logs, not 4"
"$xbar" collect --quiet "$tmp/array" >/dev/null
grep -c ',done,' "$tmp/array/results.csv" | grep -qx 12 || fail "not 12 points done: $(cat "$tmp/array/results.csv")"
cmp "$tmp/serial/results.csv" "$tmp/array/results.csv" || fail "results.csv of the array differs from the serial run's"
cmp "$tmp/serial/summary.csv" "$tmp/array/summary.csv" || fail "summary.csv of the array differs from the serial run's"
echo "sweep_slurm: 12 points in a Slurm array of 4 tasks; results.csv identical to the serial run"
