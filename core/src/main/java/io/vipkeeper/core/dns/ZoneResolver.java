package io.vipkeeper.core.dns;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Answers a question for one authoritative zone from a {@link RecordTable}: A, AAAA and CNAME, following
 * CNAMEs inside the zone (at most {@link #MAX_CHAIN} links, as CoreDNS), and telling NODATA from NXDOMAIN.
 * SOA and NS at the apex are the server's business (they do not live in etcd).
 */
public final class ZoneResolver {

    public static final int MAX_CHAIN = 10;

    public enum QType { A, AAAA, CNAME, OTHER }

    /** One answer record. */
    public record Rr(DnsName name, Target target, int ttl) {
    }

    public sealed interface Result permits Answer, NoData, NxDomain, NotInZone, ServFail {
    }

    /** Records for the question, CNAMEs of the chain first. */
    public record Answer(List<Rr> records) implements Result {
    }

    /** The (last) name exists but holds nothing of the type; {@code chain} is the CNAMEs that led there. */
    public record NoData(List<Rr> chain) implements Result {
    }

    /** The (last) name does not exist; {@code chain} is the CNAMEs that led there. */
    public record NxDomain(List<Rr> chain) implements Result {
    }

    public record NotInZone() implements Result {
    }

    /** The CNAME chain is too long or loops. */
    public record ServFail() implements Result {
    }

    private final DnsName zone;
    private final RecordTable table;

    public ZoneResolver(DnsName zone, RecordTable table) {
        this.zone = zone;
        this.table = table;
    }

    public DnsName zone() {
        return zone;
    }

    public Result resolve(DnsName qname, QType type) {
        if (!qname.isSubdomainOf(zone)) {
            return new NotInZone();
        }
        List<Rr> chain = new ArrayList<>();
        DnsName name = qname;
        for (int hop = 0; hop <= MAX_CHAIN; hop++) {
            if (!name.isSubdomainOf(zone)) {
                // out-of-zone target: the CNAMEs so far are the answer; the client's resolver goes on
                return new Answer(chain);
            }
            Map<Target, Integer> addresses = new LinkedHashMap<>();
            Map<Target, Integer> aliases = new LinkedHashMap<>();
            for (StoredRecord r : table.at(name)) {
                Map<Target, Integer> m = r.target() instanceof Target.Address ? addresses : aliases;
                m.merge(r.target(), r.ttl(), Math::min);
            }
            if (addresses.isEmpty() && aliases.isEmpty()) {
                return name.equals(zone) || table.exists(name) ? new NoData(chain) : new NxDomain(chain);
            }
            if (!addresses.isEmpty()) {
                // a name with addresses answers with them even if a CNAME is (briefly) present too
                if (type == QType.CNAME || type == QType.OTHER) {
                    return new NoData(chain);
                }
                DnsName at = name;
                List<Rr> out = new ArrayList<>(chain);
                addresses.entrySet().stream()
                        .filter(e -> ((Target.Address) e.getKey()).ip().isIpv4() == (type == QType.A))
                        .sorted(Map.Entry.comparingByKey())
                        .forEach(e -> out.add(new Rr(at, e.getKey(), e.getValue())));
                return out.size() == chain.size() ? new NoData(chain) : new Answer(out);
            }
            // CNAME name: several owners may hold the same target; distinct targets should not happen, the smallest wins
            Map.Entry<Target, Integer> cname = aliases.entrySet().stream().min(Map.Entry.comparingByKey()).orElseThrow();
            Rr link = new Rr(name, cname.getKey(), cname.getValue());
            if (type == QType.CNAME) {
                List<Rr> out = new ArrayList<>(chain);
                out.add(link);
                return new Answer(out);
            }
            if (chain.stream().anyMatch(r -> r.name().equals(link.name()))) {
                return new ServFail();
            }
            chain.add(link);
            name = ((Target.Alias) cname.getKey()).name();
        }
        return new ServFail();
    }
}
