import type { IIngress } from "kubernetes-models/networking.k8s.io/v1/Ingress";

/** The Service a request is sent to. */
export interface Backend {
  service: string;
  port: number | string;
}

type IngressBackend = NonNullable<NonNullable<IIngress["spec"]>["defaultBackend"]>;
type IngressRule = NonNullable<NonNullable<IIngress["spec"]>["rules"]>[number];

/** The Ingress objects among rendered objects. */
export function ingressesOf(objects: readonly { apiVersion: string; kind: string }[]): IIngress[] {
  return objects.filter(
    (o): o is IIngress => o.apiVersion === "networking.k8s.io/v1" && o.kind === "Ingress",
  );
}

function segments(path: string): string[] {
  return path.split("/").filter((segment) => segment !== "");
}

/** Prefix matching is per path element: /info matches /info and /info/x, not /information. */
function prefixMatches(prefix: string, path: string): boolean {
  const wanted = segments(prefix);
  const actual = segments(path);
  return wanted.every((segment, i) => actual[i] === segment);
}

function toBackend(backend: IngressBackend | undefined): Backend | undefined {
  const service = backend?.service;
  if (!service) return undefined;
  return { service: service.name, port: service.port?.number ?? service.port?.name ?? "" };
}

/**
 * Which backend Service answers `host` + `path`, by Ingress semantics across all objects:
 * rules for the exact host (host-less rules only when none name it), the longest matching
 * path (Exact beats Prefix on a tie), else the defaultBackend of an Ingress with rules for
 * that host, else that of a rule-less (catch-all) Ingress. undefined: the controller's own 404.
 * Throws when two backends claim the same host and path.
 */
export function resolveBackend(
  ingresses: readonly IIngress[],
  host: string,
  path: string,
): Backend | undefined {
  const requestPath = path.split("?")[0] ?? "/";
  const rulesOf = (match: (rule: IngressRule) => boolean) =>
    ingresses.flatMap((ing) => (ing.spec?.rules ?? []).filter(match));
  const named = rulesOf((rule) => rule.host === host);
  const rules = named.length > 0 ? named : rulesOf((rule) => rule.host === undefined);

  let best: { length: number; exact: boolean; backend: IngressBackend } | undefined;
  for (const rule of rules) {
    for (const candidate of rule.http?.paths ?? []) {
      const prefix = candidate.path ?? "/";
      const exact = candidate.pathType === "Exact";
      const matches = exact ? prefix === requestPath : prefixMatches(prefix, requestPath);
      if (!matches) continue;
      const length = segments(prefix).length;
      if (best && length === best.length && exact === best.exact) {
        // Controllers settle such a tie by Ingress age, so the chart must never render one.
        const [a, b] = [toBackend(best.backend), toBackend(candidate.backend)];
        if (a?.service !== b?.service || a?.port !== b?.port) {
          throw new Error(`${host}${prefix} is claimed by both ${a?.service} and ${b?.service}`);
        }
      }
      if (!best || length > best.length || (length === best.length && exact && !best.exact)) {
        best = { length, exact, backend: candidate.backend };
      }
    }
  }
  if (best) return toBackend(best.backend);

  const forHost = ingresses.find(
    (ing) => ing.spec?.defaultBackend && ing.spec.rules?.some((rule) => rule.host === host),
  );
  const catchAll = ingresses.find(
    (ing) => ing.spec?.defaultBackend && (ing.spec.rules ?? []).length === 0,
  );
  return toBackend((forHost ?? catchAll)?.spec?.defaultBackend);
}

/** The parts of an HTTPRoute (gateway.networking.k8s.io/v1) this resolver reads. */
export interface HttpRoute {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    hostnames?: string[];
    rules?: {
      matches?: { path?: { type?: string; value?: string } }[];
      filters?: { type: string; urlRewrite?: { hostname?: string } }[];
      backendRefs?: {
        group?: string;
        kind?: string;
        name: string;
        namespace?: string;
        port?: number;
      }[];
    }[];
  };
}

/** Where an HTTPRoute rule sends a request: the Service, and the Host it rewrites to, if any. */
export interface RouteBackend {
  service: string;
  namespace: string | undefined;
  port: number | undefined;
  hostRewrite: string | undefined;
  route: string;
}

export function httpRoutesOf(
  objects: readonly { apiVersion: string; kind: string }[],
): HttpRoute[] {
  return objects.filter(
    (o): o is HttpRoute =>
      o.apiVersion === "gateway.networking.k8s.io/v1" && o.kind === "HTTPRoute",
  );
}

/**
 * Which backend answers `host` + `path` by Gateway API semantics: the routes that name the
 * host exactly (wildcards are not rendered) form its virtual host; only when none does, the
 * routes without hostnames answer. Among matching rules the longest PathPrefix wins (prefixes
 * match whole path elements). undefined: the gateway's own 404. Throws on a tie between
 * different backends, which implementations settle by route age: the chart must not render one.
 */
export function resolveHttpRoute(
  routes: readonly HttpRoute[],
  host: string,
  path: string,
): RouteBackend | undefined {
  const requestPath = path.split("?")[0] ?? "/";
  const named = routes.filter((r) => r.spec.hostnames?.includes(host));
  const candidates = named.length > 0 ? named : routes.filter((r) => !r.spec.hostnames?.length);
  let best: { length: number; backend: RouteBackend } | undefined;
  for (const route of candidates) {
    for (const rule of route.spec.rules ?? []) {
      const matches = rule.matches?.length
        ? rule.matches
        : [{ path: { type: "PathPrefix", value: "/" } }];
      for (const match of matches) {
        const type = match.path?.type ?? "PathPrefix";
        const prefix = match.path?.value ?? "/";
        if (type !== "PathPrefix") throw new Error(`${route.metadata.name}: unexpected ${type}`);
        if (!prefixMatches(prefix, requestPath)) continue;
        const [ref, ...more] = rule.backendRefs ?? [];
        if (!ref || more.length > 0)
          throw new Error(`${route.metadata.name}: expected one backendRef`);
        const backend: RouteBackend = {
          service: ref.name,
          namespace: ref.namespace,
          port: ref.port,
          hostRewrite: rule.filters?.find((f) => f.type === "URLRewrite")?.urlRewrite?.hostname,
          route: route.metadata.name,
        };
        const length = prefix === "/" ? 0 : prefix.length;
        if (best && best.length === length) {
          const [a, b] = [best.backend, backend];
          if (a.service !== b.service || a.hostRewrite !== b.hostRewrite) {
            throw new Error(`${host}${prefix} is claimed by both ${a.route} and ${b.route}`);
          }
        }
        if (!best || length > best.length) best = { length, backend };
      }
    }
  }
  return best?.backend;
}

/** What the Knative gateway is: its Service, the namespace the release's routes live in. */
export interface KnativeGateway {
  name: string;
  namespace: string;
  releaseNamespace: string;
}

/**
 * The Service that finally answers `host` + `path` through whichever routing objects were
 * rendered: a Knative Service's name (after checking that the request reaches the Knative
 * gateway with that Service's cluster-local Host, the only way Knative routes it) or a plain
 * Service's name (not-found). undefined: nothing answers but the controller's own 404.
 */
export function reach(
  objects: readonly { apiVersion: string; kind: string }[],
  host: string,
  path: string,
  gateway: KnativeGateway,
): string | undefined {
  const clusterLocalSuffix = `.${gateway.releaseNamespace}.svc.cluster.local`;
  const routes = httpRoutesOf(objects);
  if (routes.length > 0) {
    const backend = resolveHttpRoute(routes, host, path);
    if (!backend) return undefined;
    if (backend.service === gateway.name && backend.namespace === gateway.namespace) {
      const rewrite = backend.hostRewrite ?? "";
      if (!rewrite.endsWith(clusterLocalSuffix)) {
        throw new Error(
          `${host}${path} reaches the Knative gateway with Host ${host}, which Knative does not serve`,
        );
      }
      return rewrite.slice(0, -clusterLocalSuffix.length);
    }
    if (backend.namespace !== undefined && backend.namespace !== gateway.releaseNamespace) {
      throw new Error(`${host}${path} goes to ${backend.namespace}/${backend.service}`);
    }
    return backend.service;
  }
  const ingresses = ingressesOf(objects as { apiVersion: string; kind: string }[]);
  const backend = resolveBackend(ingresses, host, path);
  if (!backend) return undefined;
  const owner = ingresses.find((ing) =>
    [
      ing.spec?.defaultBackend,
      ...(ing.spec?.rules ?? []).flatMap((r) => (r.http?.paths ?? []).map((p) => p.backend)),
    ].some((b) => b?.service?.name === backend.service),
  );
  const vhost = owner?.metadata?.annotations?.["nginx.ingress.kubernetes.io/upstream-vhost"];
  if (vhost !== undefined && vhost !== `${backend.service}${clusterLocalSuffix}`) {
    throw new Error(
      `${backend.service}'s Ingress sends Host ${vhost}, not its own cluster-local host`,
    );
  }
  return backend.service;
}
