{{/* The four apps: values key -> app name. */}}
{{- define "lcm.apps" -}}
api: api
scheduler: scheduler
controller: controller
auditSink: audit-sink
{{- end -}}

{{- define "lcm.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}{{ .Release.Name | trunc 40 | trimSuffix "-" }}{{- else -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{/* lcm.name: dict root, app -> <fullname>-<app> */}}
{{- define "lcm.name" -}}{{ include "lcm.fullname" .root }}-{{ .app }}{{- end -}}

{{- define "lcm.selectorLabels" -}}
app.kubernetes.io/name: {{ .app }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{- define "lcm.labels" -}}
{{ include "lcm.selectorLabels" . }}
app.kubernetes.io/part-of: lcm
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "lcm.image" -}}
{{- $v := .root.Values.image -}}
{{- if $v.registry -}}{{ $v.registry }}/{{- end -}}{{ $v.repository }}/{{ .app }}:{{ $v.tag }}
{{- end -}}

{{/* Checks that fail the render with a message saying what to set. */}}
{{- define "lcm.validate" -}}
{{- $auth := .Values.auth -}}
{{- $chosen := 0 -}}
{{- if $auth.jwtSecret.secretName }}{{ $chosen = add1 $chosen }}{{ end -}}
{{- if $auth.publicKey.secretName }}{{ $chosen = add1 $chosen }}{{ end -}}
{{- if $auth.jwksUrl }}{{ $chosen = add1 $chosen }}{{ end -}}
{{- if ne $chosen 1 -}}
{{- fail "auth: set exactly one of auth.jwtSecret.secretName (HS256; the Secret's value: openssl rand -hex 32), auth.publicKey.secretName (RS256) or auth.jwksUrl" -}}
{{- end -}}
{{- if not .Values.mongodb.uri.secretName -}}{{- fail "mongodb.uri.secretName: the Secret holding MONGODB_URI is required" -}}{{- end -}}
{{- if and (eq .Values.provider.name "http") (not .Values.provider.url) (not .Values.simCloud.enabled) -}}
{{- fail "provider.url is required with provider.name=http (the data plane's URL), or simCloud.enabled=true for a demo" -}}
{{- end -}}
{{- if and .Values.etcd.tls.enabled (not .Values.etcd.tls.secretName) -}}{{- fail "etcd.tls.secretName is required when etcd.tls.enabled" -}}{{- end -}}
{{- if lt (int .Values.apps.scheduler.replicas) 2 -}}{{- fail "apps.scheduler.replicas: at least 2, so a standby takes over from the leader" -}}{{- end -}}
{{- if lt (int .Values.apps.controller.replicas) 2 -}}{{- fail "apps.controller.replicas: at least 2, so a standby takes over from the leader" -}}{{- end -}}
{{- end -}}
