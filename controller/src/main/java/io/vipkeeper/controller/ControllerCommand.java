package io.vipkeeper.controller;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.names.KubeNames;
import io.vipkeeper.core.pool.AddressPool;
import io.vipkeeper.core.pool.PoolSpecs;
import io.vipkeeper.core.viptable.ForwardMethod;
import io.vipkeeper.platform.CliErrors;
import io.vipkeeper.platform.Flags;
import io.vipkeeper.platform.KubeOptions;
import io.vipkeeper.platform.LoggingOptions;
import io.vipkeeper.platform.OpsServer;
import io.vipkeeper.platform.OptionChecks;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code vipkeeper controller}: gives LoadBalancer Services addresses and publishes the VIP ConfigMap. */
@Command(name = "controller", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Gives every LoadBalancer Service an external IP from the address pools, writes it to the Service's status",
            "and lists it in the VIP ConfigMap that the node agents (and kube-keepalived-vip) read.",
            "Pools: VipPool objects (vipkeeper.io/v1alpha1; live, with a status) when their CRD is installed,",
            "and the pools given here (--pool, --pools-file, KEEPALIVED_SERVICE_CIDR), read at start.",
            "",
            "Environment (keepalived-cloud-provider's, still honoured): KEEPALIVED_SERVICE_CIDR (one pool),",
            "KEEPALIVED_NAMESPACE + KEEPALIVED_CONFIG_MAP (the ConfigMap), KEEPALIVED_DEFAULT_FORWARD_METHOD,",
            "POD_NAMESPACE (where the Lease lives), POD_NAME (this replica's identity)."})
public final class ControllerCommand implements Callable<Integer>, OptionChecks {

    private static final Logger LOG = LoggerFactory.getLogger(ControllerCommand.class);
    /** How long SIGTERM waits for the controller to stop (Kubernetes' grace period is 30 s by default). */
    private static final Duration SHUTDOWN_LIMIT = Duration.ofSeconds(10);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    KubeOptions kube = new KubeOptions();

    @Mixin
    LoggingOptions logging = new LoggingOptions();

    @Option(names = "--pool", paramLabel = "POOL", description = {
        "An address pool (repeatable): a CIDR or first-last range, or",
        "name=N,addresses=CIDR|RANGE[;...],namespaces=a;b,avoid-buggy-ips=true|false,auto-assign=true|false"})
    List<String> poolFlags = new ArrayList<>();

    @Option(names = "--pools-file", paramLabel = "FILE", description = "YAML file with a 'pools:' list (same keys as --pool).")
    Path poolsFile;

    @Option(names = "--load-balancer-class", paramLabel = "CLASS", defaultValue = ControllerSettings.DEFAULT_CLASS,
            description = "The spec.loadBalancerClass served (default: ${DEFAULT-VALUE}); Services without a class are served too.")
    String loadBalancerClass;

    @Option(names = "--ignore-unclassed", description = "Serve only Services whose spec.loadBalancerClass is ours.")
    boolean ignoreUnclassed;

    @Option(names = "--default-forward-method", paramLabel = "NAT|DR|PROXY",
            description = "Method for Services without the k8s.co/keepalived-forward-method annotation (env KEEPALIVED_DEFAULT_FORWARD_METHOD; default NAT).")
    String defaultForwardMethod;

    @Option(names = "--configmap", paramLabel = "NS/NAME",
            description = "The VIP ConfigMap (env KEEPALIVED_NAMESPACE + KEEPALIVED_CONFIG_MAP; default kube-system/vip-configmap).")
    String configMap;

    @Option(names = "--allow-requested-outside-pools", defaultValue = "false", arity = "0..1", fallbackValue = "true",
            description = {"Grant an address a Service requests (spec.loadBalancerIP, vipkeeper.io/loadBalancerIPs) that is in no pool,",
                "as keepalived-cloud-provider did (default: ${DEFAULT-VALUE}: a tenant could claim any LAN address)."})
    boolean allowRequestedOutsidePools;

    @Option(names = "--leader-elect", defaultValue = "true", arity = "0..1", fallbackValue = "true",
            description = "Elect one writer among replicas with the Lease vipkeeper-controller (default: ${DEFAULT-VALUE}).")
    boolean leaderElect;

    @Option(names = "--lease-namespace", paramLabel = "NS", converter = Flags.Namespace.class, description = "Namespace of the Lease (default: $POD_NAMESPACE, else kube-system).")
    String leaseNamespace;

    @Option(names = "--lease-duration", defaultValue = "15s", paramLabel = "DURATION", converter = Flags.Duration.class,
            description = "Lease duration (default: ${DEFAULT-VALUE}).")
    Duration leaseDuration;

    @Option(names = "--renew-deadline", defaultValue = "10s", paramLabel = "DURATION", converter = Flags.Duration.class,
            description = "Leader renew deadline, shorter than the lease duration (default: ${DEFAULT-VALUE}).")
    Duration renewDeadline;

    @Option(names = "--retry-period", defaultValue = "2s", paramLabel = "DURATION", converter = Flags.Duration.class,
            description = "Leader election retry period, shorter than the renew deadline (default: ${DEFAULT-VALUE}).")
    Duration retryPeriod;

    @Option(names = "--health-port", defaultValue = "10252", paramLabel = "PORT", converter = Flags.ListenPort.class,
            description = "Port of /healthz, /readyz and /metrics (default: ${DEFAULT-VALUE}, the port the seed's manifests probe; 0 = any).")
    int healthPort;

    @Option(names = "--health-address", defaultValue = "0.0.0.0", paramLabel = "ADDR", converter = Flags.IpLiteral.class, description = "Address the health port binds (default: ${DEFAULT-VALUE}).")
    String healthAddress;

    private final Map<String, String> env;

    public ControllerCommand() {
        this(System.getenv());
    }

    ControllerCommand(Map<String, String> env) {
        this.env = env;
    }

    /** Parses and checks every option; a bad one becomes a usage error (exit 2) naming it. */
    ControllerSettings settings() {
        List<AddressPool> pools = new ArrayList<>();
        String seedCidr = env.get("KEEPALIVED_SERVICE_CIDR");
        if (seedCidr != null && !seedCidr.isBlank()) {
            pools.add(usage("KEEPALIVED_SERVICE_CIDR=" + seedCidr, PoolSpecs::fromSeedCidr, seedCidr));
        }
        for (int i = 0; i < poolFlags.size(); i++) {
            int index = i;
            pools.add(usage("--pool " + poolFlags.get(i), v -> PoolSpecs.parseFlag(v, index), poolFlags.get(i)));
        }
        if (poolsFile != null) {
            CliErrors.checked(spec, () -> Flags.readable("--pools-file", poolsFile));
            pools.addAll(usage("--pools-file " + poolsFile, PoolsFile::read, poolsFile));
        }
        usage("pools", p -> {
            AddressPool.requireDisjoint(p);
            return p;
        }, pools);
        String method = defaultForwardMethod != null ? defaultForwardMethod : env.get("KEEPALIVED_DEFAULT_FORWARD_METHOD");
        ForwardMethod fm = method == null || method.isBlank() ? ForwardMethod.NAT
                : usage("--default-forward-method " + method, ForwardMethod::parse, method);
        String cm = configMap;
        if (cm == null) {
            cm = env.getOrDefault("KEEPALIVED_NAMESPACE", "kube-system") + "/" + env.getOrDefault("KEEPALIVED_CONFIG_MAP", "vip-configmap");
        }
        int slash = cm.indexOf('/');
        if (slash <= 0 || !KubeNames.isNamespace(cm.substring(0, slash)) || !ControllerSettings.validConfigMapName(cm.substring(slash + 1))) {
            throw CliErrors.usage(spec, "--configmap: expected NAMESPACE/NAME, got '" + cm + "'");
        }
        String leaseNs = leaseNamespace != null ? leaseNamespace : env.getOrDefault("POD_NAMESPACE", "kube-system");
        if (!KubeNames.isNamespace(leaseNs)) {
            throw CliErrors.usage(spec, "--lease-namespace: not a namespace name: '" + leaseNs + "'");
        }
        String identity = env.getOrDefault("POD_NAME", hostName() + "-" + ProcessHandle.current().pid());
        ControllerSettings.Builder b = ControllerSettings.builder().pools(pools).loadBalancerClass(loadBalancerClass)
                .ignoreUnclassed(ignoreUnclassed).defaultForwardMethod(fm).configMap(cm.substring(0, slash), cm.substring(slash + 1))
                .leaderElect(leaderElect).leaseNamespace(leaseNs).identity(identity)
                .leaseDuration(leaseDuration).renewDeadline(renewDeadline)
                .retryPeriod(retryPeriod).allowRequestedOutsidePools(allowRequestedOutsidePools);
        return usage("settings", ControllerSettings.Builder::build, b);
    }

    private <T, R> R usage(String what, Function<T, R> parse, T value) {
        try {
            return parse.apply(value);
        } catch (InvalidInputException e) {
            // the settings' own checks name the flag themselves
            throw CliErrors.usage(spec, (what.equals("settings") ? "" : what + ": ") + e.getMessage());
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "vipkeeper";
        }
    }

    /** Everything {@link #call()} refuses, refused before it runs: the options together, the environment, the kubeconfig context. */
    @Override
    public void checkOptions() {
        settings();
        kube.config();
    }

    @Override
    public Integer call() throws Exception {
        logging.apply();
        ControllerSettings settings = settings();
        if (settings.pools().isEmpty()) {
            LOG.warn("no address pool: Services will only get addresses they request, and only with --allow-requested-outside-pools"
                    + " (give --pool, --pools-file or KEEPALIVED_SERVICE_CIDR)");
        }
        PrometheusRegistry registry = new PrometheusRegistry();
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        // SIGTERM: the JVM halts once its shutdown hooks return, so the hook waits until the controller has stopped
        // writing and released its Lease (a rolling update then hands over at once, not after the lease runs out)
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            try {
                stopped.await(SHUTDOWN_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "shutdown"));
        try (KubernetesClient client = kube.connect();
             Running running = start(client, settings, registry)) {
            try (OpsServer ops = new OpsServer(healthAddress, healthPort, registry, running::health, running::readiness)) {
                LOG.info("controller {} serving class {}{}, {} pool(s), ConfigMap {}/{}, health on {}:{}", settings.identity(),
                        settings.loadBalancerClass(), settings.ignoreUnclassed() ? " only" : " and unclassed Services",
                        settings.pools().size(), settings.configMapNamespace(), settings.configMapName(), healthAddress, ops.port());
                stop.await();
                LOG.info("stopping");
            }
        } finally {
            stopped.countDown();
        }
        return 0;
    }

    /**
     * Starts the controller (and leader election when on): the one way to run it, used by the command, the lab and
     * tests. {@code settings} were checked when they were built.
     */
    public static Running start(KubernetesClient client, ControllerSettings settings, PrometheusRegistry registry) {
        ServiceController controller = new ServiceController(client, settings, registry);
        controller.start();
        Leadership leadership = null;
        if (settings.leaderElect()) {
            leadership = new Leadership(client, settings, controller::setLeading);
            leadership.start();
        } else {
            controller.setLeading(true);
        }
        return new Running(controller, leadership);
    }

    /** A started controller. */
    public static final class Running implements AutoCloseable {
        private final ServiceController controller;
        private final Leadership leadership;

        Running(ServiceController controller, Leadership leadership) {
            this.controller = controller;
            this.leadership = leadership;
        }

        public ServiceController controller() {
            return controller;
        }

        public Optional<String> health() {
            return controller.health();
        }

        public Optional<String> readiness() {
            if (!controller.synced()) {
                return Optional.of("caches are not synced yet");
            }
            if (leadership != null && leadership.leader() == null) {
                return Optional.of("leader not known yet");
            }
            return controller.health();
        }

        @Override
        public void close() {
            if (leadership != null) {
                leadership.close();
            }
            controller.close();
        }
    }
}
