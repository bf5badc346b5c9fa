package io.vipkeeper.benchmarks;

import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.Dataplane;
import io.vipkeeper.core.agent.EndpointAddress;
import io.vipkeeper.core.agent.EndpointGroup;
import io.vipkeeper.core.agent.EndpointPortSpec;
import io.vipkeeper.core.agent.InstanceMode;
import io.vipkeeper.core.agent.InterfaceName;
import io.vipkeeper.core.agent.NodeIdentity;
import io.vipkeeper.core.agent.NodeInfo;
import io.vipkeeper.core.agent.ServicePortSpec;
import io.vipkeeper.core.agent.ServiceSpec;
import io.vipkeeper.core.agent.TargetPort;
import io.vipkeeper.core.agent.TrafficPolicy;
import io.vipkeeper.core.agent.VipResolver;
import io.vipkeeper.core.alloc.PortKey.Protocol;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.plan.AgentPlan;
import io.vipkeeper.core.plan.AgentPlanner;
import io.vipkeeper.core.render.KeepalivedConfig;
import io.vipkeeper.core.render.NftablesRuleset;
import io.vipkeeper.core.viptable.VipConfigMapCodec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
 * The node agent's whole pure path on a large cluster: 5,000 Services × 2 ports × 10 ready endpoints, one VIP each
 * (ConfigMap decode → resolve → plan → render). Target: ≤ 50 ms per render.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class RenderBenchmark {

    @Param({"5000"})
    int services;

    Map<String, String> data;
    Map<ServiceRef, ServiceSpec> specs;
    Map<ServiceRef, List<EndpointGroup>> endpoints;
    NodeIdentity node;
    AgentSettings ipvs;
    AgentSettings nft;

    @Setup
    public void setup() {
        data = new TreeMap<>();
        specs = new HashMap<>();
        List<EndpointGroup> groups = new ArrayList<>();
        IpAddress vip = IpAddress.parse("10.200.0.0");
        IpAddress pod = IpAddress.parse("10.100.0.0");
        for (int i = 0; i < services; i++) {
            ServiceRef ref = new ServiceRef("ns" + (i % 50), "svc-" + i);
            vip = vip.next();
            data.put(VipConfigMapCodec.encodeKey(vip), ref.toString());
            specs.put(ref, new ServiceSpec(ref, List.of(
                    new ServicePortSpec("http", Protocol.TCP, 80, new TargetPort.Named("http")),
                    new ServicePortSpec("dns", Protocol.UDP, 53, new TargetPort.Numbered(5353))), TrafficPolicy.CLUSTER));
            List<EndpointAddress> eps = new ArrayList<>();
            for (int k = 0; k < 10; k++) {
                pod = pod.next();
                eps.add(new EndpointAddress(pod, true, "node-" + (k % 3)));
            }
            groups.add(new EndpointGroup(ref, List.of(new EndpointPortSpec("http", Protocol.TCP, 8080),
                    new EndpointPortSpec("dns", Protocol.UDP, 5353)), eps));
        }
        endpoints = VipResolver.byService(groups);
        List<NodeInfo> nodes = List.of(
                new NodeInfo("node-0", List.of(), List.of(IpAddress.parse("192.0.2.1"))),
                new NodeInfo("node-1", List.of(), List.of(IpAddress.parse("192.0.2.2"))),
                new NodeInfo("node-2", List.of(), List.of(IpAddress.parse("192.0.2.3"))));
        node = NodeIdentity.resolve("node-0", nodes, null);
        ipvs = AgentSettings.builder(new InterfaceName("eth0")).useUnicast(true).build();
        nft = AgentSettings.builder(new InterfaceName("eth0")).dataplane(Dataplane.NFTABLES)
                .instanceMode(InstanceMode.SINGLE).build();
    }

    private AgentPlan plan(AgentSettings s) {
        return AgentPlanner.plan(VipResolver.resolve(VipConfigMapCodec.decode(data), specs, endpoints, "node-0", s), node, s);
    }

    /** ipvs data plane: keepalived.conf with 10,000 virtual_server blocks and 100,000 real servers. */
    @Benchmark
    public String keepalivedIpvs() {
        return KeepalivedConfig.render(plan(ipvs));
    }

    /** nftables data plane: keepalived.conf (VRRP only) plus the nft script. */
    @Benchmark
    public int nftables() {
        AgentPlan p = plan(nft);
        return KeepalivedConfig.render(p).length() + NftablesRuleset.render(p).length();
    }
}
