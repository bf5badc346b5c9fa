package io.vipkeeper.dns;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.dns.ClusterId;
import io.vipkeeper.core.dns.DnsName;
import io.vipkeeper.core.dns.Location;
import io.vipkeeper.core.dns.Shard;
import io.vipkeeper.core.dns.Target;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.SpecialAddress;
import io.vipkeeper.platform.Informers;
import io.vipkeeper.platform.KubeReads;
import io.vipkeeper.platform.TranslatingStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One cluster seen through informers (Services, EndpointSlices, Nodes): its LoadBalancer Services as
 * {@link Shard}s and its location. Every value from the API is parsed into a typed value first; what does
 * not parse is reported through {@code refusals} and left out. The informers keep only those typed values
 * ({@link TranslatingStore}), and {@code onChange} runs only when one of them changes: a Service's other fields,
 * endpoint churn that leaves readiness as it was and Node heartbeats cost no publishing cycle.
 */
public final class ClusterSource implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterSource.class);
    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    static final String[][] LOCATION_LABELS = {
        {"topology.kubernetes.io/zone", "topology.kubernetes.io/region"},
        {"failure-domain.beta.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/region"},
    };

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

    /**
     * What is kept of a LoadBalancer Service the filter accepts: its name (null when refused) and addresses, and the
     * reasons for what in it was refused; {@code object} names it in those refusals.
     */
    record ServiceView(String object, ServiceRef ref, List<Target> ingress, List<String> refused) {
    }

    /** What is kept of an EndpointSlice: its Service ({@code namespace/name}) and whether it has a ready endpoint. */
    record SliceView(String service, boolean ready) {
    }

    /** What is kept of a Node: its name, topology labels and addresses ({@code status.addresses} that parse). */
    record NodeView(String name, Map<String, String> topology, Set<IpAddress> addresses) {
    }

    private final ClusterId id;
    private final String context;
    private final KubernetesClient client;
    private final Location configured;
    private final TranslatingStore<Service, ServiceView> serviceViews;
    private final TranslatingStore<EndpointSlice, SliceView> sliceViews;
    private final TranslatingStore<Node, NodeView> nodeViews;
    private final List<SharedIndexInformer<?>> informers;
    private final Runnable onChange;

    public ClusterSource(ClusterId id, String context, KubernetesClient client, Location configured, Filter filter, Runnable onChange) {
        this.id = id;
        this.context = context;
        this.client = client;
        this.configured = configured;
        this.onChange = onChange;
        serviceViews = new TranslatingStore<>(s -> serviceView(s, filter), Service::new, onChange);
        sliceViews = new TranslatingStore<>(ClusterSource::sliceView, EndpointSlice::new, onChange);
        nodeViews = new TranslatingStore<>(ClusterSource::nodeView, Node::new, onChange);
        // an informer whose list or watch fails (API down, cluster not reachable yet) keeps retrying with
        // fabric8's backoff instead of stopping for good; the cluster counts as not connected meanwhile
        String what = "cluster " + id + " (context " + context + ")";
        informers = List.of(
                Informers.keeping(client.services().inAnyNamespace().withLimit(Informers.PAGE).runnableInformer(0), serviceViews, what),
                Informers.keeping(client.discovery().v1().endpointSlices().inAnyNamespace().withLimit(Informers.PAGE).runnableInformer(0),
                        sliceViews, what),
                Informers.keeping(client.nodes().withLimit(Informers.PAGE).runnableInformer(0), nodeViews, what));
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

    public ClusterSource start() {
        for (SharedIndexInformer<?> inf : informers) {
            inf.start().whenComplete((ok, err) -> {
                if (err != null) {
                    LOG.warn("cluster {} (context {}): informer did not start: {}", id, context, err.getMessage());
                } else {
                    // the stores called onChange while the first list came in, before the informer counted as
                    // synced: the publisher skipped those; now it can publish what was listed
                    onChange.run();
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
        return informers.stream().allMatch(SharedIndexInformer::hasSynced);
    }

    /** The configured location, else the most common zone/region among the Nodes' labels. */
    public Placement placement() {
        if (configured != null) {
            return new Placed(configured, "--location");
        }
        List<Map<String, String>> all = nodeViews.snapshot().values().stream().map(NodeView::topology).toList(); // one per Node
        if (all.isEmpty()) {
            return new Unplaced("no Nodes to read topology labels from (use --location " + context + "=ZONE/REGION)");
        }
        for (String[] pair : LOCATION_LABELS) {
            Map<String, Integer> zones = new TreeMap<>();
            Map<String, Integer> regions = new TreeMap<>();
            for (Map<String, String> l : all) {
                if (l.get(pair[0]) != null && l.get(pair[1]) != null) {
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
    public List<Shard> shards(Location location, Consumer<Refusal> refusals) {
        Set<String> ready = new HashSet<>();
        for (SliceView v : sliceViews.snapshot().values()) {
            if (v.ready()) {
                ready.add(v.service());
            }
        }
        // a Service's address that is a Node's would send the name's clients to that node
        Map<IpAddress, String> nodeAddresses = new HashMap<>();
        for (NodeView n : nodeViews.snapshot().values()) {
            n.addresses().forEach(a -> nodeAddresses.putIfAbsent(a, n.name()));
        }
        List<Shard> out = new ArrayList<>();
        for (ServiceView v : serviceViews.snapshot().values()) {
            v.refused().forEach(reason -> refusals.accept(new Refusal(id, v.object(), reason)));
            if (v.ref() == null) {
                continue;
            }
            List<Target> ingress = new ArrayList<>(v.ingress().size());
            for (Target t : v.ingress()) {
                Optional<String> node = t instanceof Target.Address a ? SpecialAddress.refusal(a.ip(), nodeAddresses) : Optional.empty();
                if (node.isPresent()) {
                    refusals.accept(new Refusal(id, v.object(), "node-address: " + node.get()));
                } else {
                    ingress.add(t);
                }
            }
            out.add(new Shard(id, location, v.ref(), ingress, ready.contains(v.ref().toString())));
        }
        return out;
    }

    /** A Service as the publisher sees it; null when it is not a LoadBalancer or the filter leaves it out. */
    static ServiceView serviceView(Service s, Filter filter) {
        if (s.getSpec() == null || !"LoadBalancer".equals(s.getSpec().getType()) || !filter.accepts(s)) {
            return null;
        }
        String ns = s.getMetadata().getNamespace();
        String name = s.getMetadata().getName();
        String object = "Service " + InvalidInputException.quote(ns) + "/" + InvalidInputException.quote(name);
        // names are DNS labels on a real API server, but nothing here trusts that (upper case is refused,
        // not folded: folding could merge two Services into one name)
        ServiceRef ref;
        try {
            ref = new ServiceRef(ns, name);
        } catch (InvalidInputException e) {
            return new ServiceView(object, null, List.of(), List.of("invalid-label: " + e.getMessage()));
        }
        List<Target> ingress = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        for (String text : KubeReads.ingressIps(s)) {
            if (text.isEmpty()) {
                continue; // an empty ip is no ip (its hostname, if any, is read below)
            }
            IpAddress ip = IpAddress.tryParse(text);
            if (ip == null) {
                refused.add("invalid-ingress-ip: " + InvalidInputException.quote(text));
                continue;
            }
            // the status is written by a controller, but whoever can write it could name loopback or 0.0.0.0:
            // such an address sends every client of the name somewhere no Service is
            Optional<String> special = SpecialAddress.refusal(ip);
            if (special.isPresent()) {
                refused.add("special-address: " + special.get());
                continue;
            }
            ingress.add(new Target.Address(ip));
        }
        for (String text : KubeReads.ingressHostnames(s)) {
            if (text.isEmpty()) {
                continue;
            }
            Optional<DnsName> host = DnsName.tryParse(text).filter(n -> n.labels().size() >= 2);
            if (host.isEmpty()) {
                refused.add("invalid-ingress-hostname: " + InvalidInputException.quote(text));
            } else {
                ingress.add(new Target.Alias(host.get()));
            }
        }
        return new ServiceView(object, ref, List.copyOf(ingress), List.copyOf(refused));
    }

    /**
     * An EndpointSlice as its Service's readiness; null without the Service label. A ready endpoint has an address and
     * its {@code ready} condition is not false (unknown counts as ready, per the API docs).
     */
    static SliceView sliceView(EndpointSlice es) {
        Map<String, String> labels = es.getMetadata().getLabels();
        String svc = labels == null ? null : labels.get(SERVICE_NAME_LABEL);
        if (svc == null) {
            return null;
        }
        boolean ready = false;
        for (Endpoint e : es.getEndpoints() == null ? List.<Endpoint>of() : es.getEndpoints()) {
            boolean hasAddress = e.getAddresses() != null && !e.getAddresses().isEmpty();
            ready |= hasAddress && KubeReads.ready(e);
        }
        return new SliceView(es.getMetadata().getNamespace() + "/" + svc, ready);
    }

    /** A Node as the publisher sees it: name, topology labels, and the addresses in its status that parse. */
    static NodeView nodeView(Node n) {
        Set<IpAddress> addresses = new HashSet<>();
        if (n.getStatus() != null && n.getStatus().getAddresses() != null) {
            for (NodeAddress a : n.getStatus().getAddresses()) {
                IpAddress ip = a == null ? null : IpAddress.tryParse(a.getAddress());
                if (ip != null) {
                    addresses.add(ip);
                }
            }
        }
        return new NodeView(n.getMetadata().getName(), topologyLabels(n), Set.copyOf(addresses));
    }

    /** A Node's topology labels, only those (every Node is kept: a Node without them still counts as one). */
    static Map<String, String> topologyLabels(Node n) {
        Map<String, String> labels = n.getMetadata().getLabels();
        Map<String, String> out = new TreeMap<>();
        for (String[] pair : LOCATION_LABELS) {
            for (String key : pair) {
                if (labels != null && labels.get(key) != null) {
                    out.put(key, labels.get(key));
                }
            }
        }
        return Map.copyOf(out);
    }

    @Override
    public void close() {
        informers.forEach(SharedIndexInformer::stop);
        client.close();
    }
}
