{{/*
JSON list of ingress.tls entries cut down to the given hosts; takes (dict "root" $ "hosts" list).
Each Ingress carries TLS for its own hosts because some controllers apply TLS per Ingress.
*/}}
{{- define "skiff.ingressTls" -}}
{{- $hosts := .hosts -}}
{{- $tls := list -}}
{{- range .root.Values.ingress.tls -}}
{{- $matched := list -}}
{{- range .hosts -}}
{{- if has . $hosts -}}
{{- $matched = append $matched . -}}
{{- end -}}
{{- end -}}
{{- if $matched -}}
{{- $tls = append $tls (dict "secretName" .secretName "hosts" $matched) -}}
{{- end -}}
{{- end -}}
{{- toJson $tls -}}
{{- end -}}

{{/* YAML map of ingress.annotations over the given chart annotations (the user's win). */}}
{{- define "skiff.ingressAnnotations" -}}
{{- with merge (dict) (deepCopy (.root.Values.ingress.annotations | default dict)) .chart -}}
{{- toYaml . -}}
{{- end -}}
{{- end -}}

{{/* JSON list of the Knative Services that routes reach, each once: [{ksvc, function}]. */}}
{{- define "skiff.routedServices" -}}
{{- $seen := list -}}
{{- $out := list -}}
{{- range include "skiff.backendRoutes" . | fromJsonArray -}}
{{- if not (has .ksvc $seen) -}}
{{- $seen = append $seen .ksvc -}}
{{- $out = append $out (dict "ksvc" .ksvc "function" .function) -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/*
The ingress-nginx Ingress of one Knative Service; takes (dict "root" $ "ksvc" name "function" fn).
One Ingress per backend host because ingress-nginx applies annotations (the upstream Host) to
every path of an Ingress. The backend is the ExternalName Service Knative names after the
ksvc; Knative routes on Host, so nginx rewrites Host to the cluster-local name. Body size
comes from limits.requestBodyBytes and the read/send timeouts from the function's
timeoutSeconds, so nginx gives up no earlier than Knative would. train's Ingress takes dataset
uploads: its body size is train.maxUploadBytes, and nginx streams request bodies to it instead
of spooling them to disk first (train itself still holds JSON bodies to limits.requestBodyBytes).
*/}}
{{- define "skiff.nginxIngress" -}}
{{- $root := .root -}}
{{- $ksvc := .ksvc -}}
{{- $rules := list -}}
{{- $hosts := list -}}
{{- range include "skiff.routes" $root | fromJsonArray -}}
{{- $host := .host -}}
{{- $model := .model | default "" -}}
{{- $paths := list -}}
{{- range .paths -}}
{{- if eq $ksvc (include "skiff.ksvcName" (dict "root" $root "function" .function "model" $model)) -}}
{{- $paths = append $paths .path -}}
{{- end -}}
{{- end -}}
{{- if $paths -}}
{{- $rules = append $rules (dict "host" $host "paths" $paths) -}}
{{- $hosts = append $hosts $host -}}
{{- end -}}
{{- end -}}
{{- $timeout := (get $root.Values .function).timeoutSeconds | int | toString -}}
{{- $bodyBytes := ternary $root.Values.train.maxUploadBytes $root.Values.limits.requestBodyBytes (eq .function "train") -}}
{{- $chart := dict
  "nginx.ingress.kubernetes.io/upstream-vhost" (include "skiff.clusterLocalHost" (dict "root" $root "name" $ksvc))
  "nginx.ingress.kubernetes.io/proxy-body-size" (include "skiff.nginxSize" $bodyBytes)
  "nginx.ingress.kubernetes.io/proxy-read-timeout" $timeout
  "nginx.ingress.kubernetes.io/proxy-send-timeout" $timeout -}}
{{- if eq .function "train" -}}
{{- $_ := set $chart "nginx.ingress.kubernetes.io/proxy-request-buffering" "off" -}}
{{- end -}}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ $ksvc }}
  labels:
    {{- include "skiff.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .function }}
  annotations:
    {{- include "skiff.ingressAnnotations" (dict "root" $root "chart" $chart) | nindent 4 }}
spec:
  ingressClassName: {{ $root.Values.ingress.className }}
  {{- with include "skiff.ingressTls" (dict "root" $root "hosts" $hosts) | fromJsonArray }}
  tls:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  rules:
    {{- range $rules }}
    - host: {{ .host | quote }}
      http:
        paths:
          {{- range .paths }}
          - path: {{ . | quote }}
            pathType: Prefix
            backend:
              service:
                name: {{ $ksvc }}
                port:
                  number: 80
          {{- end }}
    {{- end }}
{{- end -}}

{{/* JSON list of the hosts whose "/" no function claims: not-found answers their other paths. */}}
{{- define "skiff.hostsWithoutRoot" -}}
{{- $hosts := list -}}
{{- range include "skiff.routes" . | fromJsonArray -}}
{{- $rootTaken := false -}}
{{- range .paths -}}
{{- if eq .path "/" }}{{ $rootTaken = true }}{{ end -}}
{{- end -}}
{{- if not $rootTaken }}{{ $hosts = append $hosts .host }}{{ end -}}
{{- end -}}
{{- toJson $hosts -}}
{{- end -}}
