/**
 * @module serve/v2/routes
 * The Open Inference Protocol (KServe v2) REST API, one route table: server metadata and health,
 * model metadata, readiness and inference, each also under `/versions/{version}`. Errors use the
 * protocol's `{"error": "..."}` body (the function app answers so for every path under `/v2`)
 * with the same status table as the rest of skiff.
 */
import type { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type * as ort from "onnxruntime-node";
import { InvalidRequestError } from "../../lib/errors.ts";
import { createRoutes } from "../../lib/http/function-app.ts";
import type { Readiness } from "../../lib/http/health.ts";
import { mountLeanRoute } from "../../lib/http/lean-route.ts";
import { v2DatatypeOf } from "../../lib/onnx/datatypes.ts";
import type { OnnxModel } from "../../lib/onnx/onnx-model.ts";
import { product } from "../../lib/product.ts";
import type { ServeContext } from "../context.ts";
import { withMembers } from "../json-members.ts";
import { JSON_TYPE, observedCall } from "../observed-call.ts";
import { binaryBody, tensorBytes } from "./binary-data.ts";
import { decodeInputs, encodeOutput, outputNamesFor } from "./codec.ts";
import {
  inferRoutes,
  liveRoute,
  modelMetadataRoutes,
  modelReadyRoutes,
  readyRoute,
  serverMetadataRoute,
} from "./definitions.ts";
import { readInferBody } from "./request-body.ts";
import type { InferRequestBody as InferBody, ModelMetadata } from "./schemas.ts";

/** The protocol extensions skiff implements, as server metadata lists them. */
const V2_EXTENSIONS = ["binary_tensor_data"];

/**
 * Whether an output is answered as bytes: its own `binary_data` parameter says so, else the
 * request's `binary_data_output` (what tritonclient sends when it names no outputs).
 */
function wantsBinary(body: InferBody, name: string): boolean {
  const own = body.outputs?.find((o) => o.name === name)?.parameters?.binary_data;
  if (own !== undefined) return own === true;
  return body.parameters?.binary_data_output === true;
}

/** A binary request's inputs as the prediction log keeps them: with their elements as JSON. */
function loggedInputs(body: InferBody, feeds: Record<string, ort.Tensor>): unknown[] {
  return body.inputs.map((input) =>
    input.data === undefined && Object.hasOwn(feeds, input.name)
      ? encodeOutput(input.name, feeds[input.name] as ort.Tensor)
      : input,
  );
}

function v2Metadata(model: OnnxModel, versions: string[]): z.infer<typeof ModelMetadata> {
  const describe = (t: {
    name: string;
    type: Parameters<typeof v2DatatypeOf>[0];
    shape: number[];
  }) => ({
    name: t.name,
    datatype: v2DatatypeOf(t.type) ?? "BYTES",
    shape: t.shape,
  });
  return {
    name: model.name,
    versions,
    platform: "onnxruntime_onnx",
    inputs: model.inputs.map(describe),
    outputs: model.outputs.map(describe),
    ...(model.changes.length > 0
      ? { parameters: { graph_changes: model.changes.join("; ") } }
      : {}),
  };
}

export function createV2Routes(ctx: ServeContext, readiness: Readiness): OpenAPIHono {
  const v2 = createRoutes();

  v2.openapi(serverMetadataRoute, (c) =>
    c.json({ name: product.name, version: product.version, extensions: V2_EXTENSIONS }, 200),
  );
  v2.openapi(liveRoute, (c) => c.json({ live: true }, 200));
  v2.openapi(readyRoute, (c) => {
    const reason = readiness.reason();
    return reason === undefined
      ? c.json({ ready: true }, 200)
      : c.json({ error: `not ready: ${reason}` }, 503);
  });

  const metadata = async (c: Context, name: string, version: string | undefined) => {
    const { model } = await ctx.registry.get(name, version);
    return c.json(v2Metadata(model, await ctx.registry.versions(name)), 200);
  };
  const ready = async (c: Context, name: string, version: string | undefined) => {
    // Asking is also a warm-up: the model is loaded if it is not in memory yet.
    const { model } = await ctx.registry.get(name, version);
    return c.json({ name: model.name, version: model.version, ready: true }, 200);
  };
  const infer = async (c: Context, name: string, version: string | undefined, body: InferBody) => {
    const started = performance.now();
    const rows = Math.max(...body.inputs.map((i) => i.shape[0] ?? 1));
    if (rows > ctx.maxBatch)
      throw new InvalidRequestError(
        `batch of ${rows} rows is larger than the limit of ${ctx.maxBatch}`,
      );
    const lookup = await ctx.registry.get(name, version);
    const tail = c.get("binaryTail");
    const binary: Uint8Array[] = [];
    const answer = await observedCall(
      c,
      ctx,
      { lookup, api: "v2", inputs: body.inputs, started },
      async (run) => {
        const { model } = lookup;
        const names = outputNamesFor(model, body.outputs);
        const feeds = decodeInputs(model, body.inputs, tail);
        const results = await run(feeds, names);
        const logged = names.map((n) =>
          encodeOutput(n, results[n] as ort.Tensor, wantsBinary(body, n)),
        );
        const outputs = logged.map((output) => {
          if (!wantsBinary(body, output.name)) return output;
          const bytes = tensorBytes(results[output.name] as ort.Tensor);
          binary.push(bytes);
          const { data: _, ...described } = output;
          return { ...described, parameters: { binary_data_size: bytes.byteLength } };
        });
        // An id or parameters the request left out are undefined, which JSON leaves out too.
        const head = JSON.stringify({
          model_name: model.name,
          model_version: model.version,
          id: body.id,
          parameters: body.parameters,
        });
        // The log keeps every element as JSON, binary or not; without binary outputs the
        // response carries the same text.
        const outputsJson = JSON.stringify(logged);
        const answer = withMembers(
          head,
          `"outputs":${binary.length === 0 ? outputsJson : JSON.stringify(outputs)}`,
        );
        return { outputsJson, answer, loggedInputs: tail ? loggedInputs(body, feeds) : undefined };
      },
    );
    if (binary.length === 0) return c.body(answer, 200, JSON_TYPE);
    const framed = binaryBody(answer, binary);
    return c.body(framed.body, 200, framed.headers);
  };

  for (const route of modelMetadataRoutes) {
    v2.openapi(route, (c) => metadata(c, c.req.param("name") as string, c.req.param("version")));
  }
  for (const route of modelReadyRoutes) {
    v2.openapi(route, (c) => ready(c, c.req.param("name") as string, c.req.param("version")));
  }
  for (const route of inferRoutes) {
    mountLeanRoute(
      v2,
      route,
      (c, { body }) =>
        infer(c, c.req.param("name") as string, c.req.param("version"), body as InferBody),
      { readBody: readInferBody },
    );
  }
  return v2;
}
