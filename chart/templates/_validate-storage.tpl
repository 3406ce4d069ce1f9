{{/* Storage and credentials: where the bucket is, and which Secret keys hold what. Renders its problems as a JSON list. */}}
{{- define "skiff.validate.storage" -}}
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
{{- toJson $errors -}}
{{- end -}}
