package io.vipkeeper.core.dns;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.names.ServiceRef;

/**
 * The names Kubernetes Federation v1 gave a federated Service ({@code federation/pkg/federation-controller/service/dns}):
 * <pre>
 *   zone:   &lt;svc&gt;.&lt;ns&gt;.&lt;federation&gt;.svc.&lt;zone&gt;.&lt;region&gt;.&lt;domain&gt;
 *   region: &lt;svc&gt;.&lt;ns&gt;.&lt;federation&gt;.svc.&lt;region&gt;.&lt;domain&gt;
 *   global: &lt;svc&gt;.&lt;ns&gt;.&lt;federation&gt;.svc.&lt;domain&gt;
 * </pre>
 */
public record FederationNames(String federation, DnsName domain) {

    public FederationNames {
        federation = DnsLabel.parse(federation);
        if (domain.isRoot()) {
            throw new InvalidInputException("the federation domain cannot be the root");
        }
    }

    public DnsName global(ServiceRef svc) {
        return base(domain, svc);
    }

    public DnsName region(ServiceRef svc, String region) {
        return base(domain.child(region), svc);
    }

    public DnsName zone(ServiceRef svc, Location location) {
        return base(domain.child(location.region()).child(location.zone()), svc);
    }

    /**
     * True when {@code name} has the shape of one of this federation's names (any service, namespace, zone, region).
     * A publisher only ever deletes keys below such names, so two federations sharing a domain and a cluster
     * name never remove each other's records.
     */
    public boolean covers(DnsName name) {
        if (!name.isSubdomainOf(domain)) {
            return false;
        }
        int rel = name.labels().size() - domain.labels().size();
        return rel >= 4 && rel <= 6 && name.labels().get(2).equals(federation) && name.labels().get(3).equals("svc");
    }

    private DnsName base(DnsName suffix, ServiceRef svc) {
        // built through DnsName so an over-long result is refused rather than published
        return suffix.child("svc").child(federation).child(svc.namespace()).child(svc.name());
    }
}
