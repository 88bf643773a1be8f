{{/*
A workload: Deployment, Service, and behind switches HPA, PDB and
ServiceMonitor. Called with a dict:
  root       the chart's top context
  component  app.kubernetes.io/component (server, http, directory)
  name       object name
  workload   the values block: replicaCount, resources, probes, autoscaling,
             podDisruptionBudget, podAnnotations, podLabels, nodeSelector,
             tolerations, affinity, topologySpreadConstraints
  args       container args (the image's entrypoint picks the command)
  ports      list of {name, port}
  probe      probe handler, e.g. {grpc: {port: 50051}} or {httpGet: {path, port}}
  liveProbe  optional handler for liveness (defaults to probe)
  env        rendered env list (string)
*/}}

{{- define "secretariat-lib.podSecurityContext" -}}
{{- toYaml .Values.podSecurityContext -}}
{{- end -}}

{{- define "secretariat-lib.securityContext" -}}
{{- toYaml .Values.securityContext -}}
{{- end -}}

{{- define "secretariat-lib.tmpVolumeMount" -}}
- name: tmp
  mountPath: /tmp
{{- end -}}

{{- define "secretariat-lib.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end -}}

{{- define "secretariat-lib.deployment" -}}
{{- $root := .root -}}
{{- $w := .workload -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .name }}
  labels:
    {{- include "secretariat-lib.labels" . | nindent 4 }}
spec:
  {{- if not $w.autoscaling.enabled }}
  replicas: {{ $w.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 0
      maxSurge: 1
  selector:
    matchLabels:
      {{- include "secretariat-lib.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "secretariat-lib.labels" . | nindent 8 }}
        {{- with $w.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with $w.podAnnotations }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      serviceAccountName: {{ include "secretariat-lib.serviceAccountName" $root }}
      automountServiceAccountToken: false
      enableServiceLinks: false
      terminationGracePeriodSeconds: {{ $root.Values.terminationGracePeriodSeconds }}
      {{- with (include "secretariat-lib.imagePullSecrets" $root | trim) }}
      {{- . | nindent 6 }}
      {{- end }}
      securityContext:
        {{- include "secretariat-lib.podSecurityContext" $root | nindent 8 }}
      containers:
        - name: {{ .component }}
          image: {{ include "secretariat-lib.image" $root | quote }}
          imagePullPolicy: {{ include "secretariat-lib.imagePullPolicy" $root }}
          args:
            {{- toYaml .args | nindent 12 }}
          ports:
            {{- range .ports }}
            - name: {{ .name }}
              containerPort: {{ .port }}
              protocol: TCP
            {{- end }}
          env:
            {{- .env | nindent 12 }}
          startupProbe:
            {{- toYaml .probe | nindent 12 }}
            {{- toYaml $w.probes.startup | nindent 12 }}
          readinessProbe:
            {{- toYaml .probe | nindent 12 }}
            {{- toYaml $w.probes.readiness | nindent 12 }}
          livenessProbe:
            {{- toYaml ((get . "liveProbe") | default .probe) | nindent 12 }}
            {{- toYaml $w.probes.liveness | nindent 12 }}
          resources:
            {{- toYaml $w.resources | nindent 12 }}
          securityContext:
            {{- include "secretariat-lib.securityContext" $root | nindent 12 }}
          volumeMounts:
            {{- include "secretariat-lib.tmpVolumeMount" $root | nindent 12 }}
            {{- with (get . "extraVolumeMounts") }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
      volumes:
        {{- include "secretariat-lib.tmpVolume" $root | nindent 8 }}
        {{- with (get . "extraVolumes") }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with $w.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $w.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $w.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $w.topologySpreadConstraints }}
      topologySpreadConstraints:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}

{{/*
A ClusterIP Service. secretariat.io/service names the deployable for
Prometheus (ServiceMonitor jobLabel), so `up{job="documents"}` reads as
the SLA rules expect.
*/}}
{{- define "secretariat-lib.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ .name }}{{ if (get . "headless") }}-grpc{{ end }}
  labels:
    {{- include "secretariat-lib.labels" . | nindent 4 }}
    secretariat.io/service: {{ .service }}
spec:
  type: ClusterIP
  {{- if (get . "headless") }}
  {{- /* Headless: DNS answers every ready pod, so gRPC clients (dns:/// + round_robin)
         spread calls over all replicas instead of pinning one connection (issue 21). */}}
  clusterIP: None
  {{- end }}
  selector:
    {{- include "secretariat-lib.selectorLabels" . | nindent 4 }}
  ports:
    {{- range .ports }}
    - name: {{ .name }}
      port: {{ .port }}
      targetPort: {{ .name }}
      protocol: TCP
      {{- if eq .name "grpc" }}
      appProtocol: grpc
      {{- end }}
    {{- end }}
{{- end -}}

{{- define "secretariat-lib.hpa" -}}
{{- $w := .workload -}}
{{- if $w.autoscaling.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ .name }}
  labels:
    {{- include "secretariat-lib.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ .name }}
  minReplicas: {{ $w.autoscaling.minReplicas }}
  maxReplicas: {{ $w.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $w.autoscaling.targetCPUUtilizationPercentage }}
    {{- with $w.autoscaling.targetMemoryUtilizationPercentage }}
    - type: Resource
      resource:
        name: memory
        target:
          type: Utilization
          averageUtilization: {{ . }}
    {{- end }}
{{- end }}
{{- end -}}

{{- define "secretariat-lib.pdb" -}}
{{- $pdb := .workload.podDisruptionBudget -}}
{{- if $pdb.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ .name }}
  labels:
    {{- include "secretariat-lib.labels" . | nindent 4 }}
spec:
  {{- if ne (toString $pdb.minAvailable) "" }}
  minAvailable: {{ $pdb.minAvailable }}
  {{- else }}
  maxUnavailable: {{ $pdb.maxUnavailable | default 1 }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "secretariat-lib.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end -}}

{{/*
ServiceMonitor (Prometheus Operator). honorLabels keeps the metrics' own
"service" label (the deployable) instead of renaming it exported_service.
*/}}
{{- define "secretariat-lib.serviceMonitor" -}}
{{- $sm := .root.Values.serviceMonitor -}}
{{- if $sm.enabled }}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ .name }}
  labels:
    {{- include "secretariat-lib.labels" . | nindent 4 }}
    {{- with $sm.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  jobLabel: secretariat.io/service
  targetLabels:
    - app.kubernetes.io/part-of
    - secretariat.io/platform
  selector:
    matchLabels:
      {{- include "secretariat-lib.selectorLabels" . | nindent 6 }}
  endpoints:
    - port: {{ .port }}
      path: {{ (get . "path") | default "/metrics" }}
      interval: {{ $sm.interval }}
      scrapeTimeout: {{ $sm.scrapeTimeout }}
      honorLabels: true
{{- end }}
{{- end -}}

{{- define "secretariat-lib.serviceAccount" -}}
{{- if .Values.serviceAccount.create }}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "secretariat-lib.serviceAccountName" . }}
  labels:
    {{- include "secretariat-lib.labels" (dict "root" . "component" "identity") | nindent 4 }}
  {{- with .Values.serviceAccount.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
automountServiceAccountToken: false
{{- end }}
{{- end -}}
