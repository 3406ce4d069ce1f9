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

{{/*
Checks the schema cannot express; fails once, listing every problem. Each topic's checks are in
its own _validate-<topic>.tpl.
*/}}
{{- define "skiff.validateValues" -}}
{{- $errors := list -}}
{{- range $topic := list "storage" "routing" "knative" "workloads" -}}
{{- $errors = concat $errors (include (printf "skiff.validate.%s" $topic) $ | fromJsonArray) -}}
{{- end -}}
{{- if $errors -}}
{{- fail (printf "\n\nVALUES VALIDATION:\n- %s\n" (join "\n- " $errors)) -}}
{{- end -}}
{{- end -}}
