"""Baseline of bench/TrainStep: one full training step of the official DeFCN (network from bench/Forward's
official_forward.py, assignment and losses of the official fcos.py through the assignment fixtures' loader:
get_ground_truth, losses, get_aux_ground_truth, aux_losses, in the official order), backward and SGD, at
2x3x512x512, 2 threads, on the same input and targets as train_step.fsx. Needs the official sources
extracted to /tmp/defcn and /tmp/cvpods (bench/Forward/README.md).
    /usr/bin/python3 official_step.py [warmup] [runs]
"""
import os, statistics, sys, time, torch
here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "../Forward"))
sys.path.insert(0, os.path.join(here, "../../tests/Core.Tests/Fixtures/head"))
sys.path.insert(0, os.path.join(here, "../../tests/Core.Tests/Fixtures/assignment"))
import official_import
import official_forward as of
fcos = official_import.load_fcos("/tmp/cvpods", "/tmp/defcn/playground/detection/coco/poto.res50.fpn.coco.800size.3x_ms.3dmf.aux/fcos.py")
torch.set_num_threads(2)
torch.manual_seed(0)
net = of.Network(fcos, of.backbone_builder()); net.train()
import official_defcn as od
K=80; STR=[8,16,32,64,128]
crit = od.make_model(od.fcos_aux, K, STR, 0.8, 1.5, 9)
N, H, W = 2, 512, 512
x = torch.sin(torch.arange(N * 3 * H * W, dtype=torch.float32) * 0.001).reshape(N, 3, H, W)
def gt_boxes(n):
    # 10 boxes per image, deterministic (same formula on the C# side)
    out = []
    for i in range(10):
        s = 24 + ((i * 37 + n * 11) % 160)
        x1 = (i * 53 + n * 29) % (W - s); y1 = (i * 71 + n * 17) % (H - s)
        out.append([float(x1), float(y1), float(x1 + s), float(y1 + s * 0.8)])
    return torch.tensor(out, dtype=torch.float32)
targets = [od.Target(gt_boxes(n), torch.tensor([(i * 7 + n) % 80 for i in range(10)])) for n in range(N)]
params = [p for p in net.parameters() if p.requires_grad]
opt = torch.optim.SGD(params, lr=0.001, momentum=0.9, weight_decay=1e-4)
def step():
    opt.zero_grad(set_to_none=True)
    cls, reg, fil = net(x)
    sizes = [t.shape[-2:] for t in cls]
    shifts = [[od.level_shifts(h, w, s) for (h, w), s in zip(sizes, STR)] for _ in range(N)]
    gc, gr = crit.get_ground_truth(shifts, targets, cls, reg, fil)
    losses = crit.losses(gc, gr, cls, reg, fil)
    ac = crit.get_aux_ground_truth(shifts, targets, cls, reg)
    losses.update(crit.aux_losses(ac, cls))
    total = sum(losses.values())
    total.backward(); opt.step()
    return {k: float(v) for k, v in losses.items()}
warmup = int(sys.argv[1]) if len(sys.argv) > 1 else 3
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
for i in range(warmup):
    t0 = time.perf_counter(); l = step(); print(f"warm-up {i + 1}: {time.perf_counter() - t0:.3f} s {l}", flush=True)
times = []
for _ in range(runs):
    t0 = time.perf_counter(); step(); times.append(time.perf_counter() - t0)
print(f"official: median {statistics.median(times):.3f} s, min {min(times):.3f} s over {runs} runs")
