package io.vipkeeper.benchmarks;

import java.util.ArrayList;
import java.util.List;

/**
 * Baseline for {@link AllocatorBenchmark}: reproduces how keepalived-cloud-provider (Go, 2017,
 * {@code keepalivedcp/config.go}) picked a VIP from {@code KEEPALIVED_SERVICE_CIDR}.
 *
 * <ul>
 *   <li>{@code Hosts(cidr)}: parse the CIDR, mask it, enumerate <em>every</em> address of it in order as a
 *       string ({@code ip.String()} appended to a slice), then drop the first and the last (network and
 *       broadcast). This is redone on every allocation.</li>
 *   <li>{@code allocateIP}: for each candidate in that order, a linear scan over the used IPs (the services
 *       list decoded from the ConfigMap annotation, in the order they were added) comparing strings
 *       ({@code svc.IP == ip}); the first candidate found nowhere in the list is returned.</li>
 *   <li>{@code ensureService} appends the new entry at the end; {@code deleteService} finds it by a linear
 *       scan and removes it by shifting the rest ({@code append(s[:i], s[i+1:]...)}).</li>
 * </ul>
 *
 * <p>Two deliberate departures, both in the seed's favour or neutral: (1) the seed's first versions wrote
 * {@code break} in the inner loop, which only leaves the inner loop, so they returned the first host whatever
 * was used (a bug, later fixed with a labelled {@code continue}); this class reproduces the intended, fixed
 * behaviour — the lowest address not in use — so it gives the same answers as vipkeeper's allocator.
 * (2) The ConfigMap GET, the JSON decoding of the annotation and the UID scan of {@code ensureService} are
 * left out: only the address search and the list update are measured. IPv4 only, as used here.
 */
public final class SeedAllocator {

    private final String cidr;
    private final List<String> used;

    /** {@code used} in the order the seed would hold it (the order Services were added); copied. */
    public SeedAllocator(String cidr, List<String> used) {
        this.cidr = cidr;
        this.used = new ArrayList<>(used);
    }

    /** The lowest host of the CIDR not in the used list, or null when every host is used; does not record it. */
    public String lowestFree() {
        List<String> possible = hosts(cidr);
        outer:
        for (String ip : possible) {
            for (String u : used) {
                if (u.equals(ip)) {
                    continue outer;
                }
            }
            return ip;
        }
        return null; // "ip cidr pool exhausted"
    }

    /** allocateIP then ensureService (append): the address is now used. Null when the CIDR is exhausted. */
    public String allocate() {
        String ip = lowestFree();
        if (ip != null) {
            used.add(ip);
        }
        return ip;
    }

    /** deleteService: linear scan, remove with shift. */
    public boolean release(String ip) {
        return used.remove(ip);
    }

    public int usedCount() {
        return used.size();
    }

    /** Go's {@code Hosts}: every address of the masked CIDR as a string, minus the first and the last. */
    static List<String> hosts(String cidr) {
        int slash = cidr.indexOf('/');
        long ip = parseV4(cidr.substring(0, slash));
        int prefix = Integer.parseInt(cidr.substring(slash + 1));
        long mask = prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
        long network = ip & mask;
        List<String> ips = new ArrayList<>();
        // for ip := ip.Mask(ipnet.Mask); ipnet.Contains(ip); inc(ip) { ips = append(ips, ip.String()) }
        for (long a = network; a <= 0xffffffffL && (a & mask) == network; a++) {
            ips.add(format(a));
        }
        // remove network address and broadcast address
        return ips.subList(1, ips.size() - 1);
    }

    static String format(long a) {
        return ((a >>> 24) & 0xff) + "." + ((a >>> 16) & 0xff) + "." + ((a >>> 8) & 0xff) + "." + (a & 0xff);
    }

    private static long parseV4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: " + s);
        }
        long v = 0;
        for (String p : parts) {
            int o = Integer.parseInt(p);
            if (o < 0 || o > 255) {
                throw new IllegalArgumentException("not an IPv4 address: " + s);
            }
            v = (v << 8) | o;
        }
        return v;
    }
}
