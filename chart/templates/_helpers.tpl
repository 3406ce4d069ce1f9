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

{{/*
Knative Service name of a function; takes (dict "root" $ "function" "serve" "model" "iris").
With a model it is the per-model serve Service <fullname>-serve-<model>. Never truncated:
validateValues rejects names too long for a revision name (<ksvc>-00001 must fit 63).
*/}}
{{- define "skiff.ksvcName" -}}
{{- if .model -}}
{{- printf "%s-%s-%s" (include "skiff.fullname" .root) .function .model -}}
{{- else -}}
{{- printf "%s-%s" (include "skiff.fullname" .root) .function -}}
{{- end -}}
{{- end -}}

{{/* The cluster-local host Knative answers for a ksvc; takes (dict "root" $ "name" ksvc). */}}
{{- define "skiff.clusterLocalHost" -}}
{{- printf "%s.%s.svc.%s" .name .root.Release.Namespace .root.Values.clusterDomain -}}
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

{{/* The one image every function runs from; the tag defaults to the chart's appVersion. */}}
{{- define "skiff.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* imagePullSecrets of a pod spec (renders nothing when there are none). */}}
{{- define "skiff.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets -}}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end -}}
{{- end -}}

{{/* Hardened container securityContext; only fields Knative accepts without feature flags. */}}
{{- define "skiff.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Pod securityContext for pods that are not Knative's (Knative needs a feature flag for it). */}}
{{- define "skiff.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* JSON list of the functions this chart deploys. */}}
{{- define "skiff.enabledFunctions" -}}
{{- $fns := list -}}
{{- range $fn := list "info" "serve" "train" -}}
{{- if (get $.Values $fn).enabled -}}
{{- $fns = append $fns $fn -}}
{{- end -}}
{{- end -}}
{{- toJson $fns -}}
{{- end -}}

{{/*
JSON routing table of ingress.hosts with only the paths whose function is enabled (a host with
none left keeps an empty list, so not-found still answers it). Same shape as
functions/lib/routing.ts's table; a model host keeps its "model".
*/}}
{{- define "skiff.hostRoutes" -}}
{{- $enabled := include "skiff.enabledFunctions" . | fromJsonArray -}}
{{- $routes := list -}}
{{- range .Values.ingress.hosts -}}
{{- $paths := list -}}
{{- range .paths -}}
{{- if has .function $enabled -}}
{{- $paths = append $paths (dict "path" .path "function" .function) -}}
{{- end -}}
{{- end -}}
{{- $entry := dict "host" .host "paths" $paths -}}
{{- with .model }}{{ $_ := set $entry "model" . }}{{ end -}}
{{- $routes = append $routes $entry -}}
{{- end -}}
{{- toJson $routes -}}
{{- end -}}

{{/* The routing table actually served: skiff.hostRoutes, or none without ingress.enabled. */}}
{{- define "skiff.routes" -}}
{{- if .Values.ingress.enabled -}}
{{- include "skiff.hostRoutes" . -}}
{{- else -}}
{{- toJson list -}}
{{- end -}}
{{- end -}}

{{/*
JSON routing table for not-found's SKIFF_ROUTES: host and paths only. Taken from ingress.hosts
even without ingress.enabled, since not-found needs at least one host to start.
*/}}
{{- define "skiff.routesForNotFound" -}}
{{- $out := list -}}
{{- range include "skiff.hostRoutes" . | fromJsonArray -}}
{{- $out = append $out (dict "host" .host "paths" .paths) -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/*
JSON list of every routed path with the Knative Service behind it:
[{host, path, function, ksvc}], in ingress.hosts order.
*/}}
{{- define "skiff.backendRoutes" -}}
{{- $root := . -}}
{{- $out := list -}}
{{- range include "skiff.routes" . | fromJsonArray -}}
{{- $host := .host -}}
{{- $model := .model | default "" -}}
{{- range .paths -}}
{{- $ksvc := include "skiff.ksvcName" (dict "root" $root "function" .function "model" $model) -}}
{{- $out = append $out (dict "host" $host "path" .path "function" .function "ksvc" $ksvc) -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/* JSON list of the models that have a host of their own (each once), when serve is on. */}}
{{- define "skiff.modelHosts" -}}
{{- $models := list -}}
{{- if .Values.serve.enabled -}}
{{- range include "skiff.routes" . | fromJsonArray -}}
{{- if and .model .paths (not (has .model $models)) -}}
{{- $models = append $models .model -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson $models -}}
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

{{/* The Secret with the S3 credentials and the API token: the user's, or the chart's. */}}
{{- define "skiff.secretName" -}}
{{- .Values.credentials.existingSecret | default (include "skiff.componentName" (dict "root" . "component" "credentials")) -}}
{{- end -}}

{{/* The S3 endpoint the functions use: the bundled MinIO's Service, or s3.endpoint. */}}
{{- define "skiff.s3Endpoint" -}}
{{- if .Values.minio.enabled -}}
{{- printf "http://%s.%s.svc.%s:9000" (include "skiff.componentName" (dict "root" . "component" "minio")) .Release.Namespace .Values.clusterDomain -}}
{{- else -}}
{{- .Values.s3.endpoint -}}
{{- end -}}
{{- end -}}

{{/* An env entry read from the credentials Secret; takes (dict "root" $ "env" NAME "key" keyName). */}}
{{/*
checksum/credentials, on the template of every pod that reads the credentials Secret: env
from a Secret is read only when a container starts, so a rotation must roll those pods (and
make new Knative revisions). It hashes what the chart decides about the Secret: its name, its
keys and the values given for a chart-made one. Generated values are left out: they are kept
from install to install, and under `helm template` they differ on every render, which would
roll every pod each time. The chart never reads a Secret of the user's own (existingSecret), so
rotating one takes a new rollout.
*/}}
{{- define "skiff.credentialsChecksum" -}}
{{- $c := .Values.credentials -}}
{{- dict "secret" (include "skiff.secretName" .) "keys" $c.keys "values" (pick $c "accessKeyId" "secretAccessKey" "apiToken") | toJson | sha256sum -}}
{{- end -}}

{{- define "skiff.secretEnv" -}}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ include "skiff.secretName" .root }}
      key: {{ get .root.Values.credentials.keys .key }}
{{- end -}}

{{/* Env every function reads (functions/lib/config.ts baseEnv); PORT is Knative's to set. */}}
{{- define "skiff.baseEnv" -}}
- name: SKIFF_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: SKIFF_JSON_BODY_LIMIT
  value: {{ .Values.limits.requestBodyBytes | int64 | quote }}
{{- end -}}

{{/* Env of functions that use the bucket (functions/lib/config.ts storageEnv); credentials by reference only. */}}
{{- define "skiff.storageEnv" -}}
- name: SKIFF_S3_ENDPOINT
  value: {{ include "skiff.s3Endpoint" . | quote }}
- name: SKIFF_S3_REGION
  value: {{ .Values.s3.region | quote }}
- name: SKIFF_S3_BUCKET
  value: {{ .Values.s3.bucket | quote }}
- name: SKIFF_S3_FORCE_PATH_STYLE
  value: {{ .Values.s3.forcePathStyle | toString | quote }}
- name: SKIFF_STORAGE_TIMEOUT_MS
  value: {{ .Values.s3.timeoutMs | int64 | quote }}
{{ include "skiff.secretEnv" (dict "root" . "env" "SKIFF_S3_ACCESS_KEY_ID" "key" "accessKeyId") }}
{{ include "skiff.secretEnv" (dict "root" . "env" "SKIFF_S3_SECRET_ACCESS_KEY" "key" "secretAccessKey") }}
{{- end -}}

{{/*
train's own env (functions/train/config.ts trainEnv), besides storage: the token by reference,
and the Kubernetes executor's Job. The Jobs run in the release namespace (a literal, since
Knative rejects fieldRef env without a feature flag), with this chart's image, the token-less
train-job ServiceAccount, and the S3 credentials from the same Secret by reference.
*/}}
{{- define "skiff.trainEnv" -}}
{{- $job := .Values.train.job -}}
{{ include "skiff.secretEnv" (dict "root" . "env" "SKIFF_API_TOKEN" "key" "apiToken") }}
- name: SKIFF_RUN_EXECUTOR
  value: "kubernetes"
- name: SKIFF_JOB_IMAGE
  value: {{ include "skiff.image" . | quote }}
- name: SKIFF_JOB_NAMESPACE
  value: {{ .Release.Namespace | quote }}
- name: SKIFF_JOB_SERVICE_ACCOUNT
  value: {{ include "skiff.componentName" (dict "root" . "component" "train-job") | quote }}
- name: SKIFF_JOB_SECRET_NAME
  value: {{ include "skiff.secretName" . | quote }}
- name: SKIFF_JOB_SECRET_ACCESS_KEY_ID_KEY
  value: {{ .Values.credentials.keys.accessKeyId | quote }}
- name: SKIFF_JOB_SECRET_SECRET_ACCESS_KEY_KEY
  value: {{ .Values.credentials.keys.secretAccessKey | quote }}
- name: SKIFF_JOB_CPU
  value: {{ $job.cpu | toString | quote }}
- name: SKIFF_JOB_MEMORY
  value: {{ $job.memory | toString | quote }}
- name: SKIFF_JOB_BACKOFF_LIMIT
  value: {{ $job.backoffLimit | int | quote }}
- name: SKIFF_JOB_TTL_SECONDS
  value: {{ $job.ttlSecondsAfterFinished | int | quote }}
- name: SKIFF_JOB_DEADLINE_SECONDS
  value: {{ $job.activeDeadlineSeconds | int | quote }}
- name: SKIFF_DATASET_MAX_BYTES
  value: {{ .Values.train.maxUploadBytes | int64 | quote }}
- name: SKIFF_DATASET_MAX_INFLATE_RATIO
  value: {{ .Values.train.maxInflateRatio | int64 | quote }}
- name: SKIFF_MODEL_UPLOAD_MAX_BYTES
  value: {{ .Values.train.maxModelUploadBytes | int64 | quote }}
{{- range $key, $value := .Values.train.settings }}
- name: {{ $key }}
  value: {{ include "skiff.settingValue" $value | quote }}
{{- end }}
{{- end -}}

{{/*
One of serve.settings' or train.settings' values as env text. A whole number (from --set, or
unquoted in a values file, where it is a float) is printed in digits: toString would give
536870912 as 5.36870912e+08.
*/}}
{{- define "skiff.settingValue" -}}
{{- if kindIs "string" . -}}
{{- . -}}
{{- else -}}
{{- int64 . -}}
{{- end -}}
{{- end -}}

{{/*
A number of values.yaml that --set may give as a string ("0.01"), printed the same way
whichever it is: 0.01, "0.01" and "1e-2" all become 0.01.
*/}}
{{- define "skiff.number" -}}
{{- float64 . -}}
{{- end -}}

{{/*
A byte count as an nginx size; takes the number: 67108864 -> "64m", 10737418240 -> "10g";
plain bytes when not whole.
*/}}
{{- define "skiff.nginxSize" -}}
{{- $bytes := . | int64 -}}
{{- if eq (mod $bytes 1073741824) 0 -}}
{{- printf "%dg" (div $bytes 1073741824) -}}
{{- else if eq (mod $bytes 1048576) 0 -}}
{{- printf "%dm" (div $bytes 1048576) -}}
{{- else if eq (mod $bytes 1024) 0 -}}
{{- printf "%dk" (div $bytes 1024) -}}
{{- else -}}
{{- printf "%d" $bytes -}}
{{- end -}}
{{- end -}}

{{/*
Seconds in a duration of the schema's form (whole h, m and s in that order, or "0"), e.g.
"1h30s" -> 3630. A pattern cannot bound the sum, so validateValues compares this instead.
*/}}
{{- define "skiff.durationSeconds" -}}
{{- $d := toString . -}}
{{- $h := regexFind "[0-9]+h" $d | trimSuffix "h" | default "0" -}}
{{- $m := regexFind "[0-9]+m" $d | trimSuffix "m" | default "0" -}}
{{- $s := regexFind "[0-9]+s" $d | trimSuffix "s" | default "0" -}}
{{- add (mul (atoi $h) 3600) (mul (atoi $m) 60) (atoi $s) -}}
{{- end -}}

{{/*
A Kubernetes quantity as a number of its unit (cores, bytes), printed so that `float64` reads
it back: "500m" -> 0.5, "128Mi" -> 134217728, "1e9" and "1G" -> 1e+09. Decimal suffixes are
rewritten as exponents and parsed once, binary ones scale by a power of two, so every form of
one value gives the same float: a request written "500m" under a limit of "0.5" is not above it.
*/}}
{{- define "skiff.quantity" -}}
{{- $q := toString . -}}
{{- $binary := regexFind "[KMGTPE]i$" $q -}}
{{- if $binary -}}
{{- $factor := get (dict "Ki" "1024" "Mi" "1048576" "Gi" "1073741824" "Ti" "1099511627776" "Pi" "1125899906842624" "Ei" "1152921504606846976") $binary -}}
{{- mulf (trimSuffix $binary $q | float64) ($factor | float64) -}}
{{- else -}}
{{- $suffix := regexFind "[numkMGTPE]$" $q -}}
{{- $exponent := get (dict "n" "e-9" "u" "e-6" "m" "e-3" "k" "e3" "M" "e6" "G" "e9" "T" "e12" "P" "e15" "E" "e18") $suffix -}}
{{- printf "%s%s" (trimSuffix $suffix $q) $exponent | float64 -}}
{{- end -}}
{{- end -}}

{{/* Checks the schema cannot express; fails once, listing every problem. */}}
{{- define "skiff.validateValues" -}}
{{- $root := . -}}
{{- $errors := list -}}
{{- if and .Values.minio.enabled .Values.s3.endpoint -}}
{{- $errors = append $errors (printf "s3.endpoint: %q is set while minio.enabled is true; set minio.enabled=false to use an external S3 endpoint" .Values.s3.endpoint) -}}
{{- end -}}
{{- if and (not .Values.minio.enabled) (not .Values.s3.endpoint) -}}
{{- $errors = append $errors "s3.endpoint: required when minio.enabled is false (the URL of your S3 service)" -}}
{{- end -}}
{{- if and .Values.credentials.existingSecret (or .Values.credentials.accessKeyId .Values.credentials.secretAccessKey .Values.credentials.apiToken) -}}
{{- $errors = append $errors "credentials: give either existingSecret or literal values, not both (the literal values would be ignored)" -}}
{{- end -}}
{{- $keys := .Values.credentials.keys -}}
{{- if or (eq $keys.accessKeyId $keys.secretAccessKey) (eq $keys.accessKeyId $keys.apiToken) (eq $keys.secretAccessKey $keys.apiToken) -}}
{{- $errors = append $errors "credentials.keys: accessKeyId, secretAccessKey and apiToken must be three different keys" -}}
{{- end -}}
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
{{- $maxTimeout := int .Values.knative.maxRevisionTimeoutSeconds -}}
{{- range $fn := list "info" "serve" "train" -}}
{{- $timeout := int (get $root.Values $fn).timeoutSeconds -}}
{{- if gt $timeout $maxTimeout -}}
{{- $errors = append $errors (printf "%s.timeoutSeconds: %d is above knative.maxRevisionTimeoutSeconds (%d); Knative refuses a revision timeout above its max-revision-timeout-seconds (config-defaults in knative-serving): lower %s.timeoutSeconds, or raise max-revision-timeout-seconds and set knative.maxRevisionTimeoutSeconds to the same value" $fn $timeout $maxTimeout $fn) -}}
{{- end -}}
{{- with (get $root.Values $fn).autoscaling -}}
{{- if and (gt (int .maxScale) 0) (lt (int .maxScale) (int .minScale)) -}}
{{- $errors = append $errors (printf "%s.autoscaling.maxScale: %d is below minScale %d (use 0 for unlimited)" $fn (int .maxScale) (int .minScale)) -}}
{{- end -}}
{{- if and (gt (int .maxScale) 0) (gt (int .initialScale) (int .maxScale)) -}}
{{- $errors = append $errors (printf "%s.autoscaling.initialScale: %d is above maxScale %d" $fn (int .initialScale) (int .maxScale)) -}}
{{- end -}}
{{- if and (eq (int .initialScale) 0) (not $root.Values.knative.allowZeroInitialScale) -}}
{{- $errors = append $errors (printf "%s.autoscaling.initialScale: 0 needs Knative's allow-zero-initial-scale (config-autoscaler in knative-serving), which is \"false\" unless changed: set it to \"true\" there and knative.allowZeroInitialScale=true, or use an initialScale of 1 or more" $fn) -}}
{{- end -}}
{{- if lt (include "skiff.number" .target | float64) 0.01 -}}
{{- $errors = append $errors (printf "%s.autoscaling.target: %v is below 0.01, the smallest target Knative accepts" $fn .target) -}}
{{- end -}}
{{- $delay := include "skiff.durationSeconds" .scaleDownDelay | int -}}
{{- if gt $delay 3600 -}}
{{- $errors = append $errors (printf "%s.autoscaling.scaleDownDelay: %q is %ds; Knative allows 0s..1h (3600s)" $fn (toString .scaleDownDelay) $delay) -}}
{{- end -}}
{{- end -}}
{{- $ksvc := include "skiff.ksvcName" (dict "root" $root "function" $fn) -}}
{{- if gt (len $ksvc) 57 -}}
{{- $errors = append $errors (printf "the Knative Service name %q is %d characters; with the revision suffix -00001 it must stay within 57 (use a shorter release name or fullnameOverride)" $ksvc (len $ksvc)) -}}
{{- end -}}
{{- end -}}
{{- /*
The API server refuses a pod whose request is above its limit; a Knative Service installs and
its Revision then fails with no word to Helm. train.job has no such pair: its cpu and memory
are each both the request and the limit of a training Job's pod. Model hosts take serve's.
*/ -}}
{{- range $component := list "info" "serve" "train" "notFound" "minio" "bootstrap" "tests" -}}
{{- $limits := (get $root.Values $component).resources.limits -}}
{{- range $name, $request := (get $root.Values $component).resources.requests -}}
{{- if hasKey $limits $name -}}
{{- $limit := get $limits $name -}}
{{- if gt (include "skiff.quantity" $request | float64) (include "skiff.quantity" $limit | float64) -}}
{{- $errors = append $errors (printf "%s.resources.requests.%s (%v) is above %s.resources.limits.%s (%v)" $component $name $request $component $name $limit) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if and .Values.train.enabled (not .Values.rbac.train.create) -}}
{{- $errors = append $errors "train.enabled: train needs rbac.train.create (its ServiceAccount starts each run as a Job); set train.enabled=false or rbac.train.create=true" -}}
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
{{- if and .Values.tests.enabled .Values.tests.demoModel.name (not .Values.serve.enabled) -}}
{{- $errors = append $errors "tests.demoModel.name: the predict test needs serve.enabled" -}}
{{- end -}}
{{- if $errors -}}
{{- fail (printf "\n\nVALUES VALIDATION:\n- %s\n" (join "\n- " $errors)) -}}
{{- end -}}
{{- end -}}
