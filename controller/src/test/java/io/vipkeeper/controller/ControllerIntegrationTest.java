package io.vipkeeper.controller;

import static io.vipkeeper.controller.ControllerHarness.await;
import static io.vipkeeper.controller.ControllerHarness.lb;
import static io.vipkeeper.controller.ControllerHarness.stays;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The controller against the in-memory API server: what a user sees with kubectl. */
class ControllerIntegrationTest {

    ControllerHarness h;

    @BeforeEach
    void setUp() throws Exception {
        h = new ControllerHarness();
    }

    @AfterEach
    void tearDown() throws Exception {
        h.close();
    }

    @Test
    void allocatesWritesConfigMapAndReleasesOnDelete() {
        h.start("192.0.2.200/29");
        h.create(lb("default", "web").build());
        assertThat(h.awaitIngress("default", "web")).containsExactly("192.0.2.201");
        await(() -> "default/web".equals(h.vipData().get("192.0.2.201")), "ConfigMap entry");
        h.awaitEvent("default", "web", "IPAllocated", "192.0.2.201");
        await(() -> "pool-0".equals(h.get("default", "web").getMetadata().getAnnotations().get(Annotations.ALLOCATED_FROM_POOL)), "pool annotation");

        h.client.services().inNamespace("default").withName("web").delete();
        await(() -> !h.vipData().containsKey("192.0.2.201"), "entry removed");
        h.create(lb("default", "next").build());
        assertThat(h.awaitIngress("default", "next")).containsExactly("192.0.2.201");
    }

    @Test
    void forwardMethodAnnotationAndInvalidValue() {
        h.start("192.0.2.200/29");
        h.create(lb("default", "dr").editMetadata().addToAnnotations(Annotations.FORWARD_METHOD, "DR").endMetadata().build());
        h.create(lb("default", "bad").editMetadata().addToAnnotations(Annotations.FORWARD_METHOD, "NATX\n}").endMetadata().build());
        String dr = h.awaitIngress("default", "dr").get(0);
        String bad = h.awaitIngress("default", "bad").get(0);
        await(() -> "default/dr:DR".equals(h.vipData().get(dr)) && "default/bad".equals(h.vipData().get(bad)), "methods in ConfigMap");
        h.awaitEvent("default", "bad", "InvalidForwardMethod", "using NAT");
    }

    @Test
    void newControllerInstanceKeepsEveryAddress() {
        ControllerCommand.Running first = h.start("192.0.2.200/29");
        for (String n : List.of("a", "b", "c")) {
            h.create(lb("default", n).build());
        }
        Map<String, List<String>> before = Map.of("a", h.awaitIngress("default", "a"), "b", h.awaitIngress("default", "b"),
                "c", h.awaitIngress("default", "c"));
        first.close();
        h.client.services().inNamespace("default").withName("a").delete();
        h.start("192.0.2.200/29");
        h.create(lb("default", "d").build());
        assertThat(h.awaitIngress("default", "d")).isEqualTo(before.get("a")); // the freed one, and no other
        assertThat(h.ingress("default", "b")).isEqualTo(before.get("b"));
        assertThat(h.ingress("default", "c")).isEqualTo(before.get("c"));
    }

    @Test
    void addressLeftOutOfAnEditedPoolIsKeptUntilTheServiceChanges() {
        ControllerCommand.Running first = h.start("192.0.2.200/29");
        h.create(lb("default", "web").build());
        assertThat(h.awaitIngress("default", "web")).containsExactly("192.0.2.201");
        first.close();
        h.start("198.51.100.0/29"); // the pool was edited and no longer holds .201
        h.awaitEvent("default", "web", "AddressOutsidePools", "192.0.2.201");
        stays(() -> h.ingress("default", "web"), List.of("192.0.2.201"), Duration.ofMillis(300));
        assertThat(h.vipData()).containsEntry("192.0.2.201", "default/web");
        // a change to the Service moves it into the pools
        h.client.services().inNamespace("default").withName("web")
                .edit(x -> new ServiceBuilder(x).editMetadata().addToAnnotations(Annotations.ALLOW_SHARED_IP, "k").endMetadata().build());
        await(() -> h.ingress("default", "web").equals(List.of("198.51.100.1")), "moved into the new pool");
        await(() -> !h.vipData().containsKey("192.0.2.201") && "default/web".equals(h.vipData().get("198.51.100.1")), "ConfigMap follows");
    }

    @Test
    void requestedAddressesInsideAndOutsidePoolsAndConflicts() {
        h.start(ControllerHarness.settings(ControllerHarness.pools("192.0.2.200/29")).toBuilder().allowRequestedOutsidePools(true).build());
        h.create(lb("default", "inside").editSpec().withLoadBalancerIP("192.0.2.205").endSpec().build());
        h.create(lb("default", "outside").editSpec().withLoadBalancerIP("198.51.100.7").endSpec().build());
        assertThat(h.awaitIngress("default", "inside")).containsExactly("192.0.2.205");
        assertThat(h.awaitIngress("default", "outside")).containsExactly("198.51.100.7");
        h.create(lb("default", "thief").editSpec().withLoadBalancerIP("192.0.2.205").endSpec().build());
        h.awaitEvent("default", "thief", "AllocationFailed", "requested address taken");
        assertThat(h.ingress("default", "thief")).isEmpty();
        assertThat(h.ingress("default", "inside")).containsExactly("192.0.2.205");
        // the annotation form, and garbage in it
        h.create(lb("default", "annotated").editMetadata().addToAnnotations(Annotations.LOAD_BALANCER_IPS, "192.0.2.206").endMetadata().build());
        assertThat(h.awaitIngress("default", "annotated")).containsExactly("192.0.2.206");
        h.create(lb("default", "garbage").editMetadata().addToAnnotations(Annotations.LOAD_BALANCER_IPS, "192.0.2.300").endMetadata().build());
        h.awaitEvent("default", "garbage", "AllocationFailed", "address invalid");
        // every other Service is still served
        h.create(lb("default", "after").build());
        assertThat(h.awaitIngress("default", "after")).containsExactly("192.0.2.201");
        // when the holder goes, the thief (still asking) gets it
        h.client.services().inNamespace("default").withName("inside").delete();
        assertThat(h.awaitIngress("default", "thief")).containsExactly("192.0.2.205");
    }

    @Test
    void hostileRequestedAddressesAndNodeAddressesAreRefusedWithTheReason() {
        h.client.nodes().resource(new NodeBuilder().withNewMetadata().withName("node-a").endMetadata().withNewStatus()
                .addNewAddress().withType("InternalIP").withAddress("192.0.2.203").endAddress().endStatus().build()).create();
        h.start(ControllerHarness.settings(ControllerHarness.pools("192.0.2.200/29", "2001:db8::/124")).toBuilder()
                .allowRequestedOutsidePools(true).build());
        Map<String, String> hostile = new java.util.LinkedHashMap<>();
        hostile.put("zero", "0.0.0.0");
        hostile.put("loop", "127.0.0.1");
        hostile.put("bcast", "255.255.255.255");
        hostile.put("vrrp", "224.0.0.18");
        hostile.put("node", "192.0.2.203");
        for (var e : hostile.entrySet()) {
            h.create(lb("default", e.getKey()).editSpec().withLoadBalancerIP(e.getValue()).endSpec().build());
        }
        Map<String, String> hostile6 = Map.of("any6", "::", "loop6", "::1", "vrrp6", "ff02::12", "mapped", "::ffff:192.0.2.201");
        for (var e : hostile6.entrySet()) {
            h.create(lb("default", e.getKey()).editMetadata().addToAnnotations(Annotations.LOAD_BALANCER_IPS, e.getValue()).endMetadata()
                    .editSpec().withIpFamilies("IPv6").endSpec().build());
        }
        h.awaitEvent("default", "zero", "AllocationFailed", "0.0.0.0 is the unspecified address");
        h.awaitEvent("default", "loop", "AllocationFailed", "127.0.0.1 is a loopback address");
        h.awaitEvent("default", "bcast", "AllocationFailed", "255.255.255.255 is the broadcast address");
        h.awaitEvent("default", "vrrp", "AllocationFailed", "224.0.0.18 is a multicast address");
        h.awaitEvent("default", "node", "AllocationFailed", "192.0.2.203 is the address of Node node-a");
        h.awaitEvent("default", "any6", "AllocationFailed", ":: is the unspecified address");
        h.awaitEvent("default", "loop6", "AllocationFailed", "::1 is a loopback address");
        h.awaitEvent("default", "vrrp6", "AllocationFailed", "ff02::12 is a multicast address");
        h.awaitEvent("default", "mapped", "AllocationFailed", "is an IPv4-mapped IPv6 address");
        for (String n : List.of("zero", "loop", "bcast", "vrrp", "node", "any6", "loop6", "vrrp6", "mapped")) {
            assertThat(h.ingress("default", n)).as(n).isEmpty();
        }
        // the pool never gives out the Node's address either
        for (String n : List.of("p1", "p2", "p3")) {
            h.create(lb("default", n).build());
            assertThat(h.awaitIngress("default", n)).doesNotContain("192.0.2.203");
        }
        assertThat(h.vipData()).doesNotContainKeys("0.0.0.0", "127.0.0.1", "255.255.255.255", "224.0.0.18", "192.0.2.203");
    }

    @Test
    void requestedAddressOutsideThePoolsIsRefusedByDefault() {
        h.start("192.0.2.200/29");
        h.create(lb("default", "lan").editSpec().withLoadBalancerIP("198.51.100.7").endSpec().build());
        h.awaitEvent("default", "lan", "AllocationFailed", "198.51.100.7 is in no pool (granted only with --allow-requested-outside-pools)");
        assertThat(h.ingress("default", "lan")).isEmpty();
    }

    @Test
    void apiServerThatComesBackEmptyLeavesNoGhost() throws Exception {
        ControllerCommand.Running r = h.start("192.0.2.201/32"); // one address
        h.create(lb("default", "old").build());
        assertThat(h.awaitIngress("default", "old")).containsExactly("192.0.2.201");
        await(() -> "default/old".equals(h.vipData().get("192.0.2.201")), "entry");
        await(r.controller()::watchingServices, "the Services watch is established");
        // the API server is down long enough for the lost watch to count as lost (a restart of a real one takes
        // seconds), then comes back empty
        h.stopServer();
        await(r.controller()::servicesWatchLost, "the Services watch counts as lost");
        h.startEmpty();
        // default/old is gone with everything else: its address is free and the ConfigMap (recreated) does not list it
        h.create(lb("default", "new").build());
        assertThat(h.awaitIngress("default", "new")).containsExactly("192.0.2.201");
        await(() -> h.vipData().equals(Map.of("192.0.2.201", "default/new")), "ConfigMap lists only the new Service");
    }

    @Test
    void exhaustionIsReportedAndRecovers() {
        h.start("192.0.2.200/30"); // .201 and .202
        h.create(lb("default", "one").build());
        h.create(lb("default", "two").build());
        h.awaitIngress("default", "one");
        h.awaitIngress("default", "two");
        h.create(lb("default", "three").build());
        h.awaitEvent("default", "three", "AllocationFailed", "pool exhausted");
        h.client.services().inNamespace("default").withName("one").delete();
        assertThat(h.awaitIngress("default", "three")).hasSize(1);
    }

    @Test
    void sharingWithAndWithoutPortClash() {
        h.start("192.0.2.200/29");
        h.create(lb("default", "web").editMetadata().addToAnnotations(Annotations.ALLOW_SHARED_IP, "k").endMetadata().build());
        String ip = h.awaitIngress("default", "web").get(0);
        h.create(lb("default", "dns").editMetadata().addToAnnotations(Annotations.ALLOW_SHARED_IP, "k").endMetadata()
                .editSpec().withPorts().addNewPort().withProtocol("UDP").withPort(53).withNewTargetPort(53).endPort()
                .withLoadBalancerIP(ip).endSpec().build());
        assertThat(h.awaitIngress("default", "dns")).containsExactly(ip);
        await(() -> "default/dns,default/web".equals(h.vipData().get(ip)), "shared entry lists both");
        h.create(lb("default", "clash").editMetadata().addToAnnotations(Annotations.ALLOW_SHARED_IP, "k").endMetadata()
                .editSpec().withLoadBalancerIP(ip).endSpec().build());
        h.awaitEvent("default", "clash", "AllocationFailed", "port 80/TCP");
        h.create(lb("default", "nokey").editSpec().withLoadBalancerIP(ip).endSpec().build());
        h.awaitEvent("default", "nokey", "AllocationFailed", "requested address taken");
    }

    @Test
    void sharedAddressWhosePortsClashAfterAnEditLeavesTheNewerService() {
        h.start("192.0.2.200/29");
        // creation timestamps have whole seconds: a tie goes to the name, so the names sort as the creations do
        h.create(lb("default", "a-web").editMetadata().addToAnnotations(Annotations.ALLOW_SHARED_IP, "k").endMetadata()
                .editSpec().withLoadBalancerIP("192.0.2.205").endSpec().build());
        assertThat(h.awaitIngress("default", "a-web")).containsExactly("192.0.2.205");
        h.create(lb("default", "b-dns").editMetadata().addToAnnotations(Annotations.ALLOW_SHARED_IP, "k").endMetadata()
                .editSpec().withPorts().addNewPort().withProtocol("UDP").withPort(53).withNewTargetPort(53).endPort()
                .withLoadBalancerIP("192.0.2.205").endSpec().build());
        assertThat(h.awaitIngress("default", "b-dns")).containsExactly("192.0.2.205");
        await(() -> "default/a-web,default/b-dns".equals(h.vipData().get("192.0.2.205")), "shared entry");
        // the newer Service is edited to use port 80/TCP as well
        h.client.services().inNamespace("default").withName("b-dns").edit(x -> new ServiceBuilder(x).editSpec().withPorts()
                .addNewPort().withProtocol("TCP").withPort(80).withNewTargetPort(8080).endPort().endSpec().build());
        h.awaitEvent("default", "b-dns", "AllocationFailed", "already uses port 80/TCP");
        await(() -> h.ingress("default", "b-dns").isEmpty(), "the newer Service's status no longer names the address");
        await(() -> "default/a-web".equals(h.vipData().get("192.0.2.205")), "the entry lists only the older Service");
        assertThat(h.ingress("default", "a-web")).containsExactly("192.0.2.205");
    }

    @Test
    void dualStack() {
        h.start("name=v4,addresses=192.0.2.200/29", "name=v6,addresses=2001:db8::100/124");
        h.create(lb("default", "both").editSpec().withIpFamilyPolicy("RequireDualStack").withIpFamilies("IPv6", "IPv4").endSpec().build());
        await(() -> h.ingress("default", "both").size() == 2, "two addresses");
        assertThat(h.ingress("default", "both")).containsExactly("2001:db8::100", "192.0.2.201");
        await(() -> "default/both".equals(h.vipData().get("2001-db8--100")), "IPv6 key");
        h.create(lb("default", "v6").editSpec().withIpFamilies("IPv6").endSpec().build());
        assertThat(h.awaitIngress("default", "v6")).containsExactly("2001:db8::101");
    }

    @Test
    void typeChangeReleasesAndClearsStatus() {
        h.start("192.0.2.200/29");
        h.create(lb("default", "web").build());
        String ip = h.awaitIngress("default", "web").get(0);
        // the pool annotation is patched just after the status: edit after it, or the edit races it (409)
        await(() -> h.get("default", "web").getMetadata().getAnnotations() != null
                && h.get("default", "web").getMetadata().getAnnotations().containsKey(Annotations.ALLOCATED_FROM_POOL), "pool annotation");
        Service s = h.get("default", "web");
        h.client.services().inNamespace("default").withName("web")
                .edit(x -> new ServiceBuilder(x).editSpec().withType("ClusterIP").endSpec().build());
        await(() -> h.ingress("default", "web").isEmpty(), "status cleared");
        await(() -> !h.vipData().containsKey(ip), "entry removed");
        h.awaitEvent("default", "web", "IPReleased", "no longer of type LoadBalancer");
        assertThat(s).isNotNull();
    }

    @Test
    void classFiltering() {
        h.start("192.0.2.200/29");
        h.create(lb("default", "ours").editSpec().withLoadBalancerClass("vipkeeper.io/vip").endSpec().build());
        h.create(lb("default", "theirs").editSpec().withLoadBalancerClass("example.com/other").endSpec().build());
        h.create(lb("default", "unclassed").build());
        h.awaitIngress("default", "ours");
        h.awaitIngress("default", "unclassed");
        stays(() -> h.ingress("default", "theirs"), List.of(), Duration.ofMillis(500));
    }

    @Test
    void ignoreUnclassedServesOnlyItsClass() {
        ControllerSettings s = ControllerHarness.settings(ControllerHarness.pools("192.0.2.200/29"));
        h.start(s.toBuilder().ignoreUnclassed(true).build());
        h.create(lb("default", "ours").editSpec().withLoadBalancerClass("vipkeeper.io/vip").endSpec().build());
        h.create(lb("default", "unclassed").build());
        h.awaitIngress("default", "ours");
        stays(() -> h.ingress("default", "unclassed"), List.of(), Duration.ofMillis(500));
    }

    @Test
    void handWrittenEntriesArePreservedAndNeverGiven() {
        h.client.configMaps().resource(new ConfigMapBuilder().withNewMetadata().withNamespace("kube-system").withName("vip-configmap")
                .endMetadata().addToData("192.0.2.201", "").addToData("junk key!", "x").build()).create();
        h.start("192.0.2.200/29");
        h.create(lb("default", "web").build());
        assertThat(h.awaitIngress("default", "web")).containsExactly("192.0.2.202");
        await(() -> "default/web".equals(h.vipData().get("192.0.2.202")), "our entry");
        assertThat(h.vipData()).containsEntry("192.0.2.201", "").containsEntry("junk key!", "x");
        h.create(lb("default", "asks").editSpec().withLoadBalancerIP("192.0.2.201").endSpec().build());
        h.awaitEvent("default", "asks", "AllocationFailed", "hand-written");
        h.client.services().inNamespace("default").withName("web").delete();
        await(() -> !h.vipData().containsKey("192.0.2.202"), "our entry removed");
        assertThat(h.vipData()).containsEntry("192.0.2.201", "").containsEntry("junk key!", "x");
    }

    @Test
    void configMapIsRecreatedWhenDeleted() {
        h.start("192.0.2.200/29");
        h.create(lb("default", "web").build());
        String ip = h.awaitIngress("default", "web").get(0);
        await(() -> h.vipData().containsKey(ip), "entry");
        h.client.configMaps().inNamespace("kube-system").withName("vip-configmap").delete();
        await(() -> "default/web".equals(h.vipData().get(ip)), "ConfigMap recreated with the current table");
    }

    @Test
    void twoControllersWithLeaderElectionNeverDoubleAllocate() {
        ControllerSettings s = ControllerHarness.settings(ControllerHarness.pools("192.0.2.0/24"));
        ControllerSettings a = withElection(s, "replica-a");
        ControllerSettings b = withElection(s, "replica-b");
        ControllerCommand.Running ra = h.start(a);
        await(ra.controller()::isLeading, "a leads");
        ControllerCommand.Running rb = h.start(b);
        for (int i = 0; i < 20; i++) {
            h.create(lb("default", "s" + i).build());
        }
        for (int i = 0; i < 20; i++) {
            h.awaitIngress("default", "s" + i);
        }
        assertThat(rb.controller().isLeading()).isFalse();
        Map<String, List<String>> before = new java.util.HashMap<>();
        for (int i = 0; i < 20; i++) {
            before.put("s" + i, h.ingress("default", "s" + i));
        }
        // forced leader change while Services keep coming
        ra.close();
        for (int i = 20; i < 40; i++) {
            h.create(lb("default", "s" + i).build());
        }
        await(rb.controller()::isLeading, "b leads", Duration.ofSeconds(15));
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 40; i++) {
            List<String> ips = h.awaitIngress("default", "s" + i);
            assertThat(ips).hasSize(1);
            assertThat(seen.add(ips.get(0))).as("address %s given twice", ips.get(0)).isTrue();
        }
        for (int i = 0; i < 20; i++) {
            assertThat(h.ingress("default", "s" + i)).isEqualTo(before.get("s" + i));
        }
        await(() -> h.vipData().size() == 40, "40 entries");
    }

    private static ControllerSettings withElection(ControllerSettings s, String identity) {
        return s.toBuilder().leaderElect(true).identity(identity).build();
    }
}
