/**
 * @module info/app
 * The catalogue function: which services exist and where, which models exist with their
 * versions and aliases, and the merged API reference.
 */
import { createRoute } from "@hono/zod-openapi";
import type { Hono } from "hono";
import { createFunctionApp, createRoutes } from "../lib/http/function-app.ts";
import { documentOf } from "../lib/openapi-document.ts";
import { product } from "../lib/product.ts";
import type { FunctionName } from "../lib/routing.ts";
import type { FunctionDeps } from "../lib/run-function.ts";
import { listModels } from "../lib/storage/model-catalogue.ts";
import type { ObjectStore } from "../lib/storage/object-store.ts";
import { mountDocsPage } from "./docs-page.ts";
import { type FunctionDocument, mergeDocuments, type OpenApiDocument } from "./openapi.ts";
import { Catalogue, ModelList } from "./schemas.ts";
import { SERVICE_DESCRIPTIONS } from "./services.ts";

export const INFO_PREFIX = "/info";

export interface InfoOptions extends FunctionDeps {
  store: ObjectStore;
  /** Public URLs of each running function, from config. */
  serviceUrls: Partial<Record<FunctionName, string[]>>;
  /** The other functions' documents, merged into the reference next to info's own. */
  otherDocuments?: () => FunctionDocument[];
  jsonBodyLimitBytes: number;
}

const catalogueRoute = createRoute({
  method: "get",
  path: "/",
  summary: "The catalogue: product, services with their public URLs, and models",
  tags: ["info"],
  responses: {
    200: { description: "The catalogue", content: { "application/json": { schema: Catalogue } } },
  },
});

const modelsRoute = createRoute({
  method: "get",
  path: "/models",
  summary: "Models with their versions, aliases and metrics",
  tags: ["info"],
  responses: {
    200: {
      description: "Every model with at least one version",
      content: { "application/json": { schema: ModelList } },
    },
  },
});

export function createInfoApp(options: InfoOptions): Hono {
  const routes = createRoutes();

  routes.openapi(catalogueRoute, async (c) => {
    const models = await listModels(options.store);
    const services = Object.entries(options.serviceUrls).map(([name, urls]) => ({
      name,
      description: SERVICE_DESCRIPTIONS[name as FunctionName],
      urls: urls ?? [],
    }));
    return c.json({ name: product.name, version: product.version, services, models }, 200);
  });

  routes.openapi(modelsRoute, async (c) =>
    c.json({ models: await listModels(options.store) }, 200),
  );

  const ownDocument = () =>
    documentOf("skiff info", [catalogueRoute, modelsRoute]) as OpenApiDocument;
  let merged: OpenApiDocument | undefined;
  routes.get("/openapi.json", (c) => {
    merged ??= mergeDocuments(
      [{ prefix: INFO_PREFIX, document: ownDocument() }, ...(options.otherDocuments?.() ?? [])],
      {
        title: "skiff API",
        version: product.version,
        description: "Upload a dataset, train a model, call it. Every path is on the API host.",
      },
    );
    return c.json(merged);
  });
  mountDocsPage(routes);

  return createFunctionApp(routes, {
    name: "info",
    prefix: INFO_PREFIX,
    logger: options.logger,
    readiness: options.readiness,
    metrics: options.metrics,
    jsonBodyLimitBytes: options.jsonBodyLimitBytes,
  });
}
