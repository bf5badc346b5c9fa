package io.vipkeeper.lab.lan;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Names and addresses of the lab's LAN, a pure function of the /24 it uses and the node count. Every address is in
 * one documentation /24 (192.0.2.0/24 by default), so nothing the lab starts can reach anything outside it:
 * .1 the root namespace ({@code vk-host}: kubectl, the API server, the controller), .11… the nodes, .50 the client,
 * .101… the pods, .200–.239 the controller's pool, .240 a hand-written ConfigMap entry, .254 the router ({@code vk-router},
 * only with {@code --announce bgp}).
 * <p>
 * With {@code --announce bgp} a second documentation /24 lies behind the router, {@link #client2Prefix()} (203.0.113 unless the
 * LAN uses it, then 198.51.100): .1 the router's side, .50 the second client ({@code vk-client2}). It exists only inside the
 * lab's namespaces (the router, the second client, and routes to it on the nodes and pods).
 */
public record AddressPlan(String prefix, int nodes) {

    public static final String DEFAULT_PREFIX = "192.0.2";
    /** The documentation /24s, in the order they are tried when the root namespace already uses one. */
    public static final List<String> DOCUMENTATION_PREFIXES = List.of("192.0.2", "198.51.100", "203.0.113");
    public static final int MAX_NODES = 39;
    public static final int MAX_PODS = 99;
    public static final String LAN_NS = "vk-lan";
    public static final String CLIENT_NS = "vk-client";
    /** BGP mode: the router (FRR) between the LAN and the second client's /24. */
    public static final String ROUTER_NS = "vk-router";
    /** BGP mode: the client behind the router. */
    public static final String CLIENT2_NS = "vk-client2";
    public static final String HOST_IF = "vk-host";
    public static final String BRIDGE = "br0";
    public static final String NODE_PREFIX = "vk-node";
    public static final String POD_PREFIX = "vk-pod-";
    public static final int API_PORT = 6443;
    public static final int AGENT_HTTP_PORT = 9100;
    public static final int BACKEND_PORT = 8080;
    /** The backends' TCP echo port, for long-lived connections. */
    public static final int ECHO_PORT = 9000;

    public AddressPlan {
        if (!DOCUMENTATION_PREFIXES.contains(prefix)) {
            throw new IllegalArgumentException("the lab uses only a documentation /24 (" + String.join(".0/24, ", DOCUMENTATION_PREFIXES)
                    + ".0/24), not " + prefix + ".0/24");
        }
        if (nodes < 1 || nodes > MAX_NODES) {
            throw new IllegalArgumentException("--nodes: from 1 to " + MAX_NODES + ", not " + nodes);
        }
    }

    /** The first documentation /24 that the root namespace uses for nothing (none of {@code rootCidrs} overlaps it). */
    public static String freePrefix(List<String> rootAddressesAndRoutes) {
        for (String p : DOCUMENTATION_PREFIXES) {
            if (rootAddressesAndRoutes.stream().noneMatch(a -> overlaps(a, p))) {
                return p;
            }
        }
        throw new IllegalStateException("every documentation /24 (" + DOCUMENTATION_PREFIXES + ") is already used on this machine");
    }

    /** Whether an address or CIDR of the root namespace ({@code "a.b.c.d"} or {@code "a.b.c.d/n"}) overlaps {@code prefix}.0/24. */
    static boolean overlaps(String cidr, String prefix) {
        String[] parts = cidr.split("/");
        long a = toLong(parts[0]);
        if (a < 0) {
            return false; // IPv6 or not an address: cannot overlap an IPv4 /24
        }
        int bits = parts.length > 1 ? Integer.parseInt(parts[1]) : 32;
        if (bits == 0) {
            return false; // a default route overlaps everything but holds no address of ours
        }
        int common = Math.min(bits, 24);
        long mask = common == 0 ? 0 : (0xffffffffL << (32 - common)) & 0xffffffffL;
        return (a & mask) == (toLong(prefix + ".0") & mask);
    }

    private static long toLong(String ip) {
        String[] o = ip.split("\\.");
        if (o.length != 4) {
            return -1;
        }
        long v = 0;
        for (String s : o) {
            int n;
            try {
                n = Integer.parseInt(s);
            } catch (NumberFormatException e) {
                return -1;
            }
            if (n < 0 || n > 255) {
                return -1;
            }
            v = v << 8 | n;
        }
        return v;
    }

    public String address(int lastOctet) {
        return prefix + "." + lastOctet;
    }

    public String cidr() {
        return prefix + ".0/24";
    }

    public String hostIp() {
        return address(1);
    }

    public String clientIp() {
        return address(50);
    }

    /** Node {@code i} (1-based): namespace vk-nodeI, address .(10+i). */
    public static String nodeNs(int i) {
        return NODE_PREFIX + i;
    }

    public String nodeIp(int i) {
        if (i < 1 || i > MAX_NODES) {
            throw new IllegalArgumentException("node " + i + " is outside 1.." + MAX_NODES);
        }
        return address(10 + i);
    }

    /** Which node owns a node address, or 0. */
    public int nodeOf(String ip) {
        for (int i = 1; i <= MAX_NODES; i++) {
            if (address(10 + i).equals(ip)) {
                return i;
            }
        }
        return 0;
    }

    public List<Integer> nodeIndexes() {
        return IntStream.rangeClosed(1, nodes).boxed().toList();
    }

    /** Pod slot {@code k} (1-based) has address .(100+k). */
    public String podIp(int k) {
        if (k < 1 || k > MAX_PODS) {
            throw new IllegalArgumentException("pod slot " + k + " is outside 1.." + MAX_PODS);
        }
        return address(100 + k);
    }

    public String poolFirst() {
        return address(200);
    }

    public String poolLast() {
        return address(239);
    }

    /** The controller's --pool value. */
    public String pool() {
        return poolFirst() + "-" + poolLast();
    }

    /** An address outside the pool for hand-written ConfigMap entries. */
    public String handWrittenVip() {
        return address(240);
    }

    public String apiUrl() {
        return "http://" + hostIp() + ":" + API_PORT;
    }

    /** BGP mode: the router's address on the LAN (the nodes' BGP peer and their route to the second client's /24). */
    public String routerIp() {
        return address(254);
    }

    /** BGP mode: the /24 behind the router, another documentation range than the LAN's. */
    public String client2Prefix() {
        return prefix.equals("203.0.113") ? "198.51.100" : "203.0.113";
    }

    public String client2Cidr() {
        return client2Prefix() + ".0/24";
    }

    /** BGP mode: the router's address on the second client's /24 (that client's default gateway). */
    public String routerClient2Ip() {
        return client2Prefix() + ".1";
    }

    public String client2Ip() {
        return client2Prefix() + ".50";
    }

    /** The pool .200–.239 as CIDRs (what the router accepts host routes from): .200/29, .208/28, .224/28. */
    public List<String> poolCidrs() {
        List<String> out = new ArrayList<>();
        int first = 200;
        int last = 239;
        while (first <= last) {
            int bits = 0; // the largest aligned block starting at first that ends at or before last
            while (bits < 8 && first % (1 << (bits + 1)) == 0 && first + (1 << (bits + 1)) - 1 <= last) {
                bits++;
            }
            out.add(address(first) + "/" + (32 - bits));
            first += 1 << bits;
        }
        return out;
    }

    /** The bridge-side end of node {@code i}'s uplink (in vk-lan). */
    public static String nodeBridgePort(int i) {
        return "vkn" + i;
    }

    /** The bridge-side end of pod slot {@code k}'s link (in vk-lan). */
    public static String podBridgePort(int k) {
        return "vkp" + k;
    }

    public AddressPlan withNodes(int n) {
        return new AddressPlan(prefix, n);
    }
}
