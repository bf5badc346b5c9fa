package io.vipkeeper.core.dns;

import io.vipkeeper.core.names.ServiceRef;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The record set one publisher wants, from its clusters' shards, following Federation v1:
 * <ul>
 * <li>each of the zone, region and global names holds the A/AAAA records of the healthy shards under it;</li>
 * <li>a zone without a healthy shard gets a CNAME to its region name, a region without one a CNAME to the
 *     global name; the global name without one has no record;</li>
 * <li>a hostname ingress is published as a CNAME, only where no shard has an address (a name cannot hold
 *     a CNAME next to other data) and only the smallest hostname (one CNAME per name).</li>
 * </ul>
 * Several publishers share the names, each writing keys for its own clusters. A fallback or hostname CNAME
 * would clash with another publisher's addresses, so the plan takes the other owners' records at each name
 * ({@link OthersView}) into account: what is published at a name is the best kind present across all owners
 * (addresses, then a hostname CNAME, then the fallback CNAME). Identical CNAMEs from several owners are fine:
 * CoreDNS and {@code dns serve} de-duplicate them. The zone and region names of the federation's other members
 * ({@link FederationMembers}) fall back the same way where nobody publishes data, so a member whose publisher died
 * does not leave names answering NXDOMAIN.
 */
public final class FederationPlanner {

    /** The records other owners (other publishers, hand-written keys) hold at a name. */
    @FunctionalInterface
    public interface OthersView {
        Collection<Target> at(DnsName name);

        OthersView NONE = name -> List.of();
    }

    private final FederationNames names;
    private final int ttl;

    public FederationPlanner(FederationNames names, int ttl) {
        if (ttl < 0) {
            throw new IllegalArgumentException("negative TTL");
        }
        this.names = names;
        this.ttl = ttl;
    }

    public FederationNames names() {
        return names;
    }

    public int ttl() {
        return ttl;
    }

    /** The desired records for {@code shards} (all from this publisher's clusters), in a stable order. */
    public List<OwnedRecord> plan(Collection<Shard> shards, OthersView others) {
        return plan(shards, others, List.of());
    }

    /**
     * As {@link #plan(Collection, OthersView)}, and the zone and region names of every Service of {@code shards} at each
     * of {@code members} (the federation's clusters' locations, this publisher's or not) fall back as those of an
     * unhealthy shard do, unless someone publishes data there: so the names of a cluster whose publisher stopped (its
     * records expired with its lease) lead to the healthy clusters instead of answering NXDOMAIN.
     */
    public List<OwnedRecord> plan(Collection<Shard> shards, OthersView others, Collection<Location> members) {
        Map<ServiceRef, List<Shard>> byService = new TreeMap<>();
        for (Shard s : shards) {
            byService.computeIfAbsent(s.service(), k -> new ArrayList<>()).add(s);
        }
        List<OwnedRecord> out = new ArrayList<>();
        for (Map.Entry<ServiceRef, List<Shard>> e : byService.entrySet()) {
            planService(e.getKey(), e.getValue(), others, members, out);
        }
        return out;
    }

    private void planService(ServiceRef svc, List<Shard> shards, OthersView others, Collection<Location> members,
                             List<OwnedRecord> out) {
        DnsName global = names.global(svc);
        Map<String, List<Shard>> byRegion = new TreeMap<>();
        Map<Location, List<Shard>> byZone = new TreeMap<>(Comparator.comparing(Location::region).thenComparing(Location::zone));
        Set<ClusterId> holders = new TreeSet<>();
        for (Shard s : shards) {
            byRegion.computeIfAbsent(s.location().region(), k -> new ArrayList<>()).add(s);
            byZone.computeIfAbsent(s.location(), k -> new ArrayList<>()).add(s);
            holders.add(s.cluster());
        }
        for (Location m : members) {
            byZone.putIfAbsent(m, List.of());
            byRegion.putIfAbsent(m.region(), List.of());
        }
        for (Map.Entry<Location, List<Shard>> z : byZone.entrySet()) {
            level(names.zone(svc, z.getKey()), z.getValue(), Optional.of(names.region(svc, z.getKey().region())), others, holders, out);
        }
        for (Map.Entry<String, List<Shard>> r : byRegion.entrySet()) {
            level(names.region(svc, r.getKey()), r.getValue(), Optional.of(global), others, holders, out);
        }
        level(global, shards, Optional.empty(), others, holders, out);
    }

    /**
     * The records at one name. {@code holders}: this publisher's clusters with the Service; they write the fallback at
     * a member's name where none of them has a shard.
     */
    private void level(DnsName name, List<Shard> shards, Optional<DnsName> fallback, OthersView others, Set<ClusterId> holders,
                       List<OwnedRecord> out) {
        // owner -> targets, sorted, de-duplicated (one cluster may list an IP twice)
        Map<ClusterId, Set<Target>> addresses = new TreeMap<>();
        Map<ClusterId, Set<Target>> aliases = new TreeMap<>();
        Set<ClusterId> present = new TreeSet<>();
        for (Shard s : shards) {
            present.add(s.cluster());
            if (!s.healthy()) {
                continue;
            }
            for (Target t : s.ingress()) {
                (t instanceof Target.Address ? addresses : aliases).computeIfAbsent(s.cluster(), k -> new TreeSet<>()).add(t);
            }
        }
        if (!addresses.isEmpty()) {
            addresses.forEach((owner, ts) -> ts.forEach(t -> out.add(new OwnedRecord(name, t, ttl, owner))));
            return;
        }
        Collection<Target> theirs = others.at(name);
        boolean theyHaveAddresses = theirs.stream().anyMatch(t -> t instanceof Target.Address);
        if (theyHaveAddresses) {
            return;
        }
        Optional<Target> fallbackTarget = fallback.map(Target.Alias::new);
        // other owners' CNAMEs that are not the shared fallback are hostname ingresses
        TreeSet<Target> hostnames = new TreeSet<>();
        for (Target t : theirs) {
            if (t instanceof Target.Alias && !fallbackTarget.map(t::equals).orElse(false)) {
                hostnames.add(t);
            }
        }
        if (!aliases.isEmpty()) {
            aliases.values().forEach(hostnames::addAll);
            Target chosen = hostnames.first();
            aliases.forEach((owner, ts) -> {
                if (ts.contains(chosen)) {
                    out.add(new OwnedRecord(name, chosen, ttl, owner));
                }
            });
            return;
        }
        if (fallbackTarget.isEmpty() || !hostnames.isEmpty()) {
            return;
        }
        // no healthy shard anywhere at this name: every cluster with a shard here points one level up (at another
        // member's name: every cluster of ours with the Service)
        for (ClusterId owner : present.isEmpty() ? holders : present) {
            out.add(new OwnedRecord(name, fallbackTarget.get(), ttl, owner));
        }
    }
}
