#!/usr/bin/env bash
# COCO bbox evaluation: Research.Core.Evaluation against pycocotools on the same synthetic files
# (5000 images × 100 detections, the 80 COCO category ids). Prints both timings, peak RSS, the ratios, and
# fails unless the 12 stats and every per-category AP are bit-identical.
#   bench/CocoEval/run.sh PYCOCOTOOLS_DIR [WORK_DIR]
# PYCOCOTOOLS_DIR is cocoapi/PythonAPI with the _mask extension built (see README.md). Not run by CI.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pycoco="${1:?usage: run.sh PYCOCOTOOLS_DIR [WORK_DIR]}"
work="${2:-/tmp/coco-eval-bench}"
runs="${RUNS:-3}"
mkdir -p "$work"

dotnet build "$here/CocoEval.csproj" -c Release 2>&1 | grep -E " error |rror\(s\)" || true
bench="dotnet $here/bin/Release/net10.0/CocoEvalBench.dll"
[ -f "$work/dets.json" ] || $bench generate "$work" --images 5000 --dets 100 --seed 7

rss_kb() { sed -nE 's/.*Maximum resident set size \(kbytes\): ([0-9]+).*/\1/p' "$1"; }
wall() { sed -nE 's/.*Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (.*)/\1/p' "$1"; }

for i in $(seq 1 "$runs"); do
  /usr/bin/time -v /usr/bin/python3 "$here/pycoco_eval.py" "$pycoco" "$work/gt.json" "$work/dets.json" "$work/pycoco.$i.json" > "$work/pycoco.$i.log" 2>&1
  grep pycocotools: "$work/pycoco.$i.log"
  /usr/bin/time -v $bench eval "$work/gt.json" "$work/dets.json" "$work/ours.$i.json" > "$work/ours.$i.log" 2>&1
  grep "ours:" "$work/ours.$i.log"
  echo "run $i: pycocotools wall $(wall "$work/pycoco.$i.log"), peak RSS $(rss_kb "$work/pycoco.$i.log") kB;" \
       "ours wall $(wall "$work/ours.$i.log"), peak RSS $(rss_kb "$work/ours.$i.log") kB"
  echo "$(rss_kb "$work/pycoco.$i.log") $(rss_kb "$work/ours.$i.log")" > "$work/rss.$i"
done

/usr/bin/python3 - "$work" "$runs" <<'PY'
import json, statistics, sys
work, runs = sys.argv[1], int(sys.argv[2])
py = [json.load(open(f"{work}/pycoco.{i}.json")) for i in range(1, runs + 1)]
us = [json.load(open(f"{work}/ours.{i}.json")) for i in range(1, runs + 1)]
rss = [tuple(map(int, open(f"{work}/rss.{i}").read().split())) for i in range(1, runs + 1)]
same = all(u["stats"] == py[0]["stats"] and u["per_category_ap"] == py[0]["per_category_ap"] for u in us)
t_py = statistics.median(p["seconds_without_gt_load"] for p in py)
t_us = statistics.median(u["seconds_without_gt_load"] for u in us)
t_us_all = statistics.median(u["seconds"] for u in us)
m_py = statistics.median(r[0] for r in rss) / 2**20
m_us = statistics.median(r[1] for r in rss) / 2**20
print(f"stats and per-category AP bit-identical: {same}  (AP = {py[0]['stats'][0]!r})")
print(f"time, median of {runs} (results load + evaluate + accumulate + summarize): pycocotools {t_py:.2f} s, ours {t_us:.2f} s "
      f"(ours with GT load {t_us_all:.2f} s) -> {t_py / t_us:.1f}x faster")
print(f"peak RSS, median: pycocotools {m_py:.2f} GiB, ours {m_us:.2f} GiB -> {m_py / m_us:.1f}x less")
sys.exit(0 if same else 1)
PY
