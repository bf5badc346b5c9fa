package io.vipkeeper.agent;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.Dataplane;
import io.vipkeeper.core.names.ConfigMapRef;
import io.vipkeeper.platform.CliErrors;
import io.vipkeeper.platform.Flags;
import io.vipkeeper.platform.KubeOptions;
import io.vipkeeper.platform.LoggingOptions;
import io.vipkeeper.platform.OpsServer;
import io.vipkeeper.platform.OptionChecks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code vipkeeper agent}: the node agent (kube-keepalived-vip's successor), one per node (a DaemonSet). */
@Command(name = "agent", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Holds the VIPs of the VIP ConfigMap highly available with keepalived (VRRP) and forwards their traffic",
            "to the ready endpoints. kube-keepalived-vip's flags are kept.",
            "",
            "Environment: NODE_NAME (else the node of POD_NAMESPACE/POD_NAME), KEEPALIVED_NOTIFY (a script keepalived",
            "runs on every state change)."})
public final class AgentCommand implements Callable<Integer>, OptionChecks {

    private static final Logger LOG = LoggerFactory.getLogger(AgentCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    KubeOptions kube = new KubeOptions();

    @Mixin
    LoggingOptions logging = new LoggingOptions();

    @Mixin
    AgentOptions agent = new AgentOptions();

    @Option(names = "--http-port", defaultValue = "8080", paramLabel = "PORT", converter = Flags.ListenPort.class, description = "Port of /healthz, /readyz and /metrics (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--http-address", defaultValue = "0.0.0.0", paramLabel = "ADDR", converter = Flags.IpLiteral.class, description = "Address the HTTP port binds (default: ${DEFAULT-VALUE}).")
    String httpAddress;

    @Option(names = "--release-vips", defaultValue = "true", arity = "0..1", fallbackValue = "true",
            description = "Remove the VIPs from the interface when the agent stops (default: ${DEFAULT-VALUE}).")
    boolean releaseVips;

    @Option(names = "--watch-namespace", paramLabel = "NS", converter = Flags.Namespace.class, description = "Watch Services and endpoints of this namespace only (default: all).")
    String watchNamespace;

    @Option(names = "--watch-all-namespaces", description = "Watch every namespace (the default; kept for kube-keepalived-vip's manifests).")
    boolean watchAll;

    @Option(names = "--keepalived-bin", defaultValue = "keepalived", description = "The keepalived binary (default: ${DEFAULT-VALUE}).")
    String keepalivedBin;

    @Option(names = "--debounce", defaultValue = "100", paramLabel = "MS", converter = Millis.class,
            description = "Milliseconds of quiet before a change is applied (default: ${DEFAULT-VALUE}).")
    long debounceMs;

    @Option(names = "--max-delay", defaultValue = "1000", paramLabel = "MS", converter = Millis.class,
            description = "At most this many milliseconds from a change to its reload (default: ${DEFAULT-VALUE}).")
    long maxDelayMs;

    /** --debounce and --max-delay: up to a minute. */
    static final class Millis extends Flags.LongRange {
        Millis() {
            super(0, 60_000, "milliseconds");
        }
    }

    private final Map<String, String> env;

    public AgentCommand() {
        this(System.getenv());
    }

    AgentCommand(Map<String, String> env) {
        this.env = env;
    }

    /** What {@code --dataplane auto} means here: ipvs when the kernel has IPVS. */
    static Dataplane autoDataplane() {
        return Files.exists(Path.of("/proc/net/ip_vs")) ? Dataplane.IPVS : Dataplane.NFTABLES;
    }

    /** Everything {@link #call()} refuses before it connects: the flags together, the kubeconfig context, the node's name. */
    @Override
    public void checkOptions() {
        configMap();
        settings();
        agent.nodeIp();
        agent.bgp();
        if (debounceMs > maxDelayMs) {
            throw CliErrors.usage(spec, "--debounce " + debounceMs + " is longer than --max-delay " + maxDelayMs);
        }
        kube.config();
        String node = env.get("NODE_NAME");
        if ((node == null || node.isEmpty()) && (env.get("POD_NAME") == null || env.get("POD_NAMESPACE") == null)) {
            throw CliErrors.usage(spec, NO_NODE_NAME);
        }
    }

    private static final String NO_NODE_NAME =
            "cannot tell this node's name: set NODE_NAME (downward API spec.nodeName), or POD_NAME and POD_NAMESPACE";

    private ConfigMapRef configMap() {
        ConfigMapRef configMap = agent.configMap();
        if (configMap == null) {
            throw CliErrors.usage(spec, "--services-configmap NS/NAME is required");
        }
        return configMap;
    }

    private AgentSettings settings() {
        return agent.settings(autoDataplane(), env.get("KEEPALIVED_NOTIFY"));
    }

    @Override
    public Integer call() throws Exception {
        logging.apply();
        checkOptions();
        ConfigMapRef configMap = configMap();
        AgentSettings settings = settings();
        PrometheusRegistry registry = new PrometheusRegistry();
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        try (KubernetesClient client = kube.connect()) {
            String node = nodeName(client);
            NodeAgent.Options options = new NodeAgent.Options(configMap, node, agent.nodeIp(), watchNamespace, settings, keepalivedBin,
                    releaseVips, Duration.ofMillis(debounceMs), Duration.ofMillis(maxDelayMs));
            LOG.info("agent on node {}: VIP table {}, interface {}, data plane {}{}, VRRP v{} advert {} s (failover profile {}), {} instance(s){}{}",
                    node, configMap, settings.iface(), settings.dataplane().flag(), "auto".equals(agent.dataplane) ? " (auto)" : "",
                    settings.vrrpVersion(), settings.advertInterval(), settings.failoverProfile().flag(), settings.instanceMode(),
                    settings.useUnicast() ? ", unicast" : "", settings.realtime().scheduled() ? ", real-time VRRP" : "");
            // SIGTERM: stop keepalived and release the VIPs before the JVM exits
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stop.countDown();
                try {
                    stopped.await(15, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "shutdown"));
            try (NodeAgent nodeAgent = new NodeAgent(client, options, agent.bgp(), HostCommands.LOCAL, registry);
                 OpsServer ops = new OpsServer(httpAddress, httpPort, registry, nodeAgent::health, nodeAgent::readiness)) {
                nodeAgent.start();
                LOG.info("health and metrics on {}:{}", httpAddress, ops.port());
                stop.await();
                LOG.info("stopping: releasing VIPs");
            }
        } finally {
            stopped.countDown();
        }
        return 0;
    }

    private String nodeName(KubernetesClient client) {
        String node = env.get("NODE_NAME");
        if ((node == null || node.isEmpty()) && env.get("POD_NAME") != null && env.get("POD_NAMESPACE") != null) {
            Pod pod = client.pods().inNamespace(env.get("POD_NAMESPACE")).withName(env.get("POD_NAME")).get();
            node = pod == null || pod.getSpec() == null ? null : pod.getSpec().getNodeName();
        }
        if (node == null || node.isEmpty() || !node.matches("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")) {
            throw CliErrors.usage(spec, NO_NODE_NAME);
        }
        return node;
    }
}
