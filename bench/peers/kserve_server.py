"""KServe's Python model server with a scikit-learn model class written the way KServe's own
sklearnserver is: joblib.load at start, get_predict_input / get_predict_response around the call.
Every model under --models_dir (one folder each, holding model.joblib) is served; one process,
one uvicorn worker, REST only.

The answer carries the label and the class probabilities, as skiff's does, in both dialects:
- v1 `POST /v1/models/<name>:predict` {"instances": [[...], ...]} →
  {"predictions": [{"label": ..., "probabilities": [...]}, ...]}
- v2 `POST /v2/models/<name>/infer` → outputs "label" (BYTES) and "probabilities" (FP32)
"""

import argparse
import pathlib
from typing import Dict, Optional, Union

import joblib
import numpy as np
from kserve import InferOutput, InferRequest, InferResponse, Model, ModelServer, model_server
from kserve.utils.utils import generate_uuid, get_predict_input, get_predict_response


class SKLearnModel(Model):
    def __init__(self, name: str, path: pathlib.Path):
        super().__init__(name)
        self.path = path

    def load(self) -> bool:
        self._model = joblib.load(self.path)
        self._classes = self._model.classes_
        self.ready = True
        return self.ready

    def predict(
        self, payload: Union[Dict, InferRequest], headers: Optional[Dict[str, str]] = None
    ) -> Union[Dict, InferResponse]:
        x = np.asarray(get_predict_input(payload), dtype=np.float32)
        probabilities = self._model.predict_proba(x)
        # LogisticRegression.predict is the argmax of the same scores.
        labels = self._classes[probabilities.argmax(axis=1)]
        if isinstance(payload, InferRequest):
            label = InferOutput(name="label", shape=[len(labels)], datatype="BYTES")
            label.set_data_from_numpy(labels.astype(np.object_), binary_data=False)
            proba = InferOutput(
                name="probabilities", shape=list(probabilities.shape), datatype="FP32"
            )
            proba.set_data_from_numpy(probabilities.astype(np.float32), binary_data=False)
            # As get_predict_response answers: the request's id, else a fresh one.
            return InferResponse(
                model_name=self.name,
                infer_outputs=[label, proba],
                response_id=payload.id or generate_uuid(),
            )
        rows = [
            {"label": str(label), "probabilities": p.tolist()}
            for label, p in zip(labels, probabilities)
        ]
        return get_predict_response(payload, rows, self.name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(parents=[model_server.parser])
    parser.add_argument("--models_dir", required=True, type=pathlib.Path)
    args, _ = parser.parse_known_args()
    models = []
    for folder in sorted(p for p in args.models_dir.iterdir() if (p / "model.joblib").is_file()):
        model = SKLearnModel(folder.name, folder / "model.joblib")
        model.load()
        models.append(model)
    ModelServer().start(models)
