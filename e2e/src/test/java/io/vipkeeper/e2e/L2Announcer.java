package io.vipkeeper.e2e;

import io.vipkeeper.lab.lan.AddressPlan;
import io.vipkeeper.platform.process.Exec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What MetalLB in layer-2 mode (speaker + kube-proxy) or kube-vip in ARP mode does for its VIPs on the one node that
 * announces them, as far as the LAN can tell: the node answers ARP for the VIPs (here: they are on its eth0, as kube-vip
 * puts them) and forwards their port 80 to the pods (an nftables DNAT standing in for kube-proxy, as
 * {@link KubeKeepalivedVip#ipvsStandIn} does for IPVS). Closing it is the speaker or kube-vip leaving the node: the
 * addresses and the forwarding go.
 */
final class L2Announcer implements AutoCloseable {

    private static final String TABLE = "previous-load-balancer";

    private final String ns;
    private final List<String> vips;

    private L2Announcer(String ns, List<String> vips) {
        this.ns = ns;
        this.vips = List.copyOf(vips);
    }

    static L2Announcer start(int node, List<String> vips, List<String> pods, Path dir) throws IOException {
        String ns = AddressPlan.nodeNs(node);
        Files.createDirectories(dir);
        String rules = KubeKeepalivedVip.ipvsStandIn(vips, pods, AddressPlan.BACKEND_PORT).replace("kube-keepalived-vip-ipvs", TABLE);
        Path nft = Files.writeString(dir.resolve("previous-load-balancer.nft"), rules);
        L2Announcer a = new L2Announcer(ns, vips);
        try {
            run("ip", "netns", "exec", ns, "nft", "-f", nft.toString());
            for (String vip : vips) {
                run("ip", "-n", ns, "addr", "add", vip + "/32", "dev", "eth0");
            }
        } catch (IOException e) {
            a.close();
            throw e;
        }
        return a;
    }

    @Override
    public void close() {
        for (String vip : vips) {
            Exec.run(List.of("ip", "-n", ns, "addr", "del", vip + "/32", "dev", "eth0"), Duration.ofSeconds(10));
        }
        Exec.run(List.of("ip", "netns", "exec", ns, "nft", "delete", "table", "ip", TABLE), Duration.ofSeconds(10));
    }

    private static void run(String... cmd) throws IOException {
        Exec.Result r = Exec.run(List.of(cmd), Duration.ofSeconds(10));
        if (!r.ok()) {
            throw new IOException(String.join(" ", cmd) + " failed: " + r.message());
        }
    }
}
