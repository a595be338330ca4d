{{/* The chart's name, truncated for label values. */}}
{{- define "boring-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The prefix of every resource's name: the release name when it already holds
the chart's name ("boring-operator" renders the names config/default uses).
*/}}
{{- define "boring-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "boring-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "boring-operator.labels" -}}
helm.sh/chart: {{ include "boring-operator.chart" . }}
{{ include "boring-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Labels that select the manager's pods. */}}
{{- define "boring-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "boring-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
control-plane: controller-manager
{{- end }}

{{- define "boring-operator.serviceAccountName" -}}
{{ include "boring-operator.fullname" . }}-controller-manager
{{- end }}

{{- define "boring-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default (printf "v%s" .Chart.AppVersion) .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "boring-operator.apiCertSecret" -}}
{{- default (printf "%s-account-api-server-cert" (include "boring-operator.fullname" .)) .Values.accountAPI.tls.secretName }}
{{- end }}

{{/* The scrape job of the metrics Service, as a ServiceMonitor names it. */}}
{{- define "boring-operator.metricsService" -}}
{{ include "boring-operator.fullname" . }}-controller-manager-metrics-service
{{- end }}
