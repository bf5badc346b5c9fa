package io.vipkeeper.controller;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.alloc.AllocationRequest;
import io.vipkeeper.core.decide.ServiceView;
import io.vipkeeper.core.alloc.FamilyPolicy;
import io.vipkeeper.core.alloc.PortKey;
import io.vipkeeper.core.names.KubeNames;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.IpFamily;
import io.vipkeeper.core.viptable.ForwardMethod;
import io.vipkeeper.platform.KubeReads;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Turns a Service (untrusted: the API server may not have validated it) into a typed allocation request.
 * Every field that does not parse becomes an {@link InvalidInputException} naming the field and the value.
 */
final class ServiceRequests {

    private ServiceRequests() {
    }

    static ServiceRef ref(Service s) {
        return new ServiceRef(s.getMetadata().getNamespace(), s.getMetadata().getName());
    }

    static boolean isLoadBalancer(Service s) {
        return s.getSpec() != null && "LoadBalancer".equals(s.getSpec().getType());
    }

    /** Whether this controller serves the Service: type LoadBalancer and our class (or none, unless told to ignore those). */
    static boolean handles(Service s, ControllerSettings settings) {
        if (!isLoadBalancer(s)) {
            return false;
        }
        String cls = s.getSpec().getLoadBalancerClass();
        return cls == null ? !settings.ignoreUnclassed() : cls.equals(settings.loadBalancerClass());
    }

    /** The Service as the decider takes it: every field parsed, or the reason it does not parse. */
    static ServiceView view(Service s, ControllerSettings settings) {
        ServiceView.Serving serving = !isLoadBalancer(s) ? ServiceView.Serving.NOT_LOAD_BALANCER
                : handles(s, settings) ? ServiceView.Serving.SERVED : ServiceView.Serving.OTHER_CLASS;
        AllocationRequest request = null;
        String invalid = null;
        if (serving == ServiceView.Serving.SERVED) {
            try {
                request = request(s, false);
            } catch (InvalidInputException e) {
                invalid = e.getMessage();
            }
        }
        ForwardMethod method = null;
        String methodProblem = null;
        try {
            method = forwardMethod(s);
        } catch (InvalidInputException e) {
            methodProblem = e.getMessage();
        }
        return new ServiceView(ref(s), serving, fingerprint(s), request, invalid, method, methodProblem, statusAddresses(s),
                KubeReads.ingressCount(s), s.getMetadata().getCreationTimestamp());
    }

    static AllocationRequest request(Service s, boolean keepOutsidePools) {
        ServiceRef ref = ref(s);
        Map<String, String> ann = annotations(s);
        List<IpAddress> requested = requestedAddresses(s, ann);
        String pool = ann.get(Annotations.ADDRESS_POOL);
        if (pool != null && !KubeNames.isToken(pool)) {
            throw new InvalidInputException("annotation " + Annotations.ADDRESS_POOL + ": not a pool name: " + InvalidInputException.quote(pool));
        }
        String key = ann.get(Annotations.ALLOW_SHARED_IP);
        if (key != null && !KubeNames.isToken(key)) {
            throw new InvalidInputException("annotation " + Annotations.ALLOW_SHARED_IP + ": not a sharing key: " + InvalidInputException.quote(key)
                    + " (letters, digits, '-', '_' and '.')");
        }
        FamilyPolicy policy = policy(s.getSpec().getIpFamilyPolicy());
        List<IpFamily> families = new ArrayList<>();
        if (s.getSpec().getIpFamilies() != null) {
            for (String f : s.getSpec().getIpFamilies()) {
                IpFamily parsed = IpFamily.parse(f);
                if (!families.contains(parsed)) {
                    families.add(parsed);
                }
            }
        }
        if (families.isEmpty()) {
            // the API server fills ipFamilies; an API that did not (the in-memory one) gets the requested family or IPv4
            families.add(requested.isEmpty() ? IpFamily.IPv4 : requested.get(0).family());
        }
        if (policy != FamilyPolicy.SINGLE_STACK && families.size() == 1) {
            families.add(families.get(0) == IpFamily.IPv4 ? IpFamily.IPv6 : IpFamily.IPv4);
        }
        Set<PortKey> ports = new LinkedHashSet<>();
        if (s.getSpec().getPorts() != null) {
            for (ServicePort p : s.getSpec().getPorts()) {
                if (p.getPort() == null) {
                    throw new InvalidInputException("spec.ports: a port has no port number");
                }
                ports.add(new PortKey(PortKey.protocol(p.getProtocol()), p.getPort()));
            }
        }
        return new AllocationRequest(ref, families, policy, requested, pool, key, ports, keepOutsidePools);
    }

    private static List<IpAddress> requestedAddresses(Service s, Map<String, String> ann) {
        String lbip = s.getSpec().getLoadBalancerIP();
        String list = ann.get(Annotations.LOAD_BALANCER_IPS);
        if (lbip != null && !lbip.isEmpty() && list != null) {
            throw new InvalidInputException("both spec.loadBalancerIP and annotation " + Annotations.LOAD_BALANCER_IPS
                    + " are set; use one");
        }
        List<IpAddress> out = new ArrayList<>();
        if (lbip != null && !lbip.isEmpty()) {
            IpAddress a = IpAddress.tryParse(lbip);
            if (a == null) {
                throw new InvalidInputException("spec.loadBalancerIP is not an IP address: " + InvalidInputException.quote(lbip));
            }
            out.add(a);
        }
        if (list != null) {
            for (String part : list.split(",", -1)) {
                IpAddress a = IpAddress.tryParse(part.trim());
                if (a == null) {
                    throw new InvalidInputException("annotation " + Annotations.LOAD_BALANCER_IPS + ": not an IP address: "
                            + InvalidInputException.quote(part));
                }
                if (out.stream().anyMatch(x -> x.family() == a.family())) {
                    throw new InvalidInputException("annotation " + Annotations.LOAD_BALANCER_IPS + " names two " + a.family()
                            + " addresses; give at most one per family");
                }
                out.add(a);
            }
        }
        return out;
    }

    private static FamilyPolicy policy(String text) {
        if (text == null || text.equals("SingleStack")) {
            return FamilyPolicy.SINGLE_STACK;
        }
        return switch (text) {
            case "PreferDualStack" -> FamilyPolicy.PREFER_DUAL_STACK;
            case "RequireDualStack" -> FamilyPolicy.REQUIRE_DUAL_STACK;
            default -> throw new InvalidInputException("spec.ipFamilyPolicy: unknown policy " + InvalidInputException.quote(text));
        };
    }

    /** The forward method annotation, or null when absent; invalid values throw. */
    static ForwardMethod forwardMethod(Service s) {
        String v = annotations(s).get(Annotations.FORWARD_METHOD);
        return v == null ? null : ForwardMethod.parse(v);
    }

    /** The addresses in status.loadBalancer.ingress that parse; hostnames and garbage are skipped. */
    static List<IpAddress> statusAddresses(Service s) {
        List<IpAddress> out = new ArrayList<>();
        for (String ip : KubeReads.ingressIps(s)) {
            IpAddress a = IpAddress.tryParse(ip);
            if (a != null && !out.contains(a)) {
                out.add(a);
            }
        }
        return out;
    }

    /** What of the Service decides its addresses; a change means an out-of-pool address may be replaced. */
    static String fingerprint(Service s) {
        Map<String, String> ann = annotations(s);
        return String.join("|", s.getSpec().getType(), Objects.toString(s.getSpec().getLoadBalancerClass()),
                Objects.toString(s.getSpec().getLoadBalancerIP()), Objects.toString(s.getSpec().getIpFamilies()),
                Objects.toString(s.getSpec().getIpFamilyPolicy()), Objects.toString(ann.get(Annotations.ADDRESS_POOL)),
                Objects.toString(ann.get(Annotations.LOAD_BALANCER_IPS)), Objects.toString(ann.get(Annotations.ALLOW_SHARED_IP)),
                Objects.toString(s.getMetadata().getUid()));
    }

    static Map<String, String> annotations(Service s) {
        return s.getMetadata().getAnnotations() == null ? Map.of() : s.getMetadata().getAnnotations();
    }
}
