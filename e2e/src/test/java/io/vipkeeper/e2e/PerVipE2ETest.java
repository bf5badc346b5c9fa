package io.vipkeeper.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.lab.lan.Failover;
import io.vipkeeper.testsupport.RequiresRoot;
import java.util.ArrayList;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.HashMap;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code --vrrp-instances per-vip}: one VRRP instance per VIP, their masters spread over the nodes. */
@RequiresRoot("a lab: per-vip VRRP instances spread over the nodes")
class PerVipE2ETest {

    static LabFixture f;

    @BeforeAll
    static void up() throws Exception {
        f = new LabFixture(3, "per-vip");
    }

    @AfterAll
    static void down() {
        if (f != null) {
            f.close();
        }
    }

    @Test
    void mastersAreSpreadOverTheNodes() throws Exception {
        List<String> vips = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            f.createService("web" + i, "hello");
        }
        for (int i = 1; i <= 6; i++) {
            vips.add(f.awaitAddress("web" + i));
        }
        // each VIP settles on its first-choice node (rendezvous priority; preempt_delay after the first election)
        LabFixture.awaitTrue(() -> {
            Set<Integer> masters = new HashSet<>();
            for (String vip : vips) {
                List<Integer> h = f.lab.holders(vip);
                if (h.size() != 1) {
                    return false;
                }
                masters.add(h.get(0));
            }
            return masters.size() >= 2;
        }, "the VIPs held by at least 2 different nodes, each by one", Duration.ofSeconds(30));
        // instances are added reload by reload (at most one a second) and each preempts 5 s after it starts: wait
        // until no VIP has moved for longer than that before checking which node forwards
        Map<String, List<Integer>> last = new HashMap<>();
        long stableSince = System.nanoTime();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() - stableSince < Duration.ofSeconds(7).toNanos() && System.nanoTime() < deadline) {
            Map<String, List<Integer>> now = new HashMap<>();
            for (String vip : vips) {
                now.put(vip, f.lab.holders(vip));
            }
            if (!now.equals(last)) {
                last = now;
                stableSince = System.nanoTime();
            }
            Thread.sleep(200);
        }
        // and each VIP carries traffic through its own master
        for (String vip : vips) {
            int holder = Failover.awaitSingleHolder(f.plan(), vip, 200, 10_000);
            assertThat(f.requests(vip, 3)).allSatisfy(a -> {
                assertThat(a.ok()).isTrue();
                assertThat(a.from()).isEqualTo(f.plan().nodeIp(holder));
            });
        }
    }
}
