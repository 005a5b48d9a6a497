{{/* Chart name, truncated to 63 characters (a DNS label). */}}
{{- define "kubeskoop-otel.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified name: release-chart, unless the release name already holds the chart name. */}}
{{- define "kubeskoop-otel.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "kubeskoop-otel.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "kubeskoop-otel.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kubeskoop-otel.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "kubeskoop-otel.labels" -}}
helm.sh/chart: {{ include "kubeskoop-otel.chart" . }}
{{ include "kubeskoop-otel.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "kubeskoop-otel.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "kubeskoop-otel.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "kubeskoop-otel.configMapName" -}}
{{- default (include "kubeskoop-otel.fullname" .) .Values.existingConfigMap }}
{{- end }}

{{/* repository:tag, or repository@digest when a digest is set. The tag defaults to the appVersion. */}}
{{- define "kubeskoop-otel.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag | toString) }}
{{- end }}
{{- end }}

{{/* The config file the agent reads: a KubeSkoop config.yaml as is, else `config` in the project's format. */}}
{{- define "kubeskoop-otel.configFile" -}}
{{- if .Values.kubeskoopConfig }}
{{- if kindIs "string" .Values.kubeskoopConfig }}
{{- .Values.kubeskoopConfig }}
{{- else }}
{{- toYaml .Values.kubeskoopConfig }}
{{- end }}
{{- else }}
{{- toYaml .Values.config }}
{{- end }}
{{- end }}

{{/* OTEL_RESOURCE_ATTRIBUTES from the resourceAttributes map (k=v,k=v; keys sorted). */}}
{{- define "kubeskoop-otel.resourceAttributes" -}}
{{- $pairs := list }}
{{- range $k, $v := .Values.resourceAttributes }}
{{- $pairs = append $pairs (printf "%s=%v" $k $v) }}
{{- end }}
{{- join "," $pairs }}
{{- end }}

{{/* OTLP environment shared by the DaemonSet and the sidecar. */}}
{{- define "kubeskoop-otel.otlpEnv" -}}
{{- if .Values.otlp.endpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ .Values.otlp.endpoint | quote }}
- name: OTEL_EXPORTER_OTLP_PROTOCOL
  value: {{ .Values.otlp.protocol | quote }}
{{- with .Values.otlp.compression }}
- name: OTEL_EXPORTER_OTLP_COMPRESSION
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- if .Values.otlp.exportInterval }}
- name: OTEL_METRIC_EXPORT_INTERVAL
  value: {{ .Values.otlp.exportInterval | quote }}
{{- end }}
{{- if .Values.serviceName }}
- name: OTEL_SERVICE_NAME
  value: {{ .Values.serviceName | quote }}
{{- end }}
{{- if .Values.resourceAttributes }}
- name: OTEL_RESOURCE_ATTRIBUTES
  value: {{ include "kubeskoop-otel.resourceAttributes" . | quote }}
{{- end }}
{{- end }}

{{/* The kubelet's probe of /healthz: HTTPS with TLS (the kubelet does not verify the certificate), a
TCP connect when client certificates are required (the kubelet has none to present). */}}
{{- define "kubeskoop-otel.httpProbe" -}}
{{- if include "kubeskoop-otel.clientCertRequired" . }}
tcpSocket:
  port: metrics
{{- else }}
httpGet:
  path: /healthz
  port: metrics
  {{- if .Values.security.tls.enabled }}
  scheme: HTTPS
  {{- end }}
{{- end }}
{{- end }}

{{/* Secure mode. */}}
{{- define "kubeskoop-otel.clientCertRequired" -}}
{{- if and .Values.security.tls.enabled (eq .Values.security.tls.clientAuthType "RequireAndVerifyClientCert") }}true{{ end }}
{{- end }}

{{- define "kubeskoop-otel.tlsSecretName" -}}
{{- if .Values.security.tls.secretName }}
{{- .Values.security.tls.secretName }}
{{- else if .Values.security.tls.certManager.enabled }}
{{- printf "%s-tls" (include "kubeskoop-otel.fullname" .) }}
{{- end }}
{{- end }}

{{/* The name the agents' certificate is issued for, and Prometheus checks (one name for every node's agent). */}}
{{- define "kubeskoop-otel.serviceDNS" -}}
{{- printf "%s.%s.svc" (include "kubeskoop-otel.fullname" .) .Release.Namespace }}
{{- end }}

{{- define "kubeskoop-otel.webConfigEnabled" -}}
{{- if or .Values.security.tls.enabled .Values.security.existingWebConfigSecret }}true{{ end }}
{{- end }}

{{/* The agent's web config file (exporter-toolkit's format) for security.tls. */}}
{{- define "kubeskoop-otel.webConfig" -}}
tls_server_config:
  cert_file: /etc/kubeskoop-otel-tls/tls.crt
  key_file: /etc/kubeskoop-otel-tls/tls.key
  min_version: {{ .Values.security.tls.minVersion }}
  {{- with .Values.security.tls.clientAuthType }}
  client_auth_type: {{ . }}
  client_ca_file: /etc/kubeskoop-otel-client-ca/ca.crt
  {{- end }}
http_server_config:
  headers:
    X-Content-Type-Options: nosniff
    X-Frame-Options: deny
{{- end }}

{{/* Settings that cannot work together stop the rendering with a message naming the values. */}}
{{- define "kubeskoop-otel.validateSecurity" -}}
{{- $s := .Values.security }}
{{- if and $s.tls.enabled (not (include "kubeskoop-otel.tlsSecretName" .)) }}
{{- fail "security.tls.enabled needs security.tls.secretName (a kubernetes.io/tls Secret) or security.tls.certManager.enabled" }}
{{- end }}
{{- if and $s.tls.certManager.enabled (not $s.tls.certManager.issuerRef.name) }}
{{- fail "security.tls.certManager.enabled needs security.tls.certManager.issuerRef.name (an Issuer or ClusterIssuer)" }}
{{- end }}
{{- if and (eq $s.authorization "kubernetes") (not .Values.serviceAccount.automountToken) }}
{{- fail "security.authorization kubernetes needs serviceAccount.automountToken: the agent asks the API with its token" }}
{{- end }}
{{- if and $s.existingWebConfigSecret $s.tls.clientAuthType }}
{{- fail "security.tls.clientAuthType is written into the chart's web config; with security.existingWebConfigSecret set client_auth_type in your own file" }}
{{- end }}
{{- end }}

{{/* scheme, tlsConfig and bearer token of a ServiceMonitor/PodMonitor endpoint in secure mode. */}}
{{- define "kubeskoop-otel.scrapeSecurity" -}}
{{- $s := .Values.security }}
{{- if $s.tls.enabled }}
scheme: https
tlsConfig:
  serverName: {{ include "kubeskoop-otel.serviceDNS" . }}
  ca:
    secret:
      name: {{ include "kubeskoop-otel.tlsSecretName" . }}
      key: ca.crt
  {{- with $s.tls.prometheusClientSecret }}
  cert:
    secret:
      name: {{ . }}
      key: tls.crt
  keySecret:
    name: {{ . }}
    key: tls.key
  {{- end }}
{{- end }}
{{- end }}

{{/*
The agent as a sidecar container: unprivileged (non-root, no added capabilities, read-only root
filesystem), observing only its own pod's network namespace (--mode sidecar), with its identity
from the downward API. Use it from a parent chart that depends on this one:

  containers:
    - name: app
      ...
    {{- include "kubeskoop-otel.sidecar.container" (index .Subcharts "kubeskoop-otel") | nindent 4 }}
  volumes:
    {{- include "kubeskoop-otel.sidecar.volumes" (index .Subcharts "kubeskoop-otel") | nindent 4 }}

(the pod must be in the release's namespace to mount its ConfigMap), or copy the snippet in the README.
*/}}
{{- define "kubeskoop-otel.sidecar.container" -}}
- name: {{ .Values.sidecar.containerName }}
  image: {{ include "kubeskoop-otel.image" . | quote }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  args:
    - run
    - --config=/etc/kubeskoop-otel/config.yaml
    - --mode=sidecar
    - --port={{ .Values.prometheus.port }}
    {{- with .Values.extraArgs }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  env:
    - name: POD_NAME
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    - name: POD_NAMESPACE
      valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
    - name: POD_UID
      valueFrom: {fieldRef: {fieldPath: metadata.uid}}
    - name: NODE_NAME
      valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
    {{- with include "kubeskoop-otel.otlpEnv" . | trim }}
    {{- . | nindent 4 }}
    {{- end }}
    {{- if .Values.sidecar.nodeOptions }}
    - name: NODE_OPTIONS
      value: {{ .Values.sidecar.nodeOptions | quote }}
    {{- end }}
    {{- with .Values.extraEnv }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  ports:
    - name: ksotel-metrics
      containerPort: {{ .Values.prometheus.port }}
      protocol: TCP
  readinessProbe:
    httpGet: {path: /healthz, port: ksotel-metrics}
    {{- toYaml .Values.readinessProbe | nindent 4 }}
  livenessProbe:
    httpGet: {path: /healthz, port: ksotel-metrics}
    {{- toYaml .Values.livenessProbe | nindent 4 }}
  resources:
    {{- toYaml .Values.sidecar.resources | nindent 4 }}
  securityContext:
    {{- toYaml .Values.sidecar.securityContext | nindent 4 }}
  volumeMounts:
    - name: ksotel-config
      mountPath: /etc/kubeskoop-otel
      readOnly: true
    - name: ksotel-tmp
      mountPath: /tmp
{{- end }}

{{- define "kubeskoop-otel.sidecar.volumes" -}}
- name: ksotel-config
  configMap:
    name: {{ include "kubeskoop-otel.configMapName" . }}
- name: ksotel-tmp
  emptyDir:
    sizeLimit: 16Mi
{{- end }}
