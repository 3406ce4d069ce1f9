/**
 * @module toolchain/control-plane/api
 * A small JSON client for the test API server: what the plane and the cluster tests need (get,
 * create, patch, delete, list) with a bearer token and the plane's CA, and errors that carry the
 * server's own message.
 */
import { request } from "node:https";

export class ApiError extends Error {
  readonly status: number;
  readonly body: { message?: string; reason?: string } | string;
  constructor(status: number, body: ApiError["body"], method: string, path: string) {
    super(`${method} ${path}: ${status} ${typeof body === "string" ? body : (body.message ?? "")}`);
    this.status = status;
    this.body = body;
  }
}

/** An object as the API server answers it, read field by field where a caller knows its shape. */
// biome-ignore lint/suspicious/noExplicitAny: the API's objects are open-ended JSON
export type Json = Record<string, any>;

export type PatchType = "merge" | "strategic" | "json";
const PATCH_TYPES: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  json: "application/json-patch+json",
};

export interface KubeApi {
  server: string;
  get<T = Json>(path: string): Promise<T>;
  create<T = Json>(path: string, body: unknown): Promise<T>;
  patch<T = Json>(path: string, body: unknown, type?: PatchType): Promise<T>;
  delete(path: string, body?: unknown): Promise<void>;
  /** undefined when the object does not exist. */
  find<T = Json>(path: string): Promise<T | undefined>;
  /** The same server as another identity. */
  as(token: string): KubeApi;
}

export function kubeApi(server: string, token: string, ca: string): KubeApi {
  const call = <T>(
    method: string,
    path: string,
    body?: unknown,
    contentType = "application/json",
  ) =>
    new Promise<T>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        `${server}${path}`,
        {
          method,
          ca,
          headers: {
            authorization: `Bearer ${token}`,
            accept: "application/json",
            // Node frames a DELETE's body only when told its length; unframed, the server reads
            // it as the next request on the kept-alive connection.
            ...(payload === undefined
              ? {}
              : { "content-type": contentType, "content-length": Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            text += chunk;
          });
          res.on("end", () => {
            let parsed: Json | string | undefined = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {}
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve(parsed as T);
            else reject(new ApiError(status, parsed ?? "", method, path));
          });
        },
      );
      req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: no answer in 30 s`)));
      req.on("error", reject);
      req.end(payload);
    });
  return {
    server,
    get: (path) => call("GET", path),
    create: (path, body) => call("POST", path, body),
    patch: (path, body, type = "merge") => call("PATCH", path, body, PATCH_TYPES[type]),
    delete: async (path, body) => {
      await call("DELETE", path, body);
    },
    find: async (path) => {
      try {
        return await call("GET", path);
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return undefined;
        throw error;
      }
    },
    as: (other) => kubeApi(server, other, ca),
  };
}
