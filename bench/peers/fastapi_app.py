"""The FastAPI + scikit-learn service a tutorial builds: one pydantic-validated route per model,
the models loaded once at start with joblib.

Run: uvicorn fastapi_app:app --app-dir bench/peers, with MODELS_DIR pointing at what
prepare_models.py wrote. `POST /models/<name>/predict` takes one object of named features, or
{"instances": [...]}, and answers the label and class probabilities, as skiff's named predict.
"""

import json
import os
from pathlib import Path

import joblib
import numpy as np
from fastapi import FastAPI
from pydantic import BaseModel, create_model

MODELS_DIR = Path(os.environ["MODELS_DIR"])
app = FastAPI()


def add_model(name: str, features: list[str]) -> None:
    model = joblib.load(MODELS_DIR / name / "model.joblib")
    classes = model.classes_.tolist()
    row_type = create_model(f"{name}_row", **{f: (float, ...) for f in features})
    batch_type = create_model(f"{name}_batch", instances=(list[row_type], ...))

    def answer(rows: list[BaseModel]) -> list[dict]:
        x = np.array([[getattr(r, f) for f in features] for r in rows], dtype=np.float32)
        probabilities = model.predict_proba(x)
        # LogisticRegression.predict is the argmax of the same scores.
        return [
            {"label": classes[int(p.argmax())], "probabilities": p.tolist()}
            for p in probabilities
        ]

    async def predict(body: row_type | batch_type) -> dict:  # type: ignore[valid-type]
        if isinstance(body, batch_type):
            return {"predictions": answer(body.instances)}
        return answer([body])[0]

    app.post(f"/models/{name}/predict")(predict)


@app.get("/healthz")
async def healthz() -> dict:
    return {"status": "ok"}


for _name, _spec in json.loads((MODELS_DIR / "expected.json").read_text()).items():
    add_model(_name, _spec["features"])
