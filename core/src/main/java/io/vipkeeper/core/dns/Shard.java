package io.vipkeeper.core.dns;

import io.vipkeeper.core.names.ServiceRef;
import java.util.List;

/**
 * One cluster's instance of a LoadBalancer Service: its ingress (IPs become A/AAAA, hostnames CNAMEs) and
 * whether any endpoint is ready. Federation v1's rule: a shard is healthy when it has an ingress and a
 * ready endpoint; only healthy shards are published.
 */
public record Shard(ClusterId cluster, Location location, ServiceRef service, List<Target> ingress, boolean ready) {

    public Shard {
        ingress = List.copyOf(ingress);
    }

    public boolean healthy() {
        return ready && !ingress.isEmpty();
    }
}
