package io.vipkeeper.agent;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.EndpointGroup;
import io.vipkeeper.core.agent.NodeIdentity;
import io.vipkeeper.core.agent.NodeInfo;
import io.vipkeeper.core.agent.Resolution;
import io.vipkeeper.core.agent.ServiceSpec;
import io.vipkeeper.core.agent.VipResolver;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.render.AgentPlan;
import io.vipkeeper.core.render.AgentPlanner;
import io.vipkeeper.core.viptable.VipConfigMapCodec;
import io.vipkeeper.core.viptable.VipTable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Cluster objects → {@link AgentPlan} for one node: what {@code vipkeeper render} prints and what the agent applies.
 * Objects with invalid fields make {@link #plan} throw (render exits non-zero naming object and field); ConfigMap
 * entries that do not parse are only reported, as the agent does.
 */
public final class AgentPipeline {

    private AgentPipeline() {
    }

    /**
     * @param configMap which ConfigMap is the VIP table; null when the objects hold exactly one ConfigMap
     * @param nodeIp    {@code --node-ip}, or null
     */
    public static AgentPlan plan(ClusterObjects objects, ServiceRef configMap, String nodeName, IpAddress nodeIp,
                                 AgentSettings settings) {
        Planned p = planSkippingInvalid(objects, configMap, nodeName, nodeIp, settings);
        if (!p.objectErrors().isEmpty()) {
            throw new InvalidInputException(String.join("\n", p.objectErrors()));
        }
        return p.plan();
    }

    /**
     * A plan, the VIP table it was made from, and the objects left out because a field did not parse (the running
     * agent reports them and goes on).
     */
    public record Planned(AgentPlan plan, VipTable table, List<String> objectErrors) {
    }

    public static Planned planSkippingInvalid(ClusterObjects objects, ServiceRef configMap, String nodeName, IpAddress nodeIp,
                                              AgentSettings settings) {
        return plan(translate(objects, configMap), nodeName, nodeIp, settings);
    }

    /**
     * What the planner reads, already typed: the VIP ConfigMap's data (the codec parses it entry by entry), the
     * Services, the endpoint groups (EndpointSlices, or Endpoints for Services without slices) and the Nodes; objects
     * that did not parse are left out and named in {@code errors}.
     */
    public record Typed(Map<String, String> vipTable, Collection<ServiceSpec> services, Collection<EndpointGroup> endpoints,
                        Collection<NodeInfo> nodes, List<String> errors) {
    }

    /** The plan for one node from typed objects (the running agent keeps only typed objects). */
    public static Planned plan(Typed typed, String nodeName, IpAddress nodeIp, AgentSettings settings) {
        Map<ServiceRef, ServiceSpec> services = new TreeMap<>();
        typed.services().forEach(s -> services.put(s.ref(), s));
        Map<ServiceRef, List<EndpointGroup>> byService = VipResolver.byService(typed.endpoints());
        NodeIdentity identity = NodeIdentity.resolve(nodeName, List.copyOf(typed.nodes()), nodeIp);
        VipConfigMapCodec.Decoded decoded = VipConfigMapCodec.decode(typed.vipTable());
        Resolution r = VipResolver.resolve(decoded, services, byService, nodeName, settings);
        return new Planned(AgentPlanner.plan(r, identity, settings), decoded.table(), typed.errors());
    }

    /** Translates objects read from files; {@code configMap} names the VIP table (null: the only ConfigMap). */
    static Typed translate(ClusterObjects objects, ServiceRef configMap) {
        List<String> errors = new ArrayList<>();
        Map<String, String> data = configMapData(objects, configMap);
        List<ServiceSpec> services = new ArrayList<>();
        for (var s : objects.services()) {
            collect(errors, () -> services.add(KubeTranslator.service(s)));
        }
        List<EndpointGroup> groups = new ArrayList<>();
        Set<ServiceRef> withSlices = new HashSet<>();
        for (EndpointSlice es : objects.endpointSlices()) {
            collect(errors, () -> {
                EndpointGroup g = KubeTranslator.endpointSlice(es);
                if (g != null) {
                    groups.add(g);
                    withSlices.add(g.service());
                }
            });
        }
        // Endpoints only for Services without EndpointSlices: the slices are the source, Endpoints their mirror
        for (var ep : objects.endpoints()) {
            collect(errors, () -> {
                for (EndpointGroup g : KubeTranslator.endpoints(ep)) {
                    if (!withSlices.contains(g.service())) {
                        groups.add(g);
                    }
                }
            });
        }
        List<NodeInfo> nodes = new ArrayList<>();
        for (var n : objects.nodes()) {
            collect(errors, () -> nodes.add(KubeTranslator.node(n)));
        }
        return new Typed(data, services, groups, nodes, errors);
    }

    private static Map<String, String> configMapData(ClusterObjects objects, ServiceRef ref) {
        List<ConfigMap> cms = objects.configMaps();
        if (ref == null) {
            if (cms.size() != 1) {
                throw new InvalidInputException("the objects hold " + cms.size()
                        + " ConfigMaps: name the VIP table with --services-configmap namespace/name");
            }
            return KubeTranslator.configMapData(cms.get(0));
        }
        for (ConfigMap cm : cms) {
            String ns = cm.getMetadata() == null || cm.getMetadata().getNamespace() == null ? "default"
                    : cm.getMetadata().getNamespace();
            String name = cm.getMetadata() == null ? null : cm.getMetadata().getName();
            if (ref.namespace().equals(ns) && ref.name().equals(name)) {
                return KubeTranslator.configMapData(cm);
            }
        }
        throw new InvalidInputException("ConfigMap " + ref + " (--services-configmap) is not among the objects");
    }

    private static void collect(List<String> errors, Runnable r) {
        try {
            r.run();
        } catch (InvalidInputException e) {
            errors.add(e.getMessage());
        }
    }
}
