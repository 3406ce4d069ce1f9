/**
 * Validates Gateway API objects against the official CRDs' OpenAPI schemas, vendored under
 * schemas/ (see schemas/README.md for why not @kubernetes-models/gateway-api). Fields the
 * schema does not name are errors here, as under strict field validation, instead of being
 * pruned silently as the API server would.
 */
import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import { parse } from "yaml";

const CRD_FILES = [
  "gateway.networking.k8s.io_httproutes.yaml",
  "gateway.networking.k8s.io_referencegrants.yaml",
];

interface Crd {
  spec: {
    group: string;
    names: { kind: string };
    versions: { name: string; served: boolean; schema: { openAPIV3Schema: SchemaNode } }[];
  };
}

type SchemaNode = { [keyword: string]: unknown };

/** Closes every object schema that lists its properties, unless it says unknown fields stay. */
function closeObjects(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) closeObjects(item);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const schema = node as SchemaNode;
  if (
    schema.properties !== undefined &&
    schema.additionalProperties === undefined &&
    schema["x-kubernetes-preserve-unknown-fields"] !== true
  ) {
    schema.additionalProperties = false;
  }
  for (const value of Object.values(schema)) closeObjects(value);
}

function loadValidators(): Map<string, ValidateFunction> {
  // Kubernetes' own keywords (x-kubernetes-*) and formats (int32, ...) are not JSON Schema's.
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  const validators = new Map<string, ValidateFunction>();
  for (const file of CRD_FILES) {
    const crd = parse(readFileSync(new URL(`schemas/${file}`, import.meta.url), "utf8")) as Crd;
    for (const version of crd.spec.versions) {
      if (!version.served) continue;
      const schema = structuredClone(version.schema.openAPIV3Schema);
      // metadata (ObjectMeta) has no properties in a CRD schema, so it stays open.
      closeObjects(schema);
      const type = `${crd.spec.group}/${version.name}/${crd.spec.names.kind}`;
      validators.set(type, ajv.compile(schema));
    }
  }
  return validators;
}

const VALIDATORS = loadValidators();

/** The apiVersion/kind pairs these schemas cover. */
export const GATEWAY_API_TYPES = [...VALIDATORS.keys()];

/** Throws with the schema's errors when `object` does not match its CRD version. */
export function validateGatewayApi(type: string, object: unknown): void {
  const validate = VALIDATORS.get(type);
  if (!validate) throw new Error(`no Gateway API schema for ${type}`);
  if (validate(object)) return;
  const problems = (validate.errors ?? []).map(
    (e) =>
      `${e.instancePath || "/"} ${e.message ?? ""}${e.params && "additionalProperty" in e.params ? ` '${String(e.params.additionalProperty)}'` : ""}`,
  );
  throw new Error(problems.join("; "));
}
