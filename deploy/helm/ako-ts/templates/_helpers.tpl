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

{{/*
AKO switches ako-ts does not implement. The controller refuses them in the ConfigMap too; failing here says so
before anything is installed, instead of deploying a controller that would ignore part of an AKO values file.
*/}}
{{- define "ako-ts.refuseUnsupported" -}}
{{- range $section := list "AKOSettings" "L7Settings" "L4Settings" -}}
{{- $values := index $.Values $section | default dict -}}
{{- range $key := list "enableEVH" "vipPerNamespace" "servicesAPI" "enableMCI" "istioEnabled" -}}
{{- if eq (toString (index $values $key)) "true" -}}
{{- fail (printf "%s.%s: ako-ts does not support this AKO feature; remove it or set it to false" $section $key) -}}
{{- end -}}
{{- end -}}
{{- if eq (toString (index $values "primaryInstance")) "false" -}}
{{- fail (printf "%s.primaryInstance: false is not supported by ako-ts (one ako-ts per cluster)" $section) -}}
{{- end -}}
{{- end -}}
{{- if eq (toString .Values.L7Settings.serviceType) "NodePortLocal" -}}
{{- fail "L7Settings.serviceType: NodePortLocal is not supported by ako-ts; use ClusterIP or NodePort" -}}
{{- end -}}
{{- end -}}
