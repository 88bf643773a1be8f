{{/*
NetworkPolicies: a pod is reached only by the callers named for it and
scraped only from global.networkPolicy.metricsFrom; it reaches DNS, the
data stores' ports (global.networkPolicy.dataStorePorts), the deployables it
calls and global.networkPolicy.extraEgress, nothing else.
Called with a dict: root, component, name, ingress (rendered rule list or
""), egressTo (list of {name, component, port}).
*/}}

{{- define "secretariat-lib.egress.base" -}}
- ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
{{- with .Values.global.networkPolicy.dataStorePorts }}
- ports:
    {{- range . }}
    - port: {{ . }}
      protocol: TCP
    {{- end }}
{{- end }}
{{- with .Values.global.networkPolicy.extraEgress }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "secretariat-lib.ingress.metrics" -}}
- ports:
    - port: {{ .port }}
      protocol: TCP
  {{- with .root.Values.global.networkPolicy.metricsFrom }}
  from:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}

{{- define "secretariat-lib.networkPolicy" -}}
{{- $root := .root -}}
{{- if $root.Values.global.networkPolicy.enabled }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ .name }}
  labels:
    {{- include "secretariat-lib.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "secretariat-lib.selectorLabels" . | nindent 6 }}
  policyTypes:
    - Ingress
    - Egress
  {{- if .ingress }}
  ingress:
    {{- .ingress | nindent 4 }}
  {{- else }}
  ingress: []
  {{- end }}
  egress:
    {{- include "secretariat-lib.egress.base" $root | nindent 4 }}
    {{- range .egressTo }}
    - to:
        - podSelector:
            matchLabels:
              {{- include "secretariat-lib.peerLabels" (dict "root" $root "name" .name "component" .component) | nindent 14 }}
      ports:
        - port: {{ .port }}
          protocol: TCP
    {{- end }}
{{- end }}
{{- end -}}

{{/* Ingress rule: the named callers (list of {name, component}) on one port. */}}
{{- define "secretariat-lib.ingress.callers" -}}
{{- $root := .root -}}
- ports:
    - port: {{ .port }}
      protocol: TCP
  from:
    {{- range .callers }}
    - podSelector:
        matchLabels:
          {{- include "secretariat-lib.peerLabels" (dict "root" $root "name" .name "component" .component) | nindent 10 }}
    {{- end }}
{{- end -}}

{{/*
Ingress rule: the labelled client namespaces (global.networkPolicy.grpcClients,
NetworkPolicyPeers) on a gRPC port, for internal systems calling with a
service account's token (issue 19, docs/grpc.md); nothing when empty.
*/}}
{{- define "secretariat-lib.ingress.grpcClients" -}}
{{- with .root.Values.global.networkPolicy.grpcClients }}
- ports:
    - port: {{ $.port }}
      protocol: TCP
  from:
    {{- toYaml . | nindent 4 }}
{{- end }}
{{- end -}}
