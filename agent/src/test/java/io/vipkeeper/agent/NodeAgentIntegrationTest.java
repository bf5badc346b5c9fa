package io.vipkeeper.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.Dataplane;
import io.vipkeeper.core.agent.InstanceMode;
import io.vipkeeper.core.agent.InterfaceName;
import io.vipkeeper.core.names.ConfigMapRef;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent against the in-memory API, with a real keepalived and nft in a network namespace the test makes
 * (eth0 = 192.0.2.11/24, a veth whose peer stays in the namespace so the link has carrier).
 */
class NodeAgentIntegrationTest {

    KubernetesMockServer server;
    KubernetesClient client;
    NetnsTools ns;
    Path runDir;
    PrometheusRegistry registry;
    NodeAgent agent;

    @BeforeEach
    void setUp() throws Exception {
        RootTools.require("the running agent with keepalived and nft in a network namespace", "ip", "keepalived", "nft");
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getByName("127.0.0.1"), 0);
        client = server.createClient();
        ns = new NetnsTools();
        check(ns.inNs("ip", "addr", "add", "192.0.2.11/24", "dev", "eth0"));
        ns.inNs("ip", "link", "set", "eth0p", "up"); // a veth has carrier only when its peer is up
        ns.inNs("ip", "link", "set", "lo", "up"); // traffic between the namespace's own addresses goes through lo
        runDir = Files.createTempDirectory("vk-agent-");
        client.nodes().resource(node("node-a", "192.0.2.11")).create();
        client.configMaps().resource(new ConfigMapBuilder().withNewMetadata().withNamespace("kube-system").withName("vip-configmap")
                .endMetadata().addToData("192.0.2.240", "").build()).create();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (agent != null) {
            agent.close();
        }
        if (ns != null) {
            ns.close();
        }
        if (client != null) {
            client.close();
            try {
                server.destroy();
            } catch (IllegalStateException e) {
                // the mock web server sometimes waits out its shutdown for a dropped watch
            }
        }
        if (runDir != null) {
            try (var files = Files.walk(runDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static Node node(String name, String ip) {
        return new NodeBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewStatus().addNewAddress().withType("InternalIP").withAddress(ip).endAddress().endStatus().build();
    }

    NodeAgent start(boolean unicast) throws Exception {
        return start(unicast, Dataplane.NFTABLES);
    }

    NodeAgent start(boolean unicast, Dataplane dataplane) throws Exception {
        AgentSettings settings = AgentSettings.builder(InterfaceName.parse("eth0")).dataplane(dataplane).useUnicast(unicast)
                .runDir(runDir.toString()).build();
        registry = new PrometheusRegistry();
        agent = new NodeAgent(client, new NodeAgent.Options(new ConfigMapRef("kube-system", "vip-configmap"), "node-a", null, null,
                settings, "keepalived", true, Duration.ofMillis(100), Duration.ofMillis(1000)), HostCommands.inNetns(ns.ns), registry);
        agent.start();
        return agent;
    }

    List<String> addresses() throws Exception {
        return ns.inNs("ip", "-o", "addr", "show", "dev", "eth0").output().lines()
                .map(l -> l.trim().split("\\s+")[3].split("/")[0]).toList();
    }

    boolean holds(String ip) {
        try {
            return addresses().contains(ip);
        } catch (Exception e) {
            return false;
        }
    }

    double reloads() {
        return counter("vipkeeper_keepalived_reloads");
    }

    double counter(String name) {
        return registry.scrape().stream().filter(s -> s.getMetadata().getName().equals(name))
                .flatMap(s -> ((CounterSnapshot) s).getDataPoints().stream())
                .filter(d -> d.getLabels().get("result").equals("ok")).mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue).sum();
    }

    static void await(BooleanSupplier c, String what, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (c.getAsBoolean()) {
                return;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        assertThat(c.getAsBoolean()).as("timed out after %s waiting for %s", limit, what).isTrue();
    }

    /** Whether the agent's informer of {@code what} has handled the event of {@code resourceVersion} (or a later one). */
    boolean seen(String what, String resourceVersion) {
        String last = agent.lastResourceVersion(what);
        return last != null && Long.parseLong(last) >= Long.parseLong(resourceVersion);
    }

    static void check(NetnsTools.Result r) {
        assertThat(r.code()).as(r.output()).isZero();
    }

    @Test
    void holdsVipsForwardsReloadsOnceAndReleasesOnStop() throws Exception {
        start(false);
        await(() -> holds("192.0.2.240"), "the hand-written VIP on eth0", Duration.ofSeconds(10));
        await(() -> agent.health().isEmpty(), "healthy", Duration.ofSeconds(5));
        assertThat(agent.states()).containsValue(VrrpStates.State.MASTER);
        double before = reloads();

        // a Service with a ready endpoint behind a new VIP: one reload, the VIP held, a DNAT rule for it
        client.services().resource(new ServiceBuilder().withNewMetadata().withNamespace("default").withName("web").endMetadata()
                .withNewSpec().withType("LoadBalancer").addNewPort().withName("http").withProtocol("TCP").withPort(80)
                .withNewTargetPort(8080).endPort().endSpec().build()).create();
        client.discovery().v1().endpointSlices().resource(new EndpointSliceBuilder().withNewMetadata().withNamespace("default")
                .withName("web-abc").addToLabels("kubernetes.io/service-name", "web").endMetadata().withAddressType("IPv4")
                .addNewPort().withName("http").withProtocol("TCP").withPort(8080).endPort()
                .addNewEndpoint().withAddresses("192.0.2.101").withNewConditions().withReady(true).endConditions().endEndpoint().build()).create();
        client.configMaps().inNamespace("kube-system").withName("vip-configmap")
                .edit(cm -> new ConfigMapBuilder(cm).addToData("192.0.2.241", "default/web").build());
        await(() -> holds("192.0.2.241"), "the Service's VIP on eth0", Duration.ofSeconds(10));
        await(() -> ns.inNsQuiet("nft", "list", "table", "inet", "vipkeeper").contains("192.0.2.101"), "DNAT to the endpoint", Duration.ofSeconds(5));
        await(agent::idle, "every change applied", Duration.ofSeconds(10));
        assertThat(reloads() - before).isEqualTo(1.0);
        await(() -> "node-a".equals(client.services().inNamespace("default").withName("web").get().getMetadata().getAnnotations()
                .get(NodeAgent.ANNOUNCING_NODE)), "announcing-node annotation", Duration.ofSeconds(5));

        // a change that does not change the configuration: no reload
        String edited = editRetryingConflicts(() -> client.services().inNamespace("default").withName("web").edit(s -> new ServiceBuilder(s)
                .editMetadata().addToLabels("unrelated", "yes").endMetadata().build()).getMetadata().getResourceVersion());
        await(() -> seen("Services", edited), "the label change seen by the agent", Duration.ofSeconds(10));
        await(agent::idle, "every change applied", Duration.ofSeconds(10));
        assertThat(reloads() - before).isEqualTo(1.0);

        // keepalived killed: started again, VIPs back
        long pid = agent.keepalived().process().pid();
        NetnsTools.run(List.of("kill", "-9", Long.toString(pid)));
        await(() -> agent.keepalived().process() != null && agent.keepalived().process().pid() != pid && holds("192.0.2.241"),
                "keepalived restarted and the VIP back", Duration.ofSeconds(15));
        assertThat(agent.keepalived().restarts()).isEqualTo(1);

        // stop (what SIGTERM does): VIPs leave the interface, the nft table goes
        agent.close();
        agent = null;
        assertThat(addresses()).doesNotContain("192.0.2.240", "192.0.2.241");
        assertThat(ns.inNsQuiet("nft", "list", "tables")).doesNotContain("vipkeeper");
    }

    @Test
    void staleVipsOfACrashedRunAreRemovedAtStart() throws Exception {
        check(ns.inNs("ip", "addr", "add", "192.0.2.240/32", "dev", "eth0"));
        check(ns.inNs("ip", "addr", "add", "198.51.100.9/32", "dev", "eth0")); // not ours: must stay
        client.configMaps().inNamespace("kube-system").withName("vip-configmap")
                .edit(cm -> new ConfigMapBuilder(cm).addToData("192.0.2.242", "").build());
        check(ns.inNs("ip", "addr", "add", "192.0.2.242/32", "dev", "eth0"));
        // the VIP of a Service deleted just before the crash: not in the ConfigMap any more, but its keepalived had it
        check(ns.inNs("ip", "addr", "add", "192.0.2.243/32", "dev", "eth0"));
        Files.writeString(runDir.resolve(BoundVipsFile.KEEPALIVED), "192.0.2.240\n192.0.2.243\nnot an address\n");
        NodeAgent a = start(false);
        assertThat(a).isNotNull();
        // right after start (before keepalived is MASTER) the stale copies are gone and the foreign address stays
        assertThat(addresses()).contains("198.51.100.9").doesNotContain("192.0.2.243");
        await(() -> holds("192.0.2.240") && holds("192.0.2.242"), "held again by keepalived", Duration.ofSeconds(10));
        assertThat(addresses()).contains("198.51.100.9").doesNotContain("192.0.2.243");
        // what this run's keepalived may put on the interface, for the next start
        assertThat(Files.readAllLines(runDir.resolve(BoundVipsFile.KEEPALIVED))).containsExactly("192.0.2.240", "192.0.2.242");
    }

    @Test
    void theVipsTheLastRunsKeepalivedHadGoBeforeTheApiAnswers() throws Exception {
        check(ns.inNs("ip", "addr", "add", "192.0.2.243/32", "dev", "eth0"));
        Files.writeString(runDir.resolve(BoundVipsFile.KEEPALIVED), "192.0.2.243\n");
        AgentSettings settings = AgentSettings.builder(InterfaceName.parse("eth0")).runDir(runDir.toString()).build();
        // an API server that takes connections and never answers (overloaded, or its node half gone)
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             KubernetesClient hanging = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                     .withMasterUrl("http://127.0.0.1:" + silent.getLocalPort()).withRequestTimeout(8_000)
                     .withRequestRetryBackoffLimit(0).build()).build()) {
            agent = new NodeAgent(hanging, new NodeAgent.Options(new ConfigMapRef("kube-system", "vip-configmap"), "node-a", null, null,
                    settings, "keepalived", true, Duration.ofMillis(100), Duration.ofMillis(1000)), HostCommands.inNetns(ns.ns),
                    new PrometheusRegistry());
            ExecutorService starter = Executors.newSingleThreadExecutor();
            try {
                Future<?> started = starter.submit(() -> {
                    agent.start();
                    return null;
                });
                await(() -> !holds("192.0.2.243"), "the stale VIP removed while the API does not answer", Duration.ofSeconds(4));
                assertThat(started).isNotDone();
                silent.close(); // the ConfigMap read fails now; the agent goes on starting, and is closed below
                try {
                    started.get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    // a start without an API may fail later on; the removal above is what this test is about
                }
            } finally {
                starter.shutdownNow();
                agent.close();
                agent = null;
            }
        }
    }

    @Test
    void aNewNodeBecomesAUnicastPeerWithoutRestartingKeepalived() throws Exception {
        start(true);
        await(() -> holds("192.0.2.240"), "VIP held", Duration.ofSeconds(10));
        long pid = agent.keepalived().process().pid();
        client.nodes().resource(node("node-b", "192.0.2.12")).create();
        await(() -> {
            try {
                return Files.readString(runDir.resolve("keepalived.conf")).contains("192.0.2.12");
            } catch (IOException e) {
                return false;
            }
        }, "node-b in unicast_peer", Duration.ofSeconds(5));
        await(agent::idle, "every change applied", Duration.ofSeconds(10));
        assertThat(agent.keepalived().process().pid()).isEqualTo(pid);
        assertThat(agent.keepalived().restarts()).isZero();
        // keepalived re-reads its configuration on SIGHUP: the instance may re-elect itself (3 adverts + skew, ~0.4 s)
        await(() -> holds("192.0.2.240"), "the VIP held after the reload", Duration.ofSeconds(2));
        assertThat(agent.keepalived().process().pid()).isEqualTo(pid);
    }

    @Test
    void aConfigurationKeepalivedRefusesIsNeverApplied() throws Exception {
        try (CheckedDaemon k = CheckedDaemon.keepalived(HostCommands.inNetns(ns.ns), "keepalived", runDir, true, true)) {
            String good = "global_defs {\n  vrrp_version 3\n}\nvrrp_instance vips {\n  state BACKUP\n  interface eth0\n"
                    + "  virtual_router_id 50\n  priority 100\n  nopreempt\n  advert_int 0.1\n  virtual_ipaddress {\n    192.0.2.250\n  }\n}\n";
            assertThat(k.apply(good).outcome()).isEqualTo(ApplyResult.Outcome.STARTED);
            await(() -> holds("192.0.2.250"), "VIP of the good configuration", Duration.ofSeconds(10));
            long pid = k.process().pid();
            ApplyResult bad = k.apply(good.replace("interface eth0", "interface eth7"));
            assertThat(bad.outcome()).isEqualTo(ApplyResult.Outcome.REJECTED);
            assertThat(bad.error()).isNotBlank();
            assertThat(Files.readString(runDir.resolve("keepalived.conf"))).isEqualTo(good);
            assertThat(k.process().pid()).isEqualTo(pid);
            assertThat(holds("192.0.2.250")).isTrue();
            assertThat(k.apply(good).outcome()).isEqualTo(ApplyResult.Outcome.UNCHANGED);
        }
    }

    @Test
    void haproxyDataPlaneForwardsThroughTheVip() throws Exception {
        // a backend on the node's own address, started in the namespace; bounded by the test's teardown
        Process backend = new ProcessBuilder("ip", "netns", "exec", ns.ns, "python3", "-m", "http.server", "--bind", "192.0.2.11", "18080")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            client.services().resource(new ServiceBuilder().withNewMetadata().withNamespace("default").withName("web").endMetadata()
                    .withNewSpec().withType("LoadBalancer").addNewPort().withName("http").withProtocol("TCP").withPort(80)
                    .withNewTargetPort(18080).endPort().endSpec().build()).create();
            client.discovery().v1().endpointSlices().resource(new EndpointSliceBuilder().withNewMetadata().withNamespace("default")
                    .withName("web-abc").addToLabels("kubernetes.io/service-name", "web").endMetadata().withAddressType("IPv4")
                    .addNewPort().withName("http").withProtocol("TCP").withPort(18080).endPort()
                    .addNewEndpoint().withAddresses("192.0.2.11").withNewConditions().withReady(true).endConditions().endEndpoint().build()).create();
            client.configMaps().inNamespace("kube-system").withName("vip-configmap")
                    .edit(cm -> new ConfigMapBuilder(cm).addToData("192.0.2.241", "default/web").build());
            start(false, Dataplane.HAPROXY);
            await(() -> holds("192.0.2.241"), "the VIP", Duration.ofSeconds(10));
            await(() -> ns.inNsQuiet("curl", "-s", "-m", "2", "-o", "/dev/null", "-w", "%{http_code}", "http://192.0.2.241/").equals("200"),
                    "HTTP 200 through haproxy on the VIP", Duration.ofSeconds(10));
            assertThat(Files.readString(runDir.resolve("haproxy.cfg"))).contains("server s1 192.0.2.11:18080 check");
            await(() -> agent.health().isEmpty(), "healthy", Duration.ofSeconds(5));
        } finally {
            backend.destroyForcibly();
        }
    }

    /**
     * externalTrafficPolicy Local, per-vip: while the Service's only ready endpoint is on another node, this node's
     * instance is in FAULT (track file -254) and does not hold the VIP; when the endpoint moves here, the track file
     * turns 0 and the instance takes the VIP, with no keepalived reload.
     */
    @Test
    void localTrafficPolicyTakesTheVipOnlyWithALocalEndpointWithoutReloading() throws Exception {
        client.nodes().resource(node("node-b", "192.0.2.12")).create();
        client.services().resource(new ServiceBuilder().withNewMetadata().withNamespace("default").withName("web").endMetadata()
                .withNewSpec().withType("LoadBalancer").withExternalTrafficPolicy("Local").addNewPort().withName("http")
                .withProtocol("TCP").withPort(80).withNewTargetPort(8080).endPort().endSpec().build()).create();
        client.discovery().v1().endpointSlices().resource(localSlice("node-b")).create();
        client.configMaps().inNamespace("kube-system").withName("vip-configmap")
                .edit(cm -> new ConfigMapBuilder(cm).addToData("192.0.2.241", "default/web").build());
        AgentSettings settings = AgentSettings.builder(InterfaceName.parse("eth0")).dataplane(Dataplane.NFTABLES)
                .instanceMode(InstanceMode.PER_VIP).runDir(runDir.toString()).build();
        registry = new PrometheusRegistry();
        agent = new NodeAgent(client, new NodeAgent.Options(new ConfigMapRef("kube-system", "vip-configmap"), "node-a", null, null,
                settings, "keepalived", true, Duration.ofMillis(100), Duration.ofMillis(1000)), HostCommands.inNetns(ns.ns), registry);
        agent.start();
        String instance = "vip_192_0_2_241";
        await(() -> agent.states().get(instance) == VrrpStates.State.FAULT, "FAULT without a local endpoint", Duration.ofSeconds(10));
        await(() -> holds("192.0.2.240"), "the other VIP (no policy) held", Duration.ofSeconds(10));
        assertThat(holds("192.0.2.241")).isFalse();
        double before = reloads();
        long pid = agent.keepalived().process().pid();

        client.discovery().v1().endpointSlices().resource(localSlice("node-a")).update();
        await(() -> holds("192.0.2.241"), "the VIP once the endpoint is local", Duration.ofSeconds(10));
        // keepalived adds the address before its notify_fifo line reaches the agent
        await(() -> agent.states().get(instance) == VrrpStates.State.MASTER, "MASTER reported", Duration.ofSeconds(5));
        assertThat(reloads() - before).as("keepalived reloads").isZero();
        assertThat(agent.keepalived().process().pid()).isEqualTo(pid);

        // and back: the endpoint leaves this node, the VIP goes (another node with a local endpoint takes it)
        client.discovery().v1().endpointSlices().resource(localSlice("node-b")).update();
        await(() -> !holds("192.0.2.241"), "the VIP released without a local endpoint", Duration.ofSeconds(10));
        await(() -> agent.states().get(instance) == VrrpStates.State.FAULT, "FAULT reported", Duration.ofSeconds(5));
        assertThat(reloads() - before).as("keepalived reloads").isZero();
    }

    static EndpointSlice localSlice(String node) {
        return new EndpointSliceBuilder().withNewMetadata().withNamespace("default").withName("web-local")
                .addToLabels("kubernetes.io/service-name", "web").endMetadata().withAddressType("IPv4")
                .addNewPort().withName("http").withProtocol("TCP").withPort(8080).endPort()
                .addNewEndpoint().withAddresses("192.0.2.101").withNodeName(node).withNewConditions().withReady(true).endConditions()
                .endEndpoint().build();
    }

    /** A burst of endpoint changes is coalesced: applies are bounded by the burst's length over the maximum delay. */
    @Test
    void aBurstOfEndpointChangesIsCoalesced() throws Exception {
        client.services().resource(new ServiceBuilder().withNewMetadata().withNamespace("default").withName("web").endMetadata()
                .withNewSpec().withType("LoadBalancer").addNewPort().withName("http").withProtocol("TCP").withPort(80)
                .withNewTargetPort(8080).endPort().endSpec().build()).create();
        for (int k = 0; k < 4; k++) {
            client.discovery().v1().endpointSlices().resource(slice(k, 0)).create();
        }
        client.configMaps().inNamespace("kube-system").withName("vip-configmap")
                .edit(cm -> new ConfigMapBuilder(cm).addToData("192.0.2.241", "default/web").build());
        start(false);
        await(() -> holds("192.0.2.241"), "VIP", Duration.ofSeconds(10));
        await(agent::idle, "every change applied", Duration.ofSeconds(10));
        double before = counter("vipkeeper_nftables_applies") + reloads();
        int updates = 1000;
        long t0 = System.nanoTime();
        // four slices, each updated in order by its own thread (one writer per object, as the endpoint controller)
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> fs = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            int slice = k;
            fs.add(pool.submit(() -> {
                for (int n = 1; n <= updates / 4; n++) {
                    client.discovery().v1().endpointSlices().resource(slice(slice, n)).update();
                }
            }));
        }
        for (var f : fs) {
            f.get();
        }
        pool.shutdown();
        double seconds = (System.nanoTime() - t0) / 1e9;
        await(() -> {
            String now = ns.inNsQuiet("nft", "list", "table", "inet", "vipkeeper");
            return IntStream.range(0, 4).allMatch(k -> now.contains(endpointFor(k, updates / 4)));
        }, "the last state of every slice applied", Duration.ofSeconds(10));
        await(agent::idle, "every change applied", Duration.ofSeconds(10));
        double applies = counter("vipkeeper_nftables_applies") + reloads() - before;
        System.out.printf("coalescing: %d EndpointSlice updates in %.2f s -> %.0f applies%n", updates, seconds, applies);
        // with a 1 s maximum delay, a burst of T seconds can cause at most ceil(T) + 1 applies
        assertThat(applies).isGreaterThanOrEqualTo(1).isLessThanOrEqualTo(Math.ceil(seconds) + 1);
        String rules = ns.inNsQuiet("nft", "list", "table", "inet", "vipkeeper");
        for (int k = 0; k < 4; k++) {
            assertThat(rules).contains(endpointFor(k, updates / 4)); // the last state of every slice is applied
        }
    }

    static String endpointFor(int slice, int n) {
        return "198.51.100." + (1 + slice * 60 + n % 60);
    }

    static EndpointSlice slice(int slice, int n) {
        return new EndpointSliceBuilder().withNewMetadata().withNamespace("default").withName("web-" + slice)
                .addToLabels("kubernetes.io/service-name", "web").endMetadata().withAddressType("IPv4")
                .addNewPort().withName("http").withProtocol("TCP").withPort(8080).endPort()
                .addNewEndpoint().withAddresses(endpointFor(slice, n)).withNewConditions().withReady(true).endConditions().endEndpoint().build();
    }

    /**
     * An edit (read, then a patch tested against what was read) made again when the agent wrote the object in between
     * (its vip-holders annotation comes up to a second after the announcing-node one): 409, as a real API server says.
     */
    static <T> T editRetryingConflicts(Supplier<T> edit) {
        for (int attempt = 1; ; attempt++) {
            try {
                return edit.get();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 5) {
                    throw e;
                }
            }
        }
    }
}
