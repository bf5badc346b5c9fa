package io.vipkeeper.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.Dataplane;
import io.vipkeeper.core.agent.InstanceMode;
import io.vipkeeper.core.agent.InterfaceName;
import io.vipkeeper.core.names.ConfigMapRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.plan.AgentPlan;
import io.vipkeeper.core.render.ConntrackdConfig;
import io.vipkeeper.core.render.HaproxyConfig;
import io.vipkeeper.core.render.KeepalivedConfig;
import io.vipkeeper.core.render.NftablesRuleset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Thousands of cluster states in which any field may be hostile (newlines, braces, quotes, semicolons, unicode,
 * shell syntax, keepalived's own keywords). Either the input is refused with {@link InvalidInputException}, or every
 * rendered line matches {@link ConfigGrammar}. A few accepted samples also go through the real tools.
 */
class InjectionFuzzTest {

    static final String[] HOSTILE = {"\n", "\r\n", "}", "{", "\"", "'", ";", "#", " ", "\t", "\u2028", "\u0085", "é",
        "\u0000", "$(reboot)", "`id`", "../", "/", ":", ",", "-", "\\", "include /etc/passwd", "}\nvirtual_server 1.1.1.1 1 {",
        "\" script \"/bin/sh", "192.0.2.1\n}", "; flush ruleset", "::", "[", "]", "0x10", "+1", "٣", "Ｔ", "TCP\n", "udp"};
    static final String[] NAMES = {"web", "front", "dns", "a", "x-1", "default", "kube-system"};
    static final String[] PROTOS = {"TCP", "UDP", "SCTP", null, ""};

    final Random rnd = new Random(20260314L);

    String hostile() {
        StringBuilder b = new StringBuilder();
        int n = 1 + rnd.nextInt(3);
        for (int i = 0; i < n; i++) {
            b.append(rnd.nextBoolean() ? HOSTILE[rnd.nextInt(HOSTILE.length)] : NAMES[rnd.nextInt(NAMES.length)]);
        }
        return b.toString();
    }

    /** Mostly valid, sometimes hostile (p = 1/20 per field), so that both paths are exercised. */
    String maybe(String valid) {
        return rnd.nextInt(20) == 0 ? (rnd.nextBoolean() ? hostile() : valid + hostile()) : valid;
    }

    String v4(int third) {
        return "198.51.100." + (1 + rnd.nextInt(third));
    }

    String vipKey() {
        return switch (rnd.nextInt(4)) {
            case 0 -> "2001-db8--" + Integer.toHexString(1 + rnd.nextInt(40));
            default -> "192.0.2." + (10 + rnd.nextInt(60));
        };
    }

    String name() {
        return maybe(NAMES[rnd.nextInt(3)]);
    }

    static ObjectMeta meta(String ns, String name) {
        ObjectMeta m = new ObjectMeta();
        m.setNamespace(ns);
        m.setName(name);
        return m;
    }

    ClusterObjects randomCluster() {
        List<Object> objs = new ArrayList<>();
        ConfigMap cm = new ConfigMap();
        cm.setMetadata(meta("kube-system", "vips"));
        Map<String, String> data = new LinkedHashMap<>();
        for (int i = rnd.nextInt(6); i >= 0; i--) {
            String value = switch (rnd.nextInt(5)) {
                case 0 -> "";
                case 1 -> "web/" + name() + ":" + maybe(rnd.nextBoolean() ? "DR" : "PROXY");
                case 2 -> "web/" + name() + "," + "web/" + name();
                default -> maybe("web/" + name());
            };
            data.put(maybe(vipKey()), value);
        }
        cm.setData(data);
        objs.add(cm);
        for (String n : new String[] {"web", "front", "dns"}) {
            if (rnd.nextInt(4) == 0) {
                continue; // a missing Service
            }
            Service s = new Service();
            s.setMetadata(meta(maybe("web"), maybe(n)));
            ServiceSpec spec = new ServiceSpec();
            List<ServicePort> ports = new ArrayList<>();
            for (int p = rnd.nextInt(3); p >= 0; p--) {
                ServicePort sp = new ServicePort();
                sp.setName(maybe("p" + p));
                sp.setProtocol(rnd.nextInt(20) == 0 ? hostile() : PROTOS[rnd.nextInt(PROTOS.length)]);
                sp.setPort(rnd.nextInt(30) == 0 ? rnd.nextInt() : 80 + p);
                sp.setTargetPort(rnd.nextBoolean() ? new IntOrString(8080 + p) : new IntOrString(maybe("http")));
                ports.add(sp);
            }
            spec.setPorts(ports);
            spec.setExternalTrafficPolicy(rnd.nextInt(4) == 0 ? maybe("Local") : null);
            s.setSpec(spec);
            objs.add(s);
            if (rnd.nextBoolean()) {
                EndpointSlice es = new EndpointSlice();
                es.setMetadata(meta("web", n + "-x"));
                es.getMetadata().setLabels(Map.of(KubeTranslator.SERVICE_NAME_LABEL, maybe(n)));
                es.setAddressType(maybe("IPv4"));
                List<io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort> eps = new ArrayList<>();
                for (ServicePort sp : ports) {
                    var ep = new io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort();
                    ep.setName(sp.getName());
                    ep.setProtocol(sp.getProtocol());
                    ep.setPort(rnd.nextInt(30) == 0 ? -5 : 8000 + rnd.nextInt(100));
                    eps.add(ep);
                }
                es.setPorts(eps);
                List<Endpoint> endpoints = new ArrayList<>();
                for (int e = rnd.nextInt(4); e > 0; e--) {
                    Endpoint ep = new Endpoint();
                    ep.setAddresses(List.of(maybe(v4(20))));
                    ep.setNodeName(rnd.nextBoolean() ? null : maybe("node-" + (char) ('a' + rnd.nextInt(3))));
                    EndpointConditions c = new EndpointConditions();
                    c.setReady(rnd.nextInt(4) == 0 ? Boolean.FALSE : null);
                    ep.setConditions(c);
                    endpoints.add(ep);
                }
                es.setEndpoints(endpoints);
                objs.add(es);
            } else {
                Endpoints e = new Endpoints();
                e.setMetadata(meta("web", maybe(n)));
                EndpointSubset ss = new EndpointSubset();
                EndpointAddress a = new EndpointAddress();
                a.setIp(maybe(v4(20)));
                a.setNodeName(maybe("node-a"));
                ss.setAddresses(List.of(a));
                List<EndpointPort> eps = new ArrayList<>();
                for (ServicePort sp : ports) {
                    EndpointPort ep = new EndpointPort();
                    ep.setName(sp.getName());
                    ep.setProtocol(sp.getProtocol());
                    ep.setPort(9000);
                    eps.add(ep);
                }
                ss.setPorts(eps);
                e.setSubsets(List.of(ss));
                objs.add(e);
            }
        }
        for (String n : new String[] {"node-a", "node-b", "node-c"}) {
            Node node = new Node();
            node.setMetadata(meta(null, n.equals("node-a") ? n : maybe(n)));
            NodeStatus st = new NodeStatus();
            st.setAddresses(List.of(new NodeAddress(maybe("192.0.2." + (1 + rnd.nextInt(9))),
                    rnd.nextBoolean() ? "InternalIP" : "ExternalIP")));
            node.setStatus(st);
            objs.add(node);
        }
        return ClusterObjects.of(objs);
    }

    AgentSettings randomSettings() {
        return AgentSettings.builder(InterfaceName.parse(rnd.nextInt(20) == 0 ? hostile() : "eth0"))
                .useUnicast(rnd.nextBoolean())
                .instanceMode(rnd.nextBoolean() ? InstanceMode.SINGLE : InstanceMode.PER_VIP)
                .dataplane(Dataplane.values()[rnd.nextInt(Dataplane.values().length)])
                .vrrpVersion(rnd.nextInt(4) == 0 ? 2 : 3)
                .conntrackSync(rnd.nextInt(4) != 0)
                .lvsSyncDaemon(rnd.nextBoolean())
                .syncInterface(rnd.nextInt(3) == 0 ? InterfaceName.parse(rnd.nextInt(10) == 0 ? hostile() : "eth1") : null)
                .build();
    }

    @Test
    void hostileInputIsRefusedOrRendersOnlyGrammaticalLines() throws IOException {
        int accepted = 0;
        int refused = 0;
        int synced = 0;
        Map<String, String> samples = new HashMap<>();
        for (int i = 0; i < 3000; i++) {
            AgentPlan plan;
            try {
                plan = AgentPipeline.plan(randomCluster(), new ConfigMapRef("kube-system", "vips"), "node-a", null,
                        randomSettings());
            } catch (InvalidInputException e) {
                refused++;
                assertThat(e.getMessage()).isNotBlank();
                continue;
            }
            accepted++;
            String k = KeepalivedConfig.render(plan);
            String n = NftablesRuleset.render(plan);
            String h = HaproxyConfig.render(plan);
            assertThat(ConfigGrammar.violation(k, ConfigGrammar.KEEPALIVED)).as("keepalived.conf:%n%s", k).isNull();
            assertThat(ConfigGrammar.violation(n, ConfigGrammar.NFT)).as("nft:%n%s", n).isNull();
            assertThat(ConfigGrammar.violation(h, ConfigGrammar.HAPROXY)).as("haproxy.cfg:%n%s", h).isNull();
            String c = plan.sync() == null ? null : ConntrackdConfig.render(plan.sync());
            if (c != null) {
                synced++;
                assertThat(ConfigGrammar.violation(c, ConfigGrammar.CONNTRACKD)).as("conntrackd.conf:%n%s", c).isNull();
                if (synced % 100 == 1) {
                    samples.put("s" + accepted + "-conntrackd.conf", c);
                }
            }
            if (accepted % 300 == 1) {
                samples.put("s" + accepted + "-keepalived.conf", k);
                samples.put("s" + accepted + ".nft", n);
                samples.put("s" + accepted + "-haproxy.cfg", h);
            }
        }
        assertThat(accepted).as("accepted").isGreaterThan(300);
        assertThat(refused).as("refused").isGreaterThan(300);
        assertThat(synced).as("with conntrack sync").isGreaterThan(100);
        checkWithRealTools(samples);
    }

    @Test
    void hostileInterfaceAndFlagValuesAreRefused() {
        for (int i = 0; i < 500; i++) {
            String h = hostile();
            for (String flag : List.of("--iface", "--advert-interval", "--vrid-range", "--dataplane", "--node-ip",
                    "--run-dir", "--lvs-sched", "--services-configmap", "--vrrp-instances", "--track-interface",
                    "--sync-interface", "--conntrack-sync")) {
                AgentOptions o = new AgentOptions();
                CommandLine cl = new CommandLine(o);
                try {
                    cl.parseArgs(flag, h);
                    o.settings();
                    o.configMap();
                    o.nodeIp();
                } catch (InvalidInputException e) {
                    assertThat(e.getMessage()).startsWith(flag);
                    continue;
                } catch (CommandLine.ParameterException e) {
                    continue; // picocli refused it already
                }
                // accepted: then it was a valid value after all (e.g. "web" is a fine interface name)
                assertThat(h).as(flag).matches("[A-Za-z0-9._/:-]*");
            }
        }
    }

    private static void checkWithRealTools(Map<String, String> samples) throws IOException {
        // the grammar is checked above; this is what a run without root leaves out
        RootTools.require(samples.size() + " fuzzed samples through keepalived -t, nft -c, haproxy -c and a conntrackd start",
                "ip", "keepalived", "nft", "haproxy", "conntrackd");
        Path dir = Files.createTempDirectory("vkt-fuzz");
        try (NetnsTools ns = new NetnsTools()) {
            for (var e : new TreeMap<>(samples).entrySet()) {
                Path f = dir.resolve(e.getKey());
                Files.writeString(f, e.getValue());
                NetnsTools.Result r = e.getKey().endsWith(".nft") ? ns.inNs("nft", "-c", "-f", f.toString())
                        : e.getKey().endsWith("conntrackd.conf") ? ConntrackdCheck.starts(ns, e.getValue())
                        : e.getKey().endsWith("keepalived.conf") ? ns.inNs("keepalived", "-t", "-f", f.toString())
                        : NetnsTools.run(List.of("haproxy", "-c", "-f", f.toString()));
                assertThat(r.code()).as("%s:%n%s%n%s", e.getKey(), e.getValue(), r.output()).isZero();
            }
        } finally {
            try (var s = Files.list(dir)) {
                s.forEach(p -> p.toFile().delete());
            }
            Files.delete(dir);
        }
    }
}
