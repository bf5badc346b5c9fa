package io.vipkeeper.controller;

/** The annotations the controller reads and writes; the seed's names are kept where users depend on them. */
public final class Annotations {
    /** keepalived-cloud-provider's per-Service forward method: NAT, DR or PROXY. */
    public static final String FORWARD_METHOD = "k8s.co/keepalived-forward-method";
    public static final String ADDRESS_POOL = "vipkeeper.io/address-pool";
    public static final String LOAD_BALANCER_IPS = "vipkeeper.io/loadBalancerIPs";
    public static final String ALLOW_SHARED_IP = "vipkeeper.io/allow-shared-ip";
    /** Written by the controller: the pool the Service's primary address came from. */
    public static final String ALLOCATED_FROM_POOL = "vipkeeper.io/allocated-from-pool";
    /** On the VIP ConfigMap: the keys the controller wrote (it never touches the others). */
    public static final String OWNED_ENTRIES = "vipkeeper.io/owned-entries";

    private Annotations() {
    }
}
