package io.vipkeeper.lab.lan;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vipkeeper.controller.ControllerCommand;
import io.vipkeeper.controller.ControllerSettings;
import io.vipkeeper.core.pool.PoolSpecs;
import io.vipkeeper.lab.ChildJvm;
import io.vipkeeper.lab.LabApiServer;
import io.vipkeeper.platform.process.Supervisor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running lab: the LAN, the in-memory API server on the host address, the controller (in this process), one agent
 * JVM per node namespace (each with its own keepalived and nftables), demo backends in pod namespaces, and — because
 * no kube-controller-manager runs — the Pods and EndpointSlices those backends stand for, kept in line with the
 * processes (a pod is ready while its backend answers TCP and nobody marked it not ready).
 */
public final class Lab implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Lab.class);
    public static final String CONFIGMAP = "kube-system/vip-configmap";
    static final String MANAGED_BY = "lab.vipkeeper.io";
    private static final Duration SYNC_EVERY = Duration.ofMillis(200);

    /**
     * How to build the lab. {@code vrrpInstances}: single or per-vip; {@code extraAgentArgs} go to every agent;
     * {@code unicast}: VRRP to the other nodes' addresses (else multicast, kube-keepalived-vip's default);
     * {@code vipkeeperAtStart}: the controller and an agent on every node start with the lab (else the lab is a cluster
     * before vipkeeper: {@link #startController()} and {@link #startAgent(int)} bring them in).
     */
    public record Options(AddressPlan plan, LabPaths paths, String vrrpInstances, int helloPods, List<String> extraAgentArgs,
            boolean unicast, boolean vipkeeperAtStart) {
        public Options {
            extraAgentArgs = List.copyOf(extraAgentArgs);
        }

        public Options(AddressPlan plan, LabPaths paths, String vrrpInstances, int helloPods) {
            this(plan, paths, vrrpInstances, helloPods, List.of(), true, true);
        }

        public static Options defaults(AddressPlan plan) {
            return new Options(plan, new LabPaths(LabPaths.DEFAULT), "single", 3);
        }
    }

    /** A pod: a namespace with a backend process, standing for a Pod object. */
    private static final class PodSlot {
        final String name;
        final String app;
        final int slot;
        final int node;
        final Supervisor backend;
        volatile boolean markedNotReady;
        volatile boolean ready;

        PodSlot(String name, String app, int slot, int node, Supervisor backend) {
            this.name = name;
            this.app = app;
            this.slot = slot;
            this.node = node;
            this.backend = backend;
        }
    }

    private final Options options;
    private volatile AddressPlan plan;
    private final Lan lan;
    private final LabApiServer api = new LabApiServer();
    private KubernetesClient client;
    private KubernetesClient controllerClient;
    private ControllerCommand.Running controller;
    private final Map<Integer, Supervisor> agents = new ConcurrentHashMap<>();
    private final Map<String, PodSlot> pods = new ConcurrentHashMap<>();
    private final Map<String, String> writtenPods = new HashMap<>();
    private final Map<String, String> writtenSlices = new HashMap<>();
    private Thread syncer;
    private volatile boolean running;

    public Lab(Options options) {
        this.options = options;
        this.plan = options.plan();
        this.lan = new Lan(options.plan());
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
            scale("hello", options.helloPods());
            syncer = new Thread(this::syncLoop, "lab-sync");
            syncer.setDaemon(true);
            syncer.start();
            paths().writePlan(plan);
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
        args.addAll(options.extraAgentArgs());
        Supervisor agent = new Supervisor(name, ChildJvm.command(name, paths().log(name), List.of("NODE_NAME=" + name), "128m", "agent", args),
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
        startAgent(i);
        try {
            paths().writePlan(plan);
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

    /** Runs {@code n} pods of {@code app} (named APP-1 … APP-n, label app=APP): starts missing ones, removes the rest. */
    public synchronized void scale(String app, int n) {
        for (int k = 1; k <= n; k++) {
            String name = app + "-" + k;
            if (!pods.containsKey(name)) {
                addPod(name, app);
            }
        }
        for (PodSlot p : List.copyOf(pods.values())) {
            if (p.app.equals(app) && Integer.parseInt(p.name.substring(app.length() + 1)) > n) {
                removePod(p);
            }
        }
    }

    private void addPod(String name, String app) {
        int slot = 1;
        while (slotUsed(slot)) {
            slot++;
        }
        lan.addPod(name, slot);
        String ns = Lan.podNs(name);
        Supervisor backend = new Supervisor(ns, ChildJvm.command(ns, paths().log(ns), List.of(), "32m", "backend",
                List.of("--name", name, "--port", Integer.toString(AddressPlan.BACKEND_PORT))), () -> { });
        pods.put(name, new PodSlot(name, app, slot, (slot - 1) % plan.nodes() + 1, backend));
        backend.start();
    }

    private boolean slotUsed(int slot) {
        return pods.values().stream().anyMatch(p -> p.slot == slot);
    }

    private void removePod(PodSlot p) {
        pods.remove(p.name);
        p.backend.stop(Duration.ofSeconds(3));
        Lan.removePod(p.name, p.slot);
    }

    /** Marks a pod not ready (its endpoint goes {@code ready: false}) or lets its readiness follow its process again. */
    public void markNotReady(String pod, boolean notReady) {
        PodSlot p = pods.get(pod);
        if (p == null) {
            throw new IllegalArgumentException("no pod " + pod);
        }
        p.markedNotReady = notReady;
    }

    /** The ready pods, by name. */
    public List<String> readyPods() {
        return pods.values().stream().filter(p -> p.ready).map(p -> p.name).sorted().toList();
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

    /** The nodes that have {@code vip} on their eth0 now. */
    public List<Integer> holders(String vip) {
        return plan.nodeIndexes().stream().filter(i -> Lan.addresses(i).contains(vip)).toList();
    }

    // ---- the stand-in for kube-controller-manager: Pods and EndpointSlices follow the backend processes ----

    private void syncLoop() {
        while (running) {
            try {
                syncOnce();
            } catch (KubernetesClientException e) {
                LOG.debug("API not reachable; trying again: {}", e.getMessage());
            } catch (RuntimeException e) {
                LOG.warn("lab sync failed; trying again", e);
            }
            try {
                Thread.sleep(SYNC_EVERY.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static boolean answers(String ip, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(ip, port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    synchronized void syncOnce() {
        for (PodSlot p : pods.values()) {
            p.ready = !p.markedNotReady && p.backend.alive() && answers(plan.podIp(p.slot), AddressPlan.BACKEND_PORT);
        }
        // Pods
        Map<String, String> desiredPods = new TreeMap<>();
        for (PodSlot p : pods.values()) {
            desiredPods.put(p.name, p.app + "|" + p.ready);
        }
        for (PodSlot p : pods.values()) {
            String want = desiredPods.get(p.name);
            if (!want.equals(writtenPods.get(p.name))) {
                client.pods().inNamespace("default").resource(pod(p)).createOr(op -> op.update());
                client.pods().inNamespace("default").resource(pod(p)).updateStatus();
                writtenPods.put(p.name, want);
            }
        }
        for (String gone : List.copyOf(writtenPods.keySet())) {
            if (!desiredPods.containsKey(gone)) {
                client.pods().inNamespace("default").withName(gone).delete();
                writtenPods.remove(gone);
            }
        }
        // EndpointSlices, one per Service with a selector, from the pods it selects (pods live in namespace default)
        Map<String, EndpointSlice> desired = new TreeMap<>();
        for (Service s : client.services().inAnyNamespace().list().getItems()) {
            Map<String, String> selector = s.getSpec() == null ? null : s.getSpec().getSelector();
            if (selector == null || selector.isEmpty()) {
                continue;
            }
            EndpointSlice slice = slice(s, selector);
            desired.put(slice.getMetadata().getNamespace() + "/" + slice.getMetadata().getName(), slice);
        }
        for (Map.Entry<String, EndpointSlice> e : desired.entrySet()) {
            String text = e.getValue().getEndpoints().toString() + e.getValue().getPorts();
            if (!text.equals(writtenSlices.get(e.getKey()))) {
                client.resource(e.getValue()).createOr(op -> op.update());
                writtenSlices.put(e.getKey(), text);
            }
        }
        for (String gone : List.copyOf(writtenSlices.keySet())) {
            if (!desired.containsKey(gone)) {
                String[] ns = gone.split("/");
                client.discovery().v1().endpointSlices().inNamespace(ns[0]).withName(ns[1]).delete();
                writtenSlices.remove(gone);
            }
        }
    }

    private Pod pod(PodSlot p) {
        String status = p.ready ? "True" : "False";
        return new PodBuilder().withNewMetadata().withNamespace("default").withName(p.name).addToLabels("app", p.app)
                .addToLabels("app.kubernetes.io/managed-by", MANAGED_BY).endMetadata()
                .withNewSpec().withNodeName(AddressPlan.nodeNs(p.node)).addNewContainer().withName("backend").withImage("vipkeeper-lab-backend")
                .addNewPort().withName("http").withContainerPort(AddressPlan.BACKEND_PORT).endPort().endContainer().endSpec()
                .withNewStatus().withPhase("Running").withPodIP(plan.podIp(p.slot)).addNewPodIP().withIp(plan.podIp(p.slot)).endPodIP()
                .addNewCondition().withType("Ready").withStatus(status).endCondition().endStatus().build();
    }

    private EndpointSlice slice(Service s, Map<String, String> selector) {
        String ns = s.getMetadata().getNamespace();
        List<EndpointPort> ports = new ArrayList<>();
        for (ServicePort sp : s.getSpec().getPorts()) {
            Integer target = sp.getTargetPort() != null && sp.getTargetPort().getIntVal() != null ? sp.getTargetPort().getIntVal()
                    : (sp.getTargetPort() == null ? sp.getPort() : AddressPlan.BACKEND_PORT); // a named targetPort: the backend's "http"
            ports.add(new EndpointPortBuilder().withName(sp.getName()).withProtocol(sp.getProtocol() == null ? "TCP" : sp.getProtocol())
                    .withPort(target).build());
        }
        EndpointSliceBuilder b = new EndpointSliceBuilder().withNewMetadata().withNamespace(ns).withName(s.getMetadata().getName() + "-lab")
                .addToLabels("kubernetes.io/service-name", s.getMetadata().getName())
                .addToLabels("endpointslice.kubernetes.io/managed-by", MANAGED_BY).endMetadata()
                .withAddressType("IPv4").withPorts(ports);
        pods.values().stream().filter(p -> "default".equals(ns) && selector.entrySet().stream()
                        .allMatch(e -> e.getKey().equals("app") && e.getValue().equals(p.app)))
                .sorted(java.util.Comparator.comparing(p -> p.name))
                .forEach(p -> b.addToEndpoints(new EndpointBuilder().withAddresses(plan.podIp(p.slot)).withNodeName(AddressPlan.nodeNs(p.node))
                        .withNewConditions().withReady(p.ready).withServing(p.ready).withTerminating(false).endConditions()
                        .withNewTargetRef().withKind("Pod").withNamespace("default").withName(p.name).endTargetRef().build()));
        return b.build();
    }

    @Override
    public synchronized void close() {
        running = false;
        if (syncer != null) {
            syncer.interrupt();
        }
        List<Thread> stops = new ArrayList<>();
        // agents first (on SIGTERM each stops keepalived and releases its VIPs), in parallel: each takes a second or two
        for (Supervisor s : agents.values()) {
            stops.add(new Thread(() -> s.stop(Duration.ofSeconds(10))));
        }
        for (PodSlot p : pods.values()) {
            stops.add(new Thread(() -> p.backend.stop(Duration.ofSeconds(3))));
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
        pods.clear();
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
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }
}
