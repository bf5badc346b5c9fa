package io.vipkeeper.agent;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.agent.AgentChecks;
import io.vipkeeper.core.agent.EndpointAddress;
import io.vipkeeper.core.agent.EndpointGroup;
import io.vipkeeper.core.agent.EndpointPortSpec;
import io.vipkeeper.core.agent.NodeInfo;
import io.vipkeeper.core.agent.ServicePortSpec;
import io.vipkeeper.core.agent.ServiceSpec;
import io.vipkeeper.core.agent.TargetPort;
import io.vipkeeper.core.agent.TrafficPolicy;
import io.vipkeeper.core.alloc.PortKey;
import io.vipkeeper.core.names.KubeNames;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.SpecialAddress;
import io.vipkeeper.core.pool.PoolPlacements;
import io.vipkeeper.core.viptable.PoolPlacementCodec;
import io.vipkeeper.core.viptable.VipConfigMapCodec;
import io.vipkeeper.platform.PoolPlacementJson;
import io.vipkeeper.platform.KubeReads;
import io.vipkeeper.platform.PoolPlacementJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * fabric8 objects → the agent's typed records. Every field is parsed and validated here; a field that does not
 * parse throws {@link InvalidInputException} naming the object and the field ({@code Service default/web:
 * spec.ports[1].protocol: ...}). Nothing of the API's text reaches a configuration except through these records.
 */
public final class KubeTranslator {

    /** The label an EndpointSlice names its Service with. */
    public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    private KubeTranslator() {
    }

    public static ServiceSpec service(Service s) {
        String obj = describe(s);
        ServiceRef ref = ref(s, obj);
        List<ServicePortSpec> ports = new ArrayList<>();
        List<ServicePort> raw = s.getSpec() == null || s.getSpec().getPorts() == null ? List.of() : s.getSpec().getPorts();
        for (int i = 0; i < raw.size(); i++) {
            ServicePort p = raw.get(i);
            String field = "spec.ports[" + i + "]";
            // port names are few ("http", "https"): one String each, not one per Service
            String name = field(obj, field + ".name", () -> AgentChecks.portName(p.getName())).intern();
            PortKey.Protocol proto = field(obj, field + ".protocol", () -> PortKey.protocol(p.getProtocol()));
            int port = field(obj, field + ".port", () -> AgentChecks.port(p.getPort() == null ? 0 : p.getPort(), "port"));
            TargetPort target = field(obj, field + ".targetPort", () -> targetPort(p.getTargetPort(), port));
            ports.add(new ServicePortSpec(name, proto, port, target));
        }
        String policy = s.getSpec() == null ? null : s.getSpec().getExternalTrafficPolicy();
        TrafficPolicy tp = field(obj, "spec.externalTrafficPolicy", () -> trafficPolicy(policy));
        return new ServiceSpec(ref, ports, tp);
    }

    private static TargetPort targetPort(IntOrString t, int port) {
        if (t == null || (t.getIntVal() == null && t.getStrVal() == null)) {
            return new TargetPort.Numbered(port); // the API's default: same as port
        }
        if (t.getIntVal() != null) {
            return new TargetPort.Numbered(t.getIntVal());
        }
        return new TargetPort.Named(t.getStrVal());
    }

    private static TrafficPolicy trafficPolicy(String text) {
        if (text == null || text.isEmpty() || text.equals("Cluster")) {
            return TrafficPolicy.CLUSTER;
        }
        if (text.equals("Local")) {
            return TrafficPolicy.LOCAL;
        }
        throw new InvalidInputException("unknown policy " + InvalidInputException.quote(text) + " (Cluster or Local)");
    }

    /** An EndpointSlice; null for an FQDN slice (nothing the agent can forward to). */
    public static EndpointGroup endpointSlice(EndpointSlice es) {
        String obj = describe(es);
        String ns = field(obj, "metadata.namespace", () -> namespace(es));
        Map<String, String> labels = es.getMetadata() == null ? null : es.getMetadata().getLabels();
        String svcName = labels == null ? null : labels.get(SERVICE_NAME_LABEL);
        ServiceRef ref = field(obj, "metadata.labels[" + SERVICE_NAME_LABEL + "]", () -> new ServiceRef(ns, svcName));
        String type = es.getAddressType();
        if ("FQDN".equals(type)) {
            return null;
        }
        if (!"IPv4".equals(type) && !"IPv6".equals(type)) {
            throw new InvalidInputException(obj + ": addressType: unknown address type "
                    + InvalidInputException.quote(type) + " (IPv4, IPv6 or FQDN)");
        }
        List<EndpointPortSpec> ports = new ArrayList<>();
        for (int i = 0; es.getPorts() != null && i < es.getPorts().size(); i++) {
            var p = es.getPorts().get(i);
            String field = "ports[" + i + "]";
            if (p.getPort() == null) {
                continue; // "all ports": only for headless Services, nothing to forward
            }
            ports.add(field(obj, field, () -> new EndpointPortSpec(p.getName() == null ? null : p.getName().intern(),
                    PortKey.protocol(p.getProtocol()), p.getPort())));
        }
        List<EndpointAddress> eps = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        List<Endpoint> rawEps = es.getEndpoints() == null ? List.of() : es.getEndpoints();
        for (int i = 0; i < rawEps.size(); i++) {
            Endpoint e = rawEps.get(i);
            String field = "endpoints[" + i + "]";
            boolean ready = KubeReads.ready(e);
            // one String per node name, not one per endpoint (the agent keeps these for every endpoint in the cluster)
            String node = e.getNodeName() == null ? null : e.getNodeName().intern();
            List<String> addrs = e.getAddresses() == null ? List.of() : e.getAddresses();
            List<EndpointAddress> these = new ArrayList<>();
            try {
                for (int k = 0; k < addrs.size(); k++) {
                    String a = addrs.get(k);
                    IpAddress ip = field(obj, field + ".addresses[" + k + "]", () -> endpointAddress(a, type));
                    these.add(field(obj, field + ".nodeName", () -> new EndpointAddress(ip, ready, node)));
                }
                eps.addAll(these);
            } catch (InvalidInputException ex) {
                // one bad endpoint does not take the slice's other endpoints with it
                refused.add(ex.getMessage() + "; that endpoint is left out");
            }
        }
        return new EndpointGroup(ref, ports, eps, refused);
    }

    /** An endpoint's address: of the slice's family (when given), and never one no traffic may go to (loopback...). */
    private static IpAddress endpointAddress(String text, String family) {
        IpAddress ip = IpAddress.parse(text);
        if (family != null && !ip.family().name().equals(family)) {
            throw new InvalidInputException(ip + " is not an " + family + " address");
        }
        SpecialAddress.refusal(ip).ifPresent(why -> {
            throw new InvalidInputException(why);
        });
        return ip;
    }

    /** A legacy Endpoints object: one group per subset; notReadyAddresses count as not ready. */
    public static List<EndpointGroup> endpoints(Endpoints ep) {
        String obj = describe(ep);
        ServiceRef ref = ref(ep, obj);
        List<EndpointGroup> out = new ArrayList<>();
        List<EndpointSubset> subsets = ep.getSubsets() == null ? List.of() : ep.getSubsets();
        for (int i = 0; i < subsets.size(); i++) {
            EndpointSubset ss = subsets.get(i);
            String field = "subsets[" + i + "]";
            List<EndpointPortSpec> ports = new ArrayList<>();
            List<EndpointPort> rawPorts = ss.getPorts() == null ? List.of() : ss.getPorts();
            for (int k = 0; k < rawPorts.size(); k++) {
                EndpointPort p = rawPorts.get(k);
                ports.add(field(obj, field + ".ports[" + k + "]", () -> new EndpointPortSpec(p.getName(),
                        PortKey.protocol(p.getProtocol()), p.getPort() == null ? 0 : p.getPort())));
            }
            List<EndpointAddress> eps = new ArrayList<>();
            List<String> refused = new ArrayList<>();
            for (boolean ready : new boolean[] {true, false}) {
                var raw = ready ? ss.getAddresses() : ss.getNotReadyAddresses();
                String list = field + (ready ? ".addresses" : ".notReadyAddresses");
                for (int k = 0; raw != null && k < raw.size(); k++) {
                    var a = raw.get(k);
                    String f = list + "[" + k + "]";
                    try {
                        IpAddress ip = field(obj, f + ".ip", () -> endpointAddress(a.getIp(), null));
                        eps.add(field(obj, f + ".nodeName", () -> new EndpointAddress(ip, ready, a.getNodeName())));
                    } catch (InvalidInputException ex) {
                        refused.add(ex.getMessage() + "; that endpoint is left out");
                    }
                }
            }
            out.add(new EndpointGroup(ref, ports, eps, refused));
        }
        return out;
    }

    public static NodeInfo node(Node n) {
        String obj = describe(n);
        String name = field(obj, "metadata.name", () -> AgentChecks.nodeName(n.getMetadata() == null ? null : n.getMetadata().getName()));
        List<IpAddress> external = new ArrayList<>();
        List<IpAddress> internal = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        List<NodeAddress> addrs = n.getStatus() == null || n.getStatus().getAddresses() == null ? List.of()
                : n.getStatus().getAddresses();
        for (int i = 0; i < addrs.size(); i++) {
            NodeAddress a = addrs.get(i);
            String f = "status.addresses[" + i + "].address";
            List<IpAddress> kind = "ExternalIP".equals(a.getType()) ? external : "InternalIP".equals(a.getType()) ? internal : null;
            if (kind != null) {
                try {
                    kind.add(field(obj, f, () -> IpAddress.parse(a.getAddress())));
                } catch (InvalidInputException e) {
                    refused.add(e.getMessage() + "; that address is left out"); // the Node's other addresses still count
                }
            }
        }
        // labels are only matched against pools' nodeSelectors (never rendered): kept as they are
        Map<String, String> labels = n.getMetadata() == null || n.getMetadata().getLabels() == null ? Map.of()
                : n.getMetadata().getLabels();
        boolean unschedulable = n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable());
        return new NodeInfo(name, external, internal, refused, labels, unschedulable);
    }

    /**
     * The VIP ConfigMap, its entries parsed one by one (an entry that does not parse is kept as refused, not thrown)
     * and its pool-placement annotation parsed whole (one that does not parse is kept as refused, with the reason).
     */
    static VipConfigMap vipConfigMap(ConfigMap cm) {
        String uid = cm.getMetadata() == null ? null : cm.getMetadata().getUid();
        Map<String, String> annotations = cm.getMetadata() == null ? null : cm.getMetadata().getAnnotations();
        String placement = annotations == null ? null : annotations.get(PoolPlacementCodec.ANNOTATION);
        PoolPlacements placements;
        String refusal = null;
        try {
            placements = PoolPlacementJson.decode(placement);
        } catch (InvalidInputException e) {
            placements = PoolPlacements.NONE;
            refusal = e.getMessage();
        }
        return new VipConfigMap(uid, VipConfigMapCodec.decode(cm.getData()), placements, refusal);
    }

    private static ServiceRef ref(HasMetadata o, String obj) {
        String ns = field(obj, "metadata.namespace", () -> namespace(o));
        String name = o.getMetadata() == null ? null : o.getMetadata().getName();
        return field(obj, "metadata.name", () -> new ServiceRef(ns, name));
    }

    /** A missing namespace means "default", as for kubectl with no context namespace. */
    private static String namespace(HasMetadata o) {
        String ns = o.getMetadata() == null ? null : o.getMetadata().getNamespace();
        return KubeNames.requireNamespace(ns == null || ns.isEmpty() ? "default" : ns);
    }

    /** {@code Kind namespace/name}, with untrusted parts quoted, for messages. */
    public static String describe(HasMetadata o) {
        String ns = o.getMetadata() == null ? null : o.getMetadata().getNamespace();
        String name = o.getMetadata() == null ? null : o.getMetadata().getName();
        String id = (ns == null ? "" : ns + "/") + (name == null ? "" : name);
        boolean plain = id.matches("[a-z0-9./-]{1,253}");
        return o.getClass().getSimpleName() + " " + (plain ? id : InvalidInputException.quote(id));
    }

    private interface Parse<T> {
        T get();
    }

    private static <T> T field(String obj, String field, Parse<T> p) {
        try {
            return p.get();
        } catch (InvalidInputException e) {
            throw new InvalidInputException(obj + ": " + field + ": " + e.getMessage());
        }
    }
}
