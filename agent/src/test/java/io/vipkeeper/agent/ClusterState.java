package io.vipkeeper.agent;

import io.vipkeeper.core.agent.ClusterSnapshot;
import io.vipkeeper.core.agent.EndpointAddress;
import io.vipkeeper.core.agent.EndpointGroup;
import io.vipkeeper.core.agent.EndpointPortSpec;
import io.vipkeeper.core.agent.NodeInfo;
import io.vipkeeper.core.agent.ServicePortSpec;
import io.vipkeeper.core.agent.ServiceSpec;
import io.vipkeeper.core.agent.TargetPort;
import io.vipkeeper.core.agent.TrafficPolicy;
import io.vipkeeper.core.alloc.PortKey;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.vipkeeper.core.viptable.PoolPlacementCodec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A cluster as the agent observes it, built in a few lines: VIP table entries, Services with one TCP port "http"
 * (80 → 8080), their ready endpoints, and Nodes. Mutable, so a test changes it between syncs.
 */
final class ClusterState {

    private final Map<String, String> vipTable = new TreeMap<>();
    private final Map<ServiceRef, ServiceSpec> services = new LinkedHashMap<>();
    private final Map<ServiceRef, List<EndpointAddress>> endpoints = new LinkedHashMap<>();
    private final Map<String, NodeInfo> nodes = new TreeMap<>();
    private final List<String> objectErrors = new ArrayList<>();
    private String placement;

    ClusterState entry(String key, String value) {
        vipTable.put(key, value);
        return this;
    }

    ClusterState without(String key) {
        vipTable.remove(key);
        return this;
    }

    ClusterState service(String ref, TrafficPolicy policy) {
        ServiceRef r = ServiceRef.parse(ref);
        services.put(r, new ServiceSpec(r, List.of(new ServicePortSpec("http", PortKey.Protocol.TCP, 80, new TargetPort.Numbered(8080))), policy));
        return this;
    }

    /** Adds UDP port {@code port} to the Service; its endpoints serve it on the same number. */
    ClusterState udpPort(String ref, int port) {
        ServiceRef r = ServiceRef.parse(ref);
        ServiceSpec s = services.get(r);
        List<ServicePortSpec> ports = new ArrayList<>(s.ports());
        ports.add(new ServicePortSpec("udp-" + port, PortKey.Protocol.UDP, port, new TargetPort.Numbered(port)));
        services.put(r, new ServiceSpec(r, ports, s.trafficPolicy()));
        return this;
    }

    /** Replaces the Service's endpoints by one ready endpoint on {@code node}. */
    ClusterState endpoint(String ref, String ip, String node) {
        endpoints.put(ServiceRef.parse(ref), List.of(new EndpointAddress(IpAddress.parse(ip), true, node)));
        return this;
    }

    /** Replaces the Service's endpoints by ready endpoints on no particular node. */
    ClusterState endpoints(String ref, List<String> ips) {
        endpoints.put(ServiceRef.parse(ref), ips.stream().map(ip -> new EndpointAddress(IpAddress.parse(ip), true, null)).toList());
        return this;
    }

    ClusterState node(String name, String ip) {
        nodes.put(name, new NodeInfo(name, List.of(), List.of(IpAddress.parse(ip))));
        return this;
    }

    ClusterState node(String name, String ip, Map<String, String> labels) {
        nodes.put(name, new NodeInfo(name, List.of(), List.of(IpAddress.parse(ip)), List.of(), labels));
        return this;
    }

    /** The VIP ConfigMap's pool-placement annotation, as written (null: none); read as the agent reads it. */
    ClusterState placement(String annotation) {
        placement = annotation;
        return this;
    }

    ClusterState objectError(String message) {
        objectErrors.add(message);
        return this;
    }

    /** The ports the endpoints serve: the Service's target ports (http 8080 without a Service). */
    private List<EndpointPortSpec> endpointPorts(ServiceRef ref) {
        ServiceSpec s = services.get(ref);
        if (s == null) {
            return List.of(new EndpointPortSpec("http", PortKey.Protocol.TCP, 8080));
        }
        return s.ports().stream().map(p -> new EndpointPortSpec(p.name(), p.protocol(), ((TargetPort.Numbered) p.targetPort()).port())).toList();
    }

    ClusterSnapshot snapshot() {
        List<EndpointGroup> groups = new ArrayList<>();
        endpoints.forEach((ref, eps) -> groups.add(new EndpointGroup(ref, endpointPorts(ref), eps)));
        ConfigMapBuilder cm = new ConfigMapBuilder().withNewMetadata().withNamespace("kube-system").withName("vip-configmap")
                .endMetadata().withData(vipTable);
        if (placement != null) {
            cm.editMetadata().addToAnnotations(PoolPlacementCodec.ANNOTATION, placement).endMetadata();
        }
        VipConfigMap read = KubeTranslator.vipConfigMap(cm.build());
        return new ClusterSnapshot(read.table(), List.copyOf(services.values()), groups,
                List.copyOf(nodes.values()), objectErrors, read.placements(), read.placementRefusal());
    }
}
