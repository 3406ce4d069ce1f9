#!/usr/bin/env bash
# Installs Knative Serving with Kourier as its networking layer on a dev cluster (the current
# kubectl context), at the versions pinned in versions.env, then applies the Knative settings
# skiff relies on (config/). Safe to run again.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "${here}/versions.env"

serving="https://github.com/knative/serving/releases/download/knative-${KNATIVE_SERVING_VERSION}"
kourier="https://github.com/knative-extensions/net-kourier/releases/download/knative-${KOURIER_VERSION}"

echo "Knative Serving ${KNATIVE_SERVING_VERSION}, Kourier ${KOURIER_VERSION}"
kubectl apply -f "${serving}/serving-crds.yaml"
kubectl wait --for=condition=Established --timeout=120s crd/services.serving.knative.dev
kubectl apply -f "${serving}/serving-core.yaml"
kubectl apply -f "${kourier}/kourier.yaml"

# Kourier is the ingress Knative programs; skiff's Ingress or HTTPRoutes reach it through
# kourier-internal (kourier-system) with each function's cluster-local Host.
kubectl patch configmap/config-network -n knative-serving --type merge \
  -p '{"data":{"ingress-class":"kourier.ingress.networking.knative.dev"}}'

# skiff's settings, merged into Knative's own ConfigMaps (their other keys stay as they are).
for file in "${here}"/config/*.yaml; do
  name="$(basename "${file}" .yaml)"
  kubectl patch "configmap/${name}" -n knative-serving --type merge --patch-file "${file}"
done

# A revision's timeoutSeconds may reach max-revision-timeout-seconds only if the activator
# may take as long to drain (its grace period defaults to 600 s).
max_timeout="$(sed -n 's/^ *max-revision-timeout-seconds: *"\([0-9]*\)".*/\1/p' "${here}/config/config-defaults.yaml")"
kubectl patch deployment/activator -n knative-serving --type merge \
  -p "{\"spec\":{\"template\":{\"spec\":{\"terminationGracePeriodSeconds\":${max_timeout}}}}}"

kubectl wait --for=condition=Available --timeout=300s deployment --all -n knative-serving
kubectl wait --for=condition=Available --timeout=300s deployment --all -n kourier-system
echo "Knative Serving is ready."
