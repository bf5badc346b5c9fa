package io.vipkeeper.dns;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.dns.ClusterId;
import io.vipkeeper.core.dns.DnsName;
import io.vipkeeper.core.dns.FederationNames;
import io.vipkeeper.core.dns.FederationPlanner;
import io.vipkeeper.core.dns.Location;
import io.vipkeeper.core.dns.SkyDns;
import io.vipkeeper.platform.CliErrors;
import io.vipkeeper.platform.LoggingOptions;
import io.vipkeeper.platform.OpsServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code vipkeeper dns publish}: one publisher for one or more clusters. */
@Command(name = "publish", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Watches LoadBalancer Services in one or more clusters and publishes Federation v1 names",
            "(<svc>.<ns>.<federation>.svc[.<zone>.<region>|.<region>].<domain>) as CoreDNS etcd records, under a lease."})
public final class DnsPublishCommand implements Callable<Integer> {

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

    @Option(names = "--ttl", paramLabel = "SECONDS", defaultValue = "30", description = "record TTL (default: ${DEFAULT-VALUE}).")
    int ttl;

    @Option(names = "--lease-ttl", paramLabel = "SECONDS", defaultValue = "15",
            description = "etcd lease: records of a dead publisher vanish after this long (default: ${DEFAULT-VALUE}).")
    long leaseTtl;

    @Option(names = "--http-host", paramLabel = "IP", defaultValue = "0.0.0.0", description = "address of /healthz, /readyz, /metrics (default: ${DEFAULT-VALUE}).")
    String httpHost;

    @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "9472", description = "port of /healthz, /readyz, /metrics; 0 picks one, -1 disables (default: ${DEFAULT-VALUE}).")
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

    @Override
    public Integer call() throws Exception {
        logging.apply();
        if (ttl < 1 || ttl > 86400) {
            throw CliErrors.usage(spec, "--ttl must be 1..86400");
        }
        if (leaseTtl < 2 || leaseTtl > 3600) {
            throw CliErrors.usage(spec, "--lease-ttl must be 2..3600");
        }
        FederationNames names;
        SkyDns layout;
        ClusterSource.Filter filter = ClusterSource.Filter.NONE;
        Map<String, Location> byContext = new HashMap<>();
        try {
            names = new FederationNames(federation, DnsName.parse(domain));
            layout = new SkyDns(etcd.prefix());
            for (Map.Entry<String, String> e : locations.entrySet()) {
                byContext.put(e.getKey(), Location.parse(e.getValue()));
            }
            if (requireAnnotation != null) {
                int eq = requireAnnotation.indexOf('=');
                filter = eq < 0 ? new ClusterSource.Filter(requireAnnotation, null)
                        : new ClusterSource.Filter(requireAnnotation.substring(0, eq), requireAnnotation.substring(eq + 1));
            }
        } catch (InvalidInputException e) {
            throw CliErrors.usage(spec, e.getMessage());
        }
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
            if (kubeconfig != null && !Files.isReadable(kubeconfig)) {
                throw CliErrors.usage(spec, "--kubeconfig " + kubeconfig + ": not readable");
            }
            List<String> wanted = contexts.isEmpty() ? java.util.Collections.singletonList(null) : contexts;
            Map<ClusterId, String> ids = new HashMap<>();
            AtomicReference<Publisher> holder = new AtomicReference<>();
            Runnable signal = () -> {
                Publisher p = holder.get();
                if (p != null) {
                    p.signal();
                }
            };
            for (String ctx : wanted) {
                Config config = kubeconfig != null ? Config.fromKubeconfig(ctx, kubeconfig.toFile()) : Config.autoConfigure(ctx);
                String name = ctx != null ? ctx : config.getCurrentContext() != null ? config.getCurrentContext().getName() : "in-cluster";
                ClusterId id = ClusterId.fromContext(name);
                String clash = ids.put(id, name);
                if (clash != null) {
                    throw CliErrors.usage(spec, "contexts " + clash + " and " + name + " map to the same cluster id " + id);
                }
                LOG.info("cluster {} from context {} ({})", id, name, config.getMasterUrl());
                clusters.add(new ClusterSource(id, name, clients.apply(config), byContext.get(name), filter, signal));
            }
            for (String ctx : byContext.keySet()) {
                if (clusters.stream().noneMatch(c -> c.context().equals(ctx))) {
                    throw CliErrors.usage(spec, "--location names context " + ctx + ", which is not published");
                }
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
                    done.await(5, java.util.concurrent.TimeUnit.SECONDS);
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
