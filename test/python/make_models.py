"""Writes the scikit-learn ONNX models the serve tests run, and what scikit-learn predicts.

Usage: make_models.py OUTDIR

Everything is deterministic (fixed seeds, data sets that ship inside scikit-learn), so the same
pinned environment always writes the same models and the same expected answers; nothing is
downloaded.
"""

import json
import os
import sys
import warnings
from pathlib import Path

import numpy as np
import onnx
import sklearn
import skl2onnx
from skl2onnx import to_onnx
from skl2onnx.common.data_types import FloatTensorType
from sklearn.datasets import load_diabetes, load_iris, load_linnerud, load_wine
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.svm import SVC

IRIS_FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
ROWS_PER_CLASS = 7


def pick_rows(y: np.ndarray, per_class: int, rng: np.random.Generator) -> np.ndarray:
    """Row indices covering every class, so each label is exercised."""
    picked = [rng.choice(np.flatnonzero(y == c), per_class, replace=False) for c in np.unique(y)]
    return np.sort(np.concatenate(picked))


def save(model: onnx.ModelProto, path: Path) -> None:
    onnx.checker.check_model(model)
    path.write_bytes(model.SerializeToString())


def export(model, n_features: int, options=None) -> onnx.ModelProto:
    # float32 is what the model sees at inference time, so the expected answers below are
    # computed from the float32-rounded rows too.
    return to_onnx(
        model,
        initial_types=[("float_input", FloatTensorType([None, n_features]))],
        options=options,
    )


def fit_iris():
    """The iris classifier every suite and benchmark serves: float32 rows, class ids, model."""
    data = load_iris()
    x = data.data.astype(np.float32)
    labels = data.target_names[data.target]
    return x, data.target, LogisticRegression(max_iter=1000, random_state=0).fit(x, labels)


def answers(model, features: list[str], rows: np.ndarray) -> dict:
    """What scikit-learn says for `rows`: the expected answers a server is checked against."""
    return {
        "features": features,
        "classes": model.classes_.tolist(),
        "rows": rows.tolist(),
        "labels": model.predict(rows).tolist(),
        "probabilities": model.predict_proba(rows).tolist(),
    }


def iris(out: Path, rng: np.random.Generator) -> dict:
    x, target, model = fit_iris()

    save(export(model, 4), out / "iris-zipmap.onnx")
    save(export(model, 4, {id(model): {"zipmap": False}}), out / "iris.onnx")
    # One float output per class (ssetosa, sversicolor, svirginica) beside the labels.
    save(export(model, 4, {id(model): {"zipmap": "columns"}}), out / "iris-columns.onnx")

    return answers(model, IRIS_FEATURES, x[pick_rows(target, ROWS_PER_CLASS, rng)])


def diabetes(out: Path, rng: np.random.Generator) -> dict:
    data = load_diabetes()
    x = data.data.astype(np.float32)
    model = LinearRegression().fit(x, data.target)

    save(export(model, x.shape[1]), out / "diabetes.onnx")

    rows = x[np.sort(rng.choice(len(x), 20, replace=False))]
    return {
        "features": list(data.feature_names),
        "rows": rows.tolist(),
        "values": model.predict(rows).tolist(),
    }


def wine_svc(out: Path, rng: np.random.Generator) -> dict:
    """An SVC whose labels come from its decision function and its probabilities from a separate
    calibration: on unscaled wine they disagree with the argmax on about one row in seven, and
    the rows picked include every such row."""
    data = load_wine()
    x = data.data.astype(np.float32)
    labels = data.target_names[data.target]
    with warnings.catch_warnings():
        # probability=True is deprecated from scikit-learn 1.9 on, and still what users export.
        warnings.simplefilter("ignore", FutureWarning)
        model = SVC(probability=True, random_state=0).fit(x, labels)
        disagree = np.flatnonzero(
            model.predict(x) != model.classes_[model.predict_proba(x).argmax(axis=1)]
        )
        save(export(model, x.shape[1], {id(model): {"zipmap": False}}), out / "wine-svc.onnx")
        picked = np.union1d(disagree, pick_rows(data.target, 5, rng))
        return answers(model, list(data.feature_names), x[picked])


def linnerud(out: Path) -> dict:
    """A regressor with three targets: one output column per target."""
    data = load_linnerud()
    x = data.data.astype(np.float32)
    model = LinearRegression().fit(x, data.target)

    save(export(model, x.shape[1]), out / "linnerud.onnx")

    return {
        "features": list(data.feature_names),
        "targets": list(data.target_names),
        "rows": x.tolist(),
        "values": model.predict(x).tolist(),
    }


CAST_TYPES = {
    "fp32": onnx.TensorProto.FLOAT,
    "fp64": onnx.TensorProto.DOUBLE,
    "int8": onnx.TensorProto.INT8,
    "int16": onnx.TensorProto.INT16,
    "int32": onnx.TensorProto.INT32,
    "int64": onnx.TensorProto.INT64,
    "uint8": onnx.TensorProto.UINT8,
    "uint16": onnx.TensorProto.UINT16,
    "uint32": onnx.TensorProto.UINT32,
}


def casts(out: Path) -> list[str]:
    """One tiny model per element type: input x [N, 1] of that type, output y = x as double, so
    a value that reaches the model comes back exactly and one outside the type cannot."""
    for name, elem in CAST_TYPES.items():
        graph = onnx.helper.make_graph(
            [onnx.helper.make_node("Cast", ["x"], ["y"], to=onnx.TensorProto.DOUBLE)],
            f"cast_{name}",
            [onnx.helper.make_tensor_value_info("x", elem, [None, 1])],
            [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.DOUBLE, [None, 1])],
        )
        model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 13)])
        model.ir_version = 8
        save(model, out / f"cast-{name}.onnx")
    return list(CAST_TYPES)


def start(script: str) -> tuple[Path, np.random.Generator]:
    """The OUTDIR argument, created, and the seeded generator every script here draws rows with.

    skl2onnx collects opsets in sets of strings, whose order follows Python's per-process string
    hashing: the process first re-runs itself with a fixed seed, so the model bytes are the same
    on every run.
    """
    if len(sys.argv) != 2:
        sys.exit(f"usage: {script} OUTDIR")
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable, *sys.argv])
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    return out, np.random.default_rng(20240601)


def main() -> None:
    out, rng = start("make_models.py")
    expected = {
        "versions": {
            "numpy": np.__version__,
            "scikit-learn": sklearn.__version__,
            "skl2onnx": skl2onnx.__version__,
            "onnx": onnx.__version__,
        },
        "iris": iris(out, rng),
        "diabetes": diabetes(out, rng),
        "wine_svc": wine_svc(out, rng),
        "linnerud": linnerud(out),
        "casts": casts(out),
    }
    (out / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")

    for name in (
        "iris-zipmap.onnx",
        "iris.onnx",
        "iris-columns.onnx",
        "diabetes.onnx",
        "wine-svc.onnx",
        "linnerud.onnx",
    ):
        model = onnx.load(out / name)
        opsets = ", ".join(f"{o.domain or 'ai.onnx'}={o.version}" for o in model.opset_import)
        outputs = ", ".join(o.name for o in model.graph.output)
        print(f"{name}: ir_version={model.ir_version} opsets[{opsets}] outputs[{outputs}]")


if __name__ == "__main__":
    main()
