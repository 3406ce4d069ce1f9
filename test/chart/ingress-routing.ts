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
