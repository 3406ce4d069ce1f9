import { Service as KnativeService } from "@kubernetes-models/knative/serving.knative.dev/v1/Service";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { Service } from "kubernetes-models/v1/Service";
import { describe, type K8sObject, typeOf } from "./render.ts";

type ModelClass = new (data: never) => { validate(): void };

/** Every apiVersion/kind the chart may render; anything else is an error, not a skip. */
const MODELS: Record<string, ModelClass> = {
  "apps/v1/Deployment": Deployment,
  "v1/Service": Service,
  "networking.k8s.io/v1/Ingress": Ingress,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "serving.knative.dev/v1/Service": KnativeService,
};

/** Validates an object against its schema; throws naming the object on any problem. */
export function validateObject(object: K8sObject): void {
  const Model = MODELS[typeOf(object)];
  if (!Model) throw new Error(`${describe(object)}: no schema model for this kind`);
  try {
    new Model(object as never).validate();
  } catch (error) {
    throw new Error(`${describe(object)} is invalid: ${(error as Error).message}`);
  }
}
