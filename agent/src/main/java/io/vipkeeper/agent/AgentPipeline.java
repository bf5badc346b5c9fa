package io.vipkeeper.agent;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.ClusterSnapshot;
import io.vipkeeper.core.agent.EndpointGroup;
import io.vipkeeper.core.agent.NodeInfo;
import io.vipkeeper.core.agent.ServiceSpec;
import io.vipkeeper.core.names.ConfigMapRef;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.plan.AgentPlan;
import io.vipkeeper.core.plan.AgentPlanner;
import io.vipkeeper.core.pool.PoolPlacements;
import io.vipkeeper.core.viptable.VipConfigMapCodec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Cluster objects read from files → {@link ClusterSnapshot} → {@link AgentPlan} for one node: what
 * {@code vipkeeper render} prints. Objects with invalid fields make {@link #plan} throw (render exits non-zero
 * naming object and field); ConfigMap entries that do not parse are only reported, as the agent does.
 */
public final class AgentPipeline {

    private AgentPipeline() {
    }

    /**
     * @param configMap which ConfigMap is the VIP table; null when the objects hold exactly one ConfigMap
     * @param nodeIp    {@code --node-ip}, or null
     */
    public static AgentPlan plan(ClusterObjects objects, ConfigMapRef configMap, String nodeName, IpAddress nodeIp,
                                 AgentSettings settings) {
        ClusterSnapshot observed = translate(objects, configMap);
        if (!observed.objectErrors().isEmpty()) {
            throw new InvalidInputException(String.join("\n", observed.objectErrors()));
        }
        return AgentPlanner.plan(observed, nodeName, nodeIp, settings);
    }

    /** The pool placements of the VIP ConfigMap's annotation ({@code configMap}: as for {@link #translate}). */
    static PoolPlacements placements(ClusterObjects objects, ConfigMapRef configMap) {
        VipConfigMap cm = KubeTranslator.vipConfigMap(vipConfigMap(objects, configMap));
        if (cm.placementError() != null) {
            throw new InvalidInputException(cm.placementError());
        }
        return cm.placements();
    }

    /** Translates objects read from files; {@code configMap} names the VIP table (null: the only ConfigMap). */
    static ClusterSnapshot translate(ClusterObjects objects, ConfigMapRef configMap) {
        List<String> errors = new ArrayList<>();
        VipConfigMapCodec.Decoded table = KubeTranslator.vipConfigMap(vipConfigMap(objects, configMap)).table();
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
        groups.forEach(g -> errors.addAll(g.refused()));
        nodes.forEach(n -> errors.addAll(n.refused()));
        return new ClusterSnapshot(table, services, groups, nodes, errors);
    }

    private static ConfigMap vipConfigMap(ClusterObjects objects, ConfigMapRef ref) {
        List<ConfigMap> cms = objects.configMaps();
        if (ref == null) {
            if (cms.size() != 1) {
                throw new InvalidInputException("the objects hold " + cms.size()
                        + " ConfigMaps: name the VIP table with --services-configmap namespace/name");
            }
            return cms.get(0);
        }
        for (ConfigMap cm : cms) {
            String ns = cm.getMetadata() == null || cm.getMetadata().getNamespace() == null ? "default"
                    : cm.getMetadata().getNamespace();
            String name = cm.getMetadata() == null ? null : cm.getMetadata().getName();
            if (ref.namespace().equals(ns) && ref.name().equals(name)) {
                return cm;
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
