/**
 * @module serve/predict/routes
 * `POST /models/{name}/predict`: named features in, labels and probabilities (or values) out.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { InvalidRequestError, NotFoundError } from "../../lib/errors.ts";
import { mountLeanRoute } from "../../lib/http/lean-route.ts";
import type { ServeContext } from "../context.ts";
import { withMembers } from "../json-members.ts";
import { JSON_TYPE, observedCall } from "../observed-call.ts";
import type { PredictionWarning } from "../prediction-warnings.ts";
import { decodeOutputs } from "./decode.ts";
import { defaultPredictRoute, predictRoute } from "./definitions.ts";
import { encodeInstances } from "./encode.ts";
import { outputNamesOf, planFor } from "./plan.ts";

export function mountPredict(routes: OpenAPIHono, ctx: ServeContext): void {
  mountLeanRoute(routes, predictRoute, (c, { params, query, body }) =>
    predict(c, ctx, params.name, query.version, body),
  );
  mountLeanRoute(routes, defaultPredictRoute, (c, { query, body }) => {
    if (ctx.defaultModel === undefined) {
      throw new NotFoundError("this host has no default model; use /models/{name}/predict");
    }
    return predict(c, ctx, ctx.defaultModel, query.version, body);
  });
}

async function predict(
  c: Context,
  ctx: ServeContext,
  name: string,
  version: string | undefined,
  body: Record<string, unknown>,
) {
  const started = performance.now();
  const single = !(Object.hasOwn(body, "instances") && Array.isArray(body.instances));
  const instances: unknown[] = single ? [body] : (body.instances as unknown[]);
  if (instances.length > ctx.maxBatch) {
    throw new InvalidRequestError(
      `instances has ${instances.length} items; at most ${ctx.maxBatch} are allowed`,
    );
  }
  const lookup = await ctx.registry.get(name, version);
  const answer = await observedCall(
    c,
    ctx,
    { lookup, api: "predict", inputs: instances, started },
    async (run) => {
      const { model } = lookup;
      const plan = planFor(model);
      const warnings: PredictionWarning[] = [];
      const outputs = await run(
        encodeInstances(plan, instances, single, warnings),
        outputNamesOf(plan.output),
      );
      const predictions = decodeOutputs(plan.output, outputs, instances.length);
      const outputsJson = JSON.stringify(predictions);
      const head = JSON.stringify({ model: model.name, version: model.version });
      // One instance is answered flat: its members (the text inside "[{" and "}]") join the head.
      const members = single ? outputsJson.slice(2, -2) : `"predictions":${outputsJson}`;
      const answer = withMembers(
        head,
        warnings.length === 0 ? members : `${members},"warnings":${JSON.stringify(warnings)}`,
      );
      return { outputsJson, answer, warnings };
    },
  );
  return c.body(answer, 200, JSON_TYPE);
}
