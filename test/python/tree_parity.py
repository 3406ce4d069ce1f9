"""The reference side of the tree-ensemble parity tests: what skiff's gradient_boosting and
random_forest trainers are held to.

Usage:
  tree_parity.py datasets OUTDIR
      Writes iris.csv, breast_cancer.csv, wine.csv and diabetes.csv (scikit-learn's bundled
      copies), regression.csv (make_regression: 8 features, 20,000 rows, noise) and mixed.csv
      (5,000 rows, a binary target, numeric columns with missing cells and a categorical
      column with missing cells). Each has a header row of identifier-safe names and the
      target last, named `target`: class names for classification, a number for regression.
      Prints a JSON summary of what it wrote. Same scikit-learn, same files.
  tree_parity.py fit SPEC.json [--models hist_gradient_boosting,random_forest,lightgbm]
      Fits the reference models on exactly the train/test rows skiff chose and prints, per
      model, its held-out score (accuracy or r2) and training seconds as JSON on stdout.
      SPEC: {"csv", "task": "classification"|"regression", "features": [names],
             "categorical": [names among features], "target": "target",
             "train": [0-based data rows], "test": [...], "seed": int,
             "params": {"<model>": {overrides}} (optional)}
  tree_parity.py bench OUT.json --rows N --features F --seed S
      Makes a seeded make_classification set of N rows by F features, writes it beside OUT as
      OUT's name with .csv (so skiff trains on the same file), holds out the last 20% of the
      rows, fits HistGradientBoosting and LightGBM, and writes their fit seconds and held-out
      accuracy to OUT.

The models, each on one thread so their seconds compare with skiff's single-threaded trainers:
  hist_gradient_boosting  HistGradientBoostingClassifier/Regressor, scikit-learn's defaults
                          (so early stopping is on above 10,000 training rows), random_state=seed.
  random_forest           RandomForestClassifier/Regressor, n_estimators=100, random_state=seed,
                          defaults otherwise.
  lightgbm                LGBMClassifier/Regressor, defaults (num_leaves=31, learning_rate=0.1,
                          n_estimators=100), random_state=seed, verbose=-1, num_threads=1.

The encoding is the same for all three and is the one skiff's tree trainers use: numeric cells
are floats with a missing cell as NaN, which all three split on natively (RandomForest has
since scikit-learn 1.4), so nothing is imputed. Categorical columns go through
OneHotEncoder(handle_unknown="ignore") over the non-missing categories seen in the training
rows, so a missing cell ("") or a category the training rows lack encodes as all zeros; the
indicator columns come after the numeric ones and are plain numeric features (no model is
told they are categorical).
"""

import os

# Before numpy, scipy and scikit-learn load their OpenMP and BLAS pools.
os.environ["OMP_NUM_THREADS"] = "1"
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["MKL_NUM_THREADS"] = "1"

import argparse  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import lightgbm  # noqa: E402
import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn import datasets as sk_datasets  # noqa: E402
from sklearn.ensemble import (  # noqa: E402
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.metrics import accuracy_score, r2_score  # noqa: E402
from sklearn.preprocessing import OneHotEncoder  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

MODELS = ("hist_gradient_boosting", "random_forest", "lightgbm")


def identifier(name: str) -> str:
    """scikit-learn's feature names as column names: "sepal length (cm)" -> "sepal_length_cm"."""
    out = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_")
    return out if out and not out[0].isdigit() else f"f_{out}"


def cell(value) -> str:
    if isinstance(value, str):
        return value
    value = float(value)
    if np.isnan(value):
        return ""
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


def write_csv(path: str, names: list[str], columns: list[list[str]]) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(names)
        writer.writerows(zip(*columns))


def mixed(rows: int, seed: int) -> tuple[list[str], list[list[str]], list[str]]:
    """A binary set with missing numeric cells and a categorical column that matters: answers
    the feature names, the columns' cells (the target's last) and the categorical names."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 81, rows).astype(float)
    income = np.exp(rng.normal(10.8, 0.5, rows)).round(2)
    score = rng.normal(0, 1, rows).round(4)
    tenure = rng.exponential(4.0, rows).round(2)
    visits = rng.poisson(3.0, rows).astype(float)
    ratio = rng.random(rows).round(4)
    cities = np.array(["amsterdam", "berlin", "lisbon", "madrid", "oslo", "paris", "rome", "vienna"])
    city = cities[rng.choice(len(cities), rows, p=[0.2, 0.16, 0.14, 0.12, 0.11, 0.1, 0.09, 0.08])]
    city_effect = {"amsterdam": 0.9, "berlin": -0.7, "lisbon": 0.4, "madrid": -1.1,
                   "oslo": 1.3, "paris": 0.0, "rome": -0.4, "vienna": 0.6}

    # The target comes from the complete values, with thresholds and curves a tree finds and a
    # line does not; missing cells are punched in afterwards, at random.
    z_income = (np.log(income) - 10.8) / 0.5
    logit = (
        -0.2
        + 1.1 * z_income
        - 1.0 * (age > 60)
        + 0.6 * (age < 25)
        + 1.2 * np.sin(1.5 * score)
        + 0.5 * np.log1p(tenure)
        - 0.25 * visits
        + 1.5 * (ratio > 0.7) * (z_income > 0)
        + np.array([city_effect[c] for c in city])
    )
    target = np.where(rng.random(rows) < 1 / (1 + np.exp(-logit)), "yes", "no")

    numeric = {"age": age, "income": income, "score": score, "tenure": tenure,
               "visits": visits, "ratio": ratio}
    for name, share in [("age", 0.06), ("income", 0.10), ("score", 0.05), ("tenure", 0.08),
                        ("ratio", 0.04)]:
        numeric[name] = numeric[name].copy()
        numeric[name][rng.random(rows) < share] = np.nan
    city_cells = [str(c) for c in city]
    for i in np.flatnonzero(rng.random(rows) < 0.05):
        city_cells[i] = ""

    names = [*numeric, "city"]
    columns = [[cell(v) for v in values] for values in numeric.values()]
    columns += [city_cells, [str(t) for t in target]]
    return names, columns, ["city"]


def write_datasets(outdir: str) -> dict:
    os.makedirs(outdir, exist_ok=True)
    written = []

    def emit(file, task, features, columns, categorical=()):
        # columns: one list of cells per feature, then the target's.
        path = os.path.join(outdir, file)
        write_csv(path, [*features, "target"], columns)
        entry = {"file": file, "path": path, "rows": len(columns[0]), "task": task,
                 "features": list(features), "categorical": list(categorical)}
        if task == "classification":
            entry["classes"] = sorted(set(columns[-1]))
        written.append(entry)

    for file, loader in [("iris.csv", sk_datasets.load_iris),
                         ("breast_cancer.csv", sk_datasets.load_breast_cancer),
                         ("wine.csv", sk_datasets.load_wine)]:
        bunch = loader()
        names = [identifier(n) for n in bunch.feature_names]
        columns = [[cell(v) for v in bunch.data[:, j]] for j in range(len(names))]
        columns.append([str(bunch.target_names[t]) for t in bunch.target])
        emit(file, "classification", names, columns)

    bunch = sk_datasets.load_diabetes()
    names = [identifier(n) for n in bunch.feature_names]
    columns = [[cell(v) for v in bunch.data[:, j]] for j in range(len(names))]
    columns.append([cell(v) for v in bunch.target])
    emit("diabetes.csv", "regression", names, columns)

    # California housing's shape (8 features, 20,000 rows), made rather than downloaded.
    x, y = sk_datasets.make_regression(n_samples=20_000, n_features=8, n_informative=6,
                                       noise=25.0, random_state=42)
    names = [f"x{j}" for j in range(8)]
    columns = [[cell(v) for v in x[:, j]] for j in range(8)]
    columns.append([cell(v) for v in y])
    emit("regression.csv", "regression", names, columns)

    names, columns, categorical = mixed(5_000, 11)
    emit("mixed.csv", "classification", names, columns, categorical)
    return {"outdir": outdir, "datasets": written}


def encode(table: list[list[str]], header: list[str], features: list[str],
           categorical: list[str], train: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Numeric columns as floats (NaN when missing), then the one-hot blocks of the categorical ones."""
    col = {name: i for i, name in enumerate(header)}
    numeric = [f for f in features if f not in categorical]
    x = np.array([[float(row[col[f]]) if row[col[f]] != "" else np.nan for f in numeric]
                  for row in table], dtype=float).reshape(len(table), len(numeric))
    names = list(numeric)
    if categorical:
        raw = np.array([[row[col[f]] for f in categorical] for row in table], dtype=object)
        categories = [sorted({v for v in raw[train, j] if v != ""}) for j in range(len(categorical))]
        encoder = OneHotEncoder(categories=categories, handle_unknown="ignore", sparse_output=False)
        encoder.fit(raw[train])
        x = np.hstack([x, encoder.transform(raw)])
        names += [f"{f}={c}" for f, cats in zip(categorical, categories) for c in cats]
    return x, names


def make_model(name: str, task: str, seed: int, overrides: dict):
    classify = task == "classification"
    if name == "hist_gradient_boosting":
        cls = HistGradientBoostingClassifier if classify else HistGradientBoostingRegressor
        params = {"random_state": seed}
    elif name == "random_forest":
        cls = RandomForestClassifier if classify else RandomForestRegressor
        params = {"n_estimators": 100, "random_state": seed, "n_jobs": 1}
    elif name == "lightgbm":
        cls = lightgbm.LGBMClassifier if classify else lightgbm.LGBMRegressor
        params = {"num_leaves": 31, "learning_rate": 0.1, "n_estimators": 100,
                  "random_state": seed, "verbose": -1, "n_jobs": 1, "num_threads": 1}
    else:
        raise ValueError(f"unknown model {name}; known: {', '.join(MODELS)}")
    params.update(overrides)
    return cls(**params)


def fit_one(name, task, seed, overrides, x_train, y_train, x_test, y_test) -> dict:
    model = make_model(name, task, seed, overrides)
    with threadpool_limits(limits=1):
        start = time.perf_counter()
        model.fit(x_train, y_train)
        seconds = time.perf_counter() - start
        predicted = model.predict(x_test)
    out = {"seconds": seconds}
    if task == "classification":
        out["accuracy"] = float(accuracy_score(y_test, predicted))
    else:
        out["r2"] = float(r2_score(y_test, predicted))
    if name == "hist_gradient_boosting":
        out["n_iter"] = int(model.n_iter_)
    return out


def fit(spec_path: str, models: list[str]) -> dict:
    with open(spec_path) as f:
        spec = json.load(f)
    with open(spec["csv"], newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        table = list(reader)
    task = spec["task"]
    if task not in ("classification", "regression"):
        raise ValueError(f"unknown task {task}")
    features, categorical = spec["features"], spec.get("categorical", [])
    unknown = [c for c in categorical if c not in features]
    if unknown:
        raise ValueError(f"categorical columns not among the features: {unknown}")
    train, test = np.array(spec["train"], dtype=int), np.array(spec["test"], dtype=int)
    x, encoded = encode(table, header, features, categorical, train)
    target = header.index(spec.get("target", "target"))
    y = np.array([row[target] for row in table], dtype=object if task == "classification" else float)
    seed = int(spec.get("seed", 0))
    overrides = spec.get("params") or {}
    return {
        "versions": {"scikit-learn": sklearn.__version__, "lightgbm": lightgbm.__version__},
        "task": task,
        "train_rows": len(train),
        "test_rows": len(test),
        "encoded_features": encoded,
        "models": {
            name: fit_one(name, task, seed, overrides.get(name, {}),
                          x[train], y[train], x[test], y[test])
            for name in models
        },
    }


def bench(out_path: str, rows: int, features: int, seed: int) -> dict:
    x, y = sk_datasets.make_classification(
        n_samples=rows, n_features=features, n_informative=max(2, features // 2),
        n_redundant=features // 4, random_state=seed)
    csv_path = os.path.splitext(out_path)[0] + ".csv"
    names = [f"x{j}" for j in range(features)]
    start = time.perf_counter()
    labels = np.array(["class_0", "class_1"])[y]
    with open(csv_path, "w") as f:
        f.write(",".join([*names, "target"]) + "\n")
        # Four decimals keep the file near 8 bytes a cell; the models fit the values as written.
        for i in range(0, rows, 100_000):
            block = np.char.mod("%.4f", x[i:i + 100_000])
            f.write("\n".join(",".join(r) + "," + t for r, t in zip(block.tolist(), labels[i:i + 100_000])))
            f.write("\n")
    x = np.loadtxt(csv_path, delimiter=",", skiprows=1, usecols=range(features), dtype=float)
    csv_seconds = time.perf_counter() - start  # writing the file and reading it back
    cut = rows - rows // 5
    result = {
        "versions": {"scikit-learn": sklearn.__version__, "lightgbm": lightgbm.__version__},
        "csv": csv_path, "rows": rows, "features": features, "seed": seed,
        "train_rows": cut, "test_rows": rows - cut, "csv_seconds": csv_seconds,
        "models": {
            name: fit_one(name, "classification", seed, {}, x[:cut], labels[:cut], x[cut:], labels[cut:])
            for name in ("hist_gradient_boosting", "lightgbm")
        },
    }
    with open(out_path, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    making = commands.add_parser("datasets")
    making.add_argument("outdir")
    fitting = commands.add_parser("fit")
    fitting.add_argument("spec")
    fitting.add_argument("--models", default=",".join(MODELS),
                         help=f"comma-separated subset of {', '.join(MODELS)}")
    benching = commands.add_parser("bench")
    benching.add_argument("out")
    benching.add_argument("--rows", type=int, default=1_000_000)
    benching.add_argument("--features", type=int, default=20)
    benching.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.command == "datasets":
        json.dump(write_datasets(args.outdir), sys.stdout)
    elif args.command == "fit":
        models = [m.strip() for m in args.models.split(",") if m.strip()]
        unknown = [m for m in models if m not in MODELS]
        if unknown:
            parser.error(f"unknown models {unknown}; known: {', '.join(MODELS)}")
        json.dump(fit(args.spec, models), sys.stdout)
    else:
        json.dump(bench(args.out, args.rows, args.features, args.seed), sys.stdout)


if __name__ == "__main__":
    main()
