{{/* Hosts, paths and TLS, and the namespace a Gateway API install needs. Renders its problems as a JSON list. */}}
{{- define "skiff.validate.routing" -}}
{{- $root := . -}}
{{- $errors := list -}}
{{- $knownHosts := list -}}
{{- range $i, $h := .Values.ingress.hosts -}}
{{- if has $h.host $knownHosts -}}
{{- $errors = append $errors (printf "ingress.hosts[%d].host: %q is listed twice; merge its paths into one entry" $i $h.host) -}}
{{- end -}}
{{- $knownHosts = append $knownHosts $h.host -}}
{{- $paths := list -}}
{{- range $j, $p := $h.paths -}}
{{- if has $p.path $paths -}}
{{- $errors = append $errors (printf "ingress.hosts[%d].paths[%d].path: %q is listed twice for host %q" $i $j $p.path $h.host) -}}
{{- end -}}
{{- $paths = append $paths $p.path -}}
{{- end -}}
{{- if and $.Values.ingress.enabled (eq $.Values.ingress.mode "gatewayApi") (gt (len $h.paths) 15) -}}
{{- $errors = append $errors (printf "ingress.hosts[%d].paths: %d paths; an HTTPRoute holds at most 16 rules (15 paths plus the not-found rule)" $i (len $h.paths)) -}}
{{- end -}}
{{- if $h.model -}}
{{- $ksvc := include "skiff.ksvcName" (dict "root" $root "function" "serve" "model" $h.model) -}}
{{- if gt (len $ksvc) 57 -}}
{{- $errors = append $errors (printf "ingress.hosts[%d].model: the Knative Service name %q is %d characters; with the revision suffix -00001 it must stay within 57 (shorten the model name or fullnameOverride)" $i $ksvc (len $ksvc)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- range $i, $t := .Values.ingress.tls -}}
{{- range $t.hosts -}}
{{- if not (has . $knownHosts) -}}
{{- $errors = append $errors (printf "ingress.tls[%d].hosts: %q is not one of ingress.hosts" $i .) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- /*
mode gatewayApi creates a ReferenceGrant in the Knative gateway's namespace; where that
namespace does not exist, Helm stops half-way through the install. `lookup` answers {} both
with no cluster to ask (helm template, helm lint, --dry-run=client) and for a missing object,
so kube-system, which every cluster has, tells the two apart: only when it is found is the
gateway's namespace looked up. Helm 4's lookup (pkg/engine/lookup_func.go) turns NotFound into
{} and passes every other error on, so a user who may not get namespaces has the install stop
here, before anything is created, with Helm's own error: `error calling lookup: namespaces
"kube-system" is forbidden: User ... cannot get resource "namespaces" ... at the cluster scope`.
That user sets createReferenceGrant=false (the grant is then someone else's to create), which
skips both lookups.
*/ -}}
{{- $gw := .Values.ingress.gatewayApi -}}
{{- if and .Values.ingress.enabled (eq .Values.ingress.mode "gatewayApi") $gw.createReferenceGrant (include "skiff.backendRoutes" . | fromJsonArray) -}}
{{- if lookup "v1" "Namespace" "" "kube-system" -}}
{{- if not (lookup "v1" "Namespace" "" $gw.knativeGateway.namespace) -}}
{{- $errors = append $errors (printf "ingress.gatewayApi.knativeGateway.namespace: namespace %q does not exist, and the ReferenceGrant that lets the HTTPRoutes reach the Knative gateway Service %q must be created there; set ingress.gatewayApi.knativeGateway.namespace to the namespace that Service is in, or set ingress.gatewayApi.createReferenceGrant=false if the ReferenceGrant is managed elsewhere" $gw.knativeGateway.namespace $gw.knativeGateway.name) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson $errors -}}
{{- end -}}
