{{- define "duban.name" -}}{{ .Chart.Name }}{{- end -}}
{{- define "duban.fullname" -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- define "duban.image" -}}{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}{{- end -}}
{{- define "duban.labels" -}}
app.kubernetes.io/name: {{ include "duban.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}
{{- define "duban.selector" -}}
app.kubernetes.io/name: {{ include "duban.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
{{- define "duban.env" -}}
- name: DATABASE_URL
  valueFrom: {secretKeyRef: {name: {{ .Values.secrets.database }}, key: DATABASE_URL}}
- name: DUBAN_PII_KEY
  valueFrom: {secretKeyRef: {name: {{ .Values.secrets.pii }}, key: DUBAN_PII_KEY}}
- name: TEMPORAL_ADDRESS
  value: {{ .Values.temporal.address | quote }}
- name: TEMPORAL_NAMESPACE
  value: {{ .Values.temporal.namespace | quote }}
- name: DUBAN_TASK_QUEUE
  value: {{ .Values.temporal.taskQueue | quote }}
- name: DUBAN_ADMIN_ADDR
  value: "0.0.0.0:{{ .Values.metrics.port }}"
- name: DUBAN_LOG_FORMAT
  value: json
- name: DUBAN_WEBHOOK_ALLOW
  value: {{ .Values.webhookAllow | quote }}
{{- end -}}
