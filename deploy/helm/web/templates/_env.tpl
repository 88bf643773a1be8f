{{/* The gateway's base URL: gateway.url, else the platform's gateway Service. */}}
{{- define "web.gatewayUrl" -}}
{{- .Values.gateway.url | default (printf "http://%s-gateway:%v" (include "secretariat-lib.platform" .) .Values.gateway.port) -}}
{{- end -}}

{{/* What the workbench reads (web.settings.WebSettings and `python -m web`). */}}
{{- define "web.env" -}}
{{- $root := . -}}
- name: SECRETARIAT_WEB_GATEWAY_URL
  value: {{ include "web.gatewayUrl" $root | quote }}
- name: SECRETARIAT_WEB_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.secretKey.existingSecret | default (include "secretariat-lib.secretsName" $root) }}
      key: {{ $root.Values.secretKey.existingSecretKey }}
- name: SECRETARIAT_WEB_SECURE_COOKIES
  value: {{ ternary "1" "0" $root.Values.secureCookies | quote }}
- name: SECRETARIAT_WEB_SESSION_MINUTES
  value: {{ $root.Values.sessionMinutes | quote }}
- name: SECRETARIAT_WEB_TIMEZONE
  value: {{ $root.Values.global.timezone | quote }}
- name: SECRETARIAT_WEB_BIND
  value: {{ printf "0.0.0.0:%v" $root.Values.port | quote }}
- name: SECRETARIAT_WEB_WORKERS
  value: {{ $root.Values.workers | quote }}
{{- with $root.Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}
