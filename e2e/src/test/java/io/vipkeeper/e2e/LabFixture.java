package io.vipkeeper.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vipkeeper.lab.EchoService;
import io.vipkeeper.lab.Lab;
import io.vipkeeper.lab.LabDownCommand;
import io.vipkeeper.lab.lan.AddressPlan;
import io.vipkeeper.lab.lan.LabPaths;
import io.vipkeeper.lab.lan.NodeExclusion;
import io.vipkeeper.lab.lan.Lan;
import io.vipkeeper.lab.lan.ProbeStream;
import io.vipkeeper.lab.lan.TcpExt;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * One lab for a test class: the real LAN, API server, controller, agent JVMs with keepalived and nftables, backends.
 * Traffic always comes from vk-client through the VIP. Needs root: the test classes that use it are {@code @RequiresRoot}.
 */
final class LabFixture implements AutoCloseable {

    final Lab lab;

    /** A lab with vipkeeper on every node. */
    LabFixture(int nodes, String vrrpInstances) throws Exception {
        this(plan -> new Lab.Options(plan, PATHS, vrrpInstances, 3), nodes);
        closingOnFailure(() -> awaitTrue(() -> plan().nodeIndexes().stream().allMatch(this::agentApplied),
                "every agent has applied its first configuration", Duration.ofSeconds(90)));
    }

    /** A lab with vipkeeper on every node, its agents started with {@code agentFlags} (single mode, unicast VRRP). */
    static LabFixture withAgentFlags(int nodes, List<String> agentFlags) throws Exception {
        LabFixture f = new LabFixture(plan -> new Lab.Options(plan, PATHS, "single", 3, agentFlags, true, true), nodes);
        f.closingOnFailure(() -> awaitTrue(() -> f.plan().nodeIndexes().stream().allMatch(f::agentApplied),
                "every agent has applied its first configuration", Duration.ofSeconds(90)));
        return f;
    }

    /** A lab whose agents sync conntrack ({@code --conntrack-sync} and {@code moreFlags}), once conntrackd answers on every node. */
    static LabFixture withConntrackSync(int nodes, String... moreFlags) throws Exception {
        return withConntrackSync("single", nodes, moreFlags);
    }

    /** {@link #withConntrackSync(int, String...)} with {@code --vrrp-instances vrrpInstances}. */
    static LabFixture withConntrackSync(String vrrpInstances, int nodes, String... moreFlags) throws Exception {
        List<String> flags = new ArrayList<>(List.of("--conntrack-sync"));
        flags.addAll(List.of(moreFlags));
        LabFixture f = new LabFixture(plan -> new Lab.Options(plan, PATHS, vrrpInstances, 3, flags, true, true), nodes);
        f.closingOnFailure(() -> awaitTrue(() -> f.plan().nodeIndexes().stream()
                .allMatch(i -> Files.exists(f.lab.paths().nodeRunDir(i).resolve("conntrackd.ctl"))), "conntrackd on every node",
                Duration.ofSeconds(90)));
        return f;
    }

    /** A lab built with the options {@code options} makes for the chosen address plan. */
    LabFixture(java.util.function.Function<AddressPlan, Lab.Options> options, int nodes) throws Exception {
        // a lab of `lab up` holds the lab API's address with its `lab run` process: down as `lab down` takes it
        LabDownCommand.downIfRunning(new PrintWriter(System.out, true), new LabPaths(LabPaths.DEFAULT));
        Lan.destroyAll(); // before choosing the /24: a leftover vk-host must not count as "in use"
        lab = new Lab(options.apply(new AddressPlan(Lan.choosePrefix(), nodes)));
        lab.start();
        closingOnFailure(() -> awaitTrue(() -> lab.readyPods().size() == 3, "3 ready pods", Duration.ofSeconds(60)));
    }

    /** A constructor that fails leaves no fixture to close: the lab it started is torn down here. */
    private void closingOnFailure(Runnable step) {
        try {
            step.run();
        } catch (RuntimeException | AssertionError e) {
            close();
            throw e;
        }
    }

    static final LabPaths PATHS = new LabPaths(Path.of("/run/vipkeeper-lab-test"));

    /** The agent of node {@code i} has applied its first configuration. */
    boolean agentApplied(int i) {
        return lab.keepalivedPid(i).isPresent() || Files.exists(lab.paths().nodeRunDir(i).resolve("keepalived.conf"));
    }

    AddressPlan plan() {
        return lab.plan();
    }

    Service createService(String name, String app) {
        return lab.client().services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withType("LoadBalancer").addToSelector("app", app).addNewPort().withName("http").withProtocol("TCP")
                .withPort(80).withNewTargetPort(8080).endPort().endSpec().build()).create();
    }

    /** Service {@code name} (port 80 of the hello pods): its address, once exactly one node holds it. */
    String helloServiceHeldByOne(String name) {
        createService(name, "hello");
        return heldByOne(awaitAddress(name));
    }

    /**
     * Service default/echo (the hello pods' echo port 9000, TCP and UDP, and their HTTP port 80, for long-lived
     * connections and UDP flows beside new requests): its address, once exactly one node holds it.
     */
    String echoServiceHeldByOne() {
        lab.client().services().inNamespace("default").resource(EchoService.definition()).create();
        return heldByOne(awaitAddress(EchoService.NAME));
    }

    private String heldByOne(String vip) {
        awaitTrue(() -> lab.holders(vip).size() == 1, "one node holds " + vip, Duration.ofSeconds(20));
        warmBackends(vip);
        return vip;
    }

    /** Answers in a row, each within {@link #WARM_MS}, after which the backends behind a VIP count as warm. */
    static final int WARM_IN_A_ROW = 30;
    static final long WARM_MS = 100;

    /**
     * Sends requests through {@code vip} (port 80) until {@link #WARM_IN_A_ROW} answers in a row were OK within
     * {@link #WARM_MS} each, 15 s at most. The hello pods are JVMs that had only been checked with a TCP connect: their
     * first HTTP answers took 0.4–1.5 s in this lab while the probe's JVM and the tests' connections started beside
     * them (a capture showed the request at the pod within a millisecond and its answer 1.4 s later), and a test
     * counting failed requests in a handover counted the pods' warm-up as failures.
     */
    void warmBackends(String vip) {
        try (ProbeStream p = new ProbeStream(vip, 80, 10, 1000, 1500, 15)) {
            awaitTrue(() -> {
                List<ProbeStream.Answer> a = p.answers();
                return a.size() >= WARM_IN_A_ROW && a.subList(a.size() - WARM_IN_A_ROW, a.size()).stream()
                        .allMatch(x -> x.ok() && x.doneMicros() - x.sentMicros() <= WARM_MS * 1000);
            }, "the backends of " + vip + " answer " + WARM_IN_A_ROW + " requests in a row within " + WARM_MS + " ms",
                    Duration.ofSeconds(15));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Edits node {@code i}'s Node object. */
    void editNode(int i, UnaryOperator<NodeBuilder> change) {
        lab.client().nodes().withName(AddressPlan.nodeNs(i)).edit(n -> change.apply(new NodeBuilder(n)).build());
    }

    /** Puts the exclusion label on node {@code i}'s Node: its agent hands its VIPs over (a planned handover). */
    void exclude(int i) {
        NodeExclusion.exclude(lab.client(), i);
    }

    /** Takes the exclusion label off node {@code i}'s Node and waits until its agent wrote "eligible" into the node track file. */
    void include(int i) throws Exception {
        NodeExclusion.include(lab.client(), lab.paths(), i, Duration.ofSeconds(10));
    }

    /**
     * Makes vk-client's ARP cache name node {@code i} for {@code address} whatever gratuitous ARP says, as a client or
     * router that ignores gratuitous ARP does; {@link #unpinClientArp} gives the address back to ARP.
     */
    void pinClientArp(String address, int i) {
        Lan.run("ip", "-n", AddressPlan.CLIENT_NS, "neigh", "replace", address, "lladdr", Lan.nodeMac(i), "dev", "eth0", "nud", "permanent");
    }

    void unpinClientArp(String address) {
        Lan.run("ip", "-n", AddressPlan.CLIENT_NS, "neigh", "del", address, "dev", "eth0");
    }

    String awaitAddress(String name) {
        return awaitAddress(name, Duration.ofSeconds(30));
    }

    String awaitAddress(String name, Duration limit) {
        String[] ip = new String[1];
        awaitTrue(() -> {
            Service s = lab.client().services().inNamespace("default").withName(name).get();
            if (s != null && s.getStatus() != null && s.getStatus().getLoadBalancer() != null && s.getStatus().getLoadBalancer().getIngress() != null
                    && !s.getStatus().getLoadBalancer().getIngress().isEmpty()) {
                ip[0] = s.getStatus().getLoadBalancer().getIngress().get(0).getIp();
                return true;
            }
            return false;
        }, "an EXTERNAL-IP for " + name, limit);
        return ip[0];
    }

    /**
     * The failed answers, each told against the action at {@code actionMicros} ({@link ProbeStream.Answer#failureFrom}):
     * a failure in CI is then placed against the handover, and its client port (in the error) found in a capture.
     */
    static List<String> failedFrom(List<ProbeStream.Answer> answers, long actionMicros) {
        return answers.stream().filter(a -> !a.ok()).map(a -> a.failureFrom(actionMicros)).toList();
    }

    /** Each pod's SYNs dropped because its listen queue was full ({@link TcpExt#LISTEN_DROPS}; -1: not readable). */
    String listenDrops() {
        return "listen drops per pod: " + lab.readyPods().stream().map(pod -> pod + "=" + TcpExt.of(Lan.podNs(pod), TcpExt.LISTEN_DROPS))
                .collect(java.util.stream.Collectors.joining(" "));
    }

    /** {@code n} requests from vk-client, 20 ms apart; every answer (bounded: one probe run). */
    List<ProbeStream.Answer> requests(String vip, int n) throws Exception {
        try (ProbeStream p = new ProbeStream(vip, 80, 20, 1000, n, 30)) {
            p.awaitEnd(40_000);
            return p.answers();
        }
    }

    /** The pods that answered {@code n} requests, once every answer is OK. */
    java.util.Set<String> podsAnswering(String vip, int n) throws Exception {
        List<ProbeStream.Answer> a = requests(vip, n);
        assertThat(a).as("answers to %d requests to %s", n, vip).hasSize(n).allMatch(ProbeStream.Answer::ok);
        return new java.util.TreeSet<>(a.stream().map(ProbeStream.Answer::pod).toList());
    }

    /**
     * Edits the VIP ConfigMap as kubectl edit does: read, change, write with the version read; on 409 (the controller
     * wrote it in between) read again and redo the change.
     */
    void editVipConfigMap(UnaryOperator<ConfigMap> change) {
        for (int attempt = 1; ; attempt++) {
            try {
                lab.client().configMaps().inNamespace("kube-system").withName("vip-configmap").edit(change);
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt == 10) {
                    throw e;
                }
            }
        }
    }

    /** A condition that may throw while it is not true yet. */
    interface Check {
        boolean get() throws Exception;
    }

    static void awaitTrue(Check c, String what, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (c.get()) {
                    return;
                }
            } catch (Exception | AssertionError e) {
                // not yet
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        boolean last;
        try {
            last = c.get();
        } catch (Exception e) {
            throw new AssertionError("timed out after " + limit + " waiting for " + what + ": " + e, e);
        }
        assertThat(last).as("timed out after %s waiting for %s", limit, what).isTrue();
    }

    @Override
    public void close() {
        lab.close();
        try {
            lab.paths().deleteAll();
        } catch (java.io.IOException e) {
            // best effort
        }
    }
}
