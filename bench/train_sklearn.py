"""scikit-learn's side of bench/train.ts.

Usage: train_sklearn.py DATA.csv SPLIT FEATURES TARGET POSITIVE C MAX_ITER TOL

Reads DATA.csv (FEATURES numeric columns, then the TARGET column, whose value POSITIVE is class 1)
with numpy.loadtxt, keeps the rows SPLIT (one byte per data row: 0 train, 1 test, 2 neither, as
skiff's splitIndices chose them) puts on each side, and fits what skiff's in-memory trainer fits:
StandardScaler then LogisticRegression(lbfgs) with the same C, max_iter and tol. Prints one JSON
line with the read and fit times (perf_counter), held-out accuracy, iterations, and
threadpoolctl's view of the BLAS and OpenMP libraries (which kernel OpenBLAS runs, how many
threads).
"""

import json
import os
import sys
import time
import warnings

t_start = time.perf_counter()
import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from threadpoolctl import threadpool_info  # noqa: E402

t_imported = time.perf_counter()


def main() -> None:
    path, split_path, features, target, positive, c, max_iter, tol = sys.argv[1:9]
    n = int(features)

    t0 = time.perf_counter()
    data = np.loadtxt(
        path,
        delimiter=",",
        skiprows=1,
        dtype=np.float64,
        converters={n: lambda cell: 1.0 if cell == positive else 0.0},
    )
    t1 = time.perf_counter()
    split = np.fromfile(split_path, dtype=np.uint8)
    if split.shape[0] != data.shape[0]:
        raise SystemExit(f"split has {split.shape[0]} rows, the CSV {data.shape[0]}")
    x, y = data[:, :n], data[:, n].astype(np.int64)
    train, test = split == 0, split == 1
    x_train, y_train = np.ascontiguousarray(x[train]), y[train]
    x_test, y_test = np.ascontiguousarray(x[test]), y[test]

    model = Pipeline([
        ("scale", StandardScaler()),
        ("model", LogisticRegression(C=float(c), max_iter=int(max_iter), tol=float(tol))),
    ])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        t2 = time.perf_counter()
        model.fit(x_train, y_train)
        t3 = time.perf_counter()
    accuracy = float((model.predict(x_test) == y_test).mean())
    usage = os.times()
    print(json.dumps({
        "target": target,
        "rows": int(data.shape[0]),
        "trainRows": int(train.sum()),
        "testRows": int(test.sum()),
        "importSeconds": t_imported - t_start,
        "readSeconds": t1 - t0,
        "fitSeconds": t3 - t2,
        "accuracy": accuracy,
        "iterations": int(np.max(model.named_steps["model"].n_iter_)),
        "converged": not any(issubclass(w.category, ConvergenceWarning) for w in caught),
        "cpuSeconds": usage.user + usage.system,
        "versions": {"numpy": np.__version__, "scikit-learn": sklearn.__version__},
        "threadpools": [
            {k: v for k, v in pool.items() if k != "filepath"} for pool in threadpool_info()
        ],
        "env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")},
    }))


main()
