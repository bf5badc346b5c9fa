{{/* Names and labels shared by every object. */}}
{{- define "vipkeeper.fullname" -}}
{{- if contains "vipkeeper" .Release.Name -}}{{ .Release.Name | trunc 50 | trimSuffix "-" }}{{- else -}}{{ printf "%s-vipkeeper" .Release.Name | trunc 50 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "vipkeeper.labels" -}}
app.kubernetes.io/name: vipkeeper
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: vipkeeper
{{- end -}}

{{/* selector labels of one component: include "vipkeeper.selector" (list . "controller") */}}
{{- define "vipkeeper.selector" -}}
app.kubernetes.io/name: vipkeeper
app.kubernetes.io/instance: {{ (index . 0).Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "vipkeeper.image" -}}
{{- $root := index . 0 -}}
{{- printf "%s/%s:%s" $root.Values.image.registry (index . 1) (default $root.Chart.AppVersion $root.Values.image.tag) -}}
{{- end -}}

{{- define "vipkeeper.configMapNamespace" -}}
{{- default .Release.Namespace .Values.vipConfigMap.namespace -}}
{{- end -}}

{{- define "vipkeeper.configMapRef" -}}
{{- printf "%s/%s" (include "vipkeeper.configMapNamespace" .) .Values.vipConfigMap.name -}}
{{- end -}}

{{/* The lease name is fixed in the controller's code (ControllerSettings.LEASE_NAME). */}}
{{- define "vipkeeper.leaseName" -}}vipkeeper-controller{{- end -}}

{{- define "vipkeeper.podEnv" -}}
- name: POD_NAME
  valueFrom: {fieldRef: {fieldPath: metadata.name}}
- name: POD_NAMESPACE
  valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
{{- end -}}

{{/* Non-root, read-only, no capabilities: the controller and DNS containers. */}}
{{- define "vipkeeper.restrictedContainer" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities: {drop: [ALL]}
seccompProfile: {type: RuntimeDefault}
{{- end -}}

{{/* The agent's rules on Services and EndpointSlices: cluster-wide, or in agent.watchNamespace only. */}}
{{- define "vipkeeper.agentServiceRules" -}}
# list, watch: the Service informer (ports, externalTrafficPolicy of the Services behind the VIPs);
# get: the fresh Service before annotating it; patch: only vipkeeper.io/announcing-node (a JSON patch of one
# annotation) when this node becomes VRRP MASTER for the Service's VIP.
- apiGroups: [""]
  resources: [services]
  verbs: [get, list, watch, patch]
# list, watch: the EndpointSlice informer (ready endpoints to forward to).
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [list, watch]
{{- end }}
