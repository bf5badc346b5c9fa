package io.vipkeeper.controller;

import java.util.List;

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

    // MetalLB's and kube-vip's names, read as well so that Services moving over need no edit (docs/migration.md)
    public static final String METALLB_LOAD_BALANCER_IPS = "metallb.io/loadBalancerIPs";
    public static final String METALLB_ADDRESS_POOL = "metallb.io/address-pool";
    public static final String METALLB_ALLOW_SHARED_IP = "metallb.io/allow-shared-ip";
    /** MetalLB's spellings before v0.14 (still read by MetalLB). */
    public static final String METALLB_OLD_LOAD_BALANCER_IPS = "metallb.universe.tf/loadBalancerIPs";
    public static final String METALLB_OLD_ADDRESS_POOL = "metallb.universe.tf/address-pool";
    public static final String METALLB_OLD_ALLOW_SHARED_IP = "metallb.universe.tf/allow-shared-ip";
    /** kube-vip's (written by kube-vip-cloud-provider too, with the address it allocated). */
    public static final String KUBE_VIP_LOAD_BALANCER_IPS = "kube-vip.io/loadbalancerIPs";

    /** Every spelling of the requested addresses, in precedence order (spec.loadBalancerIP comes after them all). */
    public static final List<String> LOAD_BALANCER_IPS_SPELLINGS = List.of(LOAD_BALANCER_IPS, METALLB_LOAD_BALANCER_IPS,
            METALLB_OLD_LOAD_BALANCER_IPS, KUBE_VIP_LOAD_BALANCER_IPS);
    /** Every spelling of the pool a Service asks for, in precedence order. */
    public static final List<String> ADDRESS_POOL_SPELLINGS = List.of(ADDRESS_POOL, METALLB_ADDRESS_POOL, METALLB_OLD_ADDRESS_POOL);
    /** Every spelling of the sharing key, in precedence order. */
    public static final List<String> ALLOW_SHARED_IP_SPELLINGS = List.of(ALLOW_SHARED_IP, METALLB_ALLOW_SHARED_IP, METALLB_OLD_ALLOW_SHARED_IP);

    private Annotations() {
    }
}
