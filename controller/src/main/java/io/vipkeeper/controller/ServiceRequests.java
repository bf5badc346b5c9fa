package io.vipkeeper.controller;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.alloc.AllocationRequest;
import io.vipkeeper.core.decide.OutsidePoolsCondition;
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
                KubeReads.ingressCount(s), s.getMetadata().getCreationTimestamp(), outsideFlagged(s));
    }

    /** Whether the Service's status carries the AddressOutsidePools condition with status True. */
    static boolean outsideFlagged(Service s) {
        List<Condition> conditions = s.getStatus() == null ? null : s.getStatus().getConditions();
        return conditions != null && conditions.stream()
                .anyMatch(c -> OutsidePoolsCondition.TYPE.equals(c.getType()) && "True".equals(c.getStatus()));
    }

    static AllocationRequest request(Service s, boolean keepOutsidePools) {
        ServiceRef ref = ref(s);
        Map<String, String> ann = annotations(s);
        List<IpAddress> requested = requestedAddresses(s, ann);
        String pool = agreedToken(ann, Annotations.ADDRESS_POOL_SPELLINGS, "pool name", "");
        String key = agreedToken(ann, Annotations.ALLOW_SHARED_IP_SPELLINGS, "sharing key", " (letters, digits, '-', '_' and '.')");
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

    /**
     * The requested addresses: from {@code vipkeeper.io/loadBalancerIPs}, MetalLB's {@code metallb.io/} and
     * {@code metallb.universe.tf/loadBalancerIPs}, kube-vip's {@code kube-vip.io/loadbalancerIPs} and
     * {@code spec.loadBalancerIP}. Every one that is set must parse and they must agree: the annotations name the same
     * addresses, and spec.loadBalancerIP is one of them (kube-vip-cloud-provider writes the first of a dual-stack pair
     * there). Guessing which of two disagreeing values the user meant could move a live address, so the Service is
     * refused instead (an AllocationFailed event naming both; an address it holds is kept).
     */
    private static List<IpAddress> requestedAddresses(Service s, Map<String, String> ann) {
        List<IpAddress> chosen = null;
        String from = null;
        for (String name : Annotations.LOAD_BALANCER_IPS_SPELLINGS) {
            String value = ann.get(name);
            if (absent(name, value, Annotations.LOAD_BALANCER_IPS)) {
                continue;
            }
            List<IpAddress> list = addressList(name, value);
            if (chosen == null) {
                chosen = list;
                from = name;
            } else if (!Set.copyOf(list).equals(Set.copyOf(chosen))) {
                throw disagree("annotation " + from, ann.get(from), "annotation " + name, value);
            }
        }
        String lbip = s.getSpec().getLoadBalancerIP();
        if (lbip != null && !lbip.isEmpty()) {
            IpAddress a = IpAddress.tryParse(lbip);
            if (a == null) {
                throw new InvalidInputException("spec.loadBalancerIP is not an IP address: " + InvalidInputException.quote(lbip));
            }
            if (chosen == null) {
                return List.of(a);
            }
            if (!chosen.contains(a)) {
                throw disagree("annotation " + from, ann.get(from), "spec.loadBalancerIP", lbip);
            }
        }
        return chosen == null ? List.of() : chosen;
    }

    /** A comma-separated list of addresses, at most one per family (MetalLB's and kube-vip's rule too). */
    private static List<IpAddress> addressList(String name, String value) {
        List<IpAddress> out = new ArrayList<>();
        for (String part : value.split(",", -1)) {
            IpAddress a = IpAddress.tryParse(part.trim());
            if (a == null) {
                throw new InvalidInputException("annotation " + name + ": not an IP address: " + InvalidInputException.quote(part));
            }
            if (out.stream().anyMatch(x -> x.family() == a.family())) {
                throw new InvalidInputException("annotation " + name + " names two " + a.family()
                        + " addresses; give at most one per family");
            }
            out.add(a);
        }
        return out;
    }

    /**
     * The value of a token annotation (pool name, sharing key) from its spellings: each one set must be a token, and
     * all must be equal.
     */
    private static String agreedToken(Map<String, String> ann, List<String> spellings, String what, String hint) {
        String chosen = null;
        String from = null;
        for (String name : spellings) {
            String value = ann.get(name);
            if (absent(name, value, spellings.get(0))) {
                continue;
            }
            if (!KubeNames.isToken(value)) {
                throw new InvalidInputException("annotation " + name + ": not a " + what + ": " + InvalidInputException.quote(value) + hint);
            }
            if (chosen == null) {
                chosen = value;
                from = name;
            } else if (!chosen.equals(value)) {
                throw disagree("annotation " + from, chosen, "annotation " + name, value);
            }
        }
        return chosen;
    }

    /** Not set. MetalLB and kube-vip read an empty value as none, so their spellings do too; vipkeeper's own refuses it. */
    private static boolean absent(String name, String value, String own) {
        return value == null || (value.isEmpty() && !name.equals(own));
    }

    private static InvalidInputException disagree(String first, String firstValue, String second, String secondValue) {
        return new InvalidInputException(first + " (" + InvalidInputException.quote(firstValue) + ") and " + second + " ("
                + InvalidInputException.quote(secondValue) + ") disagree; remove one or make them name the same");
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
                Objects.toString(s.getSpec().getIpFamilyPolicy()), spellings(ann, Annotations.ADDRESS_POOL_SPELLINGS),
                spellings(ann, Annotations.LOAD_BALANCER_IPS_SPELLINGS), spellings(ann, Annotations.ALLOW_SHARED_IP_SPELLINGS),
                Objects.toString(s.getMetadata().getUid()));
    }

    private static String spellings(Map<String, String> ann, List<String> names) {
        return String.join("|", names.stream().map(n -> Objects.toString(ann.get(n))).toList());
    }

    static Map<String, String> annotations(Service s) {
        return s.getMetadata().getAnnotations() == null ? Map.of() : s.getMetadata().getAnnotations();
    }
}
