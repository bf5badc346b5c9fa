package io.vipkeeper.benchmarks;

import io.vipkeeper.core.bgp.BgpPeer;
import io.vipkeeper.core.bgp.BgpPeerFlag;
import io.vipkeeper.core.bgp.BgpVip;
import io.vipkeeper.core.bgp.BirdPlan;
import io.vipkeeper.core.net.Cidr;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.pool.BgpCommunity;
import io.vipkeeper.core.render.BirdConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * bird.conf for a node announcing 5,000 VIPs (half with a community and a local preference) to 4 peers (two per
 * family): the plan (sorting, validation) and the render. Target: ≤ 50 ms.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class BirdRenderBenchmark {

    @Param({"5000"})
    int vips;

    List<BgpVip> announced;
    List<BgpPeer> peers;
    List<Cidr> allowed;

    @Setup
    public void setup() {
        announced = new ArrayList<>();
        IpAddress v4 = IpAddress.parse("198.51.0.0");
        IpAddress v6 = IpAddress.parse("2001:db8:200::");
        for (int i = 0; i < vips; i++) {
            IpAddress a = i % 4 == 3 ? v6.plus(i) : v4.plus(i);
            announced.add(i % 2 == 0 ? BgpVip.plain(a) : new BgpVip(a, List.of(new BgpCommunity(64512, i % 1000)), 100L + i % 7));
        }
        peers = List.of("address=198.51.100.1,asn=65000,local-asn=65100", "address=198.51.100.2,asn=65000,local-asn=65100",
                "address=2001:db8:100::1,asn=65000,local-asn=65100", "address=2001:db8:100::2,asn=65000,local-asn=65100,bfd=false")
                .stream().map(s -> BgpPeerFlag.parse(s).peer()).toList();
        allowed = List.of(Cidr.parse("198.51.0.0/16"), Cidr.parse("2001:db8:200::/112"));
    }

    @Benchmark
    public String planAndRender() {
        return BirdConfig.render(new BirdPlan(IpAddress.parse("198.51.100.11"), peers, announced, allowed));
    }
}
