package io.vipkeeper.core.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.core.agent.InterfaceName;
import io.vipkeeper.core.names.LabelSelector;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.IpRange;
import io.vipkeeper.core.pool.Announce;
import io.vipkeeper.core.pool.BgpCommunity;
import io.vipkeeper.core.pool.VipPoolSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What `vipkeeper import` prints is read back by the controller as the same pool: every imported pool, written as a
 * VipPool object and parsed as the controller parses one, holds exactly the imported addresses and the same settings.
 * Ties the importer's address text (CIDRs where a VipPool reads them as the same range) to VipPoolSpec's reading.
 */
class ImportedPoolRoundTripTest {

    private static final LabelSelector NODES = new LabelSelector(Map.of("rack", "r1"),
            List.of(new LabelSelector.Requirement("zone", LabelSelector.Operator.IN, Set.of("a", "b"))));
    private static final LabelSelector TEAM = new LabelSelector(Map.of("team", "web"), List.of());

    @Test
    void everyImportedPoolReadsBackAsTheSameAddressesAndSettings() {
        Random random = new Random(11);
        for (int i = 0; i < 2_000; i++) {
            List<IpRange> ranges = new ArrayList<>();
            int n = 1 + random.nextInt(3);
            for (int k = 0; k < n; k++) {
                ranges.add(random.nextInt(4) == 0 ? v6Range(random) : v4Range(random));
            }
            boolean bgp = random.nextBoolean();
            ImportedPool imported = new ImportedPool("pool-" + i, ranges, random.nextBoolean(), random.nextBoolean(),
                    random.nextBoolean() ? 10 + i : null, random.nextBoolean() ? List.of("web", "db") : List.of(),
                    random.nextBoolean() ? TEAM : null, random.nextBoolean() ? TEAM : null, random.nextBoolean() ? NODES : null,
                    random.nextBoolean() ? InterfaceName.parse("eth1") : null, bgp,
                    bgp && random.nextBoolean() ? List.of("65000:100", "65000:200") : List.of(), bgp && random.nextBoolean() ? 200L : null);

            VipPoolSpec read = VipPoolSpec.parse(imported.name(), imported.toObject().get("spec"));

            String what = imported.name() + " " + imported.ranges() + " written as " + imported.addresses();
            assertThat(ImportedPool.normalise(read.pool().ranges())).as(what).isEqualTo(imported.ranges());
            assertThat(read.pool().autoAssign()).as(what).isEqualTo(imported.autoAssign());
            assertThat(read.pool().avoidBuggyIps()).as(what).isEqualTo(imported.avoidBuggyIps());
            assertThat(read.pool().priority()).as(what).isEqualTo(imported.priority());
            assertThat(read.pool().namespaces()).as(what).containsExactlyInAnyOrderElementsOf(imported.namespaces());
            assertThat(read.pool().namespaceSelector()).as(what).isEqualTo(imported.namespaceSelector());
            assertThat(read.pool().serviceSelector()).as(what).isEqualTo(imported.serviceSelector());
            assertThat(read.placement().nodeSelector()).as(what).isEqualTo(imported.nodeSelector());
            assertThat(read.placement().iface()).as(what).isEqualTo(imported.iface());
            assertThat(read.placement().announce()).as(what).isEqualTo(bgp ? Announce.BGP : Announce.VRRP);
            assertThat(read.placement().communities()).as(what).isEqualTo(imported.communities().stream().map(BgpCommunity::parse).toList());
            assertThat(read.placement().localPref()).as(what).isEqualTo(imported.localPref());
        }
    }

    /** Aligned blocks of every size (the CIDR cases, /30 and larger among them) and unaligned ranges, in 198.51.100.0/24. */
    private static IpRange v4Range(Random random) {
        if (random.nextBoolean()) {
            int prefix = 24 + random.nextInt(9);
            int size = 1 << (32 - prefix);
            int first = random.nextInt(256 / size) * size;
            return range("198.51.100." + first, "198.51.100." + (first + size - 1));
        }
        int a = random.nextInt(256);
        int b = a + random.nextInt(256 - a);
        return range("198.51.100." + a, "198.51.100." + b);
    }

    private static IpRange v6Range(Random random) {
        int a = random.nextInt(4096);
        int b = a + random.nextInt(4096);
        return range("2001:db8::" + Integer.toHexString(a), "2001:db8::" + Integer.toHexString(b));
    }

    private static IpRange range(String first, String last) {
        return new IpRange(IpAddress.parse(first), IpAddress.parse(last));
    }
}
