{{/*
JSON list of ingress.tls entries cut down to the given hosts; takes (dict "root" $ "hosts" list).
Each Ingress carries TLS for its own hosts because some controllers (Traefik) apply TLS per Ingress.
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

{{/*
The Ingress of one Knative function; takes (dict "root" $ "function" "info").
One Ingress per function because ingress-nginx applies annotations (the upstream Host) to
every path of an Ingress. The backend is the ExternalName Service Knative names after the
ksvc, and Knative routes on Host, so nginx rewrites Host to the cluster-local name.
Renders nothing when no enabled path reaches the function.
*/}}
{{- define "skiff.functionIngress" -}}
{{- $root := .root -}}
{{- $fn := .function -}}
{{- $name := include "skiff.componentName" (dict "root" $root "component" $fn) -}}
{{- $rules := list -}}
{{- $hosts := list -}}
{{- range include "skiff.routes" $root | fromJsonArray -}}
{{- $paths := list -}}
{{- range .paths -}}
{{- if eq .function $fn -}}
{{- $paths = append $paths .path -}}
{{- end -}}
{{- end -}}
{{- if $paths -}}
{{- $rules = append $rules (dict "host" .host "paths" $paths) -}}
{{- $hosts = append $hosts .host -}}
{{- end -}}
{{- end -}}
{{- if $rules -}}
{{- $chartAnnotations := dict -}}
{{- if eq $root.Values.ingress.className "nginx" -}}
{{- $nginx := $root.Values.ingress.nginx | default dict -}}
{{- $_ := set $chartAnnotations "nginx.ingress.kubernetes.io/upstream-vhost" (printf "%s.%s.svc.%s" $name $root.Release.Namespace $root.Values.clusterDomain) -}}
{{- with $nginx.proxyBodySize }}{{ $_ := set $chartAnnotations "nginx.ingress.kubernetes.io/proxy-body-size" . }}{{ end -}}
{{- with $nginx.proxyReadTimeout }}{{ $_ := set $chartAnnotations "nginx.ingress.kubernetes.io/proxy-read-timeout" . }}{{ end -}}
{{- with $nginx.proxySendTimeout }}{{ $_ := set $chartAnnotations "nginx.ingress.kubernetes.io/proxy-send-timeout" . }}{{ end -}}
{{- end -}}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ $name }}
  labels:
    {{- include "skiff.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ $fn }}
  {{- with include "skiff.ingressAnnotations" (dict "root" $root "chart" $chartAnnotations) }}
  annotations:
    {{- . | nindent 4 }}
  {{- end }}
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
                name: {{ $name }}
                port:
                  number: 80
          {{- end }}
    {{- end }}
{{- end -}}
{{- end -}}
