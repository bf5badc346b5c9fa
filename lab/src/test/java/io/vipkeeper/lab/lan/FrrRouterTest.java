package io.vipkeeper.lab.lan;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The lab router's bgpd.conf and what it reads back from FRR and the kernel (pure; the running router: e2e BgpE2ETest). */
class FrrRouterTest {

    static final AddressPlan PLAN = new AddressPlan("198.51.100", 3);

    @Test
    void bgpdPeersWithEveryNodeAcceptsOnlyHostRoutesInThePoolAndUsesEcmp() {
        String conf = FrrRouter.bgpdConf(PLAN, Path.of("/run/x/router"), true);
        assertThat(conf).contains("router bgp 65000\n", " bgp router-id 198.51.100.254\n", " neighbor NODES remote-as 65100\n",
                " neighbor NODES bfd profile fast\n", " neighbor 198.51.100.11 peer-group NODES\n", " neighbor 198.51.100.13 peer-group NODES\n",
                "  maximum-paths 16\n", " no bgp graceful-restart\n", "  neighbor NODES route-map NODES-IN in\n",
                "ip prefix-list POOL seq 10 permit 198.51.100.200/29 ge 32\n", "ip prefix-list POOL seq 30 permit 198.51.100.224/28 ge 32\n");
        assertThat(conf).doesNotContain("198.51.100.14", "permit 198.51.100.0/24");
        assertThat(FrrRouter.bgpdConf(PLAN, Path.of("/run/x/router"), false)).doesNotContain("bfd");
        assertThat(FrrRouter.bfddConf(Path.of("/run/x/router"))).contains("receive-interval 100", "transmit-interval 100", "detect-multiplier 3");
    }

    @Test
    void sessionsFromBgpSummaryAndBfdPeers() {
        String summary = """
                {"routerId":"198.51.100.254","as":65000,"peers":{
                  "198.51.100.11":{"remoteAs":65100,"pfxRcd":1,"state":"Established"},
                  "198.51.100.12":{"remoteAs":65100,"state":"Active"}}}
                """;
        String bfd = """
                [{"peer":"198.51.100.11","status":"up"},{"peer":"198.51.100.12","status":"down"}]
                """;
        assertThat(FrrRouter.sessions(summary, bfd)).containsExactly(new FrrRouter.Session("198.51.100.11", "Established", 1, "up"),
                new FrrRouter.Session("198.51.100.12", "Active", 0, "down"));
        assertThat(FrrRouter.sessions("{}", "[]")).isEmpty();
    }

    @Test
    void routesSingleAndMultipath() {
        String out = """
                198.51.100.200 nhid 27 proto bgp metric 20\s
                \tnexthop via 198.51.100.13 dev eth0 weight 1\s
                \tnexthop via 198.51.100.11 dev eth0 weight 1\s
                198.51.100.201 nhid 31 via 198.51.100.12 dev eth0 proto bgp metric 20\s
                """;
        assertThat(FrrRouter.routes(out)).isEqualTo(Map.of("198.51.100.200", List.of("198.51.100.11", "198.51.100.13"),
                "198.51.100.201", List.of("198.51.100.12")));
        assertThat(FrrRouter.routes("")).isEmpty();
    }
}
