"""Runs an ONNX model in Python's onnxruntime on inputs given as JSON, for the trainer tests
(test/integration/train/trainers/parity.test.ts) to compare with what onnxruntime-node answers.

Usage: onnx_predict.py MODEL.onnx INPUTS.json

INPUTS maps each input name to {"type": "float32" | "string", "dims": [...], "data": [...]},
the flattened tensor exactly as the Node side fed it: a missing number is null (NaN there), a
missing category the empty string. Prints every output the same way on stdout, in the model's
output order, with float32 values widened to float64 exactly so nothing is lost on the way.
"""

import json
import sys

import numpy as np
import onnxruntime as ort


def tensor(spec: dict) -> np.ndarray:
    if spec["type"] == "string":
        values = np.array(spec["data"], dtype=object)
    elif spec["type"] == "float32":
        # JSON has no NaN, so the Node side wrote null for it.
        values = np.array([np.nan if v is None else v for v in spec["data"]], dtype=np.float32)
    else:
        raise ValueError(f"unsupported input type {spec['type']!r}")
    return values.reshape(spec["dims"])


def described(values: np.ndarray) -> dict:
    if values.dtype == object:
        return {"type": "string", "dims": list(values.shape), "data": [str(v) for v in values.ravel()]}
    if values.dtype != np.float32:
        raise ValueError(f"unsupported output type {values.dtype}")
    return {"type": "float32", "dims": list(values.shape), "data": values.ravel().tolist()}


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: onnx_predict.py MODEL.onnx INPUTS.json")
    model, inputs_path = sys.argv[1:]
    with open(inputs_path, encoding="utf-8") as f:
        inputs = json.load(f)
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    feeds = {name: tensor(spec) for name, spec in inputs.items()}
    names = [o.name for o in session.get_outputs()]
    outputs = session.run(names, feeds)
    # allow_nan=False: a NaN output is a failure to report, not something to print as invalid JSON.
    json.dump({n: described(v) for n, v in zip(names, outputs)}, sys.stdout, allow_nan=False)


if __name__ == "__main__":
    main()
