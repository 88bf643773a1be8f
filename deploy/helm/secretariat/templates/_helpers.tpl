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

{{/*
The image of an in-cluster data store (postgresql, rabbitmq): its own
registry, else global.image.registry, so a mirror-only cluster pulls it
from the mirror like every other image; pinned by digest when given.
*/}}
{{- define "secretariat.dataStoreImage" -}}
{{- $image := .image -}}
{{- $registry := $image.registry | default .root.Values.global.image.registry -}}
{{- if $registry -}}{{ $registry }}/{{- end -}}
{{- $image.repository -}}
{{- if $image.digest -}}@{{ $image.digest }}{{- else -}}:{{ $image.tag }}{{- end -}}
{{- end -}}
