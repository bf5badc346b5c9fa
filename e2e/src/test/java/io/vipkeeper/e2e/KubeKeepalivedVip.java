package io.vipkeeper.e2e;

import io.vipkeeper.lab.lan.AddressPlan;
import io.vipkeeper.platform.process.Exec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * kube-keepalived-vip on one lab node, as the seeds ran it: the real keepalived with the configuration its template
 * renders (seed 000's and 002's outputs: VRRPv3, VRID 50, multicast or {@code --use-unicast}, {@code advert_int 1},
 * priority 100 + the node's index among the node IPs sorted as strings, the others as unicast peers, nopreempt, one
 * instance {@code vips}, a {@code virtual_server} per VIP).
 * This kernel has no IPVS, so keepalived runs with {@code --vrrp} (its checker, which would program IPVS, does not
 * start) and an nftables DNAT table stands in for the IPVS NAT forwarding; VRRP, what the switch-over is about, is
 * the original's. Stopping it is what the old pod's termination does: SIGTERM, keepalived sends a priority-0 advert
 * and releases the VIPs.
 */
final class KubeKeepalivedVip implements AutoCloseable {

    static final int VRID = 50;
    private static final String IPVS_STAND_IN = "kube-keepalived-vip-ipvs";

    private final String ns;
    private final Path dir;
    private final Process keepalived;

    private KubeKeepalivedVip(String ns, Path dir, Process keepalived) {
        this.ns = ns;
        this.dir = dir;
        this.keepalived = keepalived;
    }

    /**
     * keepalived.conf as kube-keepalived-vip renders it for a node: every VIP (each Service with ready endpoints),
     * port 80 of each forwarded to {@code pods} on {@code targetPort}.
     */
    static String config(String nodeIp, List<String> nodeIps, boolean unicast, List<String> vips, List<String> pods, int targetPort) {
        List<String> sorted = nodeIps.stream().sorted().toList(); // as strings, as the original did
        int priority = 100 + sorted.indexOf(nodeIp);
        StringBuilder c = new StringBuilder();
        c.append("global_defs {\n  vrrp_version 3\n  vrrp_iptables KUBE-KEEPALIVED-VIP\n}\n\n");
        c.append("vrrp_instance vips {\n  state BACKUP\n  interface eth0\n  virtual_router_id ").append(VRID).append('\n');
        c.append("  priority ").append(priority).append("\n  nopreempt\n  advert_int 1\n\n  track_interface {\n    eth0\n  }\n\n");
        if (unicast) {
            c.append("  unicast_src_ip ").append(nodeIp).append("\n  unicast_peer {\n");
            sorted.stream().filter(ip -> !ip.equals(nodeIp)).forEach(ip -> c.append("    ").append(ip).append('\n'));
            c.append("  }\n\n");
        }
        c.append("  virtual_ipaddress {\n");
        vips.forEach(v -> c.append("    ").append(v).append('\n'));
        c.append("  }\n}\n\n");
        for (String vip : vips) {
            c.append("# Service: default-").append(vip).append('\n');
            c.append("virtual_server ").append(vip).append(" 80 {\n  delay_loop 5\n  lvs_sched wlc\n  lvs_method NAT\n");
            c.append("  persistence_timeout 1800\n  protocol TCP\n\n");
            for (String pod : pods) {
                c.append("  real_server ").append(pod).append(' ').append(targetPort).append(" {\n    weight 1\n    TCP_CHECK {\n");
                c.append("      connect_port ").append(targetPort).append("\n      connect_timeout 3\n    }\n  }\n");
            }
            c.append("}\n\n");
        }
        return c.toString();
    }

    /** What IPVS would do for those virtual servers: VIP:80 to the pods in turn, replies back through this node. */
    static String ipvsStandIn(List<String> vips, List<String> pods, int targetPort) {
        List<String> targets = new ArrayList<>();
        for (int k = 0; k < pods.size(); k++) {
            targets.add(k + " : " + pods.get(k));
        }
        StringBuilder n = new StringBuilder("table ip " + IPVS_STAND_IN + " {\n  chain prerouting {\n");
        n.append("    type nat hook prerouting priority dstnat; policy accept;\n");
        for (String vip : vips) {
            // only while the VIP is on this node, as IPVS (which sees only packets for local addresses)
            n.append("    ip daddr ").append(vip).append(" fib daddr type local tcp dport 80 dnat to numgen inc mod ").append(pods.size())
                    .append(" map { ").append(String.join(", ", targets)).append(" } : ").append(targetPort).append('\n');
        }
        n.append("  }\n  chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n");
        n.append("    ct status dnat masquerade\n  }\n}\n");
        return n.toString();
    }

    /** Starts kube-keepalived-vip's keepalived on node {@code i} (peers: every node of the plan), its files under {@code dir}. */
    static KubeKeepalivedVip start(AddressPlan plan, int i, boolean unicast, List<String> vips, List<String> pods, int targetPort, Path dir)
            throws IOException, InterruptedException {
        String ns = AddressPlan.nodeNs(i);
        Files.createDirectories(dir);
        List<String> nodeIps = plan.nodeIndexes().stream().map(plan::nodeIp).toList();
        Path conf = Files.writeString(dir.resolve("keepalived.conf"), config(plan.nodeIp(i), nodeIps, unicast, vips, pods, targetPort));
        Path nft = Files.writeString(dir.resolve("ipvs-stand-in.nft"), ipvsStandIn(vips, pods, targetPort));
        run("ip", "netns", "exec", ns, "nft", "-f", nft.toString());
        Process p = new ProcessBuilder("ip", "netns", "exec", ns, "keepalived", "--vrrp", "-f", conf.toString(),
                "-p", dir.resolve("keepalived.pid").toString(), "-r", dir.resolve("vrrp.pid").toString(),
                "-c", dir.resolve("checkers.pid").toString(), "--dont-fork", "--log-console", "--release-vips")
                .redirectErrorStream(true).redirectOutput(dir.resolve("keepalived.log").toFile()).start();
        return new KubeKeepalivedVip(ns, dir, p);
    }

    boolean running() {
        return keepalived.isAlive();
    }

    String log() throws IOException {
        return Files.readString(dir.resolve("keepalived.log"));
    }

    /** The old pod terminates: SIGTERM to keepalived (priority-0 advert, VIPs released), its forwarding removed. */
    @Override
    public void close() throws IOException, InterruptedException {
        keepalived.destroy();
        if (!keepalived.waitFor(10, TimeUnit.SECONDS)) {
            keepalived.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        run("ip", "netns", "exec", ns, "nft", "delete", "table", "ip", IPVS_STAND_IN);
    }

    private static void run(String... cmd) throws IOException {
        Exec.Result r = Exec.run(List.of(cmd), Duration.ofSeconds(10));
        if (!r.ok()) {
            throw new IOException(String.join(" ", cmd) + " failed: " + r.message());
        }
    }
}
