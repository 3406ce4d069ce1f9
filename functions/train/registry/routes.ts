/**
 * @module train/registry/routes
 * The registry's write side over HTTP.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { InvalidRequestError, UnsupportedMediaTypeError } from "../../lib/errors.ts";
import type { ObjectStore } from "../../lib/storage/object-store.ts";
import { removeAlias, setAlias } from "./aliases.ts";
import { registerUploadedModel } from "./bring-your-own.ts";
import {
  deleteAliasRoute,
  deleteVersionRoute,
  setAliasRoute,
  uploadModelRoute,
} from "./definitions.ts";
import { deleteVersion } from "./versions.ts";

export function mountRegistry(routes: OpenAPIHono, store: ObjectStore): void {
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
    const type = c.req.header("content-type");
    if (!type?.startsWith("multipart/form-data"))
      throw new UnsupportedMediaTypeError("multipart/form-data", type);
    // A form the parser cannot read (no boundary, a cut-off part) is the client's error.
    const form = await c.req.parseBody().catch((error: unknown) => {
      throw new InvalidRequestError("the body is not a valid multipart form", { cause: error });
    });
    const file = form.model;
    if (!(file instanceof File))
      throw new InvalidRequestError("form field model must be the ONNX file");
    let metadata: unknown;
    try {
      metadata = JSON.parse(
        typeof form.metadata === "string"
          ? form.metadata
          : ((await (form.metadata as File | undefined)?.text()) ?? ""),
      );
    } catch {
      throw new InvalidRequestError("form field metadata must be the model's metadata as JSON");
    }
    const { version } = await registerUploadedModel(
      store,
      name,
      new Uint8Array(await file.arrayBuffer()),
      metadata,
    );
    return c.json({ model: name, version }, 201);
  });

  routes.openapi(deleteVersionRoute, async (c) => {
    const { name, version } = c.req.valid("param");
    await deleteVersion(store, name, version);
    return c.body(null, 204);
  });
}
