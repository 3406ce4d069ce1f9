{{/*
The one script every helm test pod runs with `node` from the skiff image (no other image):
one HTTP request, retried while the target cold-starts or loads a model, checked for status,
JSON keys (dotted paths) and an optional substring. Settings come from env:
TARGET_URL, METHOD (GET), BODY (JSON), EXPECT_STATUS, EXPECT_KEYS (a,b.c), EXPECT_TEXT.
*/}}
{{- define "skiff.testScript" -}}
const env = process.env;
const method = env.METHOD || "GET";
const what = `${method} ${env.TARGET_URL}`;
const want = Number(env.EXPECT_STATUS);
const keys = (env.EXPECT_KEYS || "").split(",").filter(Boolean);
const lookup = (body, path) => path.split(".").reduce((o, k) => (o == null ? undefined : o[k]), body);
let last = "no answer";
for (let attempt = 1; attempt <= 10; attempt++) {
  try {
    const res = await fetch(env.TARGET_URL, {
      method,
      headers: env.BODY ? { accept: "application/json", "content-type": "application/json" } : { accept: "application/json" },
      body: env.BODY || undefined,
      signal: AbortSignal.timeout(60000),
    });
    const text = await res.text();
    let body;
    try { body = JSON.parse(text); } catch { body = undefined; }
    const missing = keys.filter((k) => lookup(body, k) === undefined);
    const textOk = !env.EXPECT_TEXT || text.includes(env.EXPECT_TEXT);
    if (res.status === want && missing.length === 0 && textOk) {
      console.log(`ok: ${what} answered ${res.status}: ${text.slice(0, 200)}`);
      process.exit(0);
    }
    last = `${res.status} ${text.slice(0, 300)}${missing.length ? ` (missing ${missing.join(", ")})` : ""}`;
  } catch (error) {
    last = String(error && error.cause ? `${error.message}: ${error.cause.message || error.cause}` : error);
  }
  console.log(`attempt ${attempt}: ${what}: ${last}`);
  await new Promise((resolve) => setTimeout(resolve, 3000));
}
console.error(`FAILED: ${what}: wanted ${want}, got ${last}`);
process.exit(1);
{{- end -}}

{{/*
A helm test Pod; takes (dict "root" $ "name" suffix "url" URL "method" M "body" JSON
"status" N "keys" "a,b" "text" S).
*/}}
{{- define "skiff.testPod" -}}
{{- $root := .root -}}
apiVersion: v1
kind: Pod
metadata:
  name: {{ include "skiff.componentName" (dict "root" $root "component" (printf "test-%s" .name)) }}
  labels:
    {{- include "skiff.labels" $root | nindent 4 }}
    app.kubernetes.io/component: test
  annotations:
    helm.sh/hook: test
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  restartPolicy: Never
  automountServiceAccountToken: false
  enableServiceLinks: false
  securityContext:
    {{- include "skiff.podSecurityContext" $root | nindent 4 }}
  {{- with include "skiff.imagePullSecrets" $root }}
  {{- . | nindent 2 }}
  {{- end }}
  containers:
    - name: check
      image: {{ include "skiff.image" $root | quote }}
      imagePullPolicy: {{ $root.Values.image.pullPolicy }}
      command:
        - node
        - --input-type=module
        - -e
        - |
          {{- include "skiff.testScript" $root | nindent 10 }}
      env:
        - name: TARGET_URL
          value: {{ .url | quote }}
        - name: METHOD
          value: {{ .method | default "GET" | quote }}
        {{- with .body }}
        - name: BODY
          value: {{ . | quote }}
        {{- end }}
        - name: EXPECT_STATUS
          value: {{ .status | toString | quote }}
        {{- with .keys }}
        - name: EXPECT_KEYS
          value: {{ . | quote }}
        {{- end }}
        {{- with .text }}
        - name: EXPECT_TEXT
          value: {{ . | quote }}
        {{- end }}
      securityContext:
        {{- include "skiff.containerSecurityContext" $root | nindent 8 }}
      resources:
        {{- toYaml $root.Values.tests.resources | nindent 8 }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
  volumes:
    - name: tmp
      emptyDir: {}
{{- end -}}
