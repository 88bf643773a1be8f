{{/* The deployables this release installs: every enabled dependency but the library. */}}
{{- define "secretariat.deployables" -}}
{{- $names := list -}}
{{- range .Chart.Dependencies -}}
{{- if and (ne .Name "secretariat-lib") (dig .Name "enabled" false $.Values.AsMap) -}}
{{- $names = append $names .Name -}}
{{- end -}}
{{- end -}}
{{- join " " $names -}}
{{- end -}}

{{/* Labels of every pod of this platform (NetworkPolicy peer). */}}
{{- define "secretariat.platformLabels" -}}
app.kubernetes.io/part-of: secretariat
secretariat.io/platform: {{ include "secretariat-lib.platform" . }}
{{- end -}}
