{{/*
The migrations Job, a Helm hook run by the same image with the argument
"migrate". Against external databases it runs before install and
upgrade, so new code never meets an old schema. With the in-cluster
PostgreSQL (a trial) the server is an ordinary release object that does not
exist yet before install, so the Job runs after install (and still before
upgrades) and first waits for the server and creates its database.
Called with a dict: root, env (rendered list), database (name suffix).
*/}}

{{- define "secretariat-lib.migrationsHook" -}}
{{- if .Values.global.postgresql.inCluster -}}
post-install,pre-upgrade
{{- else -}}
pre-install,pre-upgrade
{{- end -}}
{{- end -}}

{{- define "secretariat-lib.ensureDatabaseScript" -}}
import os, sys, time
from urllib.parse import urlsplit, urlunsplit
import psycopg
from psycopg import sql
parts = urlsplit(os.environ["SECRETARIAT_DATABASE_URL"].replace("+psycopg", "", 1))
name = parts.path.lstrip("/")
server = urlunsplit(parts._replace(path="/postgres"))
deadline = time.monotonic() + 600
while True:
    try:
        with psycopg.connect(server, autocommit=True, connect_timeout=5) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print("created database", name)
        break
    except psycopg.OperationalError as exc:
        if time.monotonic() > deadline:
            raise
        print("waiting for PostgreSQL:", exc, file=sys.stderr)
        time.sleep(3)
{{- end -}}

{{- define "secretariat-lib.migrationJob" -}}
{{- $root := .root -}}
{{- $m := $root.Values.migrations -}}
{{- if $m.enabled }}
{{- $ctx := dict "root" $root "component" "migrations" }}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ include "secretariat-lib.partName" (dict "root" $root "part" "migrate") }}
  labels:
    {{- include "secretariat-lib.labels" $ctx | nindent 4 }}
  annotations:
    helm.sh/hook: {{ include "secretariat-lib.migrationsHook" $root }}
    helm.sh/hook-weight: "0"
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  backoffLimit: {{ $m.backoffLimit }}
  activeDeadlineSeconds: {{ $m.activeDeadlineSeconds }}
  template:
    metadata:
      labels:
        {{- include "secretariat-lib.labels" $ctx | nindent 8 }}
    spec:
      restartPolicy: Never
      automountServiceAccountToken: false
      enableServiceLinks: false
      {{- with (include "secretariat-lib.imagePullSecrets" $root | trim) }}
      {{- . | nindent 6 }}
      {{- end }}
      securityContext:
        {{- include "secretariat-lib.podSecurityContext" $root | nindent 8 }}
      {{- if $root.Values.global.postgresql.inCluster }}
      initContainers:
        - name: ensure-database
          image: {{ include "secretariat-lib.image" $root | quote }}
          imagePullPolicy: {{ include "secretariat-lib.imagePullPolicy" $root }}
          command: ["python", "-c"]
          args:
            - |
              {{- include "secretariat-lib.ensureDatabaseScript" $root | nindent 14 }}
          env:
            {{- include "secretariat-lib.env.database" (dict "root" $root "database" .database) | trim | nindent 12 }}
          resources:
            {{- toYaml $m.resources | nindent 12 }}
          securityContext:
            {{- include "secretariat-lib.securityContext" $root | nindent 12 }}
          volumeMounts:
            {{- include "secretariat-lib.tmpVolumeMount" $root | nindent 12 }}
      {{- end }}
      containers:
        - name: migrate
          image: {{ include "secretariat-lib.image" $root | quote }}
          imagePullPolicy: {{ include "secretariat-lib.imagePullPolicy" $root }}
          args: ["migrate"]
          env:
            {{- .env | nindent 12 }}
          resources:
            {{- toYaml $m.resources | nindent 12 }}
          securityContext:
            {{- include "secretariat-lib.securityContext" $root | nindent 12 }}
          volumeMounts:
            {{- include "secretariat-lib.tmpVolumeMount" $root | nindent 12 }}
      volumes:
        {{- include "secretariat-lib.tmpVolume" $root | nindent 8 }}
{{- end }}
{{- end -}}
