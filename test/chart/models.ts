import { Service as KnativeService } from "@kubernetes-models/knative/serving.knative.dev/v1/Service";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { Job } from "kubernetes-models/batch/v1/Job";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { Pod } from "kubernetes-models/v1/Pod";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { GATEWAY_API_TYPES, validateGatewayApi } from "./gateway-api-schemas.ts";
import { describe, type K8sObject, typeOf } from "./render.ts";

type ModelClass = new (data: never) => { validate(): void };

/** Every apiVersion/kind the chart may render; anything else is an error, not a skip. */
const MODELS: Record<string, ModelClass> = {
  "apps/v1/Deployment": Deployment,
  "apps/v1/StatefulSet": StatefulSet,
  "batch/v1/Job": Job,
  "v1/Pod": Pod,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "v1/ServiceAccount": ServiceAccount,
  "rbac.authorization.k8s.io/v1/Role": Role,
  "rbac.authorization.k8s.io/v1/RoleBinding": RoleBinding,
  "networking.k8s.io/v1/Ingress": Ingress,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "serving.knative.dev/v1/Service": KnativeService,
};

/** Validates an object against its schema; throws naming the object on any problem. */
export function validateObject(object: K8sObject): void {
  const type = typeOf(object);
  try {
    if (GATEWAY_API_TYPES.includes(type)) {
      validateGatewayApi(type, object);
      return;
    }
    const Model = MODELS[type];
    if (!Model) throw new Error("no schema model for this kind");
    new Model(object as never).validate();
  } catch (error) {
    const message = (error as Error).message;
    throw new Error(
      message === "no schema model for this kind"
        ? `${describe(object)}: ${message}`
        : `${describe(object)} is invalid: ${message}`,
    );
  }
}
