"""Calls a running serve with the stock Triton HTTP client, exactly as a KServe v2 user would.

Usage: triton_client_check.py HOST:PORT MODEL EXPECTED_JSON

MODEL must be published from make_models.py's iris export, with version 1 among its versions;
EXPECTED_JSON is the expected.json that make_models.py wrote next to it. Prints a JSON summary
on stdout; exits 1 with the reasons on stderr when anything differs from what scikit-learn
predicted, and 2 when the client itself fails.
"""

import json
import sys

import numpy as np
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

TOLERANCE = 1e-5


def as_text(values: np.ndarray) -> list[str]:
    # JSON outputs come back as str; binary ones as bytes. Either way, compare text.
    return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in values.ravel()]


def main() -> int:
    if len(sys.argv) != 4:
        sys.exit("usage: triton_client_check.py HOST:PORT MODEL EXPECTED_JSON")
    url, model, expected_path = sys.argv[1:]
    with open(expected_path, encoding="utf-8") as f:
        expected = json.load(f)["iris"]
    rows = np.asarray(expected["rows"], dtype=np.float32)
    failures: list[str] = []

    client = httpclient.InferenceServerClient(url=url)
    summary: dict = {
        "live": client.is_server_live(),
        "ready": client.is_server_ready(),
        "model_ready": client.is_model_ready(model),
        "version_ready": client.is_model_ready(model, model_version="1"),
    }
    for check in ("live", "ready", "model_ready", "version_ready"):
        if summary[check] is not True:
            failures.append(f"{check} is {summary[check]!r}")

    metadata = client.get_model_metadata(model)
    summary["metadata"] = metadata
    inputs = metadata.get("inputs", [])
    outputs = metadata.get("outputs", [])
    # Discover the tensors the way a client that knows nothing of skiff would: from metadata.
    label = next((o["name"] for o in outputs if o["datatype"] == "BYTES"), None)
    probabilities = next((o["name"] for o in outputs if o["datatype"] == "FP32"), None)
    if len(inputs) != 1 or inputs[0]["datatype"] != "FP32" or label is None or probabilities is None:
        print(json.dumps(summary))
        print(f"unexpected metadata: {json.dumps(metadata)}", file=sys.stderr)
        return 1
    input_name = inputs[0]["name"]

    def infer(
        x: np.ndarray, version: str, request_id: str, mode: str = "json", compression: str = ""
    ) -> dict:
        """mode: "json" sends and asks for JSON tensors; "binary" uses the client's defaults
        (binary inputs and outputs); "all-binary" names no outputs, so the client asks for
        every output in binary with the request-level binary_data_output. compression: the
        client's request_compression_algorithm ("gzip" or "deflate"), none when empty."""
        tensor = httpclient.InferInput(input_name, list(x.shape), "FP32")
        binary = mode != "json"
        tensor.set_data_from_numpy(x, binary_data=binary)
        requested = (
            None
            if mode == "all-binary"
            else [
                httpclient.InferRequestedOutput(label, binary_data=binary),
                httpclient.InferRequestedOutput(probabilities, binary_data=binary),
            ]
        )
        result = client.infer(
            model,
            [tensor],
            model_version=version,
            outputs=requested,
            request_id=request_id,
            request_compression_algorithm=compression or None,
        )
        response = result.get_response()
        got_labels = as_text(result.as_numpy(label))
        got_probabilities = result.as_numpy(probabilities)
        n = x.shape[0]
        want_labels = expected["labels"][:n]
        want_probabilities = np.asarray(expected["probabilities"][:n], dtype=np.float64)
        call = {
            "mode": mode,
            "compression": compression,
            "binary_outputs": [
                o["name"]
                for o in response.get("outputs", [])
                if "binary_data_size" in (o.get("parameters") or {})
            ],
            "rows": n,
            "version_asked": version,
            "model_name": response.get("model_name"),
            "model_version": response.get("model_version"),
            "id": response.get("id"),
            "labels": got_labels,
            "probabilities_shape": list(got_probabilities.shape),
            "probabilities_dtype": str(got_probabilities.dtype),
        }
        where = f"{n} row(s), version {version or 'default'}"
        if got_labels != want_labels:
            failures.append(f"{where}: labels {got_labels} != {want_labels}")
        if got_probabilities.shape != want_probabilities.shape:
            failures.append(
                f"{where}: probabilities shape {got_probabilities.shape}"
                f" != {want_probabilities.shape}"
            )
            call["max_abs_diff"] = None
        else:
            diff = float(np.max(np.abs(got_probabilities.astype(np.float64) - want_probabilities)))
            call["max_abs_diff"] = diff
            if not diff < TOLERANCE:
                failures.append(f"{where}: probabilities differ by {diff}")
        if response.get("id") != request_id:
            failures.append(f"{where}: id {response.get('id')!r} != {request_id!r}")
        return call

    summary["calls"] = [
        infer(rows[:1], "", "one-row"),
        infer(rows, "", "batch"),
        infer(rows, "1", "batch-v1"),
        infer(rows[:1], "", "one-row-binary", "binary"),
        infer(rows, "", "batch-binary", "binary"),
        infer(rows, "1", "batch-all-binary", "all-binary"),
        infer(rows, "", "batch-gzip", "json", "gzip"),
        infer(rows, "", "batch-deflate", "json", "deflate"),
        infer(rows, "", "batch-binary-gzip", "binary", "gzip"),
        infer(rows, "", "batch-binary-deflate", "binary", "deflate"),
    ]
    summary["server_metadata"] = client.get_server_metadata()

    def refused(call) -> dict:
        """What the client makes of an API skiff does not implement: an error it can report
        (status and message), or a crash reading the answer."""
        try:
            call()
        except InferenceServerException as error:
            return {"status": error.status(), "message": error.message()}
        except Exception as error:  # noqa: BLE001 - a crash is exactly what is checked for
            return {"crash": f"{type(error).__name__}: {error}"}
        return {"answered": True}

    summary["refused"] = {
        "get_model_config": refused(lambda: client.get_model_config(model)),
        "get_model_repository_index": refused(client.get_model_repository_index),
    }
    if summary["calls"][2]["model_version"] != "1":
        failures.append(f"version 1 call answered by version {summary['calls'][2]['model_version']}")
    client.close()

    print(json.dumps(summary))
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except InferenceServerException as error:
        # The status and the server's own message are what a failing test needs to show.
        print(f"server error {error.status()}: {error.message()}", file=sys.stderr)
        sys.exit(2)
