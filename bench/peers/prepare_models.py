"""Fits the models every server in the peers benchmark serves, and saves each fitted model twice:
joblib for the Python servers, ONNX (skl2onnx) for skiff. Both files come from the same fitted
object, so every server answers with the same model.

Usage: prepare_models.py OUTDIR

Writes OUTDIR/<name>/model.joblib, OUTDIR/<name>/model.onnx and OUTDIR/expected.json (features,
classes, the request rows and what scikit-learn predicts for them). Deterministic: fixed seeds,
data that ships inside scikit-learn, nothing downloaded.
"""

import json
import sys
from pathlib import Path

import joblib
import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

# The test suite's exporter and row picker, so skiff gets its models exactly as the tests do.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "test" / "python"))
from make_models import IRIS_FEATURES, answers, export, fit_iris, pick_rows, save, start  # noqa: E402

ROWS = 64
GENERATED_FEATURES = 50
GENERATED_CLASSES = 10


def store(model, name: str, features: list[str], x: np.ndarray, out: Path) -> dict:
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, folder / "model.joblib")
    # Plain tensor outputs (no ZipMap), as the serve benchmark publishes iris.
    save(export(model, len(features), {id(model): {"zipmap": False}}), folder / "model.onnx")
    return answers(model, features, x)


def iris(out: Path, rng: np.random.Generator) -> dict:
    x, target, model = fit_iris()
    picked = pick_rows(target, 7, rng)
    # The 64-row batch cycles through rows that cover every class.
    rows = x[np.resize(picked, ROWS)]
    return store(model, "iris", IRIS_FEATURES, rows, out)


def generated(out: Path, rng: np.random.Generator) -> dict:
    x, y = make_classification(
        n_samples=20_000,
        n_features=GENERATED_FEATURES,
        n_informative=30,
        n_redundant=10,
        n_classes=GENERATED_CLASSES,
        random_state=0,
    )
    x = x.astype(np.float32)
    labels = np.array([f"class-{k}" for k in y])
    model = LogisticRegression(max_iter=2000, random_state=0).fit(x, labels)
    rows = x[np.sort(rng.choice(len(x), ROWS, replace=False))]
    features = [f"f{i:02d}" for i in range(GENERATED_FEATURES)]
    return store(model, "gen50", features, rows, out)


def main() -> None:
    out, rng = start("prepare_models.py")
    expected = {"iris": iris(out, rng), "gen50": generated(out, rng)}
    (out / "expected.json").write_text(json.dumps(expected) + "\n")


if __name__ == "__main__":
    main()
