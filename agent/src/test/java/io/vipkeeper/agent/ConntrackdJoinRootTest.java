package io.vipkeeper.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.ClusterSnapshot;
import io.vipkeeper.core.agent.Dataplane;
import io.vipkeeper.core.agent.InterfaceName;
import io.vipkeeper.core.agent.TrafficPolicy;
import io.vipkeeper.core.plan.AgentPlan;
import io.vipkeeper.core.plan.AgentPlanner;
import io.vipkeeper.core.plan.SyncPlan;
import io.vipkeeper.testsupport.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes in test-made network namespaces on one bridge, the real nft and conntrackd driven by the agent's
 * appliers. A node that joins a synced cluster holds the cluster's flows before it may become MASTER; and a node whose
 * conntrackd does not run for a while (a busy node) loses none of a whole table sent to it meanwhile.
 *
 * <p>Joining: nodes 1 and 2 sync
 * (FTFW) with flows in their tables; node 3 joins while they move to multicast (their conntrackd restarts, so the
 * resync request of node 3's starting daemon finds nobody listening). The agent applies keepalived only after the
 * conntrackd applier returned (Reconciler: data plane first), so when {@code apply} returns on node 3, node 3's
 * kernel table must already hold the flows.
 */
class ConntrackdJoinRootTest {

    static final int FLOWS = 20;

    @TempDir
    Path dir;

    Netns lan;
    final List<Netns> nodes = new ArrayList<>();
    final List<AutoCloseable> appliers = new ArrayList<>();

    final ClusterState cluster = new ClusterState().node("node1", "198.51.100.11").node("node2", "198.51.100.12")
            .entry("198.51.100.200", "default/echo").service("default/echo", TrafficPolicy.CLUSTER)
            .endpoint("default/echo", "198.51.100.101", null);

    @BeforeEach
    void lan() throws Exception {
        RootTools.require("conntrackd on a node joining two synced nodes", "ip", "nft", "conntrackd", "conntrack");
        lan = new Netns("vkctl", List.of());
        check(lan.exec(List.of("ip", "link", "add", "br0", "type", "bridge")));
        check(lan.exec(List.of("ip", "link", "set", "br0", "up")));
        for (int i = 1; i <= 3; i++) {
            Netns n = new Netns("vkctj" + i, List.of("eth0"));
            nodes.add(n);
            // each node's eth0p goes to the LAN namespace, on the bridge: one segment for the three nodes
            check(Netns.run(List.of("ip", "-n", n.name(), "link", "set", "eth0p", "netns", lan.name())));
            check(lan.exec(List.of("ip", "link", "set", "eth0p", "name", "n" + i, "master", "br0")));
            check(lan.exec(List.of("ip", "link", "set", "n" + i, "up")));
            n.addAddress("eth0", "198.51.100.1" + i + "/24");
        }
    }

    static void check(Netns.Result r) {
        assertThat(r.code()).as(r.output()).isZero();
    }

    @AfterEach
    void cleanUp() {
        for (AutoCloseable c : appliers) {
            try {
                c.close();
            } catch (Exception e) {
                // best effort: the rest still goes
            }
        }
        nodes.forEach(Netns::close);
        if (lan != null) {
            lan.close();
        }
    }

    AgentPlan plan(ClusterSnapshot snapshot, int node) throws Exception {
        Path run = Files.createDirectories(dir.resolve("n" + node));
        AgentSettings s = AgentSettings.builder(InterfaceName.parse("eth0")).dataplane(Dataplane.NFTABLES)
                .runDir(run.toString()).build();
        return AgentPlanner.plan(snapshot, "node" + node, null, s);
    }

    ConntrackdApplier start(int node, AgentPlan plan) throws Exception {
        HostCommands h = HostCommands.inNetns(nodes.get(node - 1).name());
        NftApplier nft = new NftApplier(h);
        ConntrackdApplier ct = new ConntrackdApplier(h, "conntrackd", "sysctl");
        appliers.add(0, nft);
        appliers.add(0, ct);
        assertThat(nft.apply(plan).outcome()).isEqualTo(ApplyResult.Outcome.APPLIED);
        return ct;
    }

    /** The flows of the test (from the client to the VIP) in {@code node}'s kernel table (counted there: the list is long). */
    long flows(int node) {
        Netns.Result r = nodes.get(node - 1).exec(List.of("sh", "-c",
                "conntrack -L -p tcp -d 198.51.100.200 2>/dev/null | grep -c 'src=198.51.100.50 dst=198.51.100.200 sport='"));
        return Long.parseLong(r.output().strip());
    }

    /**
     * {@code conntrack} arguments inserting the test's flow number {@code i}: client port 40000 + i to the VIP, DNATed
     * to the endpoint, established; also a line of a {@code conntrack -R} file.
     */
    static List<String> flow(int i) {
        String port = Integer.toString(40000 + i);
        return List.of("-I", "-p", "tcp", "-s", "198.51.100.50", "-d", "198.51.100.200", "--sport", port, "--dport", "80",
                "-r", "198.51.100.101", "-q", "198.51.100.200", "--reply-port-src", "8080", "--reply-port-dst", port,
                "--state", "ESTABLISHED", "-u", "ASSURED", "-t", "600");
    }

    @Test
    void aJoiningNodeHoldsTheFlowsWhenItsConntrackdApplierReturns() throws Exception {
        ClusterSnapshot two = cluster.snapshot();
        ConntrackdApplier ct1 = start(1, plan(two, 1));
        ConntrackdApplier ct2 = start(2, plan(two, 2));
        assertThat(ct1.apply(plan(two, 1))).isEqualTo(ApplyResult.STARTED);
        assertThat(ct2.apply(plan(two, 2))).isEqualTo(ApplyResult.STARTED);
        assertThat(ct1.running().transport()).isEqualTo(SyncPlan.Transport.UDP_FTFW);
        // node1 is MASTER: established flows through the VIP, synced to node2
        ct1.vrrpChanged("vips", VrrpStates.State.MASTER);
        for (int i = 0; i < FLOWS; i++) {
            List<String> insert = new ArrayList<>(List.of("conntrack"));
            insert.addAll(flow(i));
            check(nodes.get(0).exec(insert));
        }
        NodeAgentIntegrationTest.await(() -> flows(2) == FLOWS, "the flows in node2's kernel table", Duration.ofSeconds(15));

        // node3 joins: its agent starts while nodes 1 and 2 move from FTFW to multicast (conntrackd restarted)
        ClusterSnapshot three = cluster.node("node3", "198.51.100.13").snapshot();
        AgentPlan p3 = plan(three, 3);
        ConntrackdApplier ct3 = start(3, p3);
        CompletableFuture<Void> peers = CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(300);
                assertThat(ct1.apply(plan(three, 1))).isEqualTo(ApplyResult.APPLIED);
                assertThat(ct2.apply(plan(three, 2))).isEqualTo(ApplyResult.APPLIED);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(ct3.apply(p3)).isEqualTo(ApplyResult.STARTED);
        // what keepalived would start on: no waiting here
        long held = flows(3);
        peers.get(30, TimeUnit.SECONDS);
        assertThat(ct3.running().transport()).isEqualTo(SyncPlan.Transport.MULTICAST_NOTRACK);
        assertThat(held).as("flows in node3's kernel table when its conntrackd applier returned").isEqualTo(FLOWS);
    }

    /** A table as large as a busy lab node's: ~17,000 flows, of which ~280 datagrams per bulk were lost at the old buffer. */
    static final int BULK_FLOWS = 12_000;
    static final int BATCH = 2_000;

    /**
     * Nodes 2 and 3 stopped (SIGSTOP: a conntrackd that gets no CPU) while node 1's table grows by {@link #BULK_FLOWS}
     * flows and node 1 sends it whole ({@code -B}, as at a handover): once they run again, both hold every flow, and
     * their namespaces dropped no datagram for a full receive buffer.
     */
    @Test
    void aReceiverThatWasNotRunningLosesNothingOfAWholeTableSentMeanwhile() throws Exception {
        ClusterSnapshot three = cluster.node("node3", "198.51.100.13").snapshot();
        List<ConntrackdApplier> cts = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            AgentPlan p = plan(three, i);
            ConntrackdApplier ct = start(i, p);
            assertThat(ct.apply(p)).isEqualTo(ApplyResult.STARTED);
            cts.add(ct);
        }
        assertThat(cts.get(0).running().transport()).isEqualTo(SyncPlan.Transport.MULTICAST_NOTRACK);
        for (int i = 1; i <= 2; i++) {
            ConntrackdApplier ct = cts.get(i);
            NodeAgentIntegrationTest.await(() -> ct.ctl(Duration.ofSeconds(2), "-s").ok(), "node" + (i + 1) + "'s conntrackd answers",
                    Duration.ofSeconds(15));
        }
        List<Long> stopped = List.of(cts.get(1).process().pid(), cts.get(2).process().pid());
        try {
            signal("STOP", stopped);
            // in batches: 12,000 events at once overrun conntrackd's netlink socket, and it reads the table again only
            // after NetlinkOverrunResync (30 s)
            for (int from = 0; from < BULK_FLOWS; from += BATCH) {
                Path batch = dir.resolve("flows-" + from);
                Files.write(batch, IntStream.range(from, from + BATCH).mapToObj(i -> String.join(" ", flow(i))).toList());
                check(nodes.get(0).exec(List.of("conntrack", "-R", batch.toString())));
                int cached = from + BATCH;
                NodeAgentIntegrationTest.await(() -> ConntrackdStats.parse(cts.get(0).ctl(Duration.ofSeconds(2), "-s").stdout()).entries()
                        >= cached, "node1's conntrackd caches " + cached + " flows", Duration.ofSeconds(20));
            }
            check(nodes.get(0).exec(List.of("conntrackd", "-C", cts.get(0).running().configFile(), "-B")));
        } finally {
            signal("CONT", stopped);
        }
        for (int node = 2; node <= 3; node++) {
            int n = node;
            NodeAgentIntegrationTest.await(() -> flows(n) == BULK_FLOWS, "every flow in node" + n + "'s kernel table", Duration.ofSeconds(60));
            assertThat(receiveBufferDrops(n)).as("UDP datagrams node" + n + " dropped for a full receive buffer").isZero();
        }
    }

    private static void signal(String signal, List<Long> pids) {
        for (long pid : pids) {
            check(Netns.run(List.of("kill", "-" + signal, Long.toString(pid))));
        }
    }

    /** {@code RcvbufErrors} of the node's namespace (/proc/net/snmp, the line after the "Udp:" header). */
    long receiveBufferDrops(int node) {
        List<String> udp = nodes.get(node - 1).exec(List.of("cat", "/proc/net/snmp")).output().lines()
                .filter(l -> l.startsWith("Udp:")).toList();
        List<String> names = List.of(udp.get(0).split("\\s+"));
        return Long.parseLong(udp.get(1).split("\\s+")[names.indexOf("RcvbufErrors")]);
    }
}
