"""scikit-learn's side of the trainer parity tests (test/integration/train/trainers/parity.test.ts).

Usage:
  train_parity.py generate OUT.csv [--rows 3000] [--seed 7]
      Writes a synthetic dataset: numeric, integer, boolean and categorical features with
      missing values, a three-class target (segment), a binary one (churn) and a numeric one
      (spend). Same seed, same file.
  train_parity.py check MODEL.onnx
      Runs the ONNX checker with full shape and type inference on a model skiff exported, and
      prints what it declares, so the graph is valid by ONNX's own rules and not only by
      onnxruntime's.
  train_parity.py fit SPEC.json
      Fits the scikit-learn pipeline that skiff's trainers mirror on exactly the train/test
      rows skiff chose (SPEC names the CSV and the row indices), and prints its held-out scores
      and predictions as JSON on stdout.

The pipeline: numeric columns (booleans as 0/1) go through SimpleImputer(mean) and
StandardScaler; categorical columns through OneHotEncoder(handle_unknown="ignore") over the
categories seen in training, so a missing value ("") or an unseen one encodes as all zeros,
which is what skiff's ONNX graph does too. Then LogisticRegression(lbfgs), LinearRegression
or Ridge.
"""

import argparse
import csv
import json
import sys

import numpy as np
import onnx
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, log_loss, mean_squared_error, r2_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

TRUE = {"true", "t", "yes", "y", "1"}
FALSE = {"false", "f", "no", "n", "0"}


def generate(path: str, rows: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 81, rows)
    income = rng.normal(55_000, 18_000, rows).round(2)
    score = (rng.normal(0, 1, rows) * 3 + 10).round(3)
    tenure = rng.exponential(3.0, rows).round(2)
    member = rng.random(rows) < 0.4
    colors = np.array(["red", "green", "blue", "black", "white"])
    color = colors[rng.choice(5, rows, p=[0.3, 0.25, 0.2, 0.15, 0.1])]
    regions = np.array(["north", "south", "east", "west"])
    region = regions[rng.integers(0, 4, rows)]

    # Targets come from the complete values; missing cells are punched in afterwards.
    z_age = (age - 49) / 18
    z_income = (income - 55_000) / 18_000
    z_score = (score - 10) / 3
    color_effect = {"red": 0.8, "green": -0.4, "blue": 0.1, "black": -0.9, "white": 0.3}
    region_effect = {"north": 0.5, "south": -0.5, "east": 0.2, "west": -0.2}
    c = np.array([color_effect[v] for v in color])
    r = np.array([region_effect[v] for v in region])

    logits = np.stack(
        [
            1.2 * z_income + 0.6 * z_score + c,
            -0.8 * z_age + 0.7 * member + r,
            0.3 * tenure - 0.9 * z_income - c - 0.5,
        ],
        axis=1,
    )
    logits += rng.gumbel(size=logits.shape) * 0.8
    segment = np.array(["gold", "silver", "bronze"])[logits.argmax(axis=1)]
    churn_logit = -0.5 + 1.1 * z_age - 0.8 * member + 0.4 * tenure - 0.6 * c
    churn = np.where(rng.random(rows) < 1 / (1 + np.exp(-churn_logit)), "yes", "no")
    spend = (
        120
        + 35 * z_income
        + 12 * z_score
        - 8 * z_age
        + 15 * member
        + 4 * tenure
        + 20 * c
        + 10 * r
        + rng.normal(0, 15, rows)
    ).round(2)

    def holes(share: float) -> np.ndarray:
        return rng.random(rows) < share

    columns = {
        "age": [str(v) for v in age],
        "income": [repr(float(v)) for v in income],
        "score": [repr(float(v)) for v in score],
        "tenure": [repr(float(v)) for v in tenure],
        "member": ["true" if v else "false" for v in member],
        "color": list(color),
        "region": list(region),
    }
    for name, share in [("age", 0.05), ("income", 0.08), ("tenure", 0.04), ("member", 0.03),
                        ("color", 0.05), ("region", 0.02)]:
        for i in np.flatnonzero(holes(share)):
            columns[name][i] = ""
    columns["segment"] = list(segment)
    columns["churn"] = list(churn)
    columns["spend"] = [repr(float(v)) for v in spend]

    names = list(columns)
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(names)
        for i in range(rows):
            writer.writerow([columns[n][i] for n in names])


def to_number(cell: str, kind: str) -> float:
    if cell == "":
        return np.nan
    if kind == "boolean":
        lower = cell.lower()
        if lower in TRUE:
            return 1.0
        if lower in FALSE:
            return 0.0
        raise ValueError(f"not a boolean: {cell!r}")
    return float(cell)


def fit(spec_path: str) -> dict:
    with open(spec_path) as f:
        spec = json.load(f)
    with open(spec["csv"], newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        table = list(reader)
    col = {name: i for i, name in enumerate(header)}
    features = spec["features"]  # [{"name", "kind": "number"|"integer"|"boolean"|"categorical"}]
    numeric = [f for f in features if f["kind"] != "categorical"]
    categorical = [f for f in features if f["kind"] == "categorical"]

    # One object array: numeric cells as floats (NaN when missing), categorical cells as
    # strings ("" when missing). Columns: numeric first, then categorical.
    x = np.empty((len(table), len(features)), dtype=object)
    for j, feature in enumerate(numeric):
        x[:, j] = [to_number(row[col[feature["name"]]], feature["kind"]) for row in table]
    for j, feature in enumerate(categorical, start=len(numeric)):
        x[:, j] = [row[col[feature["name"]]] for row in table]
    target = [row[col[spec["target"]]] for row in table]
    y = np.array(target, dtype=object if spec["task"] == "classification" else float)

    train, test = np.array(spec["train"], dtype=int), np.array(spec["test"], dtype=int)
    cat_index = list(range(len(numeric), len(features)))
    categories = [sorted({v for v in x[train, j] if v != ""}) for j in cat_index]
    steps = []
    if numeric:
        steps.append((
            "numeric",
            Pipeline([
                ("float", FunctionTransformer(lambda a: a.astype(float))),
                ("impute", SimpleImputer(strategy="mean")),
                ("scale", StandardScaler()),
            ]),
            list(range(len(numeric))),
        ))
    if categorical:
        steps.append((
            "categorical",
            OneHotEncoder(categories=categories, handle_unknown="ignore", sparse_output=False),
            cat_index,
        ))
    model = spec["model"]
    if model == "logistic":
        estimator = LogisticRegression(C=spec.get("C", 1.0), max_iter=spec.get("max_iter", 100),
                                       tol=spec.get("tol", 1e-4))
    elif model == "linear":
        estimator = LinearRegression()
    elif model == "ridge":
        estimator = Ridge(alpha=spec.get("alpha", 1.0))
    else:
        raise ValueError(f"unknown model {model}")
    pipeline = Pipeline([("prep", ColumnTransformer(steps)), ("model", estimator)])
    pipeline.fit(x[train], y[train])

    predicted = pipeline.predict(x[test])
    if spec["task"] == "classification":
        probabilities = pipeline.predict_proba(x[test])
        classes = [str(c) for c in pipeline.classes_]
        return {
            "classes": classes,
            "accuracy": float(accuracy_score(y[test], predicted)),
            "log_loss": float(log_loss(y[test], probabilities, labels=pipeline.classes_)),
            "n_iter": int(np.max(pipeline.named_steps["model"].n_iter_)),
            "labels": [str(v) for v in predicted],
            "probabilities": probabilities.tolist(),
        }
    return {
        "r2": float(r2_score(y[test], predicted)),
        "rmse": float(np.sqrt(mean_squared_error(y[test], predicted))),
        "values": predicted.tolist(),
    }


def check(path: str) -> dict:
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    inferred = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)

    def describe(values):
        out = {}
        for v in values:
            t = v.type.tensor_type
            dims = [d.dim_param or d.dim_value for d in t.shape.dim]
            out[v.name] = {"type": onnx.TensorProto.DataType.Name(t.elem_type), "shape": dims}
        return out

    return {
        "ir_version": model.ir_version,
        "opsets": {o.domain or "ai.onnx": o.version for o in model.opset_import},
        "inputs": describe(inferred.graph.input),
        "outputs": describe(inferred.graph.output),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate")
    gen.add_argument("out")
    gen.add_argument("--rows", type=int, default=3000)
    gen.add_argument("--seed", type=int, default=7)
    checking = commands.add_parser("check")
    checking.add_argument("model")
    fitting = commands.add_parser("fit")
    fitting.add_argument("spec")
    args = parser.parse_args()
    if args.command == "generate":
        generate(args.out, args.rows, args.seed)
    elif args.command == "check":
        json.dump(check(args.model), sys.stdout)
    else:
        json.dump(fit(args.spec), sys.stdout)


if __name__ == "__main__":
    main()
