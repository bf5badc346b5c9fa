package io.vipkeeper.lab.lan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vipkeeper.platform.process.Exec;
import io.vipkeeper.platform.process.Sleep;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The lab's top-of-rack router in BGP mode: FRR (Debian {@code frr}: zebra, bfdd, bgpd) in {@code vk-router}, AS
 * {@value #ROUTER_AS}, an eBGP session to every node (AS {@value #NODE_AS}) with BFD 100 ms x 3, accepting only host
 * routes inside the controller's pool, and installing them as ECMP multipath routes into its kernel. Started directly
 * (no init system) as docs/design/bgp/run.sh does, but everything — configs, pid files, vty sockets, zebra's socket,
 * the log — lives in {@link LabPaths#routerDir()}, owned by the user {@code frr} the daemons drop to: the system's
 * /etc/frr and /var/run/frr are never used. The daemons die with the namespace ({@link Lan#destroyAll()}).
 */
public final class FrrRouter {

    public static final int ROUTER_AS = 65000;
    public static final int NODE_AS = 65100;
    static final String FRR_BIN = "/usr/lib/frr/";
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One node's session as the router sees it: BGP state, prefixes received, BFD status ({@code -} when off). */
    public record Session(String peer, String state, int prefixes, String bfd) {
        public boolean established() {
            return "Established".equals(state);
        }
    }

    private final AddressPlan plan;
    private final Path dir;
    private final boolean bfd;

    public FrrRouter(AddressPlan plan, Path dir, boolean bfd) {
        this.plan = plan;
        this.dir = dir;
        this.bfd = bfd;
    }

    /** The router of a running lab (its plan and state directory). */
    public static FrrRouter of(LabPaths paths) {
        AddressPlan plan = paths.readPlan();
        if (plan == null) {
            throw new IllegalStateException("no lab runs");
        }
        return new FrrRouter(plan, paths.routerDir(), paths.readRouting().bfd());
    }

    /** Writes the configs and starts zebra, bfdd and bgpd in vk-router (each daemonizes once it has read its config). */
    public void start() throws IOException {
        if (Files.exists(dir)) {
            // a crashed lab's pid files and sockets: zebra's old socket would look like the new one
            try (var files = Files.walk(dir)) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            }
        }
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("zebra.conf"), zebraConf(dir));
        Files.writeString(dir.resolve("bfdd.conf"), bfddConf(dir));
        Files.writeString(dir.resolve("bgpd.conf"), bgpdConf(plan, dir, bfd));
        Files.writeString(dir.resolve("vtysh.conf"), ""); // vtysh --config_dir reads it; empty is enough
        // the daemons run as frr: their directory is theirs, and the lab's state directory above must let them through
        Lan.run("chmod", "o+x", dir.getParent().toString());
        Lan.run("chown", "-R", "frr:frr", dir.toString());
        startDaemon("zebra");
        awaitFile(dir.resolve("zserv.api"), "zebra's socket");
        startDaemon("bfdd");
        startDaemon("bgpd");
    }

    private void startDaemon(String daemon) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", AddressPlan.ROUTER_NS, FRR_BIN + daemon, "-d",
                "-f", dir.resolve(daemon + ".conf").toString(), "-i", pidFile(daemon).toString(), "--vty_socket", dir.toString(),
                "-z", dir.resolve("zserv.api").toString(), "-P", "0", "--log", "file:" + dir.resolve("frr.log")));
        if (daemon.equals("bfdd")) {
            cmd.addAll(List.of("--bfdctl", dir.resolve("bfdd.sock").toString()));
        }
        Lan.run(cmd.toArray(String[]::new));
    }

    private Path pidFile(String daemon) {
        return dir.resolve(daemon + ".pid");
    }

    private static void awaitFile(Path file, String what) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!Files.exists(file)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(what + " (" + file + ") did not appear within " + TIMEOUT.toSeconds() + " s");
            }
            Sleep.millis(50);
        }
    }

    /** The pid of a running daemon (zebra, bfdd, bgpd). */
    public Optional<ProcessHandle> daemon(String name) {
        try {
            long pid = Long.parseLong(Files.readString(pidFile(name)).strip());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Stops bgpd (SIGTERM: it closes every session) and starts it again, as a router's BGP process restarting. */
    public void restartBgpd() throws IOException {
        Optional<ProcessHandle> bgpd = daemon("bgpd");
        if (bgpd.isPresent()) {
            bgpd.get().destroy();
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (bgpd.get().isAlive() && System.nanoTime() < deadline) {
                Sleep.millis(50);
            }
            if (bgpd.get().isAlive()) {
                bgpd.get().destroyForcibly();
            }
        }
        Files.deleteIfExists(pidFile("bgpd"));
        startDaemon("bgpd");
    }

    /** A node that joined the running lab becomes a peer too. */
    public void addNeighbor(int node) {
        vtysh("configure terminal", "router bgp " + ROUTER_AS, "neighbor " + plan.nodeIp(node) + " peer-group NODES");
    }

    /** Runs vtysh commands against this router's daemons (their vty sockets); its output, or an exception. */
    public String vtysh(String... commands) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", AddressPlan.ROUTER_NS, "vtysh", "--vty_socket", dir.toString(),
                "--config_dir", dir.toString()));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        return Lan.run(cmd.toArray(String[]::new));
    }

    /** Every node's session, as bgpd and bfdd see it, in node order. */
    public List<Session> sessions() {
        return sessions(vtysh("show bgp ipv4 unicast summary json"), bfd ? vtysh("show bfd peers json") : "[]");
    }

    /** Parses {@code show bgp ipv4 unicast summary json} and {@code show bfd peers json}. */
    static List<Session> sessions(String summaryJson, String bfdJson) {
        Map<String, String> bfdStatus = new LinkedHashMap<>();
        try {
            for (JsonNode p : JSON.readTree(bfdJson)) {
                bfdStatus.put(p.path("peer").asText(), p.path("status").asText());
            }
            List<Session> out = new ArrayList<>();
            JsonNode peers = JSON.readTree(summaryJson).path("peers");
            for (var it = peers.fields(); it.hasNext(); ) {
                var e = it.next();
                out.add(new Session(e.getKey(), e.getValue().path("state").asText("?"), e.getValue().path("pfxRcd").asInt(0),
                        bfdStatus.getOrDefault(e.getKey(), "-")));
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("FRR's JSON does not parse: " + e.getMessage(), e);
        }
    }

    /** The BGP routes in the router's kernel table: prefix (without /32) → next hops (node addresses), sorted. */
    public static Map<String, List<String>> routes() {
        return routes(Lan.run("ip", "-n", AddressPlan.ROUTER_NS, "-4", "route", "show", "proto", "bgp"));
    }

    /** Parses {@code ip route show}: a route line, then (multipath) one {@code nexthop via X} line per next hop. */
    static Map<String, List<String>> routes(String ipRouteOutput) {
        Map<String, List<String>> out = new TreeMap<>();
        List<String> current = null;
        for (String line : ipRouteOutput.lines().toList()) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.trim().split("\\s+");
            if (!Character.isWhitespace(line.charAt(0))) {
                current = new ArrayList<>();
                out.put(f[0].endsWith("/32") ? f[0].substring(0, f[0].length() - 3) : f[0], current);
            }
            for (int k = 0; current != null && k + 1 < f.length; k++) {
                if (f[k].equals("via")) {
                    current.add(f[k + 1]);
                }
            }
        }
        out.values().forEach(l -> l.sort(null));
        return out;
    }

    /** The nodes (indexes) the router sends {@code vip} to now; empty when it has no route for it. */
    public List<Integer> nextHops(String vip) {
        return routes().getOrDefault(vip, List.of()).stream().map(plan::nodeOf).filter(n -> n > 0).sorted().toList();
    }

    static String zebraConf(Path dir) {
        return "hostname " + AddressPlan.ROUTER_NS + "\nlog file " + dir.resolve("frr.log") + " informational\n";
    }

    static String bfddConf(Path dir) {
        return """
                hostname %s
                log file %s informational
                bfd
                 profile fast
                  detect-multiplier 3
                  receive-interval 100
                  transmit-interval 100
                 exit
                exit
                """.formatted(AddressPlan.ROUTER_NS, dir.resolve("frr.log"));
    }

    /**
     * bgpd: one peer group for the nodes (eBGP, timers 1/3 s, connect retry 2 s, BFD when on), every node of the plan
     * in it; in: only host routes inside the pool; out: nothing; up to 16 equal paths (ECMP). No graceful restart: a
     * withdrawn route must leave the table now.
     */
    static String bgpdConf(AddressPlan plan, Path dir, boolean bfd) {
        StringBuilder b = new StringBuilder();
        b.append("hostname ").append(AddressPlan.ROUTER_NS).append('\n');
        b.append("log file ").append(dir.resolve("frr.log")).append(" informational\n!\n");
        int seq = 10;
        for (String cidr : plan.poolCidrs()) {
            b.append("ip prefix-list POOL seq ").append(seq).append(" permit ").append(cidr).append(" ge 32\n");
            seq += 10;
        }
        b.append("""
                route-map NODES-IN permit 10
                 match ip address prefix-list POOL
                exit
                route-map DENY deny 10
                exit
                !
                router bgp %d
                 bgp router-id %s
                 no bgp ebgp-requires-policy
                 no bgp default ipv4-unicast
                 no bgp graceful-restart
                 bgp log-neighbor-changes
                 bgp bestpath as-path multipath-relax
                 neighbor NODES peer-group
                 neighbor NODES remote-as %d
                 neighbor NODES timers 1 3
                 neighbor NODES timers connect 2
                """.formatted(ROUTER_AS, plan.routerIp(), NODE_AS));
        if (bfd) {
            b.append(" neighbor NODES bfd profile fast\n");
        }
        for (int i : plan.nodeIndexes()) {
            b.append(" neighbor ").append(plan.nodeIp(i)).append(" peer-group NODES\n");
        }
        b.append("""
                 address-family ipv4 unicast
                  neighbor NODES activate
                  neighbor NODES route-map NODES-IN in
                  neighbor NODES route-map DENY out
                  maximum-paths 16
                 exit-address-family
                exit
                """);
        return b.toString();
    }

    /** Whether Debian's frr is installed (the daemons and vtysh). */
    public static boolean installed() {
        return Files.isExecutable(Path.of(FRR_BIN, "bgpd")) && Exec.run(List.of("id", "frr"), TIMEOUT).ok();
    }
}
