package io.vipkeeper.core.pool;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.net.Cidr;
import io.vipkeeper.core.net.IpFamily;
import io.vipkeeper.core.net.IpRange;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses pools as operators write them:
 * <ul>
 *   <li>{@code --pool 192.0.2.0/28} or {@code --pool 192.0.2.10-192.0.2.20}: one unnamed pool (named pool-N);</li>
 *   <li>{@code --pool name=prod,addresses=192.0.2.0/28;2001:db8::/124,namespaces=a;b,avoid-buggy-ips=true,auto-assign=false};</li>
 *   <li>{@code KEEPALIVED_SERVICE_CIDR}: keepalived-cloud-provider's single CIDR, with host bits masked off.</li>
 * </ul>
 * As keepalived-cloud-provider did, an IPv4 CIDR of /30 or larger leaves out its network and broadcast
 * addresses ({@code 192.0.2.200/29} hands out .201 to .206); a /31 or /32 is used whole (RFC 3021), and so is
 * an IPv6 prefix. Write a range ({@code 192.0.2.200-192.0.2.207}) to use every address.
 */
public final class PoolSpecs {

    public static final String SEED_POOL_NAME = "keepalived-service-cidr";

    private PoolSpecs() {
    }

    /** Parses one {@code --pool} value; {@code index} names an unnamed pool. */
    public static AddressPool parseFlag(String text, int index) {
        if (text == null || text.isBlank()) {
            throw new InvalidInputException("empty pool");
        }
        if (!text.contains("=")) {
            return new AddressPool("pool-" + index, parseAddresses(text), Set.of(), false, true);
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (String part : text.split(",", -1)) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new InvalidInputException("pool option " + InvalidInputException.quote(part)
                        + " is not key=value (keys: name, addresses, namespaces, avoid-buggy-ips, auto-assign)");
            }
            String key = part.substring(0, eq).trim();
            if (options.put(key, part.substring(eq + 1).trim()) != null) {
                throw new InvalidInputException("pool option " + key + " is given twice");
            }
        }
        return fromOptions(options, "pool-" + index);
    }

    /** Builds a pool from key/value options (the flag's keys; the YAML file uses the same keys). */
    public static AddressPool fromOptions(Map<String, String> options, String defaultName) {
        String name = defaultName;
        List<IpRange> ranges = null;
        Set<String> namespaces = Set.of();
        boolean avoidBuggy = false;
        boolean autoAssign = true;
        for (Map.Entry<String, String> e : options.entrySet()) {
            String v = e.getValue();
            switch (e.getKey()) {
                case "name" -> name = v;
                case "addresses" -> ranges = parseAddresses(v);
                case "namespaces" -> namespaces = splitList(v);
                case "avoid-buggy-ips" -> avoidBuggy = parseBoolean("avoid-buggy-ips", v);
                case "auto-assign" -> autoAssign = parseBoolean("auto-assign", v);
                default -> throw new InvalidInputException("unknown pool option " + InvalidInputException.quote(e.getKey())
                        + " (keys: name, addresses, namespaces, avoid-buggy-ips, auto-assign)");
            }
        }
        if (ranges == null) {
            throw new InvalidInputException("pool " + name + " has no addresses= option");
        }
        return new AddressPool(name, ranges, namespaces, avoidBuggy, autoAssign);
    }

    /** keepalived-cloud-provider's {@code KEEPALIVED_SERVICE_CIDR}. */
    public static AddressPool fromSeedCidr(String text) {
        return new AddressPool(SEED_POOL_NAME, List.of(hosts(Cidr.parse(text.trim(), true))), Set.of(), false, true);
    }

    /** The addresses of a CIDR that may be handed out: without network and broadcast for IPv4 /30 and larger. */
    static IpRange hosts(Cidr cidr) {
        if (cidr.family() == IpFamily.IPv4 && cidr.prefix() <= 30) {
            return new IpRange(cidr.network().next(), cidr.last().previous());
        }
        return cidr.toRange();
    }

    /** A list of CIDRs or ranges separated by ';' (or ' '). */
    public static List<IpRange> parseAddresses(String text) {
        List<IpRange> out = new ArrayList<>();
        for (String part : text.split("[; ]+")) {
            if (!part.isEmpty()) {
                out.add(part.indexOf('/') >= 0 ? hosts(Cidr.parse(part)) : IpRange.parse(part));
            }
        }
        if (out.isEmpty()) {
            throw new InvalidInputException("no addresses in " + InvalidInputException.quote(text));
        }
        return out;
    }

    private static Set<String> splitList(String text) {
        Set<String> out = new LinkedHashSet<>();
        for (String part : text.split("[; ]+")) {
            if (!part.isEmpty()) {
                out.add(part);
            }
        }
        return out;
    }

    private static boolean parseBoolean(String key, String v) {
        return switch (v) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new InvalidInputException(key + " must be true or false, not " + InvalidInputException.quote(v));
        };
    }
}
