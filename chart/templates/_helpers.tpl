{{/* Chart name, overridable. */}}
{{- define "skiff.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-scoped name prefix, cut to 63 characters (a DNS label). */}}
{{- define "skiff.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Name of one component's objects; takes (dict "root" $ "component" "info"). */}}
{{- define "skiff.componentName" -}}
{{- printf "%s-%s" (include "skiff.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* chart label value: name-version. */}}
{{- define "skiff.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels for every object. */}}
{{- define "skiff.labels" -}}
helm.sh/chart: {{ include "skiff.chart" . }}
{{ include "skiff.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: skiff
{{- end -}}

{{/* Labels that never change across upgrades, safe for selectors. */}}
{{- define "skiff.selectorLabels" -}}
app.kubernetes.io/name: {{ include "skiff.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The one image every function runs from. */}}
{{- define "skiff.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* Hardened container securityContext; only fields Knative accepts without feature flags. */}}
{{- define "skiff.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* JSON list of the functions this chart deploys; serve and train have no templates yet. */}}
{{- define "skiff.enabledFunctions" -}}
{{- $fns := list -}}
{{- if .Values.info.enabled -}}
{{- $fns = append $fns "info" -}}
{{- end -}}
{{- toJson $fns -}}
{{- end -}}

{{/*
JSON routing table actually served: ingress.hosts with only the paths whose function is
enabled (a host with none left keeps an empty list, so not-found still answers it).
*/}}
{{- define "skiff.routes" -}}
{{- $enabled := include "skiff.enabledFunctions" . | fromJsonArray -}}
{{- $routes := list -}}
{{- if .Values.ingress.enabled -}}
{{- range .Values.ingress.hosts -}}
{{- $paths := list -}}
{{- range .paths -}}
{{- if has .function $enabled -}}
{{- $paths = append $paths (dict "path" .path "function" .function) -}}
{{- end -}}
{{- end -}}
{{- $routes = append $routes (dict "host" .host "paths" $paths) -}}
{{- end -}}
{{- end -}}
{{- toJson $routes -}}
{{- end -}}

{{/* JSON list of every host that has TLS. */}}
{{- define "skiff.tlsHosts" -}}
{{- $hosts := list -}}
{{- range .Values.ingress.tls -}}
{{- $hosts = concat $hosts .hosts -}}
{{- end -}}
{{- toJson $hosts -}}
{{- end -}}

{{/* JSON object: function name -> its public URLs, in ingress.hosts order. */}}
{{- define "skiff.serviceUrls" -}}
{{- $tlsHosts := include "skiff.tlsHosts" . | fromJsonArray -}}
{{- $urls := dict -}}
{{- range include "skiff.routes" . | fromJsonArray -}}
{{- $scheme := ternary "https" "http" (has .host $tlsHosts) -}}
{{- $host := .host -}}
{{- range .paths -}}
{{- $list := get $urls .function | default list -}}
{{- $_ := set $urls .function (append $list (printf "%s://%s%s" $scheme $host .path)) -}}
{{- end -}}
{{- end -}}
{{- toJson $urls -}}
{{- end -}}

{{/* Checks the schema cannot express; fails once, listing every problem. */}}
{{- define "skiff.validateValues" -}}
{{- $errors := list -}}
{{- if not .Values.s3.credentialsSecret.name -}}
{{- $errors = append $errors "s3.credentialsSecret.name: required; name an existing Secret holding the S3 credentials" -}}
{{- end -}}
{{- $knownHosts := list -}}
{{- range $i, $h := .Values.ingress.hosts -}}
{{- if has $h.host $knownHosts -}}
{{- $errors = append $errors (printf "ingress.hosts[%d].host: %q is listed twice; merge its paths into one entry" $i $h.host) -}}
{{- end -}}
{{- $knownHosts = append $knownHosts $h.host -}}
{{- $paths := list -}}
{{- range $j, $p := $h.paths -}}
{{- if not (hasPrefix "/" $p.path) -}}
{{- $errors = append $errors (printf "ingress.hosts[%d].paths[%d].path: %q must start with \"/\"" $i $j $p.path) -}}
{{- end -}}
{{- if has $p.path $paths -}}
{{- $errors = append $errors (printf "ingress.hosts[%d].paths[%d].path: %q is listed twice for host %q" $i $j $p.path $h.host) -}}
{{- end -}}
{{- $paths = append $paths $p.path -}}
{{- end -}}
{{- end -}}
{{- range $i, $t := .Values.ingress.tls -}}
{{- range $t.hosts -}}
{{- if not (has . $knownHosts) -}}
{{- $errors = append $errors (printf "ingress.tls[%d].hosts: %q is not one of ingress.hosts" $i .) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- with .Values.info.autoscaling -}}
{{- if and (gt (int .maxScale) 0) (lt (int .maxScale) (int .minScale)) -}}
{{- $errors = append $errors (printf "info.autoscaling.maxScale: %d is below minScale %d (use 0 for unlimited)" (int .maxScale) (int .minScale)) -}}
{{- end -}}
{{- end -}}
{{- if $errors -}}
{{- fail (printf "\n\nVALUES VALIDATION:\n- %s\n" (join "\n- " $errors)) -}}
{{- end -}}
{{- end -}}
