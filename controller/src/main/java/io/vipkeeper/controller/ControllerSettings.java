package io.vipkeeper.controller;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.names.KubeNames;
import io.vipkeeper.core.pool.AddressPool;
import io.vipkeeper.core.viptable.ForwardMethod;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the controller was told at start, parsed and checked. Every way of starting the controller (the
 * command, the lab, tests) builds one of these, so each is checked the same way: a value the command would refuse
 * throws {@link InvalidInputException} here, naming the flag. Build with {@link #builder()}: its defaults are the
 * command's.
 */
public record ControllerSettings(
        List<AddressPool> pools,
        String loadBalancerClass,
        boolean ignoreUnclassed,
        ForwardMethod defaultForwardMethod,
        String configMapNamespace,
        String configMapName,
        boolean leaderElect,
        String leaseNamespace,
        String identity,
        Duration leaseDuration,
        Duration renewDeadline,
        Duration retryPeriod,
        Duration batchDelay,
        boolean allowRequestedOutsidePools) {

    public static final String LEASE_NAME = "vipkeeper-controller";
    public static final String DEFAULT_CLASS = "vipkeeper.io/vip";

    public ControllerSettings {
        pools = List.copyOf(pools);
        AddressPool.requireDisjoint(pools);
        Objects.requireNonNull(defaultForwardMethod, "defaultForwardMethod");
        if (loadBalancerClass == null || loadBalancerClass.isBlank()) {
            throw new InvalidInputException("--load-balancer-class: empty");
        }
        if (!KubeNames.isNamespace(configMapNamespace) || !validConfigMapName(configMapName)) {
            throw new InvalidInputException("--configmap: expected NAMESPACE/NAME, got '" + configMapNamespace + "/" + configMapName + "'");
        }
        if (!KubeNames.isNamespace(leaseNamespace)) {
            throw new InvalidInputException("--lease-namespace: not a namespace name: '" + leaseNamespace + "'");
        }
        if (identity == null || identity.isBlank()) {
            throw new InvalidInputException("POD_NAME: an empty identity");
        }
        if (batchDelay.isNegative()) {
            throw new InvalidInputException("batch delay is negative");
        }
        checkElectionTiming(leaseDuration, renewDeadline, retryPeriod);
    }

    /**
     * client-go's rules, which fabric8's elector needs as well (it fails on its own thread, leaving a process that
     * answers /healthz but never leads): every duration above zero, the lease longer than the renew deadline (a
     * leader must give up before another may take over), and the renew deadline longer than a retry period with its
     * jitter (x1.2), or the leader could not renew even once before its deadline.
     */
    static void checkElectionTiming(Duration lease, Duration renew, Duration retry) {
        for (var d : List.of(Map.entry("--lease-duration", lease), Map.entry("--renew-deadline", renew), Map.entry("--retry-period", retry))) {
            if (d.getValue() == null || d.getValue().isNegative() || d.getValue().isZero()) {
                throw new InvalidInputException(d.getKey() + " must be more than 0, got " + text(d.getValue()));
            }
        }
        if (lease.compareTo(renew) <= 0) {
            throw new InvalidInputException("--lease-duration " + text(lease) + " must be longer than --renew-deadline " + text(renew));
        }
        if (renew.toMillis() <= retry.toMillis() * 12 / 10) {
            throw new InvalidInputException("--renew-deadline " + text(renew) + " must be longer than 1.2 x --retry-period " + text(retry));
        }
    }

    private static String text(Duration d) {
        if (d == null) {
            return "nothing";
        }
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    static boolean validConfigMapName(String s) {
        return s != null && s.matches("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    }

    /** Settings with the command's defaults (no pool, leader election on). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these settings, to change some. */
    public Builder toBuilder() {
        return new Builder().pools(pools).loadBalancerClass(loadBalancerClass).ignoreUnclassed(ignoreUnclassed)
                .defaultForwardMethod(defaultForwardMethod).configMap(configMapNamespace, configMapName).leaderElect(leaderElect)
                .leaseNamespace(leaseNamespace).identity(identity).leaseDuration(leaseDuration).renewDeadline(renewDeadline)
                .retryPeriod(retryPeriod).batchDelay(batchDelay).allowRequestedOutsidePools(allowRequestedOutsidePools);
    }

    /** Builds {@link ControllerSettings}; {@link #build()} checks them. */
    public static final class Builder {
        private List<AddressPool> pools = List.of();
        private String loadBalancerClass = DEFAULT_CLASS;
        private boolean ignoreUnclassed;
        private ForwardMethod defaultForwardMethod = ForwardMethod.NAT;
        private String configMapNamespace = "kube-system";
        private String configMapName = "vip-configmap";
        private boolean leaderElect = true;
        private String leaseNamespace = "kube-system";
        private String identity = "vipkeeper";
        private Duration leaseDuration = Duration.ofSeconds(15);
        private Duration renewDeadline = Duration.ofSeconds(10);
        private Duration retryPeriod = Duration.ofSeconds(2);
        private Duration batchDelay = Duration.ofMillis(50);
        private boolean allowRequestedOutsidePools;

        private Builder() {
        }

        public Builder pools(List<AddressPool> v) {
            pools = v;
            return this;
        }

        public Builder loadBalancerClass(String v) {
            loadBalancerClass = v;
            return this;
        }

        public Builder ignoreUnclassed(boolean v) {
            ignoreUnclassed = v;
            return this;
        }

        public Builder defaultForwardMethod(ForwardMethod v) {
            defaultForwardMethod = v;
            return this;
        }

        public Builder configMap(String namespace, String name) {
            configMapNamespace = namespace;
            configMapName = name;
            return this;
        }

        public Builder leaderElect(boolean v) {
            leaderElect = v;
            return this;
        }

        public Builder leaseNamespace(String v) {
            leaseNamespace = v;
            return this;
        }

        public Builder identity(String v) {
            identity = v;
            return this;
        }

        public Builder leaseDuration(Duration v) {
            leaseDuration = v;
            return this;
        }

        public Builder renewDeadline(Duration v) {
            renewDeadline = v;
            return this;
        }

        public Builder retryPeriod(Duration v) {
            retryPeriod = v;
            return this;
        }

        /** How long the reconciler gathers changes into one batch. */
        public Builder batchDelay(Duration v) {
            batchDelay = v;
            return this;
        }

        /** Grant a requested address (spec.loadBalancerIP, loadBalancerIPs) that is in no pool: off unless told. */
        public Builder allowRequestedOutsidePools(boolean v) {
            allowRequestedOutsidePools = v;
            return this;
        }

        public ControllerSettings build() {
            return new ControllerSettings(pools, loadBalancerClass, ignoreUnclassed, defaultForwardMethod, configMapNamespace,
                    configMapName, leaderElect, leaseNamespace, identity, leaseDuration, renewDeadline, retryPeriod, batchDelay,
                    allowRequestedOutsidePools);
        }
    }
}
