/**
 * @module not-found/config
 * The settings the not-found function reads.
 */
import type { z } from "zod";
import { baseEnv, jsonSetting } from "../lib/config.ts";
import { routingTableSchema } from "../lib/routing.ts";

export const notFoundEnv = baseEnv.extend({
  /** The routes that exist (same shape as the chart's `ingress.hosts`), listed in every 404. */
  SKIFF_ROUTES: jsonSetting(routingTableSchema),
});

export type NotFoundEnv = z.infer<typeof notFoundEnv>;
