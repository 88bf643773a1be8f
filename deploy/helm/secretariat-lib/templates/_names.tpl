{{/*
Names, labels, images and addresses. Every object a Secretariat chart makes
is called "<platform>-<deployable>[-<part>]"; <platform> is
global.instance or, when that is empty, the release name, so charts
installed as separate releases (one per team) still find each other.
*/}}

{{- define "secretariat-lib.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "secretariat-lib.platform" -}}
{{- default .Release.Name .Values.global.instance | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{- define "secretariat-lib.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" (include "secretariat-lib.platform" .) (include "secretariat-lib.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* "<fullname>-<part>" for a chart's second workload or its helpers. */}}
{{- define "secretariat-lib.partName" -}}
{{- printf "%s-%s" (include "secretariat-lib.fullname" .root) .part | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "secretariat-lib.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The stable subset used in selectors: never add to it, Deployments cannot change selectors. */}}
{{- define "secretariat-lib.selectorLabels" -}}
app.kubernetes.io/name: {{ include "secretariat-lib.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "secretariat-lib.labels" -}}
helm.sh/chart: {{ include "secretariat-lib.chart" .root }}
{{ include "secretariat-lib.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: secretariat
secretariat.io/platform: {{ include "secretariat-lib.platform" .root }}
{{- end -}}

{{/* Labels of another deployable's pods on the same platform, for NetworkPolicy peers. */}}
{{- define "secretariat-lib.peerLabels" -}}
app.kubernetes.io/part-of: secretariat
secretariat.io/platform: {{ include "secretariat-lib.platform" .root }}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "secretariat-lib.image" -}}
{{- $image := .Values.image -}}
{{- $registry := $image.registry | default .Values.global.image.registry -}}
{{- $tag := $image.tag | default .Values.global.image.tag | default .Chart.AppVersion -}}
{{- if $registry -}}{{ $registry }}/{{- end -}}
{{- $image.repository -}}
{{- if $image.digest -}}@{{ $image.digest }}{{- else -}}:{{ $tag }}{{- end -}}
{{- end -}}

{{- define "secretariat-lib.imagePullPolicy" -}}
{{- .Values.image.pullPolicy | default .Values.global.image.pullPolicy -}}
{{- end -}}

{{- define "secretariat-lib.imagePullSecrets" -}}
{{- with .Values.global.image.pullSecrets }}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- end -}}

{{/* host:port of another deployable: global.addresses.<name>, else "<platform>-<name>:<port>". */}}
{{- define "secretariat-lib.address" -}}
{{- $override := dig .name "" .root.Values.global.addresses -}}
{{- if $override -}}
{{- $override -}}
{{- else -}}
{{- printf "dns:///%s-%s-grpc:%v" (include "secretariat-lib.platform" .root) .name .port -}}
{{- end -}}
{{- end -}}

{{- define "secretariat-lib.directoryAddress" -}}
{{- include "secretariat-lib.address" (dict "root" . "name" "gateway-directory" "port" .Values.global.ports.directory) -}}
{{- end -}}

{{- define "secretariat-lib.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "secretariat-lib.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Generated names of the platform's Secrets unless existing ones are named. */}}
{{- define "secretariat-lib.secretsName" -}}
{{- .Values.global.secrets.existingSecret | default (printf "%s-secrets" (include "secretariat-lib.platform" .)) -}}
{{- end -}}

{{/*
A service's own credentials (issue 19): its Ed25519 key signing its service
tokens, key service-private-key; default "<platform>-<name>-credentials".
*/}}
{{- define "secretariat-lib.credentialsName" -}}
{{- .Values.credentials.existingSecret | default (printf "%s-%s-credentials" (include "secretariat-lib.platform" .) (include "secretariat-lib.name" .)) -}}
{{- end -}}

{{/* The gateway's signing key, in a Secret no service reads; default "<platform>-gateway-identity". */}}
{{- define "secretariat-lib.gatewayIdentityName" -}}
{{- printf "%s-gateway-identity" (include "secretariat-lib.platform" .) -}}
{{- end -}}

{{- define "secretariat-lib.postgresqlHost" -}}
{{- printf "%s-postgresql" (include "secretariat-lib.platform" .) -}}
{{- end -}}

{{- define "secretariat-lib.rabbitmqHost" -}}
{{- printf "%s-rabbitmq" (include "secretariat-lib.platform" .) -}}
{{- end -}}
