package io.vipkeeper.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What kube-apiserver fills in on a new Service (the mock fills in nothing): type, protocol, targetPort, a cluster
 * IP, node ports and an empty {@code status.loadBalancer}. Without them {@code kubectl get svc} shows odd ports and a
 * JSON patch {@code add /status/loadBalancer/ingress}, which works on a cluster, fails here.
 * Addresses are handed out from counters and never reused or checked for clashes: it is a lab.
 */
final class ServiceDefaults {

    // 10.96.0.0/12 is kubeadm's default service range; start above .1 (kubernetes) and .10 (kube-dns)
    private final AtomicInteger nextClusterIp = new AtomicInteger(100);
    private final AtomicInteger nextNodePort = new AtomicInteger();

    void apply(ObjectNode service) {
        ObjectNode spec = object(service, "spec");
        String type = spec.path("type").asText("");
        if (type.isEmpty()) {
            type = "ClusterIP";
            spec.put("type", type);
        }
        putIfAbsent(spec, "sessionAffinity", "None");
        boolean lb = type.equals("LoadBalancer");
        if (lb && !spec.has("allocateLoadBalancerNodePorts")) {
            spec.put("allocateLoadBalancerNodePorts", true);
        }
        boolean nodePorts = type.equals("NodePort") || (lb && spec.path("allocateLoadBalancerNodePorts").asBoolean());
        for (JsonNode p : spec.path("ports")) {
            if (p instanceof ObjectNode port) {
                putIfAbsent(port, "protocol", "TCP");
                if (!port.has("targetPort")) {
                    port.set("targetPort", port.get("port"));
                }
                if (nodePorts && port.path("nodePort").asInt() == 0) {
                    port.put("nodePort", 30000 + nextNodePort.getAndIncrement() % 2768);
                }
            }
        }
        if (!type.equals("ExternalName")) {
            if (spec.path("clusterIP").asText("").isEmpty()) {
                int n = nextClusterIp.getAndIncrement();
                spec.put("clusterIP", "10.96." + (n / 254 % 256) + "." + (n % 254 + 1));
            }
            if (!spec.has("clusterIPs")) {
                spec.putArray("clusterIPs").add(spec.get("clusterIP").asText());
            }
            if (!spec.get("clusterIP").asText().equals("None")) {
                if (!spec.has("ipFamilies")) {
                    spec.putArray("ipFamilies").add("IPv4");
                }
                putIfAbsent(spec, "ipFamilyPolicy", "SingleStack");
            }
            putIfAbsent(spec, "internalTrafficPolicy", "Cluster");
        }
        if (nodePorts || lb) {
            putIfAbsent(spec, "externalTrafficPolicy", "Cluster");
        }
        object(object(service, "status"), "loadBalancer");
    }

    private static ObjectNode object(ObjectNode parent, String field) {
        return parent.get(field) instanceof ObjectNode o ? o : parent.putObject(field);
    }

    private static void putIfAbsent(ObjectNode node, String field, String value) {
        if (!node.hasNonNull(field)) {
            node.put(field, value);
        }
    }
}
