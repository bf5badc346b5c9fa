package io.vipkeeper.dns;

import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vipkeeper.core.dns.ClusterId;
import io.vipkeeper.core.dns.DnsName;
import io.vipkeeper.core.dns.FederationNames;
import io.vipkeeper.core.dns.FederationPlanner;
import io.vipkeeper.core.dns.Location;
import io.vipkeeper.core.dns.SkyDns;
import io.vipkeeper.platform.CliErrors;
import io.vipkeeper.platform.Flags;
import io.vipkeeper.platform.LoggingOptions;
import io.vipkeeper.platform.OpsServer;
import io.vipkeeper.platform.OptionChecks;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code vipkeeper dns publish}: one publisher for one or more clusters. */
@Command(name = "publish", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Watches LoadBalancer Services in one or more clusters and publishes Federation v1 names",
            "(<svc>.<ns>.<federation>.svc[.<zone>.<region>|.<region>].<domain>) as CoreDNS etcd records, under a lease."})
public final class DnsPublishCommand implements Callable<Integer>, OptionChecks {

    private static final Logger LOG = LoggerFactory.getLogger(DnsPublishCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--kubeconfig", paramLabel = "FILE", description = "kubeconfig holding the clusters' contexts (default: in-cluster, else $KUBECONFIG or ~/.kube/config).")
    Path kubeconfig;

    @Option(names = "--context", paramLabel = "NAME", description = "a cluster to publish; repeat for several (default: the current context).")
    List<String> contexts = new ArrayList<>();

    @Option(names = "--location", paramLabel = "CONTEXT=ZONE/REGION", description = "a cluster's zone and region (default: its Nodes' topology labels).")
    Map<String, String> locations = new LinkedHashMap<>();

    @Option(names = "--require-annotation", paramLabel = "KEY[=VALUE]", description = "publish only Services with this annotation (e.g. vipkeeper.io/federate=true).")
    String requireAnnotation;

    @Option(names = "--federation", required = true, paramLabel = "NAME", description = "federation name, a DNS label (e.g. federation).")
    String federation;

    @Option(names = "--domain", required = true, paramLabel = "DOMAIN", description = "DNS domain of the names (e.g. example.com).")
    String domain;

    @Option(names = "--ttl", paramLabel = "SECONDS", defaultValue = "30", converter = Ttl.class, description = "record TTL, 1 to 86400 (default: ${DEFAULT-VALUE}).")
    int ttl;

    @Option(names = "--lease-ttl", paramLabel = "SECONDS", defaultValue = "15", converter = LeaseTtl.class,
            description = "etcd lease, 2 to 3600: records of a dead publisher vanish after this long (default: ${DEFAULT-VALUE}).")
    long leaseTtl;

    static final class Ttl extends Flags.IntRange {
        Ttl() {
            super(1, 86400, "a TTL in seconds");
        }
    }

    static final class LeaseTtl extends Flags.LongRange {
        LeaseTtl() {
            super(2, 3600, "a lease TTL in seconds");
        }
    }

    @Option(names = "--http-host", paramLabel = "IP", defaultValue = "0.0.0.0", converter = Flags.IpLiteral.class, description = "address of /healthz, /readyz, /metrics (default: ${DEFAULT-VALUE}).")
    String httpHost;

    @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "9472", converter = Flags.ListenPortOrOff.class, description = "port of /healthz, /readyz, /metrics; 0 picks one, -1 disables (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Mixin
    EtcdOptions etcd = new EtcdOptions();

    @Mixin
    LoggingOptions logging = new LoggingOptions();

    /** How a cluster's client is made from its kubeconfig context (tests substitute a recording client). */
    Function<Config, KubernetesClient> clients = ClusterSource::client;
    private final CountDownLatch stop = new CountDownLatch(1);

    /** Stops a running {@link #call()} as SIGTERM does. */
    void stop() {
        stop.countDown();
    }

    /** The flags, parsed. */
    private record Parsed(FederationNames names, SkyDns layout, Map<String, Location> byContext, ClusterSource.Filter filter) {
    }

    /** A cluster to publish: its context's name and client configuration. */
    private record Cluster(ClusterId id, String context, Config config) {
    }

    private Parsed parsed() {
        DnsName dnsDomain = CliErrors.flag(spec, "--domain", () -> DnsName.parse(domain));
        FederationNames names = CliErrors.flag(spec, "--federation", () -> new FederationNames(federation, dnsDomain));
        SkyDns layout = CliErrors.flag(spec, "--etcd-prefix", () -> new SkyDns(etcd.prefix()));
        Map<String, Location> byContext = new HashMap<>();
        for (Map.Entry<String, String> e : locations.entrySet()) {
            byContext.put(e.getKey(), CliErrors.flag(spec, "--location " + e.getKey(), () -> Location.parse(e.getValue())));
        }
        ClusterSource.Filter filter = ClusterSource.Filter.NONE;
        if (requireAnnotation != null) {
            int eq = requireAnnotation.indexOf('=');
            filter = eq < 0 ? new ClusterSource.Filter(requireAnnotation, null)
                    : new ClusterSource.Filter(requireAnnotation.substring(0, eq), requireAnnotation.substring(eq + 1));
        }
        return new Parsed(names, layout, byContext, filter);
    }

    /** The clusters to publish, from the kubeconfig (nothing is contacted). */
    private List<Cluster> clusters(Parsed parsed) {
        if (kubeconfig != null) {
            CliErrors.checked(spec, () -> Flags.kubeconfig("--kubeconfig", kubeconfig));
        }
        List<String> wanted = contexts.isEmpty() ? Collections.singletonList(null) : contexts;
        Map<ClusterId, String> ids = new HashMap<>();
        List<Cluster> out = new ArrayList<>();
        for (String ctx : wanted) {
            Config config;
            try {
                config = kubeconfig != null ? Config.fromKubeconfig(ctx, kubeconfig.toFile()) : Config.autoConfigure(ctx);
            } catch (RuntimeException e) {
                throw CliErrors.usage(spec, "--kubeconfig " + kubeconfig + ": " + Flags.firstLine(e));
            }
            List<String> known = config.getContexts() == null ? List.of() : config.getContexts().stream().map(NamedContext::getName).toList();
            if (ctx != null && !known.isEmpty() && !known.contains(ctx)) {
                throw CliErrors.usage(spec, "--context " + ctx + ": no such context (the kubeconfig has " + String.join(", ", known) + ")");
            }
            String name = ctx != null ? ctx : config.getCurrentContext() != null ? config.getCurrentContext().getName() : "in-cluster";
            ClusterId id = CliErrors.flag(spec, "--context " + name, () -> ClusterId.fromContext(name));
            String clash = ids.put(id, name);
            if (clash != null) {
                throw CliErrors.usage(spec, "--context: contexts " + clash + " and " + name + " map to the same cluster id " + id);
            }
            out.add(new Cluster(id, name, config));
        }
        for (String ctx : parsed.byContext().keySet()) {
            if (out.stream().noneMatch(c -> c.context().equals(ctx))) {
                throw CliErrors.usage(spec, "--location names context " + ctx + ", which is not published");
            }
        }
        return out;
    }

    /** Everything {@link #call()} refuses, refused before it runs (nothing is contacted). */
    @Override
    public void checkOptions() {
        clusters(parsed());
        try {
            etcd.check();
        } catch (IllegalArgumentException e) {
            throw CliErrors.usage(spec, e.getMessage());
        }
    }

    @Override
    public Integer call() throws Exception {
        logging.apply();
        Parsed parsed = parsed();
        List<Cluster> configs = clusters(parsed);
        FederationNames names = parsed.names();
        SkyDns layout = parsed.layout();
        PrometheusRegistry registry = new PrometheusRegistry();
        DnsMetrics metrics = new DnsMetrics(registry);
        List<ClusterSource> clusters = new ArrayList<>();
        EtcdStore store;
        try {
            store = new EtcdStore(etcd.connect());
        } catch (IllegalArgumentException e) {
            throw CliErrors.usage(spec, e.getMessage());
        }
        CountDownLatch done = new CountDownLatch(1);
        Publisher publisher = null;
        OpsServer ops = null;
        try {
            AtomicReference<Publisher> holder = new AtomicReference<>();
            Runnable signal = () -> {
                Publisher p = holder.get();
                if (p != null) {
                    p.signal();
                }
            };
            for (Cluster c : configs) {
                LOG.info("cluster {} from context {} ({})", c.id(), c.context(), c.config().getMasterUrl());
                clusters.add(new ClusterSource(c.id(), c.context(), clients.apply(c.config()), parsed.byContext().get(c.context()),
                        parsed.filter(), signal));
            }
            publisher = new Publisher(new Publisher.Settings(new FederationPlanner(names, ttl), layout, leaseTtl),
                    clusters, store, metrics);
            holder.set(publisher);
            Publisher p = publisher;
            if (httpPort >= 0) {
                ops = new OpsServer(httpHost, httpPort, registry, Optional::empty, p::problem);
                LOG.info("health and metrics on http://{}:{}/metrics", httpHost, ops.port());
            }
            publisher.start();
            clusters.forEach(ClusterSource::start);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stop.countDown();
                try {
                    done.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "dns-publish-stop"));
            LOG.info("publishing {} cluster(s) as *.{}.svc[.ZONE.REGION|.REGION].{} to etcd {}", clusters.size(), federation, names.domain(),
                    layout.prefix());
            stop.await();
            return 0;
        } finally {
            if (publisher != null) {
                publisher.close();
            }
            clusters.forEach(ClusterSource::close);
            if (ops != null) {
                ops.close();
            }
            store.close();
            done.countDown();
        }
    }
}
