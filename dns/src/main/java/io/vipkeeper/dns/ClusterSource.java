package io.vipkeeper.dns;

import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.vipkeeper.platform.Informers;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.dns.ClusterId;
import io.vipkeeper.core.dns.DnsName;
import io.vipkeeper.core.dns.Location;
import io.vipkeeper.core.dns.Shard;
import io.vipkeeper.core.dns.Target;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One cluster seen through informers (Services, EndpointSlices, Nodes): its LoadBalancer Services as
 * {@link Shard}s and its location. Every value from the API is parsed into a typed value first; what does
 * not parse is reported through {@code refusals} and left out.
 */
public final class ClusterSource implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterSource.class);
    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    static final String[][] LOCATION_LABELS = {
        {"topology.kubernetes.io/zone", "topology.kubernetes.io/region"},
        {"failure-domain.beta.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/region"},
    };
    private static final String BY_SERVICE = "by-service";

    /** Why something was not published. */
    public record Refusal(ClusterId cluster, String object, String reason) {
    }

    /** Where a cluster is, or why that is not known. */
    public sealed interface Placement permits Placed, Unplaced {
    }

    public record Placed(Location location, String source) implements Placement {
    }

    public record Unplaced(String reason) implements Placement {
    }

    /** {@code key} and {@code value} of the opt-in annotation; null key publishes every LoadBalancer Service. */
    public record Filter(String key, String value) {
        public static final Filter NONE = new Filter(null, null);

        boolean accepts(Service s) {
            if (key == null) {
                return true;
            }
            Map<String, String> a = s.getMetadata().getAnnotations();
            return a != null && (value == null ? a.containsKey(key) : value.equals(a.get(key)));
        }
    }

    private final ClusterId id;
    private final String context;
    private final KubernetesClient client;
    private final Location configured;
    private final SharedIndexInformer<Service> services;
    private final SharedIndexInformer<EndpointSlice> slices;
    private final SharedIndexInformer<Node> nodes;

    public ClusterSource(ClusterId id, String context, KubernetesClient client, Location configured, Runnable onChange) {
        this.id = id;
        this.context = context;
        this.client = client;
        this.configured = configured;
        ResourceEventHandler<Object> handler = new ResourceEventHandler<>() {
            @Override
            public void onAdd(Object obj) {
                onChange.run();
            }

            @Override
            public void onUpdate(Object oldObj, Object newObj) {
                // resync replays the cache as onUpdate(x, x): nothing changed
                if (oldObj != newObj) {
                    onChange.run();
                }
            }

            @Override
            public void onDelete(Object obj, boolean deletedFinalStateUnknown) {
                onChange.run();
            }
        };
        services = client.services().inAnyNamespace().runnableInformer(0);
        slices = client.discovery().v1().endpointSlices().inAnyNamespace().runnableInformer(0);
        Function<EndpointSlice, List<String>> byService = es -> {
            Map<String, String> labels = es.getMetadata().getLabels();
            String svc = labels == null ? null : labels.get(SERVICE_NAME_LABEL);
            return svc == null ? List.of() : List.of(es.getMetadata().getNamespace() + "/" + svc);
        };
        slices.addIndexers(Map.of(BY_SERVICE, byService));
        nodes = client.nodes().runnableInformer(0);
        // an informer whose list or watch fails (API down, cluster not reachable yet) keeps retrying with
        // fabric8's backoff instead of stopping for good; the cluster counts as not connected meanwhile
        for (SharedIndexInformer<?> inf : List.of(services, slices, nodes)) {
            Informers.retryForever(inf, "cluster " + id + " (context " + context + ")");
        }
        services.addEventHandler(cast(handler));
        slices.addEventHandler(cast(handler));
        nodes.addEventHandler(cast(handler));
    }

    /**
     * A client for one cluster. Plain-HTTP API servers (the lab's in-memory one) are spoken to in HTTP/1.1:
     * the JDK client's cleartext HTTP/2 upgrade broke large list responses from the mock server.
     */
    public static KubernetesClient client(Config config) {
        if (config.getMasterUrl() != null && config.getMasterUrl().startsWith("http://")) {
            config.setHttp2Disable(true);
        }
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    @SuppressWarnings("unchecked")
    private static <T> ResourceEventHandler<T> cast(ResourceEventHandler<Object> h) {
        return (ResourceEventHandler<T>) (ResourceEventHandler<?>) h;
    }

    public ClusterSource start() {
        for (SharedIndexInformer<?> inf : List.of(services, slices, nodes)) {
            inf.start().whenComplete((ok, err) -> {
                if (err != null) {
                    LOG.warn("cluster {} (context {}): informer did not start: {}", id, context, err.getMessage());
                }
            });
        }
        return this;
    }

    public ClusterId id() {
        return id;
    }

    public String context() {
        return context;
    }

    /** True once every informer has its first listing. */
    public boolean synced() {
        return services.hasSynced() && slices.hasSynced() && nodes.hasSynced();
    }

    /** The configured location, else the most common zone/region among the Nodes' labels. */
    public Placement placement() {
        if (configured != null) {
            return new Placed(configured, "--location");
        }
        List<Node> all = nodes.getStore().list();
        if (all.isEmpty()) {
            return new Unplaced("no Nodes to read topology labels from (use --location " + context + "=ZONE/REGION)");
        }
        for (String[] pair : LOCATION_LABELS) {
            Map<String, Integer> zones = new TreeMap<>();
            Map<String, Integer> regions = new TreeMap<>();
            for (Node n : all) {
                Map<String, String> l = n.getMetadata().getLabels();
                if (l != null && l.get(pair[0]) != null && l.get(pair[1]) != null) {
                    zones.merge(l.get(pair[0]), 1, Integer::sum);
                    regions.merge(l.get(pair[1]), 1, Integer::sum);
                }
            }
            if (zones.isEmpty()) {
                continue;
            }
            // a multi-zone cluster publishes under one zone, as Federation v1 did (its zones[0])
            String zone = mostCommon(zones);
            String region = mostCommon(regions);
            if (zones.size() > 1) {
                LOG.debug("cluster {}: Nodes span zones {}, publishing under {}", id, zones.keySet(), zone);
            }
            try {
                return new Placed(new Location(zone, region), pair[0]);
            } catch (InvalidInputException e) {
                return new Unplaced("Node labels " + pair[0] + "/" + pair[1] + ": " + e.getMessage());
            }
        }
        return new Unplaced("no Node has " + LOCATION_LABELS[0][0] + " or " + LOCATION_LABELS[1][0]
                + " labels (use --location " + context + "=ZONE/REGION)");
    }

    private static String mostCommon(Map<String, Integer> counts) {
        String best = null;
        int n = -1;
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            if (e.getValue() > n) {
                best = e.getKey();
                n = e.getValue();
            }
        }
        return best;
    }

    /** The shards of every LoadBalancer Service the filter accepts, at {@code location}. */
    public List<Shard> shards(Location location, Filter filter, Consumer<Refusal> refusals) {
        List<Shard> out = new ArrayList<>();
        for (Service s : services.getStore().list()) {
            if (s.getSpec() == null || !"LoadBalancer".equals(s.getSpec().getType()) || !filter.accepts(s)) {
                continue;
            }
            String ns = s.getMetadata().getNamespace();
            String name = s.getMetadata().getName();
            String object = "Service " + InvalidInputException.quote(ns) + "/" + InvalidInputException.quote(name);
            // names are DNS labels on a real API server, but nothing here trusts that (upper case is refused,
            // not folded: folding could merge two Services into one name)
            ServiceRef key;
            try {
                key = new ServiceRef(ns, name);
            } catch (InvalidInputException e) {
                refusals.accept(new Refusal(id, object, "invalid-label: " + e.getMessage()));
                continue;
            }
            List<Target> ingress = new ArrayList<>();
            if (s.getStatus() != null && s.getStatus().getLoadBalancer() != null && s.getStatus().getLoadBalancer().getIngress() != null) {
                for (LoadBalancerIngress ing : s.getStatus().getLoadBalancer().getIngress()) {
                    parseIngress(ing, object, refusals).ifPresent(ingress::add);
                }
            }
            out.add(new Shard(id, location, key, ingress, ready(ns, name)));
        }
        return out;
    }

    private Optional<Target> parseIngress(LoadBalancerIngress ing, String object, Consumer<Refusal> refusals) {
        if (ing.getIp() != null && !ing.getIp().isEmpty()) {
            IpAddress ip = IpAddress.tryParse(ing.getIp());
            if (ip == null) {
                refusals.accept(new Refusal(id, object, "invalid-ingress-ip: " + InvalidInputException.quote(ing.getIp())));
                return Optional.empty();
            }
            return Optional.of(new Target.Address(ip));
        }
        if (ing.getHostname() != null && !ing.getHostname().isEmpty()) {
            Optional<DnsName> host = DnsName.tryParse(ing.getHostname()).filter(n -> n.labels().size() >= 2);
            if (host.isEmpty()) {
                refusals.accept(new Refusal(id, object, "invalid-ingress-hostname: " + InvalidInputException.quote(ing.getHostname())));
                return Optional.empty();
            }
            return Optional.of(new Target.Alias(host.get()));
        }
        return Optional.empty();
    }

    /** A ready endpoint: it has an address and its {@code ready} condition is not false (unknown counts as ready, per the API docs). */
    private boolean ready(String ns, String name) {
        for (EndpointSlice es : slices.getIndexer().byIndex(BY_SERVICE, ns + "/" + name)) {
            if (es.getEndpoints() == null) {
                continue;
            }
            for (Endpoint e : es.getEndpoints()) {
                boolean hasAddress = e.getAddresses() != null && !e.getAddresses().isEmpty();
                boolean ready = e.getConditions() == null || e.getConditions().getReady() == null || e.getConditions().getReady();
                if (hasAddress && ready) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public void close() {
        services.stop();
        slices.stop();
        nodes.stop();
        client.close();
    }
}
