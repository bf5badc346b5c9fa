package io.vipkeeper.platform;

import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import java.util.ArrayList;
import java.util.List;

/** Null-safe reads of API fields that several components interpret the same way. */
public final class KubeReads {

    private KubeReads() {
    }

    /** The {@code ip} of each entry of {@code status.loadBalancer.ingress}, as written (unparsed; entries without an ip left out). */
    public static List<String> ingressIps(Service s) {
        if (s.getStatus() == null || s.getStatus().getLoadBalancer() == null || s.getStatus().getLoadBalancer().getIngress() == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (LoadBalancerIngress i : s.getStatus().getLoadBalancer().getIngress()) {
            if (i != null && i.getIp() != null) {
                out.add(i.getIp());
            }
        }
        return out;
    }

    /**
     * The {@code hostname} of each entry of {@code status.loadBalancer.ingress} that has no {@code ip} (an entry's ip
     * wins: the two are alternatives), as written.
     */
    public static List<String> ingressHostnames(Service s) {
        if (s.getStatus() == null || s.getStatus().getLoadBalancer() == null || s.getStatus().getLoadBalancer().getIngress() == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (LoadBalancerIngress i : s.getStatus().getLoadBalancer().getIngress()) {
            if (i != null && (i.getIp() == null || i.getIp().isEmpty()) && i.getHostname() != null) {
                out.add(i.getHostname());
            }
        }
        return out;
    }

    /** The number of entries in {@code status.loadBalancer.ingress}, whatever they hold. */
    public static int ingressCount(Service s) {
        return s.getStatus() == null || s.getStatus().getLoadBalancer() == null || s.getStatus().getLoadBalancer().getIngress() == null
                ? 0 : s.getStatus().getLoadBalancer().getIngress().size();
    }

    /**
     * Whether an EndpointSlice endpoint is ready: a missing {@code ready} condition means ready (the API's rule:
     * "nil should be interpreted as true"); terminating endpoints report ready=false.
     */
    public static boolean ready(Endpoint e) {
        return e.getConditions() == null || e.getConditions().getReady() == null || e.getConditions().getReady();
    }
}
