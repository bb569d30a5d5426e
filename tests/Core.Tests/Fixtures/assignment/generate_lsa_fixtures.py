"""Writes lsa_scipy.json: tie-heavy assignment problems with scipy's linear_sum_assignment answers.

Run with Debian's Python (scipy 1.10.1):  /usr/bin/python3 generate_lsa_fixtures.py
The C# tests (LinearAssignmentScipyTests) require our solver to return exactly these pairs.
"""
import json
import numpy as np
import scipy
from scipy.optimize import linear_sum_assignment

rng = np.random.default_rng(20261125)
cases = []


def add(name, m, maximize):
    m = np.asarray(m, dtype=np.float64)
    r, c = linear_sum_assignment(m, maximize=maximize)
    enc = [[("-inf" if v == -np.inf else "inf" if v == np.inf else float(v)) for v in row] for row in m]
    cases.append({"name": name, "rows": int(m.shape[0]), "cols": int(m.shape[1]), "maximize": bool(maximize),
                  "cost": enc, "row_ind": [int(x) for x in r], "col_ind": [int(x) for x in c]})


for maximize in (False, True):
    tag = "max" if maximize else "min"
    for nr in range(1, 8):
        for nc in range(1, 10):
            add(f"{tag}_const_{nr}x{nc}", np.full((nr, nc), 1.0), maximize)
            add(f"{tag}_int01_{nr}x{nc}", rng.integers(0, 2, (nr, nc)), maximize)
            add(f"{tag}_int03_{nr}x{nc}", rng.integers(0, 4, (nr, nc)), maximize)
    # POTO-like: -1 everywhere, a few candidates per row in [0, 1], some rows without candidates,
    # duplicate rows, rows sharing candidates.
    for t in range(40):
        nr = int(rng.integers(1, 9)); nc = int(rng.integers(nr, 40))
        m = np.full((nr, nc), -1.0)
        for i in range(nr):
            kind = rng.integers(0, 4)
            if kind == 0:
                continue                                   # no candidate
            if kind == 1 and i > 0:
                m[i] = m[i - 1]; continue                  # duplicate GT
            k = int(rng.integers(1, 5))
            cols = rng.choice(nc, size=min(k, nc), replace=False)
            vals = rng.choice([0.0, 0.25, 0.5, 1.0], size=len(cols)) if t % 2 == 0 else rng.random(len(cols))
            m[i, cols] = vals
        add(f"{tag}_poto_{t}", m, maximize)
    # forbidden entries
    for t in range(20):
        nr = int(rng.integers(1, 6)); nc = int(rng.integers(1, 8))
        m = rng.integers(0, 3, (nr, nc)).astype(np.float64)
        forb = rng.random((nr, nc)) < 0.3
        m[forb] = -np.inf if maximize else np.inf
        try:
            add(f"{tag}_forbidden_{t}", m, maximize)
        except ValueError:
            pass                                           # infeasible: not a fixture

json.dump({"scipy": scipy.__version__, "cases": cases}, open("lsa_scipy.json", "w"))
print(len(cases), "cases")
