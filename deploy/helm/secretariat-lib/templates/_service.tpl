{{/*
Everything one gRPC service of the platform needs; a service chart's
templates/ is this one include:
  {{ include "secretariat-lib.grpcService" (dict "root" .) }}
The image's entrypoint is "python -m <service>"; "serve" runs it and
"migrate" (the hook Job) migrates its database.
*/}}
{{- define "secretariat-lib.grpcService" -}}
{{- $root := .root -}}
{{- $name := include "secretariat-lib.fullname" $root -}}
{{- $service := include "secretariat-lib.name" $root -}}
{{- $ports := $root.Values.global.ports -}}
{{- $ctx := dict "root" $root "component" "server" "name" $name -}}
{{- $env := include "secretariat-lib.env.service" $root | trim -}}
{{- $callers := list (dict "name" "gateway" "component" "http") -}}
{{- range $root.Values.allowedCallers }}
{{- $callers = append $callers (dict "name" . "component" "server") -}}
{{- end }}
{{- $ingress := include "secretariat-lib.ingress.callers" (dict "root" $root "port" $ports.grpc "callers" $callers) -}}
{{- $ingress = printf "%s\n%s" $ingress (include "secretariat-lib.ingress.metrics" (dict "root" $root "port" $ports.metrics)) -}}
{{- with (include "secretariat-lib.ingress.grpcClients" (dict "root" $root "port" $ports.grpc) | trim) }}
{{- $ingress = printf "%s\n%s" $ingress . -}}
{{- end }}
{{- $egressTo := list (dict "name" "gateway" "component" "directory" "port" $ports.directory) -}}
{{- range $root.Values.peers }}
{{- $egressTo = append $egressTo (dict "name" . "component" "server" "port" $ports.grpc) -}}
{{- end }}
{{- include "secretariat-lib.serviceAccount" $root }}
---
{{ include "secretariat-lib.deployment" (merge (dict
    "workload" $root.Values
    "args" (list "serve")
    "ports" (list (dict "name" "grpc" "port" $ports.grpc) (dict "name" "metrics" "port" $ports.metrics))
    "probe" (dict "grpc" (dict "port" $ports.grpc))
    "env" $env) $ctx) }}
---
{{ include "secretariat-lib.service" (merge (dict
    "service" $service
    "ports" (list (dict "name" "grpc" "port" $ports.grpc) (dict "name" "metrics" "port" $ports.metrics))) $ctx) }}
---
{{ include "secretariat-lib.service" (merge (dict
    "service" $service
    "headless" true
    "ports" (list (dict "name" "grpc" "port" $ports.grpc))) $ctx) }}
{{- with (include "secretariat-lib.hpa" (merge (dict "workload" $root.Values) $ctx)) }}
---
{{- . }}
{{- end }}
{{- with (include "secretariat-lib.pdb" (merge (dict "workload" $root.Values) $ctx)) }}
---
{{- . }}
{{- end }}
{{- with (include "secretariat-lib.serviceMonitor" (merge (dict "port" "metrics") $ctx)) }}
---
{{- . }}
{{- end }}
{{- with (include "secretariat-lib.networkPolicy" (merge (dict "ingress" $ingress "egressTo" $egressTo) $ctx)) }}
---
{{- . }}
{{- end }}
{{- with (include "secretariat-lib.networkPolicy" (dict "root" $root "component" "migrations" "name" (printf "%s-migrate" $name) "ingress" "" "egressTo" (list))) }}
---
{{- . }}
{{- end }}
{{- with (include "secretariat-lib.migrationJob" (dict "root" $root "env" $env "database" $service)) }}
---
{{- . }}
{{- end }}
{{- with (include "secretariat-lib.dashboards" $root) }}
{{- . }}
{{- end }}
{{- include "secretariat-lib.prometheusRule" $root }}
{{- end -}}

{{/*
Grafana dashboards: each dashboards/*.json of the calling chart becomes a
ConfigMap carrying the label Grafana's sidecar watches (grafana_dashboard).
*/}}
{{- define "secretariat-lib.dashboards" -}}
{{- $root := . -}}
{{- $d := $root.Values.dashboards -}}
{{- if $d.enabled }}
{{- range $path, $_ := $root.Files.Glob "dashboards/*.json" }}
{{- $base := base $path | trimSuffix ".json" }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "secretariat-lib.partName" (dict "root" $root "part" (printf "dashboard-%s" $base)) }}
  labels:
    {{- include "secretariat-lib.labels" (dict "root" $root "component" "dashboard") | nindent 4 }}
    {{ $d.label }}: {{ $d.labelValue | quote }}
  {{- with $d.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
data:
  {{ base $path }}: |-
    {{- $root.Files.Get $path | nindent 4 }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
The chart's alerts: every rules/*.yaml of the calling chart (the files
promtool checks and tests, deploy/prometheus/tests) in one Prometheus
Operator PrometheusRule. With prometheusRule.runbookBaseUrl the alerts'
runbook_url (docs/runbooks/<page>.md in the files) points there.
*/}}
{{- define "secretariat-lib.prometheusRule" -}}
{{- $root := . -}}
{{- $pr := $root.Values.prometheusRule -}}
{{- if $pr.enabled }}
{{- $groups := list }}
{{- range $path, $_ := $root.Files.Glob "rules/*.yaml" }}
{{- range (fromYaml ($root.Files.Get $path)).groups }}
{{- if $pr.runbookBaseUrl }}
{{- range .rules }}
{{- if and .annotations (hasKey .annotations "runbook_url") }}
{{- $_ := set .annotations "runbook_url" (printf "%s/%s" (trimSuffix "/" $pr.runbookBaseUrl) (trimPrefix "docs/runbooks/" .annotations.runbook_url)) }}
{{- end }}
{{- end }}
{{- end }}
{{- $groups = append $groups . }}
{{- end }}
{{- end }}
{{- if $groups }}
---
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: {{ include "secretariat-lib.fullname" $root }}
  labels:
    {{- include "secretariat-lib.labels" (dict "root" $root "component" "alerts") | nindent 4 }}
    {{- with $pr.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  groups:
    {{- toYaml $groups | nindent 4 }}
{{- end }}
{{- end }}
{{- end -}}
