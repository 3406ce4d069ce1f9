{{/* What Knative would refuse after the install has gone through: timeouts, scale bounds, Service names. Renders its problems as a JSON list. */}}
{{- define "skiff.validate.knative" -}}
{{- $root := . -}}
{{- $errors := list -}}
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
{{- toJson $errors -}}
{{- end -}}
