/**
 * The registry's write routes on the real app spine, as the train function mounts them, for
 * tests that call them in-process.
 */
import type { Hono } from "hono";
import { mountRegistry, type RegistryContext } from "../../functions/train/registry/routes.ts";
import { trainTestApp } from "./train-app.ts";

export function registryTestApp(context: RegistryContext): Hono {
  return trainTestApp((routes) => mountRegistry(routes, context));
}
