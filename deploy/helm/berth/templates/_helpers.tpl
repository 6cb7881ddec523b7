{{/* Names and labels. */}}
{{- define "berth.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "berth.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "berth.labels" -}}
{{ include "berth.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "berth.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* The most replicas that can run at once: the autoscaler's maximum when it is on. */}}
{{- define "berth.maxReplicas" -}}
{{- if .Values.autoscaling.enabled -}}{{ max (int .Values.replicas) (int .Values.autoscaling.maxReplicas) }}{{- else -}}{{ int .Values.replicas }}{{- end -}}
{{- end -}}

{{- define "berth.minReplicas" -}}
{{- if .Values.autoscaling.enabled -}}{{ int .Values.autoscaling.minReplicas }}{{- else -}}{{ int .Values.replicas }}{{- end -}}
{{- end -}}

{{/* The host clients use, from externalURL (no port). */}}
{{- define "berth.host" -}}
{{- (split ":" (urlParse .Values.externalURL).host)._0 -}}
{{- end -}}

{{- define "berth.dataClaim" -}}
{{- .Values.persistence.existingClaim | default (printf "%s-data" (include "berth.fullname" .)) -}}
{{- end -}}

{{- define "berth.secretName" -}}
{{- include "berth.fullname" . -}}
{{- end -}}

{{/*
Every combination the chart refuses, with the reason: rendered once by the Deployment.
*/}}
{{- define "berth.validate" -}}
{{- $max := int (include "berth.maxReplicas" .) -}}
{{- if not .Values.externalURL -}}
{{- fail "externalURL is required: the URL clients use to reach Berth, e.g. --set externalURL=https://registry.example.com" -}}
{{- end -}}
{{- $url := urlParse .Values.externalURL -}}
{{- if or (not (has $url.scheme (list "http" "https"))) (not $url.host) -}}
{{- fail (printf "externalURL must be an http:// or https:// URL with a host, got %q" .Values.externalURL) -}}
{{- end -}}
{{- if and (eq .Values.database.type "embedded") (gt $max 1) -}}
{{- fail (printf "the embedded PostgreSQL runs inside one pod: it allows one replica, not %d; set database.type=external for more" $max) -}}
{{- end -}}
{{- if and (eq .Values.database.type "embedded") .Values.securityContext.openshift -}}
{{- fail "securityContext.openshift leaves the user to the platform, and the embedded PostgreSQL refuses a user without a passwd entry: set database.type=external" -}}
{{- end -}}
{{- if and (eq .Values.database.type "external") (not .Values.database.external.urlSecret.name) (not .Values.database.external.host) -}}
{{- fail "database.type=external needs database.external.host, or database.external.urlSecret.name" -}}
{{- end -}}
{{- if and (eq .Values.database.type "embedded") .Values.migrations.hookJob -}}
{{- fail "migrations.hookJob needs database.type=external: the embedded PostgreSQL belongs to the Berth pod" -}}
{{- end -}}
{{- if and (eq .Values.storage.type "s3") (not .Values.storage.s3.bucket) -}}
{{- fail "storage.type=s3 needs storage.s3.bucket" -}}
{{- end -}}
{{- $needsVolume := or (eq .Values.database.type "embedded") (eq .Values.storage.type "filesystem") -}}
{{- if and $needsVolume (not .Values.persistence.enabled) -}}
{{- fail "persistence.enabled=false would lose the embedded database and filesystem blobs at every restart: enable it, or use database.type=external with storage.type=s3" -}}
{{- end -}}
{{- if and (eq .Values.storage.type "filesystem") (gt $max 1) (not (has "ReadWriteMany" .Values.persistence.accessModes)) -}}
{{- fail (printf "%d replicas share the filesystem storage: persistence.accessModes must include ReadWriteMany (NFS, CephFS, EFS…), or use storage.type=s3" $max) -}}
{{- end -}}
{{- if and .Values.lifecycle.terminationGracePeriodSeconds (le (int .Values.lifecycle.terminationGracePeriodSeconds) (add .Values.lifecycle.shutdownDelaySeconds .Values.lifecycle.drainTimeoutSeconds | int)) -}}
{{- fail "lifecycle.terminationGracePeriodSeconds must exceed shutdownDelaySeconds + drainTimeoutSeconds, or Kubernetes kills pods mid-drain" -}}
{{- end -}}
{{- if and .Values.metrics.serviceMonitor.enabled (not .Values.metrics.enabled) -}}
{{- fail "metrics.serviceMonitor.enabled needs metrics.enabled" -}}
{{- end -}}
{{- end -}}

{{/*
A value of the chart's Secret: what the Secret in the cluster already holds (lookup), so upgrades keep it; else
`generated` (base64). testOnlyExistingSecret stands in for the cluster's Secret where there is none (helm template).
*/}}
{{- define "berth.keptSecretValue" -}}
{{- $ctx := index . 0 -}}
{{- $key := index . 1 -}}
{{- $generated := index . 2 -}}
{{- $existing := lookup "v1" "Secret" $ctx.Release.Namespace (include "berth.secretName" $ctx) -}}
{{- if and (not $existing) $ctx.Values.testOnlyExistingSecret -}}
{{- $existing = $ctx.Values.testOnlyExistingSecret -}}
{{- end -}}
{{- if and $existing (hasKey ($existing.data | default dict) $key) -}}
{{- index $existing.data $key -}}
{{- else -}}
{{- $generated -}}
{{- end -}}
{{- end -}}

{{/* Whether the chart's Secret holds a database password (external server by host, no existing Secret). */}}
{{- define "berth.ownsDatabasePassword" -}}
{{- if and (eq .Values.database.type "external") (not .Values.database.external.urlSecret.name) (not .Values.database.external.existingSecret) -}}true{{- end -}}
{{- end -}}

{{- define "berth.ownsS3Credentials" -}}
{{- if and (eq .Values.storage.type "s3") (not .Values.storage.s3.existingSecret) .Values.storage.s3.accessKey -}}true{{- end -}}
{{- end -}}

{{/* The Berth container's environment: configuration as BERTH_* variables (docs/configuration.md). */}}
{{- define "berth.env" -}}
- name: BERTH_EXTERNAL_URL
  value: {{ .Values.externalURL | quote }}
- name: BERTH_DATA_DIR
  value: /var/lib/berth
- name: BERTH_HTTP_PORT
  value: "8080"
- name: BERTH_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: BERTH_HTTP_SHUTDOWN_DELAY
  value: {{ printf "%ds" (int .Values.lifecycle.shutdownDelaySeconds) | quote }}
- name: BERTH_HTTP_DRAIN_TIMEOUT
  value: {{ printf "%ds" (int .Values.lifecycle.drainTimeoutSeconds) | quote }}
{{- with .Values.http.trustedProxies }}
- name: BERTH_HTTP_TRUSTED_PROXIES
  value: {{ join "," . | quote }}
{{- end }}
- name: BERTH_ADMIN_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.admin.existingSecret | default (include "berth.secretName" .) }}
      key: {{ if .Values.admin.existingSecret }}{{ .Values.admin.existingSecretKey }}{{ else }}admin-password{{ end }}
{{- if eq .Values.database.type "external" }}
{{- with .Values.database.external }}
{{- if .urlSecret.name }}
- name: BERTH_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .urlSecret.name }}
      key: {{ .urlSecret.key }}
{{- else }}
{{- /* The password stays out of the URL: node-postgres (and libpq) read PGPASSWORD, so any character works. */}}
- name: PGPASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret | default (include "berth.secretName" $) }}
      key: {{ if .existingSecret }}{{ .existingSecretPasswordKey }}{{ else }}database-password{{ end }}
- name: BERTH_DATABASE_URL
  value: {{ printf "postgres://%s@%s:%d/%s%s" (urlquery .user) .host (int .port) .database (ternary (printf "?%s" .parameters) "" (ne .parameters "")) | quote }}
{{- end }}
{{- end }}
- name: BERTH_DATABASE_MAX_OPEN_CONNS
  value: {{ .Values.database.maxOpenConns | quote }}
{{- end }}
{{- if eq .Values.storage.type "s3" }}
{{- with .Values.storage.s3 }}
- name: BERTH_STORAGE_S3_BUCKET
  value: {{ .bucket | quote }}
- name: BERTH_STORAGE_S3_REGION
  value: {{ .region | quote }}
{{- if .endpoint }}
- name: BERTH_STORAGE_S3_REGIONENDPOINT
  value: {{ .endpoint | quote }}
{{- end }}
{{- if .rootDirectory }}
- name: BERTH_STORAGE_S3_ROOTDIRECTORY
  value: {{ .rootDirectory | quote }}
{{- end }}
{{- if or .existingSecret .accessKey }}
- name: BERTH_STORAGE_S3_ACCESSKEY
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret | default (include "berth.secretName" $) }}
      key: {{ if .existingSecret }}{{ .accessKeyKey }}{{ else }}s3-accesskey{{ end }}
- name: BERTH_STORAGE_S3_SECRETKEY
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret | default (include "berth.secretName" $) }}
      key: {{ if .existingSecret }}{{ .secretKeyKey }}{{ else }}s3-secretkey{{ end }}
{{- end }}
{{- end }}
{{- end }}
{{- if .Values.metrics.enabled }}
- name: BERTH_METRIC_ENABLED
  value: "true"
- name: BERTH_METRIC_PORT
  value: {{ .Values.metrics.port | quote }}
- name: BERTH_METRIC_PATH
  value: {{ .Values.metrics.path | quote }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "berth.podSecurityContext" -}}
runAsNonRoot: true
{{- if not .Values.securityContext.openshift }}
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
fsGroup: {{ .Values.securityContext.fsGroup }}
fsGroupChangePolicy: OnRootMismatch
{{- end }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "berth.containerSecurityContext" -}}
runAsNonRoot: true
{{- if not .Values.securityContext.openshift }}
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
{{- end }}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end -}}
