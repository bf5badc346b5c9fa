package io.vipkeeper.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.Dataplane;
import io.vipkeeper.core.agent.InterfaceName;
import io.vipkeeper.core.agent.TrafficPolicy;
import io.vipkeeper.core.plan.AgentPlanner;
import io.vipkeeper.testsupport.Netns;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two nodes in test-made namespaces, each with the agent's nft ruleset for one VIP and three endpoints: the same
 * client port to the VIP is sent to the same endpoint by both nodes' kernels, and different ports are spread. That is
 * what keeps a connection whose client port was used again within TIME_WAIT on its synced predecessor's backend when
 * the VIP moves (docs/agent.md, "Conntrack sync"). Under {@code numgen random} the two nodes agree on all 30 ports
 * with a chance of 3^-30.
 */
class BackendHashRootTest {

    static final String VIP = "198.51.100.200";
    static final List<String> ENDPOINTS = List.of("198.51.100.101", "198.51.100.102", "198.51.100.103");
    /** The client's address, on both nodes (each node's own connections stand for one client's forwarded ones). */
    static final String CLIENT = "198.51.100.50";
    static final int FIRST_PORT = 40000;
    static final int PORTS = 30;
    static final Pattern ENTRY = Pattern.compile("sport=(\\d+) dport=80 .*src=(\\S+) dst=\\S+ sport=8080");

    final List<AutoCloseable> opened = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        for (int k = opened.size() - 1; k >= 0; k--) {
            try {
                opened.get(k).close();
            } catch (Exception e) {
                // best effort: the rest still goes
            }
        }
    }

    @Test
    void bothNodesSendAClientPortToTheSameEndpoint() throws Exception {
        RootTools.require("the nft ruleset's backend choice in network namespaces", "ip", "nft", "conntrack", "curl");
        ClusterState cluster = new ClusterState().node("node1", "198.51.100.11").node("node2", "198.51.100.12")
                .entry(VIP, "default/echo").service("default/echo", TrafficPolicy.CLUSTER).endpoints("default/echo", ENDPOINTS);
        Map<Integer, String> first = backends(cluster, "node1", "198.51.100.11");
        Map<Integer, String> second = backends(cluster, "node2", "198.51.100.12");

        assertThat(first).hasSize(PORTS);
        assertThat(second).isEqualTo(first);
        assertThat(first.values()).containsAnyElementsOf(ENDPOINTS).allMatch(ENDPOINTS::contains);
        assertThat(first.values().stream().distinct().count()).as("ports spread over the endpoints").isGreaterThan(1);
    }

    /** Applies the node's ruleset in a namespace of its own, opens a connection from each client port, and reads the endpoint each got. */
    Map<Integer, String> backends(ClusterState cluster, String node, String address) throws Exception {
        Netns ns = new Netns("vkhash", List.of("eth0"));
        opened.add(ns);
        ns.addAddress("eth0", address + "/24");
        ns.addAddress("eth0", CLIENT + "/32");
        NftApplier nft = new NftApplier(HostCommands.inNetns(ns.name()));
        opened.add(nft);
        AgentSettings s = AgentSettings.builder(InterfaceName.parse("eth0")).dataplane(Dataplane.NFTABLES).build();
        assertThat(nft.apply(AgentPlanner.plan(cluster.snapshot(), node, null, s)).outcome()).isEqualTo(ApplyResult.Outcome.APPLIED);
        // the node's own connections go through the output chain's DNAT like forwarded ones; nobody answers the SYNs
        // (the endpoints do not exist), each entry stays in SYN_SENT with its endpoint, and curl gives up after 1 s
        Netns.Result r = ns.exec(List.of("bash", "-c", "for p in $(seq " + FIRST_PORT + " " + (FIRST_PORT + PORTS - 1)
                + "); do curl -s -o /dev/null --interface " + CLIENT + " --local-port $p --connect-timeout 1 http://" + VIP + "/ & done; wait"));
        assertThat(r.code()).as(r.output()).isZero();
        Map<Integer, String> byPort = new TreeMap<>();
        Matcher m = ENTRY.matcher(ns.exec(List.of("conntrack", "-L", "-p", "tcp", "-s", CLIENT, "-d", VIP)).output());
        while (m.find()) {
            byPort.put(Integer.parseInt(m.group(1)), m.group(2));
        }
        return byPort;
    }
}
