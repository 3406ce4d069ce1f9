/**
 * @module train/app
 * The train function: datasets, training runs and the registry's write side, every route
 * behind the bearer token. Health and readiness stay open for the probes.
 */
import type { Hono } from "hono";
import { bearerAuth } from "../lib/http/bearer-auth.ts";
import { createFunctionApp, createRoutes } from "../lib/http/function-app.ts";
import type { FunctionDeps } from "../lib/run-function.ts";
import { type DatasetsContext, mountDatasets } from "./datasets/routes.ts";
import { mountRegistry, type RegistryContext } from "./registry/routes.ts";
import { mountRuns, type RunsContext } from "./runs/routes.ts";

export const TRAIN_PREFIX = "/train";

export interface TrainAppOptions extends FunctionDeps {
  token: string;
  datasets: DatasetsContext;
  runs: RunsContext;
  registry: RegistryContext;
  jsonBodyLimitBytes: number;
}

export function createTrainApp(options: TrainAppOptions): Hono {
  const routes = createRoutes();
  routes.use("*", bearerAuth(options.token));
  mountDatasets(routes, options.datasets);
  mountRuns(routes, options.runs);
  mountRegistry(routes, options.registry);
  return createFunctionApp(routes, {
    name: "train",
    prefix: TRAIN_PREFIX,
    logger: options.logger,
    readiness: options.readiness,
    metrics: options.metrics,
    jsonBodyLimitBytes: options.jsonBodyLimitBytes,
  });
}
