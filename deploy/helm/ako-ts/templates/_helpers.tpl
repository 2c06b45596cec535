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
A value as the string the ConfigMap carries. An unset value (YAML null, e.g. `controllerVersion:` with nothing after
it) is "", not toString's "<nil>". Not `default ""`: that would also turn a boolean false into "".
*/}}
{{- define "ako-ts.str" -}}
{{- if not (kindIs "invalid" .) -}}{{ toString . }}{{- end -}}
{{- end -}}

{{/* "true" when a value is set to something other than blanks (credentials, required values); else "". */}}
{{- define "ako-ts.present" -}}
{{- if trim (include "ako-ts.str" .) -}}true{{- end -}}
{{- end -}}

{{/*
Whether a value of an AKO key ako-ts does not implement means AKO's default; "true" or "". Called with
(list kind value accepted). AKO reads its switches with Go's strconv.ParseBool or a comparison with "true", so for
"off" every false spelling (and unset) is the default; "on" mirrors that for primaryInstance. Lists are rendered by
AKO's chart with mustToJson, so [] and an unset list are the default. "oneOf" takes the accepted strings.
*/}}
{{- define "ako-ts.isAkoDefault" -}}
{{- $kind := index . 0 -}}
{{- $value := index . 1 -}}
{{- $text := trim (include "ako-ts.str" $value) -}}
{{- if kindIs "invalid" $value -}}true
{{- else if eq $kind "off" -}}{{ if has (lower $text) (list "" "false" "0" "f") }}true{{ end }}
{{- else if eq $kind "on" -}}{{ if has (lower $text) (list "" "true" "1" "t") }}true{{ end }}
{{- else if eq $kind "empty" -}}{{ if eq $text "" }}true{{ end }}
{{- else if eq $kind "list" -}}{{ if or (and (kindIs "slice" $value) (empty $value)) (has $text (list "" "[]" "null")) }}true{{ end }}
{{- else if eq $kind "oneOf" -}}{{ if has $text (index . 2) }}true{{ end }}
{{- end -}}
{{- end -}}

{{/*
Every problem with the values, collected and reported in one failure (like the controller's ConfigInvalid), so an
AKO values file is fixed in one pass instead of one `helm install` per mistake. Included by configmap.yaml.

- The four values the controller cannot start without. Failing here says so before anything is installed.
- AKO's own image: the values file of an AKO install names it, and it would run AKO, not ako-ts.
- AKO keys ako-ts does not implement (src/config/unsupported.ts keeps the same list for the ConfigMap; a test keeps
  the two equal). At AKO's default they are accepted, so AKO's own values file works; any other value is refused
  instead of being dropped, which would make ako-ts program something other than what the values say.
*/}}
{{- define "ako-ts.validate" -}}
{{- $problems := list -}}
{{- $ako := .Values.AKOSettings | default dict -}}
{{- $ctrl := .Values.ControllerSettings | default dict -}}
{{- $net := .Values.NetworkSettings | default dict -}}
{{- $l7 := .Values.L7Settings | default dict -}}
{{- if not (include "ako-ts.present" (index $ctrl "controllerHost")) -}}
{{- $problems = append $problems "ControllerSettings.controllerHost is missing: the Avi Controller as host or host:port" -}}
{{- end -}}
{{- if not (include "ako-ts.present" (index $ako "clusterName")) -}}
{{- $problems = append $problems "AKOSettings.clusterName is missing: a unique name for this cluster matching ^[a-zA-Z0-9-_]*$; it prefixes every Avi object" -}}
{{- end -}}
{{- if not (include "ako-ts.present" (index $ctrl "cloudName")) -}}
{{- $problems = append $problems "ControllerSettings.cloudName is missing: the name of the Avi cloud, e.g. Default-Cloud" -}}
{{- end -}}
{{- if not (index $net "vipNetworkList") -}}
{{- $problems = append $problems "NetworkSettings.vipNetworkList is missing: a list like [{networkName: vip-net, cidr: 10.0.0.0/24}]" -}}
{{- end -}}
{{- $repository := include "ako-ts.str" (index (.Values.image | default dict) "repository") -}}
{{- if regexMatch "(^|/)ako(:[^/]*)?$" $repository -}}
{{- $problems = append $problems (printf "image.repository = %q is AKO's image, not ako-ts: set image.repository to where the ako-ts image is (docker build -f deploy/Dockerfile)" $repository) -}}
{{- end -}}
{{- $unsupported := list
  (list "AKOSettings" "enableEVH" "off" "false")
  (list "AKOSettings" "vipPerNamespace" "off" "false")
  (list "AKOSettings" "servicesAPI" "off" "false")
  (list "AKOSettings" "istioEnabled" "off" "false")
  (list "AKOSettings" "primaryInstance" "on" "true")
  (list "AKOSettings" "useDefaultSecretsOnly" "off" "false")
  (list "L7Settings" "enableMCI" "off" "false")
  (list "L7Settings" "fqdnReusePolicy" "oneOf" "InterNamespaceAllowed" (list "" "InterNamespaceAllowed"))
  (list "L7Settings" "l7ShardingScheme" "oneOf" "hostname" (list "" "hostname"))
  (list "featureGates" "GatewayAPI" "off" "false")
-}}
{{- range $entry := $unsupported -}}
{{- $section := index $.Values (index $entry 0) | default dict -}}
{{- $value := index $section (index $entry 1) -}}
{{- $accepted := list -}}
{{- if gt (len $entry) 4 -}}{{- $accepted = index $entry 4 -}}{{- end -}}
{{- if not (include "ako-ts.isAkoDefault" (list (index $entry 2) $value $accepted)) -}}
{{- $problems = append $problems (printf "%s.%s = %s: not supported by ako-ts yet; remove it or set AKO's default %s" (index $entry 0) (index $entry 1) (toJson $value) (index $entry 3)) -}}
{{- end -}}
{{- end -}}
{{- if eq (include "ako-ts.str" (index $l7 "serviceType")) "NodePortLocal" -}}
{{- $problems = append $problems "L7Settings.serviceType = \"NodePortLocal\": not supported by ako-ts yet; use ClusterIP or NodePort" -}}
{{- end -}}
{{- if $problems -}}
{{- fail (printf "ako-ts cannot be installed with these values: %s" (join "; " $problems)) -}}
{{- end -}}
{{- end -}}
