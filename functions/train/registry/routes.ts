/**
 * @module train/registry/routes
 * The registry's write side over HTTP.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { ObjectStore } from "../../lib/storage/object-store.ts";
import { removeAlias, setAlias } from "./aliases.ts";
import { registerUploadedModel } from "./bring-your-own.ts";
import {
  deleteAliasRoute,
  deleteVersionRoute,
  setAliasRoute,
  uploadModelRoute,
} from "./definitions.ts";
import { readModelUpload } from "./model-upload.ts";
import { deleteVersion } from "./versions.ts";

export interface RegistryContext {
  store: ObjectStore;
  /** SKIFF_MODEL_UPLOAD_MAX_BYTES: the largest registration body. */
  modelUploadMaxBytes: number;
}

export function mountRegistry(routes: OpenAPIHono, ctx: RegistryContext): void {
  const { store } = ctx;
  routes.openapi(setAliasRoute, async (c) => {
    const { name, alias } = c.req.valid("param");
    const aliases = await setAlias(store, name, alias, c.req.valid("json").version);
    return c.json({ model: name, aliases }, 200);
  });

  routes.openapi(deleteAliasRoute, async (c) => {
    const { name, alias } = c.req.valid("param");
    return c.json({ model: name, aliases: await removeAlias(store, name, alias) }, 200);
  });

  routes.openapi(uploadModelRoute, async (c) => {
    const { name } = c.req.valid("param");
    const upload = await readModelUpload(c.req.raw, ctx.modelUploadMaxBytes);
    const { version } = await registerUploadedModel(ctx.store, name, upload.onnx, upload.metadata);
    return c.json({ model: name, version }, 201);
  });

  routes.openapi(deleteVersionRoute, async (c) => {
    const { name, version } = c.req.valid("param");
    await deleteVersion(store, name, version);
    return c.body(null, 204);
  });
}
