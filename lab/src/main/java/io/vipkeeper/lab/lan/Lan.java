package io.vipkeeper.lab.lan;

import io.vipkeeper.platform.process.Exec;
import io.vipkeeper.platform.process.Sleep;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The virtual LAN, built with iproute2: a bridge {@code br0} in namespace vk-lan; node, client and pod namespaces,
 * each with an {@code eth0} whose peer is a bridge port; {@code vk-host} in the root namespace. In BGP mode also
 * {@code vk-router} on the bridge and {@code vk-client2} behind it (see {@link #addRouter()}). Only names this class
 * creates are ever touched: namespaces matching {@link #OURS} and the link vk-host.
 */
public final class Lan {

    private static final Logger LOG = LoggerFactory.getLogger(Lan.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    /** Every namespace the lab creates, and only those. */
    public static final Pattern OURS = Pattern.compile("vk-lan|vk-client|vk-client2|vk-router|vk-node[0-9]{1,2}|vk-pod-[a-z0-9-]{1,40}");

    private final AddressPlan plan;
    private final Routing routing;

    public Lan(AddressPlan plan) {
        this(plan, Routing.VRRP);
    }

    public Lan(AddressPlan plan, Routing routing) {
        this.plan = plan;
        this.routing = routing;
    }

    public AddressPlan plan() {
        return plan;
    }

    /** Runs a command; an error names the command and quotes its message. */
    public static String run(String... cmd) {
        Exec.Result r = Exec.run(List.of(cmd), TIMEOUT);
        if (!r.ok()) {
            throw new IllegalStateException(String.join(" ", cmd) + ": " + r.message());
        }
        return r.stdout();
    }

    /** Runs a command whose failure does not matter (cleanup); returns whether it succeeded. */
    public static boolean quiet(String... cmd) {
        return Exec.run(List.of(cmd), TIMEOUT).ok();
    }

    /** Builds the bridge, vk-host (root namespace) and vk-client. The nodes and pods are added one by one. */
    public void createBase() {
        run("ip", "netns", "add", AddressPlan.LAN_NS);
        ns(AddressPlan.LAN_NS, "ip", "link", "set", "lo", "up");
        sysctls(AddressPlan.LAN_NS);
        run("ip", "-n", AddressPlan.LAN_NS, "link", "add", AddressPlan.BRIDGE, "type", "bridge", "stp_state", "0", "forward_delay", "0");
        run("ip", "-n", AddressPlan.LAN_NS, "link", "set", AddressPlan.BRIDGE, "up");
        // the root namespace's end: kubectl, the API server and the controller reach the LAN (and the VIPs) through it
        run("ip", "link", "add", AddressPlan.HOST_IF, "type", "veth", "peer", "name", "vkh", "netns", AddressPlan.LAN_NS);
        quiet("sysctl", "-qw", "net.ipv6.conf." + AddressPlan.HOST_IF + ".disable_ipv6=1");
        run("ip", "addr", "add", plan.hostIp() + "/24", "dev", AddressPlan.HOST_IF);
        run("ip", "link", "set", AddressPlan.HOST_IF, "up");
        run("ip", "-n", AddressPlan.LAN_NS, "link", "set", "vkh", "master", AddressPlan.BRIDGE, "up");
        attach(AddressPlan.CLIENT_NS, "vkc", plan.clientIp(), mac(3, 1));
    }

    public void addNode(int i) {
        String ns = AddressPlan.nodeNs(i);
        attach(ns, AddressPlan.nodeBridgePort(i), plan.nodeIp(i), nodeMac(i));
        // the node forwards VIP traffic to pods on the same segment: routing on, and no ICMP redirects telling the
        // client to skip the node (that would bypass the DNAT)
        ns(ns, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        for (String dev : List.of("all", "default", "eth0")) {
            ns(ns, "sysctl", "-qw", "net.ipv4.conf." + dev + ".send_redirects=0");
        }
        if (routing.bgp()) {
            routeToClient2(ns, plan);
        }
    }

    /**
     * BGP mode: the router {@code vk-router} (.254 on the bridge, forwarding, per-flow ECMP hashing) and the second
     * client {@code vk-client2} on a veth pair behind it (router eth1 = .1, client .50 of {@link AddressPlan#client2Cidr()},
     * default route via the router). Call before the nodes are added (they get a route to that /24 via the router).
     */
    public void addRouter() {
        String r = AddressPlan.ROUTER_NS;
        attach(r, ROUTER_PORT, plan.routerIp(), mac(4, 1));
        ns(r, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        // per-flow (L4) hashing: each new connection picks one of the ECMP next hops, all its packets take that one
        ns(r, "sysctl", "-qw", "net.ipv4.fib_multipath_hash_policy=1");
        String c = AddressPlan.CLIENT2_NS;
        run("ip", "netns", "add", c);
        sysctls(c);
        run("ip", "-n", r, "link", "add", "eth1", "address", mac(4, 2), "type", "veth", "peer", "name", "eth0", "address", mac(3, 2), "netns", c);
        run("ip", "-n", r, "addr", "add", plan.routerClient2Ip() + "/24", "dev", "eth1");
        run("ip", "-n", r, "link", "set", "eth1", "up");
        run("ip", "-n", c, "addr", "add", plan.client2Ip() + "/24", "dev", "eth0");
        run("ip", "-n", c, "link", "set", "eth0", "up");
        run("ip", "-n", c, "link", "set", "lo", "up");
        run("ip", "-n", c, "route", "add", "default", "via", plan.routerClient2Ip());
    }

    /** The bridge-side end of the router's LAN link (in vk-lan). */
    static final String ROUTER_PORT = "vkr";

    /** BGP mode: answers to the second client leave through the router (taken again after a link comes back up). */
    private static void routeToClient2(String ns, AddressPlan plan) {
        run("ip", "-n", ns, "route", "replace", plan.client2Cidr(), "via", plan.routerIp(), "dev", "eth0");
    }

    /**
     * BGP mode: pod {@code podName} answers the second client through {@code node}, as a pod's traffic leaves through its
     * own node in a cluster (with externalTrafficPolicy Local the node does not masquerade, so the answer must go back
     * through the node that translated the request).
     */
    public void routePodThroughNode(String podName, int node) {
        if (routing.bgp()) {
            run("ip", "-n", podNs(podName), "route", "replace", plan.client2Cidr(), "via", plan.nodeIp(node), "dev", "eth0");
        }
    }

    public Routing routing() {
        return routing;
    }

    public static String podNs(String podName) {
        return AddressPlan.POD_PREFIX + podName;
    }

    public void addPod(String podName, int slot) {
        attach(podNs(podName), AddressPlan.podBridgePort(slot), plan.podIp(slot), mac(2, slot));
    }

    /**
     * Ends the processes in the pod's namespace and deletes it. Its veth goes with it, but the kernel frees a namespace
     * asynchronously: wait until the bridge port is gone, so the slot can be used again at once.
     */
    public static void removePod(String podName, int slot) {
        removeNamespace(podNs(podName));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline && quiet("ip", "-n", AddressPlan.LAN_NS, "link", "show", "dev", AddressPlan.podBridgePort(slot))) {
            Sleep.millis(50);
        }
    }

    /**
     * A fixed, locally administered MAC per address (02:76:6b:00:KIND:INDEX): a pod started again on a known address
     * keeps its MAC, so neighbours' ARP caches stay right (with a random MAC a node kept sending to the old one: its
     * stale entry was confirmed again and again, and the new pod got no traffic for minutes).
     */
    static String mac(int kind, int index) {
        return String.format("02:76:6b:00:%02x:%02x", kind, index);
    }

    /** Node {@code i}'s MAC on the LAN. */
    public static String nodeMac(int i) {
        return mac(1, i);
    }

    /** A namespace with eth0 = ADDRESS/24 (and a fixed MAC) plugged into the bridge as PORT. */
    private void attach(String ns, String port, String address, String mac) {
        run("ip", "netns", "add", ns);
        sysctls(ns);
        run("ip", "-n", AddressPlan.LAN_NS, "link", "add", port, "type", "veth", "peer", "name", "eth0", "address", mac, "netns", ns);
        run("ip", "-n", AddressPlan.LAN_NS, "link", "set", port, "master", AddressPlan.BRIDGE, "up");
        run("ip", "-n", ns, "addr", "add", address + "/24", "dev", "eth0");
        run("ip", "-n", ns, "link", "set", "eth0", "up");
        run("ip", "-n", ns, "link", "set", "lo", "up");
    }

    /** No IPv6 (nothing here uses it; it only adds router solicitations and DAD), no redirects accepted. */
    private static void sysctls(String ns) {
        ns(ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1");
        ns(ns, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1");
        ns(ns, "sysctl", "-qw", "net.ipv4.conf.all.accept_redirects=0");
        ns(ns, "sysctl", "-qw", "net.ipv4.conf.default.accept_redirects=0");
        // a gratuitous ARP when eth0 comes up: a pod started again on a known address has a new MAC, and neighbours
        // that cached the old one would otherwise send into the void for up to a minute
        ns(ns, "sysctl", "-qw", "net.ipv4.conf.all.arp_notify=1");
    }

    private static String ns(String ns, String... cmd) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        c.addAll(List.of(cmd));
        return run(c.toArray(String[]::new));
    }

    /**
     * Pulls node {@code i}'s cable or plugs it in again: the bridge's end of its link goes down, so the node's eth0
     * stays up but loses carrier, as with a broken cable or switch port. Unlike {@link #setLink} (eth0 set down in
     * the node), the node's kernel keeps its masqueraded connections: an interface set down makes it forget them
     * (nf_nat_masquerade), and for a minute after, a new connection through the node could take a source port that a
     * backend still holds in TIME_WAIT and be refused (docs/operations.md).
     */
    public static void setCable(int i, boolean connected) {
        run("ip", "-n", AddressPlan.LAN_NS, "link", "set", AddressPlan.nodeBridgePort(i), connected ? "up" : "down");
    }

    /**
     * Takes node {@code i}'s uplink down (a cut cable, as far as VRRP and the bridge can tell) or up again. Link down
     * flushes the routes through it: in BGP mode, the route to the second client is put back with the link.
     */
    public static void setLink(int i, boolean up) {
        run("ip", "-n", AddressPlan.nodeNs(i), "link", "set", "eth0", up ? "up" : "down");
        if (up && namespaces().contains(AddressPlan.ROUTER_NS)) {
            List<String> own = addresses(i);
            if (!own.isEmpty()) {
                String ip = own.get(0);
                routeToClient2(AddressPlan.nodeNs(i), new AddressPlan(ip.substring(0, ip.lastIndexOf('.')), i));
            }
        }
    }

    /** The IPv4 addresses on node {@code i}'s eth0 (empty when the namespace is gone). */
    public static List<String> addresses(int i) {
        Exec.Result r = Exec.run(List.of("ip", "-n", AddressPlan.nodeNs(i), "-o", "-4", "addr", "show", "dev", "eth0"), TIMEOUT);
        if (!r.ok()) {
            return List.of();
        }
        return r.stdout().lines().map(l -> l.trim().split("\\s+")).filter(f -> f.length > 3).map(f -> f[3].split("/")[0]).toList();
    }

    /** The namespaces of ours that exist now (see {@link #OURS}). */
    public static Set<String> namespaces() {
        Exec.Result r = Exec.run(List.of("ip", "netns", "list"), TIMEOUT);
        Set<String> out = new TreeSet<>();
        r.stdout().lines().map(l -> l.trim().split("\\s+")[0]).filter(n -> OURS.matcher(n).matches()).forEach(out::add);
        return out;
    }

    /** Node indexes whose namespace exists now. */
    public static List<Integer> nodes() {
        return namespaces().stream().filter(n -> n.startsWith(AddressPlan.NODE_PREFIX))
                .map(n -> Integer.parseInt(n.substring(AddressPlan.NODE_PREFIX.length()))).sorted().toList();
    }

    /** Pids of the processes running in a namespace ({@code ip netns pids}). */
    public static List<Long> pids(String ns) {
        Exec.Result r = Exec.run(List.of("ip", "netns", "pids", ns), TIMEOUT);
        return r.stdout().lines().map(String::trim).filter(s -> s.matches("[0-9]+")).map(Long::parseLong).toList();
    }

    /** Ends the processes in one of our namespaces (SIGTERM, then SIGKILL), then deletes it. */
    public static void removeNamespace(String ns) {
        if (!OURS.matcher(ns).matches()) {
            throw new IllegalArgumentException("not a lab namespace: " + ns);
        }
        stopProcesses(pids(ns), Duration.ofSeconds(5));
        quiet("ip", "netns", "del", ns);
    }

    static void stopProcesses(List<Long> pids, Duration grace) {
        List<ProcessHandle> handles = pids.stream().map(ProcessHandle::of).flatMap(Optional::stream).toList();
        handles.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + grace.toNanos();
        for (ProcessHandle h : handles) {
            while (h.isAlive() && System.nanoTime() < deadline) {
                Sleep.millis(50);
            }
            if (h.isAlive()) {
                LOG.warn("pid {} did not stop on SIGTERM; killing it", h.pid());
                h.destroyForcibly();
            }
        }
    }

    /**
     * Removes everything the lab created: the processes in its namespaces, the namespaces (their veths go with them)
     * and vk-host. Safe to run at any time, also after a crash, and when nothing is there.
     */
    public static List<String> destroyAll() {
        List<String> removed = new ArrayList<>();
        Set<String> all = namespaces();
        // pods, clients and the router (FRR's daemons live in vk-router) first, then the nodes (agents release their VIPs on SIGTERM), then the bridge
        List<String> order = new ArrayList<>();
        all.stream().filter(n -> n.startsWith(AddressPlan.POD_PREFIX) || n.equals(AddressPlan.CLIENT_NS) || n.equals(AddressPlan.CLIENT2_NS)
                || n.equals(AddressPlan.ROUTER_NS)).forEach(order::add);
        all.stream().filter(n -> n.startsWith(AddressPlan.NODE_PREFIX)).forEach(order::add);
        all.stream().filter(n -> n.equals(AddressPlan.LAN_NS)).forEach(order::add);
        List<Long> pids = new ArrayList<>();
        order.forEach(n -> pids.addAll(pids(n)));
        stopProcesses(pids, Duration.ofSeconds(8));
        for (String n : order) {
            removeNamespace(n);
            removed.add("namespace " + n);
        }
        if (quiet("ip", "link", "show", "dev", AddressPlan.HOST_IF)) {
            quiet("ip", "link", "del", AddressPlan.HOST_IF);
            removed.add("link " + AddressPlan.HOST_IF);
        }
        return removed;
    }

    /** The addresses and routes of the root namespace (IPv4), to pick a /24 nothing here uses. */
    public static List<String> rootAddressesAndRoutes() {
        List<String> out = new ArrayList<>();
        Exec.run(List.of("ip", "-o", "-4", "addr", "show"), TIMEOUT).stdout().lines()
                .map(l -> l.trim().split("\\s+")).filter(f -> f.length > 3 && !f[1].equals(AddressPlan.HOST_IF)).forEach(f -> out.add(f[3]));
        Exec.run(List.of("ip", "-4", "route", "show", "table", "all"), TIMEOUT).stdout().lines()
                .map(l -> l.trim().split("\\s+")).filter(f -> f.length > 0 && !String.join(" ", f).contains("dev " + AddressPlan.HOST_IF))
                .map(f -> f[0].equals("local") || f[0].equals("broadcast") ? (f.length > 1 ? f[1] : "") : f[0])
                .filter(s -> s.matches("[0-9.]+(/[0-9]+)?")).forEach(out::add);
        // the default gateway is an address in use even when its route says "default via A"
        Exec.run(List.of("ip", "-4", "route", "show", "default"), TIMEOUT).stdout().lines()
                .map(l -> l.trim().split("\\s+")).filter(f -> f.length > 2 && f[1].equals("via")).forEach(f -> out.add(f[2]));
        return out;
    }

    /** The documentation /24 for a new lab: the first one the root namespace does not use. */
    public static String choosePrefix() {
        return AddressPlan.freePrefix(rootAddressesAndRoutes());
    }
}
