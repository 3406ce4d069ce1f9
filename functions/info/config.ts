/**
 * @module info/config
 * The settings the info function reads.
 */
import { z } from "zod";
import { baseEnv, jsonSetting, storageEnv } from "../lib/config.ts";
import { FUNCTION_NAMES } from "../lib/routing.ts";

export const infoEnv = baseEnv.extend(storageEnv.shape).extend({
  /** Each function's public URLs, e.g. `{"info":["https://ml-info-service.com/"]}`; the chart derives it from the Ingress hosts. */
  SKIFF_SERVICE_URLS: jsonSetting(
    z.partialRecord(z.enum(FUNCTION_NAMES), z.array(z.url())),
  ).default({}),
});

export type InfoEnv = z.infer<typeof infoEnv>;
