/**
 * The requests the peers benchmark sends, in each server's dialect, and how an answer is checked:
 * every server must give the labels scikit-learn itself gave for the same rows (expected.json,
 * written by prepare_models.py) before its figures count.
 */

/** What prepare_models.py wrote for one model. */
export interface ExpectedModel {
  features: string[];
  classes: string[];
  rows: number[][];
  labels: string[];
  probabilities: number[][];
}

export type Expected = Record<string, ExpectedModel>;

/**
 * - named: one object of named features, or {"instances": [...]} (skiff's named predict and the
 *   FastAPI route);
 * - v1: KServe's {"instances": [[...], ...]};
 * - v2: the Open Inference Protocol; `outputs` names what to answer, for servers that answer
 *   only the label unless asked (MLServer's scikit-learn runtime).
 */
export type Dialect =
  | { kind: "named"; path: (model: string) => string }
  | { kind: "v1"; path: (model: string) => string }
  | { kind: "v2"; path: (model: string) => string; outputs?: string[] };

export interface Request {
  path: string;
  body: string;
  rows: number;
  /** Whether the answer carries the expected label for every row. */
  check(answer: string): boolean;
}

/** The ONNX input name skiff's exports carry; the Python servers read the first input by position. */
const INPUT = "float_input";

function labelsOf(dialect: Dialect, answer: unknown, rows: number): unknown[] | undefined {
  const a = answer as {
    label?: unknown;
    predictions?: Array<{ label?: unknown }>;
    outputs?: Array<{ datatype?: string; data?: unknown[] }>;
  };
  switch (dialect.kind) {
    case "named":
      return rows === 1 && a.label !== undefined ? [a.label] : a.predictions?.map((p) => p.label);
    case "v1":
      return a.predictions?.map((p) => p.label);
    case "v2":
      // Labels are the string output: skiff's output_label, MLServer's predict, KServe's label.
      return a.outputs?.find((o) => o.datatype === "BYTES")?.data;
  }
}

export function request(
  dialect: Dialect,
  model: string,
  expected: ExpectedModel,
  rows: number,
): Request {
  const picked = expected.rows.slice(0, rows);
  const want = expected.labels.slice(0, rows);
  const named = (row: number[]) =>
    Object.fromEntries(expected.features.map((f, i) => [f, row[i] as number]));
  let body: unknown;
  switch (dialect.kind) {
    case "named":
      body = rows === 1 ? named(picked[0] as number[]) : { instances: picked.map(named) };
      break;
    case "v1":
      body = { instances: picked };
      break;
    case "v2":
      body = {
        inputs: [
          {
            name: INPUT,
            shape: [rows, expected.features.length],
            datatype: "FP32",
            data: picked.flat(),
          },
        ],
        ...(dialect.outputs ? { outputs: dialect.outputs.map((name) => ({ name })) } : {}),
      };
      break;
  }
  return {
    path: dialect.path(model),
    body: JSON.stringify(body),
    rows,
    check(answer) {
      try {
        const labels = labelsOf(dialect, JSON.parse(answer), rows);
        return labels?.length === rows && labels.every((label, i) => label === want[i]);
      } catch {
        return false;
      }
    },
  };
}
