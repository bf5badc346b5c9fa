package io.vipkeeper.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.core.bgp.BgpPeer;
import io.vipkeeper.core.bgp.BgpPeerFlag;
import io.vipkeeper.core.bgp.BgpPassword;
import io.vipkeeper.core.bgp.BgpVip;
import io.vipkeeper.core.bgp.BirdPlan;
import io.vipkeeper.core.net.Cidr;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.pool.BgpCommunity;
import io.vipkeeper.core.render.BirdConfig;
import io.vipkeeper.platform.process.Exec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rendered bird.conf files BIRD itself accepts ({@code bird -p}: parse only, no root needed): random valid plans. */
class BirdConfigToolTest {

    @Test
    void birdParsesRandomPlans(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/bird")), "needs Debian's bird2");
        Random rnd = new Random(20261202L);
        String[] options = {"", ",port=1179", ",bfd=false", ",bfd-interval=300ms,bfd-multiplier=5", ",hold-time=90s", ",multihop=3,bfd=false", ",multihop=3,source=198.51.100.11",
            ",source=198.51.100.11"};
        for (int round = 0; round < 20; round++) {
            List<BgpPeer> peers = new ArrayList<>();
            for (int p = rnd.nextInt(4); p >= 0; p--) {
                boolean v6 = rnd.nextInt(3) == 0;
                String opt = options[rnd.nextInt(options.length)];
                if (v6) {
                    opt = opt.replace("198.51.100.11", "2001:db8:100::11");
                }
                BgpPeer peer = BgpPeerFlag.parse("address=" + (v6 ? "2001:db8:100::" + (p + 1) : "198.51.100." + (p + 1))
                        + ",asn=" + (1 + rnd.nextInt(2_000_000_000)) + ",local-asn=65100" + opt).peer();
                peers.add(rnd.nextBoolean() ? peer : peer.withPassword(new BgpPassword("p#w'd!{;}" + p)));
            }
            List<BgpVip> vips = new ArrayList<>();
            for (int v = rnd.nextInt(50); v > 0; v--) {
                IpAddress a = rnd.nextBoolean() ? IpAddress.parse("203.0.113.0").plus(v) : IpAddress.parse("2001:db8:200::").plus(v);
                vips.add(rnd.nextBoolean() ? BgpVip.plain(a)
                        : new BgpVip(a, List.of(new BgpCommunity(rnd.nextInt(65536), rnd.nextInt(65536))), rnd.nextBoolean() ? null : 4294967295L));
            }
            List<Cidr> allowed = rnd.nextInt(5) == 0 ? List.of() : List.of(Cidr.parse("203.0.113.0/24"), Cidr.parse("2001:db8:200::/64"));
            Path f = dir.resolve("bird-" + round + ".conf");
            Files.writeString(f, BirdConfig.render(new BirdPlan(IpAddress.parse("198.51.100.11"), peers, vips, allowed)));
            Exec.Result r = Exec.run(List.of("bird", "-p", "-c", f.toString()), Duration.ofSeconds(20));
            assertThat(r.exit()).as("bird -p %s: %s\n%s", f, r.message(), Files.readString(f)).isZero();
        }
    }
}
