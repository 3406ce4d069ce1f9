{{/* Pods the API server would refuse, and functions missing what they need. Renders its problems as a JSON list. */}}
{{- define "skiff.validate.workloads" -}}
{{- $root := . -}}
{{- $errors := list -}}
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
{{- if and .Values.tests.enabled .Values.tests.demoModel.name (not .Values.serve.enabled) -}}
{{- $errors = append $errors "tests.demoModel.name: the predict test needs serve.enabled" -}}
{{- end -}}
{{- toJson $errors -}}
{{- end -}}
