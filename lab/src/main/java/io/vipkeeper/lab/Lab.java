package io.vipkeeper.lab;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vipkeeper.controller.ControllerCommand;
import io.vipkeeper.controller.ControllerSettings;
import io.vipkeeper.core.pool.PoolSpecs;
import io.vipkeeper.lab.lan.AddressPlan;
import io.vipkeeper.lab.lan.ChildJvm;
import io.vipkeeper.lab.lan.CpuSplit;
import io.vipkeeper.lab.lan.FrrRouter;
import io.vipkeeper.lab.lan.LabPaths;
import io.vipkeeper.lab.lan.Lan;
import io.vipkeeper.lab.lan.Routing;
import io.vipkeeper.platform.process.Supervisor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running lab: the LAN, the in-memory API server on the host address, the controller (in this process), one agent
 * JVM per node namespace (each with its own keepalived and nftables), demo backends in pod namespaces, and — because
 * no kube-controller-manager runs — the Pods and EndpointSlices those backends stand for, kept in line with the
 * processes (a pod is ready while its backend answers TCP and nobody marked it not ready): {@link LabPods}.
 */
public final class Lab implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Lab.class);
    public static final String CONFIGMAP = "kube-system/vip-configmap";

    /**
     * How to build the lab. {@code vrrpInstances}: single or per-vip; {@code extraAgentArgs} go to every agent;
     * {@code unicast}: VRRP to the other nodes' addresses (else multicast, kube-keepalived-vip's default);
     * {@code vipkeeperAtStart}: the controller and an agent on every node start with the lab (else the lab is a cluster
     * before vipkeeper: {@link #startController()} and {@link #startAgent(int)} bring them in); {@code routing}: VRRP,
     * or BGP to the router vk-router (FRR), which the lab then adds with a second client behind it.
     */
    public record Options(AddressPlan plan, LabPaths paths, String vrrpInstances, int helloPods, List<String> extraAgentArgs,
            boolean unicast, boolean vipkeeperAtStart, Routing routing, CpuSplit cpus) {
        public Options {
            extraAgentArgs = List.copyOf(extraAgentArgs);
        }

        public Options(AddressPlan plan, LabPaths paths, String vrrpInstances, int helloPods, List<String> extraAgentArgs,
                boolean unicast, boolean vipkeeperAtStart, Routing routing) {
            this(plan, paths, vrrpInstances, helloPods, extraAgentArgs, unicast, vipkeeperAtStart, routing, CpuSplit.NONE);
        }

        public Options(AddressPlan plan, LabPaths paths, String vrrpInstances, int helloPods, List<String> extraAgentArgs,
                boolean unicast, boolean vipkeeperAtStart) {
            this(plan, paths, vrrpInstances, helloPods, extraAgentArgs, unicast, vipkeeperAtStart, Routing.VRRP);
        }

        public Options(AddressPlan plan, LabPaths paths, String vrrpInstances, int helloPods) {
            this(plan, paths, vrrpInstances, helloPods, List.of(), true, true);
        }

        public static Options defaults(AddressPlan plan) {
            return new Options(plan, new LabPaths(LabPaths.DEFAULT), "single", 3);
        }
    }

    private final Options options;
    private volatile AddressPlan plan;
    private final Lan lan;
    private final FrrRouter router;
    private final LabApiServer api = new LabApiServer();
    private KubernetesClient client;
    private KubernetesClient controllerClient;
    private ControllerCommand.Running controller;
    private final Map<Integer, Supervisor> agents = new ConcurrentHashMap<>();
    private volatile LabPods pods;
    private volatile boolean running;

    public Lab(Options options) {
        this.options = options;
        this.plan = options.plan();
        this.lan = new Lan(options.plan(), options.routing());
        this.router = options.routing().bgp() ? new FrrRouter(options.plan(), options.paths().routerDir(), options.routing().bfd()) : null;
    }

    public AddressPlan plan() {
        return plan;
    }

    public LabPaths paths() {
        return options.paths();
    }

    /** Builds everything; on failure, removes what it built and rethrows. */
    public synchronized void start() throws IOException {
        if (running) {
            return;
        }
        running = true;
        try {
            Lan.destroyAll(); // leftovers of a crashed run
            Files.createDirectories(paths().logs());
            lan.createBase();
            if (router != null) {
                lan.addRouter();
                router.start();
            }
            api.start(plan.hostIp(), AddressPlan.API_PORT);
            api.writeKubeconfig(paths().kubeconfig());
            client = api.client();
            for (int i : plan.nodeIndexes()) {
                startNode(i);
                if (options.vipkeeperAtStart()) {
                    startAgent(i);
                }
            }
            if (options.vipkeeperAtStart()) {
                startController();
            }
            pods = new LabPods(lan, this::plan, paths(), client, options.cpus().workloads());
            pods.scale("hello", options.helloPods());
            pods.startSync();
            paths().writePlan(plan, options.routing(), options.cpus());
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private void startNode(int i) {
        lan.addNode(i);
        String name = AddressPlan.nodeNs(i);
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).addToLabels("kubernetes.io/hostname", name)
                .endMetadata().withNewStatus().addNewAddress().withType("InternalIP").withAddress(plan.nodeIp(i)).endAddress()
                .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build()).createOr(op -> op.update());
    }

    /** Starts the vipkeeper agent of node {@code i} (as its DaemonSet pod would be), unless it runs. */
    public synchronized void startAgent(int i) {
        if (agents.containsKey(i)) {
            return;
        }
        String name = AddressPlan.nodeNs(i);
        List<String> args = new ArrayList<>(List.of("--kubeconfig", paths().kubeconfig().toString(), "--services-configmap", CONFIGMAP,
                "--iface", "eth0", "--node-ip", plan.nodeIp(i), "--dataplane", "nftables",
                "--run-dir", paths().nodeRunDir(i).toString(), "--http-port", Integer.toString(AddressPlan.AGENT_HTTP_PORT),
                "--vrrp-instances", options.vrrpInstances()));
        if (options.unicast()) {
            args.add("--use-unicast");
        }
        if (router != null) {
            // every VIP is announced to the router (the pool placements name no mode), the VRRP flags above stay unused
            args.addAll(List.of("--announce", "bgp", "--bgp-peer", "address=" + plan.routerIp() + ",asn=" + FrrRouter.ROUTER_AS
                    + ",local-asn=" + FrrRouter.NODE_AS + (options.routing().bfd() ? "" : ",bfd=false")));
        }
        if (options.extraAgentArgs().stream().noneMatch(a -> a.startsWith("--conntrack-sync"))) {
            // the backends tell which node forwarded a request by its source address, which SNAT to the VIP (what
            // conntrack sync needs) would hide: the lab turns sync on only when asked (--conntrack-sync)
            args.add("--conntrack-sync=false");
        }
        args.addAll(options.extraAgentArgs());
        Supervisor agent = new Supervisor(name, ChildJvm.command(name, options.cpus().nodes(), paths().log(name), List.of("NODE_NAME=" + name), "128m", "agent", args),
                () -> { });
        agents.put(i, agent);
        agent.start();
    }

    /** Stops the agent of node {@code i} as pod termination does (SIGTERM: it stops keepalived and releases its VIPs). */
    public synchronized void stopAgent(int i) {
        Supervisor agent = agents.remove(i);
        if (agent != null) {
            agent.stop(Duration.ofSeconds(10));
        }
    }

    /** Adds node N+1 to the running lab (namespace, Node object, agent); returns its index. */
    public synchronized int addNode() {
        int i = plan.nodes() + 1;
        plan = plan.withNodes(i);
        startNode(i);
        if (router != null) {
            router.addNeighbor(i);
        }
        startAgent(i);
        try {
            paths().writePlan(plan, options.routing(), options.cpus());
        } catch (IOException e) {
            LOG.warn("cannot record the plan: {}", e.getMessage());
        }
        return i;
    }

    public synchronized void startController() {
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl(api.url()).withNamespace("default").build();
        controllerClient = new KubernetesClientBuilder().withConfig(config).build();
        ControllerSettings settings = ControllerSettings.builder().pools(List.of(PoolSpecs.parseFlag(plan.pool(), 0)))
                .leaderElect(false).identity("vipkeeper-lab").build();
        controller = ControllerCommand.start(controllerClient, settings, new PrometheusRegistry());
    }

    public synchronized void stopController() {
        if (controller != null) {
            controller.close();
            controller = null;
        }
        if (controllerClient != null) {
            controllerClient.close();
            controllerClient = null;
        }
    }

    /** The API server stops listening (objects kept) until {@link #resumeApi()}. */
    public void pauseApi() {
        api.pause();
    }

    public void resumeApi() {
        api.resume();
    }

    public KubernetesClient client() {
        return client;
    }

    /** BGP mode: the router vk-router (FRR); empty with VRRP. */
    public Optional<FrrRouter> router() {
        return Optional.ofNullable(router);
    }

    public Routing routing() {
        return options.routing();
    }

    /** Runs {@code n} pods of {@code app} (named APP-1 … APP-n, label app=APP): starts missing ones, removes the rest. */
    public void scale(String app, int n) {
        pods.scale(app, n);
    }

    /** Marks a pod not ready (its endpoint goes {@code ready: false}) or lets its readiness follow its process again. */
    public void markNotReady(String pod, boolean notReady) {
        pods.markNotReady(pod, notReady);
    }

    /** The ready pods, by name. */
    public List<String> readyPods() {
        return pods.readyPods();
    }

    /** The agent process of node {@code i}. */
    public Optional<Process> agentProcess(int i) {
        Supervisor s = agents.get(i);
        return Optional.ofNullable(s == null ? null : s.process());
    }

    public int agentRestarts(int i) {
        Supervisor s = agents.get(i);
        return s == null ? 0 : s.restarts();
    }

    /** keepalived's pid on node {@code i} (from the agent's run dir), if it runs. */
    public Optional<Long> keepalivedPid(int i) {
        try {
            long pid = Long.parseLong(Files.readString(paths().nodeRunDir(i).resolve("keepalived.pid")).strip());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(h -> pid);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The pid of node {@code i}'s conntrackd (conntrack sync), found by its configuration file: it writes no pid file. */
    public Optional<Long> conntrackdPid(int i) {
        String conf = paths().nodeRunDir(i).resolve("conntrackd.conf").toString();
        return ProcessHandle.allProcesses().filter(h -> h.info().command().map(c -> c.endsWith("/conntrackd")).orElse(false))
                .filter(h -> h.info().arguments().map(a -> Arrays.asList(a).contains(conf)).orElse(false)).findFirst().map(ProcessHandle::pid);
    }

    /** The nodes that have {@code vip} on their eth0 now. */
    public List<Integer> holders(String vip) {
        return plan.nodeIndexes().stream().filter(i -> Lan.addresses(i).contains(vip)).toList();
    }

    @Override
    public synchronized void close() {
        running = false;
        List<Thread> stops = new ArrayList<>();
        // agents first (on SIGTERM each stops keepalived and releases its VIPs), in parallel: each takes a second or two
        for (Supervisor s : agents.values()) {
            stops.add(new Thread(() -> s.stop(Duration.ofSeconds(10))));
        }
        LabPods p = pods;
        if (p != null) {
            stops.add(new Thread(p::close));
        }
        stops.forEach(Thread::start);
        for (Thread t : stops) {
            try {
                t.join(15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        agents.clear();
        try {
            stopController();
        } catch (RuntimeException e) {
            LOG.warn("stopping the controller: {}", e.getMessage());
        }
        api.close();
        Lan.destroyAll();
        for (int i = 1; i <= AddressPlan.MAX_NODES; i++) {
            deleteTree(paths().nodeRunDir(i));
        }
        deleteTree(paths().routerDir()); // FRR's daemons died with vk-router (destroyAll)
        try {
            Files.deleteIfExists(paths().planFile());
        } catch (IOException e) {
            // best effort
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }
}
