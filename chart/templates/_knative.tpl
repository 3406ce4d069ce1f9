{{/*
One function as a cluster-local Knative Service. Takes a dict:
  root        the chart's root context ($)
  name        the ksvc name (skiff.ksvcName)
  function    info | serve | train: the image entry (dist/<function>.mjs) and the component label
  values      the function's values (.Values.info, ...): containerConcurrency, timeoutSeconds,
              autoscaling, resources, and singleThreaded where the function has it (serve)
  env         YAML list of the function's own env entries (base env is added here)
  readiness   readiness probe path; liveness   liveness probe path
  apiTokenSecret  optional: a ServiceAccount token Secret mounted where Kubernetes clients
              look for one (train); without it the pod has no API credentials
  extraLabels optional map of extra labels

Knative rules followed here (see KNATIVE-FACTS): visibility is a label on the Service;
autoscaling annotations only on the revision template, all strings; one containerPort and no
PORT env (Knative sets it); container-level securityContext and an emptyDir need no feature
flags; automountServiceAccountToken may only be false.
*/}}
{{- define "skiff.knativeService" -}}
{{- $root := .root -}}
{{- $v := .values -}}
apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: {{ .name }}
  labels:
    {{- include "skiff.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .function }}
    {{- with .extraLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
    # Reached only through the Ingress or HTTPRoutes: no public Knative route.
    networking.knative.dev/visibility: cluster-local
spec:
  template:
    metadata:
      labels:
        {{- include "skiff.selectorLabels" $root | nindent 8 }}
        app.kubernetes.io/component: {{ .function }}
        {{- with .extraLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      # The webhook rejects autoscaling annotations anywhere but the revision template.
      annotations:
        # Every function reads the credentials Secret: a rotation makes a new revision.
        checksum/credentials: {{ include "skiff.credentialsChecksum" $root }}
        {{- with $v.autoscaling }}
        autoscaling.knative.dev/class: kpa.autoscaling.knative.dev
        autoscaling.knative.dev/metric: concurrency
        autoscaling.knative.dev/target: {{ include "skiff.number" .target | quote }}
        autoscaling.knative.dev/min-scale: {{ .minScale | int | quote }}
        autoscaling.knative.dev/max-scale: {{ .maxScale | int | quote }}
        autoscaling.knative.dev/initial-scale: {{ .initialScale | int | quote }}
        autoscaling.knative.dev/scale-down-delay: {{ .scaleDownDelay | quote }}
        {{- end }}
    spec:
      containerConcurrency: {{ $v.containerConcurrency | int }}
      # Also the pod's terminationGracePeriodSeconds (Knative sets it from this).
      timeoutSeconds: {{ $v.timeoutSeconds | int }}
      # Knative accepts only false here. A pod that talks to the API mounts apiTokenSecret.
      automountServiceAccountToken: false
      {{- with include "skiff.imagePullSecrets" $root }}
      {{- . | nindent 6 }}
      {{- end }}
      containers:
        - name: {{ .function }}
          image: {{ include "skiff.image" $root | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          {{- if $v.singleThreaded }}
          # V8 without its helper threads, which on a one-CPU pod take turns with requests.
          command: ["node", "--single-threaded", "dist/{{ .function }}.mjs"]
          {{- else }}
          command: ["node", "dist/{{ .function }}.mjs"]
          {{- end }}
          # Knative sets PORT from this single containerPort; setting PORT by hand is rejected.
          ports:
            - name: http1
              containerPort: 8080
          env:
            {{- include "skiff.baseEnv" $root | nindent 12 }}
            {{- with .env }}
            {{- . | nindent 12 }}
            {{- end }}
          # Run by queue-proxy on the user port; traffic waits until this answers 200.
          readinessProbe:
            httpGet:
              path: {{ .readiness }}
          livenessProbe:
            httpGet:
              path: {{ .liveness }}
          securityContext:
            {{- include "skiff.containerSecurityContext" $root | nindent 12 }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- if .apiTokenSecret }}
            # The in-cluster path of a ServiceAccount token (token, ca.crt, namespace); Knative
            # accepts a secret mount only read-only.
            - name: api-token
              mountPath: /var/run/secrets/kubernetes.io/serviceaccount
              readOnly: true
            {{- end }}
      volumes:
        - name: tmp
          emptyDir: {}
        {{- with .apiTokenSecret }}
        - name: api-token
          secret:
            secretName: {{ . }}
        {{- end }}
{{- end -}}
