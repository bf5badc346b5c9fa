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

{{/*
The etcd flags of `dns publish` and `dns serve`, with TLS and authentication from Secrets when configured:
dns.etcd.tlsSecret (ca.crt, tls.crt, tls.key in PKCS#8) and dns.etcd.authSecret (username, password).
*/}}
{{- define "vipkeeper.etcdArgs" -}}
- --etcd={{ join "," .Values.dns.etcd.endpoints }}
- --etcd-prefix={{ .Values.dns.etcd.prefix }}
{{- if .Values.dns.etcd.tlsSecret }}
- --etcd-ca=/etc/vipkeeper/etcd-tls/ca.crt
- --etcd-cert=/etc/vipkeeper/etcd-tls/tls.crt
- --etcd-key=/etc/vipkeeper/etcd-tls/tls.key
{{- end }}
{{- if .Values.dns.etcd.authSecret }}
- --etcd-user=$(ETCD_USER)
- --etcd-password-file=/etc/vipkeeper/etcd-auth/password
{{- end }}
{{- end }}

{{- define "vipkeeper.etcdEnv" -}}
{{- with .Values.dns.etcd.authSecret }}
env:
  # expanded by the kubelet into --etcd-user=$(ETCD_USER); the password stays a file
  - name: ETCD_USER
    valueFrom: {secretKeyRef: {name: {{ . }}, key: username}}
{{- end }}
{{- end }}

{{- define "vipkeeper.etcdVolumeMounts" -}}
{{- if .Values.dns.etcd.tlsSecret }}
- {name: etcd-tls, mountPath: /etc/vipkeeper/etcd-tls, readOnly: true}
{{- end }}
{{- if .Values.dns.etcd.authSecret }}
- {name: etcd-auth, mountPath: /etc/vipkeeper/etcd-auth, readOnly: true}
{{- end }}
{{- end }}

{{- define "vipkeeper.etcdVolumes" -}}
{{- with .Values.dns.etcd.tlsSecret }}
- name: etcd-tls
  secret: {secretName: {{ . }}, items: [{key: ca.crt, path: ca.crt}, {key: tls.crt, path: tls.crt}, {key: tls.key, path: tls.key}]}
{{- end }}
{{- with .Values.dns.etcd.authSecret }}
- name: etcd-auth
  secret: {secretName: {{ . }}, items: [{key: password, path: password}]}
{{- end }}
{{- end }}
