package io.vipkeeper.controller;

import static io.vipkeeper.controller.ControllerHarness.await;
import static io.vipkeeper.controller.ControllerHarness.lb;
import static io.vipkeeper.controller.ControllerHarness.stays;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServiceStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Services as MetalLB and kube-vip left them, taken over by the controller against the in-memory API server. */
class ForeignAnnotationsIntegrationTest {

    ControllerHarness h;

    @BeforeEach
    void setUp() throws Exception {
        h = new ControllerHarness();
    }

    @AfterEach
    void tearDown() throws Exception {
        h.close();
    }

    /** A Service with the address its previous controller gave it in its status. */
    private void createServing(Service s, String ip) {
        h.create(s);
        Service created = h.get(s.getMetadata().getNamespace(), s.getMetadata().getName());
        created.setStatus(new ServiceStatusBuilder().withNewLoadBalancer()
                .withIngress(new LoadBalancerIngressBuilder().withIp(ip).build()).endLoadBalancer().build());
        h.client.services().resource(created).updateStatus();
    }

    /** Adds an annotation as kubectl annotate does: on a conflict (the controller wrote meanwhile), read again and redo. */
    private void annotate(String name, String key, String value) {
        for (int attempt = 1; ; attempt++) {
            try {
                h.client.services().inNamespace("default").withName(name)
                        .edit(x -> new ServiceBuilder(x).editMetadata().addToAnnotations(key, value).endMetadata().build());
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 10) {
                    throw e;
                }
            }
        }
    }

    @Test
    void servicesOfMetalLbAndKubeVipKeepTheirAddressesAndNewOnesAreServed() {
        // as MetalLB left it (requested by annotation) and as kube-vip-cloud-provider left it (annotation + spec)
        createServing(lb("default", "metallb").editMetadata().addToAnnotations(Annotations.METALLB_LOAD_BALANCER_IPS, "192.0.2.205")
                .endMetadata().build(), "192.0.2.205");
        createServing(lb("default", "kubevip").editMetadata().addToAnnotations(Annotations.KUBE_VIP_LOAD_BALANCER_IPS, "192.0.2.202")
                .endMetadata().editSpec().withLoadBalancerIP("192.0.2.202").endSpec().build(), "192.0.2.202");
        h.start("192.0.2.200/29", "name=other,addresses=198.51.100.0/29,auto-assign=false");
        await(() -> "default/metallb".equals(h.vipData().get("192.0.2.205")) && "default/kubevip".equals(h.vipData().get("192.0.2.202")),
                "both taken over into the ConfigMap");
        stays(() -> List.of(h.ingress("default", "metallb"), h.ingress("default", "kubevip")),
                List.of(List.of("192.0.2.205"), List.of("192.0.2.202")), Duration.ofMillis(300));

        // new Services with MetalLB's older spellings: a pool that only named Services use, and sharing one address
        h.create(lb("default", "pooled").editMetadata().addToAnnotations(Annotations.METALLB_OLD_ADDRESS_POOL, "other").endMetadata().build());
        assertThat(h.awaitIngress("default", "pooled")).containsExactly("198.51.100.1");
        h.create(lb("default", "web").editMetadata().addToAnnotations(Annotations.METALLB_ALLOW_SHARED_IP, "k")
                .addToAnnotations(Annotations.METALLB_LOAD_BALANCER_IPS, "192.0.2.206").endMetadata().build());
        h.create(lb("default", "dns").editMetadata().addToAnnotations(Annotations.METALLB_OLD_ALLOW_SHARED_IP, "k")
                .addToAnnotations(Annotations.METALLB_OLD_LOAD_BALANCER_IPS, "192.0.2.206").endMetadata()
                .editSpec().withPorts().addNewPort().withProtocol("UDP").withPort(53).withNewTargetPort(53).endPort().endSpec().build());
        await(() -> "default/dns,default/web".equals(h.vipData().get("192.0.2.206")), "one address shared by MetalLB's key");
        assertThat(h.ingress("default", "web")).containsExactly("192.0.2.206");
    }

    @Test
    void disagreeingAnnotationsAreAnEventAndTheHeldAddressStays() {
        h.start("192.0.2.200/29");
        h.create(lb("default", "web").editMetadata().addToAnnotations(Annotations.METALLB_LOAD_BALANCER_IPS, "192.0.2.203").endMetadata().build());
        assertThat(h.awaitIngress("default", "web")).containsExactly("192.0.2.203");
        annotate("web", Annotations.KUBE_VIP_LOAD_BALANCER_IPS, "192.0.2.204");
        h.awaitEvent("default", "web", "AllocationFailed",
                "annotation metallb.io/loadBalancerIPs (\"192.0.2.203\") and annotation kube-vip.io/loadbalancerIPs (\"192.0.2.204\") disagree");
        stays(() -> h.ingress("default", "web"), List.of("192.0.2.203"), Duration.ofMillis(300));
        assertThat(h.vipData()).containsEntry("192.0.2.203", "default/web").doesNotContainKey("192.0.2.204");
        // made to agree: served as asked
        annotate("web", Annotations.KUBE_VIP_LOAD_BALANCER_IPS, "192.0.2.203");
        h.create(lb("default", "garbage").editMetadata().addToAnnotations(Annotations.METALLB_LOAD_BALANCER_IPS, "192.0.2.999").endMetadata().build());
        h.awaitEvent("default", "garbage", "AllocationFailed", "annotation metallb.io/loadBalancerIPs: not an IP address: \"192.0.2.999\"");
        assertThat(h.ingress("default", "web")).containsExactly("192.0.2.203");
    }
}
