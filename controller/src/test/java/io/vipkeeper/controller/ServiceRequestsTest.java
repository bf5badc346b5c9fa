package io.vipkeeper.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.alloc.AllocationRequest;
import io.vipkeeper.core.net.IpAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The annotations users of MetalLB and kube-vip already have, read as vipkeeper's own (docs/controller.md). */
class ServiceRequestsTest {

    static Service svc(String loadBalancerIP, String... annotations) {
        Map<String, String> ann = new LinkedHashMap<>();
        for (int i = 0; i < annotations.length; i += 2) {
            ann.put(annotations[i], annotations[i + 1]);
        }
        return new ServiceBuilder().withNewMetadata().withNamespace("default").withName("web").withAnnotations(ann).endMetadata()
                .withNewSpec().withType("LoadBalancer").withLoadBalancerIP(loadBalancerIP).addNewPort().withPort(80).withProtocol("TCP")
                .endPort().endSpec().build();
    }

    static AllocationRequest request(String loadBalancerIP, String... annotations) {
        return ServiceRequests.request(svc(loadBalancerIP, annotations), false);
    }

    static String refusal(String loadBalancerIP, String... annotations) {
        try {
            request(loadBalancerIP, annotations);
        } catch (InvalidInputException e) {
            return e.getMessage();
        }
        throw new AssertionError("accepted");
    }

    @ParameterizedTest
    @ValueSource(strings = {"vipkeeper.io/loadBalancerIPs", "metallb.io/loadBalancerIPs", "metallb.universe.tf/loadBalancerIPs",
        "kube-vip.io/loadbalancerIPs"})
    void everySpellingOfTheRequestedAddressesIsRead(String name) {
        assertThat(request(null, name, "198.51.100.7").requested()).containsExactly(IpAddress.parse("198.51.100.7"));
        // both families, comma-separated, spaces allowed (as MetalLB trims them)
        assertThat(request(null, name, "2001:db8::7, 198.51.100.7").requested())
                .containsExactly(IpAddress.parse("2001:db8::7"), IpAddress.parse("198.51.100.7"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"metallb.io/address-pool", "metallb.universe.tf/address-pool", "vipkeeper.io/address-pool"})
    void everySpellingOfThePoolIsRead(String name) {
        assertThat(request(null, name, "prod").pool()).isEqualTo("prod");
    }

    @ParameterizedTest
    @ValueSource(strings = {"metallb.io/allow-shared-ip", "metallb.universe.tf/allow-shared-ip", "vipkeeper.io/allow-shared-ip"})
    void everySpellingOfTheSharingKeyIsRead(String name) {
        assertThat(request(null, name, "dns-key").sharingKey()).isEqualTo("dns-key");
    }

    @Test
    void sourcesThatAgreeAreOneRequest() {
        // kube-vip-cloud-provider writes both: the annotation, and its first address in spec.loadBalancerIP
        assertThat(request("198.51.100.7", "kube-vip.io/loadbalancerIPs", "198.51.100.7,2001:db8::7").requested())
                .containsExactly(IpAddress.parse("198.51.100.7"), IpAddress.parse("2001:db8::7"));
        assertThat(request(null, "metallb.io/loadBalancerIPs", "198.51.100.7,2001:db8::7",
                "metallb.universe.tf/loadBalancerIPs", "2001:db8::7,198.51.100.7").requested()).hasSize(2);
        assertThat(request("198.51.100.7", "vipkeeper.io/loadBalancerIPs", "198.51.100.7").requested())
                .containsExactly(IpAddress.parse("198.51.100.7"));
        AllocationRequest r = request(null, "vipkeeper.io/address-pool", "prod", "metallb.io/address-pool", "prod",
                "metallb.io/allow-shared-ip", "k", "metallb.universe.tf/allow-shared-ip", "k");
        assertThat(r.pool()).isEqualTo("prod");
        assertThat(r.sharingKey()).isEqualTo("k");
    }

    @Test
    void sourcesThatDisagreeAreRefusedNamingBoth() {
        assertThat(refusal(null, "metallb.io/loadBalancerIPs", "198.51.100.7", "kube-vip.io/loadbalancerIPs", "198.51.100.8"))
                .contains("metallb.io/loadBalancerIPs", "198.51.100.7", "kube-vip.io/loadbalancerIPs", "198.51.100.8", "disagree");
        assertThat(refusal("198.51.100.9", "metallb.io/loadBalancerIPs", "198.51.100.7"))
                .contains("metallb.io/loadBalancerIPs", "spec.loadBalancerIP", "198.51.100.9", "disagree");
        assertThat(refusal(null, "vipkeeper.io/loadBalancerIPs", "198.51.100.7", "metallb.io/loadBalancerIPs", "198.51.100.7,2001:db8::1"))
                .contains("vipkeeper.io/loadBalancerIPs", "metallb.io/loadBalancerIPs", "disagree");
        assertThat(refusal(null, "metallb.io/address-pool", "a", "metallb.universe.tf/address-pool", "b"))
                .contains("metallb.io/address-pool", "\"a\"", "metallb.universe.tf/address-pool", "\"b\"");
        assertThat(refusal(null, "vipkeeper.io/allow-shared-ip", "k1", "metallb.io/allow-shared-ip", "k2"))
                .contains("vipkeeper.io/allow-shared-ip", "metallb.io/allow-shared-ip", "disagree");
    }

    @Test
    void valuesThatDoNotParseAreRefusedNamingTheAnnotationAndTheValue() {
        assertThat(refusal(null, "metallb.io/loadBalancerIPs", "198.51.100.300"))
                .isEqualTo("annotation metallb.io/loadBalancerIPs: not an IP address: \"198.51.100.300\"");
        assertThat(refusal(null, "kube-vip.io/loadbalancerIPs", "198.51.100.7,"))
                .isEqualTo("annotation kube-vip.io/loadbalancerIPs: not an IP address: \"\"");
        assertThat(refusal(null, "metallb.universe.tf/loadBalancerIPs", "198.51.100.7,198.51.100.8"))
                .contains("metallb.universe.tf/loadBalancerIPs names two IPv4 addresses");
        assertThat(refusal(null, "metallb.io/address-pool", "prod\nx"))
                .isEqualTo("annotation metallb.io/address-pool: not a pool name: \"prod\\u000ax\"");
        assertThat(refusal(null, "metallb.universe.tf/allow-shared-ip", "a key"))
                .startsWith("annotation metallb.universe.tf/allow-shared-ip: not a sharing key: \"a key\"");
        // a disagreement is not needed to refuse garbage in a lower-precedence spelling
        assertThat(refusal(null, "vipkeeper.io/loadBalancerIPs", "198.51.100.7", "kube-vip.io/loadbalancerIPs", "dhcp"))
                .contains("kube-vip.io/loadbalancerIPs", "\"dhcp\"");
    }

    @Test
    void anEmptyForeignValueIsNoneAsForItsOwnerButVipkeepersOwnIsRefused() {
        AllocationRequest r = request(null, "metallb.io/loadBalancerIPs", "", "kube-vip.io/loadbalancerIPs", "",
                "metallb.io/address-pool", "", "metallb.io/allow-shared-ip", "");
        assertThat(r.requested()).isEmpty();
        assertThat(r.pool()).isNull();
        assertThat(r.sharingKey()).isNull();
        assertThatThrownBy(() -> request(null, "vipkeeper.io/loadBalancerIPs", "")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> request(null, "vipkeeper.io/address-pool", "")).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void aForeignAnnotationChangeIsASpecChange() {
        String before = ServiceRequests.fingerprint(svc(null, "metallb.io/loadBalancerIPs", "198.51.100.7"));
        assertThat(ServiceRequests.fingerprint(svc(null, "metallb.io/loadBalancerIPs", "198.51.100.8"))).isNotEqualTo(before);
        assertThat(ServiceRequests.fingerprint(svc(null, "metallb.io/loadBalancerIPs", "198.51.100.7", "metallb.io/allow-shared-ip", "k")))
                .isNotEqualTo(before);
        assertThat(ServiceRequests.fingerprint(svc(null, "metallb.io/loadBalancerIPs", "198.51.100.7", "kube-vip.io/loadbalancerIPs", "198.51.100.7")))
                .isNotEqualTo(before);
    }
}
