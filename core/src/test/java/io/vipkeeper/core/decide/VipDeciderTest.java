package io.vipkeeper.core.decide;

import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.core.alloc.AllocationRequest;
import io.vipkeeper.core.alloc.AllocationResult.Reason;
import io.vipkeeper.core.alloc.FamilyPolicy;
import io.vipkeeper.core.alloc.PortKey;
import io.vipkeeper.core.decide.ServiceView.Serving;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.IpFamily;
import io.vipkeeper.core.pool.AddressPool;
import io.vipkeeper.core.pool.PoolSpecs;
import io.vipkeeper.core.viptable.ForwardMethod;
import io.vipkeeper.core.viptable.VipConfigMapCodec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The controller's decisions without any API: what each Service holds, the Events, the status writes, the table. */
class VipDeciderTest {

    static final Set<PortKey> HTTP = Set.of(new PortKey(PortKey.Protocol.TCP, 80));

    static VipDecider decider(String... pools) {
        return decider(false, pools);
    }

    static VipDecider decider(boolean allowRequestedOutsidePools, String... pools) {
        List<AddressPool> list = new ArrayList<>();
        for (int i = 0; i < pools.length; i++) {
            list.add(PoolSpecs.parseFlag(pools[i], i));
        }
        return new VipDecider(new VipDecider.Policy(list, ForwardMethod.NAT, "vipkeeper.io/vip", allowRequestedOutsidePools));
    }

    /** A served Service asking for one IPv4 address (or {@code requested}) with port 80, its status naming {@code status}. */
    static class View {
        final ServiceRef ref;
        Serving serving = Serving.SERVED;
        List<IpAddress> requested = List.of();
        String sharingKey;
        Set<PortKey> ports = HTTP;
        String invalid;
        ForwardMethod method;
        String methodProblem;
        List<IpAddress> status = List.of();
        String fingerprint = "v1";
        String created = "";
        /** Its status has the AddressOutsidePools condition set True. */
        boolean flagged;

        View(String ref) {
            this.ref = ServiceRef.parse(ref);
        }

        View requested(String... ips) {
            requested = List.of(ips).stream().map(IpAddress::parse).toList();
            return this;
        }

        View status(String... ips) {
            status = List.of(ips).stream().map(IpAddress::parse).toList();
            return this;
        }

        View flagged(boolean f) {
            flagged = f;
            return this;
        }

        ServiceView build() {
            AllocationRequest r = invalid != null || serving != Serving.SERVED ? null
                    : new AllocationRequest(ref, List.of(IpFamily.IPv4), FamilyPolicy.SINGLE_STACK, requested, null, sharingKey, ports, false);
            return new ServiceView(ref, serving, fingerprint, r, serving == Serving.SERVED ? invalid : null, method, methodProblem, status,
                    status.size(), created, flagged);
        }
    }

    static VipDecider.Decision decide(VipDecider d, ServiceView... views) {
        List<ServiceRef> refs = new ArrayList<>();
        Map<ServiceRef, ServiceView> present = new HashMap<>();
        for (ServiceView v : views) {
            refs.add(v.ref());
            present.put(v.ref(), v);
        }
        return d.decide(refs, present);
    }

    static VipDecider.Decision delete(VipDecider d, String ref) {
        return d.decide(List.of(ServiceRef.parse(ref)), Map.of());
    }

    static ServiceDecision only(VipDecider.Decision d) {
        assertThat(d.services()).hasSize(1);
        return d.services().get(0);
    }

    static IpAddress ip(String s) {
        return IpAddress.parse(s);
    }

    @Test
    void newServiceGetsTheLowestAddressItsStatusMustSayAndTheTableListsIt() {
        VipDecider d = decider("192.0.2.200/29");
        VipDecider.Decision out = decide(d, new View("default/web").build());
        ServiceDecision.Holds h = (ServiceDecision.Holds) only(out);
        assertThat(h.allocation().ips()).containsExactly(ip("192.0.2.201"));
        assertThat(h.writeStatus()).isTrue();
        assertThat(h.events()).isEmpty();
        assertThat(h.allocated().message()).isEqualTo("Assigned 192.0.2.201 from pool pool-0");
        assertThat(VipConfigMapCodec.encode(out.table())).containsExactly(Map.entry("192.0.2.201", "default/web"));

        // its status says so now: nothing to write
        ServiceDecision.Holds again = (ServiceDecision.Holds) only(decide(d, new View("default/web").status("192.0.2.201").build()));
        assertThat(again.writeStatus()).isFalse();
        assertThat(again.moved()).isFalse();
    }

    @Test
    void deletedServiceFreesItsAddressAndWakesTheOneWaiting() {
        VipDecider d = decider("192.0.2.200/30"); // .201, .202
        decide(d, new View("default/a").build(), new View("default/b").build());
        VipDecider.Decision full = decide(d, new View("default/c").build());
        ServiceDecision.Refused r = (ServiceDecision.Refused) only(full);
        assertThat(r.events()).singleElement().satisfies(e -> {
            assertThat(e).isInstanceOf(ServiceEvent.AllocationFailed.class);
            assertThat(((ServiceEvent.AllocationFailed) e).why()).isEqualTo(Reason.POOL_EXHAUSTED);
            assertThat(e.warning()).isTrue();
            assertThat(e.reason()).isEqualTo("AllocationFailed");
        });
        assertThat(full.wake()).isEmpty();

        VipDecider.Decision gone = delete(d, "default/a");
        assertThat(only(gone)).isEqualTo(new ServiceDecision.Forgotten(ServiceRef.parse("default/a"), true));
        assertThat(gone.wake()).containsExactly(ServiceRef.parse("default/c"));
        assertThat(VipConfigMapCodec.encode(gone.table())).containsOnlyKeys("192.0.2.202");
        ServiceDecision.Holds c = (ServiceDecision.Holds) only(decide(d, new View("default/c").build()));
        assertThat(c.allocation().ips()).containsExactly(ip("192.0.2.201"));
    }

    @Test
    void forwardMethodGoesIntoTheTableAndAnInvalidOneIsReported() {
        VipDecider d = decider("192.0.2.200/29");
        View dr = new View("default/dr");
        dr.method = ForwardMethod.DR;
        View bad = new View("default/bad");
        bad.methodProblem = "not NAT, DR or PROXY";
        VipDecider.Decision out = decide(d, dr.build(), bad.build());
        assertThat(out.services().get(1).events()).singleElement().satisfies(e -> assertThat(e.message())
                .isEqualTo("annotation k8s.co/keepalived-forward-method: not NAT, DR or PROXY; using NAT"));
        assertThat(VipConfigMapCodec.encode(out.table())).containsEntry("192.0.2.201", "default/dr:DR").containsEntry("192.0.2.202", "default/bad");
    }

    @Test
    void invalidServiceIsRefusedAndKeepsNothingNew() {
        VipDecider d = decider("192.0.2.200/29");
        View v = new View("default/x");
        v.invalid = "spec.loadBalancerIP is not an IP address: '1.2.3'";
        ServiceDecision.Refused r = (ServiceDecision.Refused) only(decide(d, v.build()));
        assertThat(r.events()).singleElement().satisfies(e -> assertThat(e.message()).startsWith("address invalid: spec.loadBalancerIP"));
        assertThat(d.table().size()).isZero();
    }

    @Test
    void handWrittenEntryReservesItsAddressAndMovesItsHolder() {
        VipDecider d = decider("192.0.2.200/29");
        decide(d, new View("default/web").build()); // .201
        assertThat(d.reserve(Map.of("192.0.2.201", "", "junk", "x"), Set.of())).containsExactly(ServiceRef.parse("default/web"));
        ServiceDecision.Holds moved = (ServiceDecision.Holds) only(decide(d, new View("default/web").status("192.0.2.201").build()));
        assertThat(moved.allocation().ips()).containsExactly(ip("192.0.2.202"));
        assertThat(moved.moved()).isTrue();
        assertThat(moved.writeStatus()).isTrue();
        // a foreign entry naming exactly the holder is taken over, not reserved
        assertThat(d.reserve(Map.of("192.0.2.202", "default/web:DR"), Set.of())).isEmpty();
        // our own keys are never reserved
        assertThat(d.reserve(Map.of("192.0.2.202", "other/thing"), Set.of("192.0.2.202"))).isEmpty();
    }

    @Test
    void serviceThatStopsBeingALoadBalancerIsReleasedAndItsStatusCleared() {
        VipDecider d = decider("192.0.2.200/29");
        decide(d, new View("default/web").build());
        View v = new View("default/web").status("192.0.2.201");
        v.serving = Serving.NOT_LOAD_BALANCER;
        ServiceDecision.Released r = (ServiceDecision.Released) only(decide(d, v.build()));
        assertThat(r.clearStatus()).isTrue();
        assertThat(r.events()).singleElement().satisfies(e -> assertThat(e.message())
                .isEqualTo("Released [192.0.2.201]: it is no longer of type LoadBalancer"));
        View other = new View("default/other");
        other.serving = Serving.OTHER_CLASS;
        decide(d, new View("default/other").build());
        ServiceDecision.Released o = (ServiceDecision.Released) only(decide(d, other.build()));
        assertThat(o.clearStatus()).isFalse();
        assertThat(o.events().get(0).message()).endsWith("its load balancer class is not vipkeeper.io/vip");
        assertThat(d.table().size()).isZero();
    }

    @Test
    void rebuildKeepsWhatStatusesSayAndTheOldestWinsAConflict() {
        VipDecider d = decider("192.0.2.200/29");
        VipDecider.Rebuilt r = d.rebuild(List.of(new View("default/old").status("192.0.2.205").build(),
                new View("default/new").status("192.0.2.205").build(), new View("default/none").build()));
        assertThat(r.restored()).isEqualTo(1);
        assertThat(r.events()).singleElement().satisfies(e -> {
            assertThat(e.service()).isEqualTo(ServiceRef.parse("default/new"));
            assertThat(e.message()).startsWith("status names [192.0.2.205] but address 192.0.2.205 is held by default/old");
        });
        assertThat(VipConfigMapCodec.encode(d.table())).containsExactly(Map.entry("192.0.2.205", "default/old"));
    }

    @Test
    void addressOutsideThePoolsIsKeptUntilTheServiceChanges() {
        VipDecider d = decider("198.51.100.0/29");
        d.rebuild(List.of(new View("default/web").status("192.0.2.201").build()));
        ServiceDecision.Holds kept = (ServiceDecision.Holds) only(decide(d, new View("default/web").status("192.0.2.201").build()));
        assertThat(kept.allocation().ips()).containsExactly(ip("192.0.2.201"));
        assertThat(kept.events()).singleElement().isInstanceOf(ServiceEvent.AddressOutsidePools.class);
        View changed = new View("default/web").status("192.0.2.201");
        changed.fingerprint = "v2";
        ServiceDecision.Holds moved = (ServiceDecision.Holds) only(decide(d, changed.build()));
        assertThat(moved.allocation().ips()).containsExactly(ip("198.51.100.1"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0.0.0.0         | 0.0.0.0 is the unspecified address",
        "127.0.0.1       | 127.0.0.1 is a loopback address",
        "255.255.255.255 | 255.255.255.255 is the broadcast address",
        "224.0.0.18      | 224.0.0.18 is a multicast address",
        "169.254.1.1     | 169.254.1.1 is a link-local address",
        "::              | :: is the unspecified address",
        "::1             | ::1 is a loopback address",
        "ff02::12        | ff02::12 is a multicast address",
        "fe80::1         | fe80::1 is a link-local address",
        "::ffff:192.0.2.201 | ::ffff:c000:2c9 is an IPv4-mapped IPv6 address (use the IPv4 address itself)",
        "192.0.2.10      | 192.0.2.10 is the address of Node node-a",
    })
    void hostileRequestedAddressIsRefusedWithTheReasonEvenWithOutsidePoolsAllowed(String requested, String reason) {
        VipDecider d = decider(true, "192.0.2.200/29", "2001:db8::/124");
        d.nodes(Map.of(ip("192.0.2.10"), "node-a"));
        View v = new View("default/evil").requested(requested);
        if (ip(requested).family() == IpFamily.IPv6) {
            v = new View6("default/evil").requested(requested);
        }
        ServiceDecision.Refused r = (ServiceDecision.Refused) only(decide(d, v.build()));
        assertThat(r.events()).singleElement().satisfies(e -> {
            assertThat(e.reason()).isEqualTo("AllocationFailed");
            assertThat(((ServiceEvent.AllocationFailed) e).why()).isEqualTo(Reason.ADDRESS_INVALID);
            assertThat(e.message()).isEqualTo("address invalid: " + reason);
        });
        assertThat(d.table().size()).isZero();
    }

    /** The same, asking for IPv6. */
    static final class View6 extends View {
        View6(String ref) {
            super(ref);
        }

        @Override
        ServiceView build() {
            AllocationRequest r = new AllocationRequest(ref, List.of(IpFamily.IPv6), FamilyPolicy.SINGLE_STACK, requested, null, null, ports, false);
            return new ServiceView(ref, serving, fingerprint, r, null, method, methodProblem, status, status.size(), created);
        }
    }

    @Test
    void requestedAddressOutsideEveryPoolOnlyWithTheSwitch() {
        VipDecider off = decider("192.0.2.200/29");
        ServiceDecision.Refused r = (ServiceDecision.Refused) only(decide(off, new View("default/lan").requested("198.51.100.7").build()));
        assertThat(r.events().get(0).message())
                .isEqualTo("address invalid: requested address 198.51.100.7 is in no pool (granted only with --allow-requested-outside-pools)");
        // inside a pool it is granted either way
        assertThat(only(decide(off, new View("default/in").requested("192.0.2.205").build()))).isInstanceOf(ServiceDecision.Holds.class);

        VipDecider on = decider(true, "192.0.2.200/29");
        ServiceDecision.Holds h = (ServiceDecision.Holds) only(decide(on, new View("default/lan").requested("198.51.100.7").build()));
        assertThat(h.allocated().message()).isEqualTo("Assigned 198.51.100.7 (requested, outside every pool)");
    }

    @Test
    void serviceHoldingAnAddressThatTurnsHostileLosesIt() {
        VipDecider d = decider(true, "192.0.2.200/29");
        // restored from a status written by an older controller that let it through
        VipDecider.Rebuilt rebuilt = d.rebuild(List.of(new View("default/lo").requested("127.0.0.1").status("127.0.0.1").build()));
        assertThat(rebuilt.events()).singleElement().satisfies(e -> assertThat(e.message()).contains("127.0.0.1 is a loopback address"));
        ServiceDecision.Refused r = (ServiceDecision.Refused) only(decide(d, new View("default/lo").requested("127.0.0.1").status("127.0.0.1").build()));
        assertThat(r.clearStatus()).isTrue();
        assertThat(d.table().size()).isZero();

        // a pool address that a Node takes: the holder moves, and the pool never gives it out
        decide(d, new View("default/web").build()); // .201
        assertThat(d.nodes(Map.of(ip("192.0.2.201"), "node-b"))).containsExactly(ServiceRef.parse("default/web"));
        ServiceDecision.Holds moved = (ServiceDecision.Holds) only(decide(d, new View("default/web").status("192.0.2.201").build()));
        assertThat(moved.allocation().ips()).containsExactly(ip("192.0.2.202"));
        assertThat(d.nodes(Map.of(ip("192.0.2.201"), "node-b"))).isEmpty(); // unchanged Nodes: nothing to do
    }

    static View shared(String ref, String created, int port, String... requested) {
        View v = new View(ref).requested(requested);
        v.sharingKey = "k";
        v.ports = Set.of(new PortKey(port == 53 ? PortKey.Protocol.UDP : PortKey.Protocol.TCP, port));
        v.created = created;
        return v;
    }

    @Test
    void sharedAddressWhosePortsClashAfterAnEditStaysWithTheOlderService() {
        VipDecider d = decider("192.0.2.200/29");
        decide(d, shared("default/web", "2026-01-01T00:00:00Z", 80, "192.0.2.205").build(),
                shared("default/dns", "2026-02-01T00:00:00Z", 53, "192.0.2.205").build());
        assertThat(VipConfigMapCodec.encode(d.table())).containsEntry("192.0.2.205", "default/dns,default/web");

        // the newer one is edited to use port 80 too: it loses the address
        View edited = shared("default/dns", "2026-02-01T00:00:00Z", 80, "192.0.2.205").status("192.0.2.205");
        edited.fingerprint = "v2";
        VipDecider.Decision out = decide(d, edited.build());
        ServiceDecision.Refused r = (ServiceDecision.Refused) only(out);
        assertThat(r.clearStatus()).isTrue();
        assertThat(r.events()).singleElement().satisfies(e -> assertThat(e.message())
                .isEqualTo("requested address taken: address 192.0.2.205 is shared with default/web, which already uses port 80/TCP"));
        assertThat(VipConfigMapCodec.encode(out.table())).containsEntry("192.0.2.205", "default/web");
    }

    @Test
    void whenTheOlderServiceIsEditedIntoTheClashTheNewerStillLoses() {
        VipDecider d = decider("192.0.2.200/29");
        decide(d, shared("default/web", "2026-01-01T00:00:00Z", 80, "192.0.2.205").build(),
                shared("default/dns", "2026-02-01T00:00:00Z", 53, "192.0.2.205").build());
        View older = shared("default/web", "2026-01-01T00:00:00Z", 53, "192.0.2.205").status("192.0.2.205");
        older.fingerprint = "v2";
        VipDecider.Decision out = decide(d, older.build());
        assertThat(only(out)).isInstanceOf(ServiceDecision.Holds.class);
        assertThat(out.wake()).containsExactly(ServiceRef.parse("default/dns")); // looked at next
        assertThat(VipConfigMapCodec.encode(out.table())).containsEntry("192.0.2.205", "default/web");
        ServiceDecision.Refused newer = (ServiceDecision.Refused) only(decide(d,
                shared("default/dns", "2026-02-01T00:00:00Z", 53, "192.0.2.205").status("192.0.2.205").build()));
        assertThat(newer.clearStatus()).isTrue();
        assertThat(newer.events().get(0).message()).contains("already uses port 53/UDP");
    }

    @Test
    void newerServiceWithoutARequestedAddressMovesToAnotherOnAClash() {
        VipDecider d = decider("192.0.2.200/29");
        ServiceDecision.Holds web = (ServiceDecision.Holds) only(decide(d, shared("default/web", "2026-01-01T00:00:00Z", 80).build()));
        ServiceDecision.Holds dns = (ServiceDecision.Holds) only(decide(d, shared("default/dns", "2026-02-01T00:00:00Z", 53).build()));
        assertThat(dns.allocation().ips()).isEqualTo(web.allocation().ips());
        View edited = shared("default/dns", "2026-02-01T00:00:00Z", 80).status(web.allocation().ips().get(0).toString());
        ServiceDecision.Holds moved = (ServiceDecision.Holds) only(decide(d, edited.build()));
        assertThat(moved.allocation().ips()).doesNotContainAnyElementsOf(web.allocation().ips());
        assertThat(moved.writeStatus()).isTrue();
    }
}
