import type { ValueSet } from "./render.ts";

/** The value sets every chart test renders and lints. */
export const VALUE_SETS: Record<string, ValueSet> = {
  defaults: {},
  "tls on one host, traefik": {
    "ingress.className": "traefik",
    "ingress.tls": [{ secretName: "ml-info-tls", hosts: ["ml-info-service.com"] }],
  },
  "two not-found replicas": { "notFound.replicas": 2 },
  "info kept warm": { "info.autoscaling.minScale": 1 },
  "info disabled": { "info.enabled": false },
  "ingress disabled": { "ingress.enabled": false },
};
