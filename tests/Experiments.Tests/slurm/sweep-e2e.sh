#!/usr/bin/env bash
# End-to-end proof of the Slurm path with the real scripts (outside the default test suite: it needs a
# running Slurm and takes a minute or two): starts the single-node Slurm of local-slurm.sh, emits the
# job-array script of a 3-child sweep on tiny settings with `sweep.fsx --emit slurm`, submits it with
# bash (sbatch), waits for the jobs, and checks the MLflow store: one parent FINISHED whose three children
# are FINISHED with the swept values as params. Run from anywhere; exit 0 on success.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../../.." && pwd)
work=$(mktemp -d /tmp/research-slurm-e2e.XXXXXX)
cd "$repo"
bash tests/Experiments.Tests/slurm/local-slurm.sh start
trap 'bash "$repo/tests/Experiments.Tests/slurm/local-slurm.sh" stop || true' EXIT
cat > "$work/tiny_sweep.yaml" <<YAML
_base_: $repo/experiments/quickstart_ci.yaml
name: slurm_e2e
sweep:
  model.poto.alpha: [0.0, 0.5, 1.0]
YAML
overrides=(solver.max_iter=2 solver.warmup_iters=1 solver.checkpoint_period=2 "output.dir=$work/outputs")
dotnet fsi scripts/sweep.fsx "$work/tiny_sweep.yaml" "${overrides[@]}" \
  --emit slurm --output "$work/submit.sh" --tracking "$work/mlruns" --cpus 1
bash "$work/submit.sh"
for _ in $(seq 1 600); do
  [ -z "$(squeue -h 2>/dev/null)" ] && break
  sleep 1
done
[ -z "$(squeue -h)" ] || { echo "jobs still queued after 10 minutes"; squeue; exit 1; }
# Every run's status (3 = FINISHED) and the children's alpha param, straight from the file store.

status_ok=0
children=0
for run in $(find "$work/mlruns" -mindepth 2 -maxdepth 2 -type d ! -name .trash); do
  [ -f "$run/meta.yaml" ] || continue
  st=$(sed -nE 's/^status: ([0-9]+)/\1/p' "$run/meta.yaml")
  role=$(cat "$run/tags/research.sweep" 2>/dev/null || echo "")
  [ -f "$run/tags/mlflow.parentRunId" ] && role=child
  alpha=$(cat "$run/params/model.poto.alpha" 2>/dev/null || echo "-")
  echo "run $(basename "$run"): role=$role status=$st alpha=$alpha"
  [ "$st" = 3 ] || status_ok=1
  [ "$role" = child ] && children=$((children + 1))
done
dotnet fsi scripts/compare.fsx --uri "$work/mlruns" --out "$work/compare" || true
if [ "$status_ok" -ne 0 ] || [ "$children" -ne 3 ]; then
  echo "FAILED: expected a FINISHED parent and 3 FINISHED children (children=$children); logs in $repo/slurm-logs"
  exit 1
fi
echo "slurm sweep end to end: OK ($work)"
