{{/* What the HTTP gateway reads (gateway.settings.GatewaySettings). */}}
{{- define "gateway.env.http" -}}
{{- $root := . -}}
{{ include "secretariat-lib.env.database" (dict "root" $root "database" "gateway") | trim }}
{{ include "secretariat-lib.env.platform" $root | trim }}
{{- /* Every HTTP worker hears directory changes and drops its cached callers (issue 21). */}}
{{ include "secretariat-lib.env.amqp" $root | trim }}
- name: SECRETARIAT_IDENTITY_PRIVATE_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.identity.existingSecret | default (include "secretariat-lib.gatewayIdentityName" $root) }}
      key: {{ $root.Values.identity.existingSecretKey }}
- name: SECRETARIAT_ADMIN_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.adminPassword.existingSecret | default (include "secretariat-lib.secretsName" $root) }}
      key: {{ $root.Values.adminPassword.existingSecretKey }}
      optional: true
- name: SECRETARIAT_DEMO
  value: {{ ternary "1" "0" $root.Values.demo | quote }}
{{- if $root.Values.demo }}
- name: SECRETARIAT_DEMO_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.demoPassword.existingSecret | default (include "secretariat-lib.secretsName" $root) }}
      key: {{ $root.Values.demoPassword.existingSecretKey }}
{{- end }}
- name: SECRETARIAT_ACCESS_TOKEN_TTL
  value: {{ $root.Values.accessTokenTtl | quote }}
- name: SECRETARIAT_SERVICE_TOKEN_TTL
  value: {{ $root.Values.serviceTokenTtl | quote }}
- name: SECRETARIAT_GRPC_DEADLINE
  value: {{ $root.Values.grpcDeadline | quote }}
- name: SECRETARIAT_LOGIN_MAX_FAILURES
  value: {{ $root.Values.loginMaxFailures | quote }}
- name: SECRETARIAT_LOGIN_WINDOW_SECONDS
  value: {{ $root.Values.loginWindowSeconds | quote }}
- name: SECRETARIAT_HTTP_BIND
  value: {{ printf "0.0.0.0:%v" $root.Values.http.port | quote }}
- name: SECRETARIAT_HTTP_METRICS_BIND
  value: {{ printf "0.0.0.0:%v" $root.Values.global.ports.metrics | quote }}
- name: SECRETARIAT_API_DOCS
  value: {{ ternary "1" "0" $root.Values.http.apiDocs | quote }}
- name: SECRETARIAT_TRUSTED_PROXY_HOPS
  value: {{ $root.Values.http.trustedProxyHops | quote }}
- name: SECRETARIAT_HTTP_WORKERS
  value: {{ $root.Values.http.workers | quote }}
- name: SECRETARIAT_HTTP_THREADS
  value: {{ $root.Values.http.threads | quote }}
- name: SECRETARIAT_HTTP_DRAIN_SECONDS
  value: {{ $root.Values.http.drainSeconds | quote }}
- name: PROMETHEUS_MULTIPROC_DIR
  value: /run/metrics
{{- /* The directory's and the calendar's HTTP routes are transcoded to the Directory server. */}}
- name: SECRETARIAT_DIRECTORY_ADDRESS
  value: {{ include "secretariat-lib.directoryAddress" $root | quote }}
{{- include "secretariat-lib.env.peers" (dict "root" $root "peers" $root.Values.peers) }}
{{- /* GatewaySettings names a setting for the first four services; any other
     peer (a new service) is routed through SECRETARIAT_SERVICES, so adding a
     service changes no gateway code. */}}
{{- $routed := list }}
{{- range $root.Values.peers }}
{{- if not (has . (list "documents" "infohub" "meetings" "facilities")) }}
{{- $routed = append $routed (printf "%s=%s" . (include "secretariat-lib.address" (dict "root" $root "name" . "port" $root.Values.global.ports.grpc))) }}
{{- end }}
{{- end }}
{{- if $routed }}
- name: SECRETARIAT_SERVICES
  value: {{ join "," $routed | quote }}
{{- end }}
{{- with $root.Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* What the Directory gRPC server reads (gateway.settings.DirectoryServerSettings). */}}
{{- define "gateway.env.directory" -}}
{{- $root := . -}}
{{ include "secretariat-lib.env.database" (dict "root" $root "database" "gateway") | trim }}
{{ include "secretariat-lib.env.platform" $root | trim }}
{{- /* It relays the gateway's outbox (directory.calendar.updated, SPEC X-02). */}}
{{ include "secretariat-lib.env.amqp" $root | trim }}
- name: SECRETARIAT_DIRECTORY_GRPC_HOST
  value: "0.0.0.0"
- name: SECRETARIAT_DIRECTORY_GRPC_PORT
  value: {{ $root.Values.global.ports.directory | quote }}
- name: SECRETARIAT_METRICS_PORT
  value: {{ $root.Values.global.ports.metrics | quote }}
- name: SECRETARIAT_WORKER_THREADS
  value: {{ $root.Values.directory.workerThreads | quote }}
{{- with $root.Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}
