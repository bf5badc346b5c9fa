package io.vipkeeper.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.Dataplane;
import io.vipkeeper.core.agent.InterfaceName;
import io.vipkeeper.core.agent.TrafficPolicy;
import io.vipkeeper.core.plan.AgentPlan;
import io.vipkeeper.core.plan.AgentPlanner;
import io.vipkeeper.testsupport.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes in test-made network namespaces joined by a veth pair, each with the real nft and conntrackd driven by
 * the agent's appliers: a flow in node 1's kernel table appears in node 2's (direct injection, FTFW over UDP), a
 * SIGKILLed conntrackd is started again (its stale lock removed, its snapshot of the kernel table forgotten), and
 * closing stops it; a node becoming MASTER
 * forgets its neighbour entries for the VIPs.
 */
class ConntrackdRootTest {

    @TempDir
    Path dir;

    Netns node1;
    Netns node2;
    NftApplier nft1;
    NftApplier nft2;
    ConntrackdApplier ct1;
    ConntrackdApplier ct2;

    final ClusterState cluster = new ClusterState().node("node1", "198.51.100.11").node("node2", "198.51.100.12")
            .entry("198.51.100.200", "default/echo").service("default/echo", TrafficPolicy.CLUSTER)
            .endpoint("default/echo", "198.51.100.101", null);

    @BeforeEach
    void lan() throws Exception {
        RootTools.require("conntrackd syncing two nodes in network namespaces", "ip", "nft", "conntrackd", "conntrack");
        node1 = new Netns("vkct1", List.of("eth0"));
        node2 = new Netns("vkct2", List.of());
        // node1's eth0p goes to node2 as its eth0: one link between the two nodes
        check(Netns.run(List.of("ip", "-n", node1.name(), "link", "set", "eth0p", "netns", node2.name())));
        check(node2.exec(List.of("ip", "link", "set", "eth0p", "name", "eth0")));
        check(node2.exec(List.of("ip", "link", "set", "eth0", "up")));
        node1.addAddress("eth0", "198.51.100.11/24");
        node2.addAddress("eth0", "198.51.100.12/24");
    }

    static void check(Netns.Result r) {
        assertThat(r.code()).as(r.output()).isZero();
    }

    @AfterEach
    void cleanUp() {
        for (AutoCloseable c : new AutoCloseable[] {ct1, ct2, nft1, nft2, node1, node2}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // best effort: the rest still goes
            }
        }
    }

    AgentPlan plan(String node, Path runDir) {
        AgentSettings s = AgentSettings.builder(InterfaceName.parse("eth0")).dataplane(Dataplane.NFTABLES)
                .runDir(runDir.toString()).build();
        return AgentPlanner.plan(cluster.snapshot(), node, null, s);
    }

    static void await(String what, BooleanSupplier condition) {
        NodeAgentIntegrationTest.await(condition, what, Duration.ofSeconds(15));
    }

    /** The scheduling policy of a process (0 = SCHED_OTHER, 2 = SCHED_RR), -1 when it is gone. */
    static int policy(Process p) {
        return VrrpScheduler.policy(Path.of("/proc"), p.pid()).map(x -> x[0]).orElse(-1);
    }

    /**
     * Becoming MASTER, a node forgets its neighbour entry for a VIP of the handoff chain: kept, it named the node that
     * held the VIP before, and when this node gave the VIP away again the two routed its packets to each other.
     */
    @Test
    void becomingMasterForgetsTheNeighbourEntryOfAVip() throws Exception {
        nft1 = new NftApplier(HostCommands.inNetns(node1.name()));
        assertThat(nft1.apply(plan("node1", Files.createDirectories(dir.resolve("n1")))).outcome()).isEqualTo(ApplyResult.Outcome.APPLIED);
        List<String> show = List.of("ip", "neigh", "show", "198.51.100.200", "dev", "eth0");
        check(node1.exec(List.of("ip", "neigh", "replace", "198.51.100.200", "lladdr", "02:00:00:00:00:02", "dev", "eth0", "nud", "stale")));
        nft1.vrrpChanged("vips", VrrpStates.State.BACKUP);
        assertThat(node1.exec(show).output()).as("kept while BACKUP: it names the holder").contains("02:00:00:00:00:02");
        nft1.vrrpChanged("vips", VrrpStates.State.MASTER);
        assertThat(node1.exec(show).output()).as("forgotten as MASTER").isBlank();
    }

    /**
     * UDP is not synced: a pod's answer to a datagram another node NATed reaches the new MASTER as a new flow to the VIP
     * on the client's port; kept, its entry took the tuple the client's next datagram needed as its reply, and that
     * datagram got another source port. The guard drops such a flow, leaving no entry; one to a port a Service serves
     * passes.
     */
    @Test
    void aNewUdpFlowToTheVipOnAPortNoServiceServesLeavesNoEntry() throws Exception {
        cluster.udpPort("default/echo", 9000);
        nft1 = new NftApplier(HostCommands.inNetns(node1.name()));
        assertThat(nft1.apply(plan("node1", Files.createDirectories(dir.resolve("n1")))).outcome()).isEqualTo(ApplyResult.Outcome.APPLIED);
        node1.addAddress("eth0", "198.51.100.200/32"); // node1 holds the VIP: the handoff chain leaves its packets alone
        check(node1.exec(List.of("sysctl", "-q", "-w", "net.ipv4.ip_forward=1")));
        // from node2, as a pod answers: to the VIP on a client's port; then a client's datagram to the served port
        check(node2.exec(List.of("bash", "-c", "echo a > /dev/udp/198.51.100.200/40000; echo b > /dev/udp/198.51.100.200/9000")));
        await("the datagram to the served port tracked", () -> udpEntries(node1).contains("dport=9000"));
        assertThat(udpEntries(node1)).as("the flow to a port no Service serves").doesNotContain("dport=40000");
    }

    static String udpEntries(Netns n) {
        return n.exec(List.of("conntrack", "-L", "-p", "udp")).output();
    }

    @Test
    void aFlowOnOneNodeIsInjectedIntoTheOthersKernelTable() throws Exception {
        Path run1 = Files.createDirectories(dir.resolve("n1"));
        Path run2 = Files.createDirectories(dir.resolve("n2"));
        HostCommands h1 = HostCommands.inNetns(node1.name());
        HostCommands h2 = HostCommands.inNetns(node2.name());
        nft1 = new NftApplier(h1);
        nft2 = new NftApplier(h2);
        ct1 = new ConntrackdApplier(h1, "conntrackd", "sysctl");
        ct2 = new ConntrackdApplier(h2, "conntrackd", "sysctl");
        AgentPlan p1 = plan("node1", run1);
        AgentPlan p2 = plan("node2", run2);
        assertThat(nft1.apply(p1).outcome()).isEqualTo(ApplyResult.Outcome.APPLIED);
        assertThat(nft2.apply(p2).outcome()).isEqualTo(ApplyResult.Outcome.APPLIED);
        assertThat(ct1.apply(p1)).isEqualTo(ApplyResult.STARTED);
        assertThat(ct2.apply(p2)).isEqualTo(ApplyResult.STARTED);
        assertThat(node1.exec(List.of("sysctl", "-n", ConntrackdApplier.LOOSE_SYSCTL)).output().strip()).isEqualTo("0");
        assertThat(node1.exec(List.of("nft", "list", "chain", "inet", "vipkeeper", "guard")).output()).contains("ct state invalid drop");
        assertThat(node1.exec(List.of("nft", "list", "chain", "inet", "vipkeeper", "handoff")).output()).contains("fib daddr type != local notrack");
        // conntrackd makes itself real-time (the Scheduler clause); the agent puts it back to SCHED_OTHER
        await("conntrackd at SCHED_OTHER", () -> policy(ct1.process()) == 0 && policy(ct2.process()) == 0);

        // an established flow through the VIP on node1 (the MASTER) appears on node2 (a hand-made entry carries no
        // NAT status, so node2 gets the plain inverse as reply tuple; real DNATed flows keep their NAT: the e2e tests)
        check(node1.exec(List.of("conntrack", "-I", "-p", "tcp", "-s", "198.51.100.50", "-d", "198.51.100.200",
                "--sport", "40000", "--dport", "80", "-r", "198.51.100.101", "-q", "198.51.100.200",
                "--reply-port-src", "8080", "--reply-port-dst", "40000", "--state", "ESTABLISHED", "-u", "ASSURED", "-t", "300")));
        await("the flow in node2's kernel table", () -> node2.exec(List.of("conntrack", "-L", "-p", "tcp", "--orig-port-src", "40000"))
                .output().contains("src=198.51.100.50 dst=198.51.100.200 sport=40000 dport=80"));

        // SIGKILL: the lock file stays behind; the supervisor removes it and starts conntrackd again
        Process p = ct2.process();
        p.destroyForcibly().waitFor();
        assertThat(Files.exists(run2.resolve("conntrackd.lock"))).isTrue();
        await("conntrackd restarted", () -> ct2.restarts() == 1 && ct2.ctl(Duration.ofSeconds(2), "-s").ok());
        await("the restarted conntrackd at SCHED_OTHER too", () -> policy(ct2.process()) == 0);
        // started again, it filled its own cache from the kernel table, the flow injected from node1 too: a snapshot
        // node2 (MASTER of nothing) would answer node1's next resync request with, over the live flow. Emptied.
        await("node2's own cache empty after the restart", () -> ConntrackdStats.parse(ct2.ctl(Duration.ofSeconds(2), "-s").stdout())
                .entries() == 0);
        assertThat(node2.exec(List.of("conntrack", "-L", "-p", "tcp", "--orig-port-src", "40000")).output())
                .as("the kernel table keeps the flow").contains("sport=40000 dport=80");
        // a restarted daemon asks for the peer's table (StartupResync): the flow is known to it again
        ct2.vrrpChanged("vips", VrrpStates.State.BACKUP);
        await("node2's conntrackd answers with its table", () -> ct2.ctl(Duration.ofSeconds(2), "-s").stdout()
                .contains("external inject"));

        ct2.close();
        assertThat(ct2.alive()).isFalse();
        assertThat(Files.exists(run2.resolve("conntrackd.ctl"))).isFalse();
    }
}
