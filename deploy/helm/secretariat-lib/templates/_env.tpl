{{/*
Environment variables read by secretariat_shared.settings (SECRETARIAT_*).
Secret values are always referenced, never rendered into a manifest.
*/}}

{{/* What every process of the platform needs: public key, internal token, zone, logging, tracing. */}}
{{- define "secretariat-lib.env.platform" -}}
- name: SECRETARIAT_IDENTITY_PUBLIC_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "secretariat-lib.secretsName" . }}
      key: identity-public-key
- name: SECRETARIAT_INTERNAL_TOKEN_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "secretariat-lib.secretsName" . }}
      key: internal-token-secret
- name: SECRETARIAT_SERVICE_PUBLIC_KEYS
  valueFrom:
    secretKeyRef:
      name: {{ include "secretariat-lib.secretsName" . }}
      key: service-public-keys
      optional: true
- name: SECRETARIAT_TIMEZONE
  value: {{ .Values.global.timezone | quote }}
- name: SECRETARIAT_LOG_LEVEL
  value: {{ .Values.logLevel | default .Values.global.logLevel | quote }}
{{- with .Values.global.calendarOverrides }}
- name: SECRETARIAT_CALENDAR_OVERRIDES
  value: {{ . | quote }}
{{- end }}
{{- with .Values.global.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- end -}}

{{/*
SECRETARIAT_DATABASE_URL for the deployable named .database, in this order:
the chart's own database.existingSecret; the platform's in-cluster
PostgreSQL (URL built around the generated password, which stays in its
Secret: Kubernetes expands $(DATABASE_PASSWORD)); the platform's database
Secret (global.database.existingSecret, default "<platform>-database"),
one key per deployable.
*/}}
{{- define "secretariat-lib.env.database" -}}
{{- $root := .root -}}
{{- $db := $root.Values.database -}}
{{- if $db.existingSecret }}
- name: SECRETARIAT_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ $db.existingSecret }}
      key: {{ $db.existingSecretKey | default "database-url" }}
{{- else if $root.Values.global.postgresql.inCluster }}
- name: DATABASE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "secretariat-lib.secretsName" $root }}
      key: postgres-password
- name: SECRETARIAT_DATABASE_URL
  value: {{ printf "postgresql+psycopg://secretariat:$(DATABASE_PASSWORD)@%s:5432/secretariat_%s" (include "secretariat-lib.postgresqlHost" $root) .database | quote }}
{{- else }}
- name: SECRETARIAT_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.global.database.existingSecret | default (printf "%s-database" (include "secretariat-lib.platform" $root)) }}
      key: {{ $db.existingSecretKey | default .database }}
{{- end }}
{{- end -}}

{{/* SECRETARIAT_AMQP_URL: in-cluster RabbitMQ, else global.amqp.existingSecret (default "<platform>-amqp"). */}}
{{- define "secretariat-lib.env.amqp" -}}
{{- if .Values.global.rabbitmq.inCluster }}
- name: AMQP_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "secretariat-lib.secretsName" . }}
      key: rabbitmq-password
- name: SECRETARIAT_AMQP_URL
  value: {{ printf "amqp://secretariat:$(AMQP_PASSWORD)@%s:5672//" (include "secretariat-lib.rabbitmqHost" .) | quote }}
{{- else }}
- name: SECRETARIAT_AMQP_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.global.amqp.existingSecret | default (printf "%s-amqp" (include "secretariat-lib.platform" .)) }}
      key: {{ .Values.global.amqp.existingSecretKey }}
{{- end }}
{{- end -}}

{{/* SECRETARIAT_<PEER>_ADDRESS for every deployable this one calls. */}}
{{- define "secretariat-lib.env.peers" -}}
{{- $root := .root -}}
{{- range .peers }}
- name: {{ printf "SECRETARIAT_%s_ADDRESS" (upper (replace "-" "_" .)) }}
  value: {{ include "secretariat-lib.address" (dict "root" $root "name" . "port" $root.Values.global.ports.grpc) | quote }}
{{- end }}
{{- end -}}

{{/* Variables read from Secrets: each {name, key, secret (default: the platform Secret), optional}. */}}
{{- define "secretariat-lib.env.secrets" -}}
{{- $root := .root -}}
{{- range .entries }}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ (get . "secret") | default (include "secretariat-lib.secretsName" $root) }}
      key: {{ .key }}
      {{- if (get . "optional") }}
      optional: true
      {{- end }}
{{- end }}
{{- end -}}

{{/* Everything a gRPC service (ServiceSettings and its own settings) reads. */}}
{{- define "secretariat-lib.env.service" -}}
{{- $root := . -}}
{{- include "secretariat-lib.env.database" (dict "root" $root "database" (include "secretariat-lib.name" $root)) | trim }}
{{ include "secretariat-lib.env.amqp" $root | trim }}
{{ include "secretariat-lib.env.platform" $root | trim }}
- name: SECRETARIAT_GRPC_HOST
  value: "0.0.0.0"
- name: SECRETARIAT_GRPC_PORT
  value: {{ $root.Values.global.ports.grpc | quote }}
- name: SECRETARIAT_METRICS_PORT
  value: {{ $root.Values.global.ports.metrics | quote }}
- name: SECRETARIAT_DIRECTORY_ADDRESS
  value: {{ include "secretariat-lib.directoryAddress" $root | quote }}
- name: SECRETARIAT_WORKER_THREADS
  value: {{ $root.Values.workerThreads | quote }}
- name: SECRETARIAT_SERVICE_PRIVATE_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "secretariat-lib.credentialsName" $root }}
      key: service-private-key
      optional: true
{{- include "secretariat-lib.env.peers" (dict "root" $root "peers" $root.Values.peers) }}
{{- include "secretariat-lib.env.secrets" (dict "root" $root "entries" $root.Values.secretEnv) }}
{{- with $root.Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}
