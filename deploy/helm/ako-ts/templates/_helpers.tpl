{{- define "ako-ts.labels" -}}
app.kubernetes.io/name: ako-ts
{{- end -}}

{{- define "ako-ts.selectorLabels" -}}
app.kubernetes.io/name: ako-ts
app.kubernetes.io/component: controller
{{- end -}}

{{/* AKO renders lists into the ConfigMap as JSON; an empty list is "unset" for the required vipNetworkList. */}}
{{- define "ako-ts.jsonList" -}}
{{- if . -}}{{ mustToJson . }}{{- end -}}
{{- end -}}
