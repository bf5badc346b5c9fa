package io.vipkeeper.core.bgp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.net.Cidr;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.IpRange;
import io.vipkeeper.core.pool.BgpCommunity;
import io.vipkeeper.core.render.BirdConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class BirdConfigTest {

    /** The plan of the golden file: two v4 peers (one with everything set), a v6 peer, VIPs with and without attributes. */
    static BirdPlan goldenPlan() {
        BgpPeer plain = BgpPeerFlag.parse("address=198.51.100.1,asn=65000,local-asn=65100").peer();
        BgpPeer full = BgpPeerFlag.parse("address=203.0.113.1,asn=4200000000,local-asn=65100,port=1179,bfd-interval=300ms,"
                + "bfd-multiplier=5,hold-time=9s,source=198.51.100.11,multihop=2").peer().withPassword(new BgpPassword("s3cr3t!#$%&'()*+,-./:;<=>?@[]^_`{|}~"));
        BgpPeer v6 = BgpPeerFlag.parse("address=2001:db8:100::1,asn=65000,local-asn=65100,bfd=false").peer();
        List<BgpVip> vips = List.of(
                BgpVip.plain(IpAddress.parse("198.51.100.200")),
                new BgpVip(IpAddress.parse("198.51.100.201"), List.of(BgpCommunity.parse("64512:100"), BgpCommunity.parse("0:65535")), 200L),
                new BgpVip(IpAddress.parse("2001:db8:200::200"), List.of(BgpCommunity.parse("64512:6")), null));
        List<Cidr> allowed = new ArrayList<>(BirdPlan.cidrs(IpRange.parse("198.51.100.200-198.51.100.210")));
        allowed.add(Cidr.parse("2001:db8:200::/120"));
        return new BirdPlan(IpAddress.parse("198.51.100.11"), List.of(v6, full, plain), vips, allowed);
    }

    static String resource(String name) throws IOException {
        try (InputStream in = BirdConfigTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void rendersTheGoldenFileByteForByte() throws IOException {
        assertThat(BirdConfig.render(goldenPlan())).isEqualTo(resource("/golden/bird.conf"));
    }

    @Test
    void emptyPlanAnnouncesNothing() throws IOException {
        assertThat(BirdConfig.render(new BirdPlan(IpAddress.parse("192.0.2.11"), List.of(), List.of(), List.of())))
                .isEqualTo(resource("/golden/bird-empty.conf"));
    }

    @Test
    void rangesBecomeTheFewestCidrs() {
        assertThat(BirdPlan.cidrs(IpRange.parse("198.51.100.40-198.51.100.50")).stream().map(Cidr::toString))
                .containsExactly("198.51.100.40/29", "198.51.100.48/31", "198.51.100.50/32");
        assertThat(BirdPlan.cidrs(IpRange.parse("0.0.0.0-255.255.255.255")).stream().map(Cidr::toString)).containsExactly("0.0.0.0/0");
        assertThat(BirdPlan.cidrs(IpRange.parse("2001:db8::/124")).stream().map(Cidr::toString)).containsExactly("2001:db8::/124");
        assertThat(BirdPlan.cidrs(IpRange.parse("255.255.255.254-255.255.255.255")).stream().map(Cidr::toString)).containsExactly("255.255.255.254/31");
    }

    @Test
    void peersAreValidated() {
        assertThatThrownBy(() -> BgpPeerFlag.parse("address=198.51.100.1,asn=4294967296,local-asn=1")).hasMessageContaining("asn")
                .hasMessageContaining("4294967295");
        assertThatThrownBy(() -> BgpPeerFlag.parse("address=198.51.100.1,asn=0,local-asn=1")).hasMessageContaining("out of range");
        assertThatThrownBy(() -> BgpPeerFlag.parse("address=198.51.100.1\n,asn=1,local-asn=1")).hasMessageContaining("address");
        assertThatThrownBy(() -> BgpPeerFlag.parse("address=198.51.100.1,asn=1")).hasMessageContaining("no local-asn");
        assertThatThrownBy(() -> BgpPeerFlag.parse("address=198.51.100.1,asn=1,local-asn=2,hold-time=2s")).hasMessageContaining("hold time");
        assertThatThrownBy(() -> BgpPeerFlag.parse("address=198.51.100.1,asn=1,local-asn=2,bfd-interval=5ms")).hasMessageContaining("BFD interval");
        assertThatThrownBy(() -> BgpPeerFlag.parse("address=198.51.100.1,asn=1,local-asn=2,source=2001:db8::1")).hasMessageContaining("not IPv4");
        assertThatThrownBy(() -> BgpPeerFlag.parse("address=198.51.100.1,asn=1,local-asn=2,password-file=x\"y")).hasMessageContaining("password-file");
        assertThatThrownBy(() -> BgpPeerFlag.parse("address=198.51.100.1,asn=1,local-asn=2,evil=1")).hasMessageContaining("unknown BGP peer field");
        assertThatThrownBy(() -> BgpPeerFlag.parse("address=198.51.100.1,asn=1,local-asn=2,multihop=2")).hasMessageContaining("multihop with BFD");
        assertThat(BgpPeerFlag.parse("address=198.51.100.1,asn=1,local-asn=2,multihop=2,bfd=false").peer().multihop()).isEqualTo(2);
        assertThatThrownBy(() -> new BgpPassword("a\"b")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> new BgpPassword("a\nb")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> new BgpPassword("a\\b")).isInstanceOf(InvalidInputException.class);
        assertThat(BgpPassword.fromFileContent("pw\n").secret()).isEqualTo("pw");
        assertThat(goldenPlan().peers().get(1).toString()).doesNotContain("s3cr3t");
        assertThatThrownBy(() -> new BirdPlan(IpAddress.parse("2001:db8::1"), List.of(), List.of(), List.of())).hasMessageContaining("router id");
        BgpPeer p = BgpPeerFlag.parse("address=198.51.100.1,asn=1,local-asn=2").peer();
        assertThatThrownBy(() -> new BirdPlan(IpAddress.parse("192.0.2.1"), List.of(p, p), List.of(), List.of())).hasMessageContaining("twice");
    }

    // every line BirdConfig writes, with the values it may hold; anything else is an injection
    private static final String A4 = "[0-9]{1,3}(\\.[0-9]{1,3}){3}";
    private static final String A6 = "[0-9a-f:]*:[0-9a-f:.]*";
    private static final String ADDR = "(" + A4 + "|" + A6 + ")";
    private static final String ROUTE_ATTRS = "( \\{( bgp_community\\.add\\(\\([0-9]{1,5},[0-9]{1,5}\\)\\);)*( bgp_local_pref = [0-9]{1,10};)? \\})?";
    static final Pattern GRAMMAR = Pattern.compile(String.join("|",
            "# Generated by vipkeeper; do not edit\\.",
            "log stderr \\{ info, remote, warning, error, auth, fatal, bug, trace \\};",
            "timeformat protocol iso long;",
            "router id " + A4 + ";",
            "", "\\}", "  scan time 10;", "  ipv4;", "  ipv6;", "  reject;", "  accept;",
            "protocol device \\{", "protocol static vips[46] \\{", "filter vip_export[46] \\{", "protocol bfd \\{",
            "  route " + ADDR + "/(32|128) blackhole" + ROUTE_ATTRS + ";",
            "  if proto != \"vips[46]\" then reject;",
            "  if net\\.len != (32|128) then reject;",
            "  if net !~ \\[ " + ADDR + "/[0-9]{1,3}\\{(32|128),(32|128)\\}(, " + ADDR + "/[0-9]{1,3}\\{(32|128),(32|128)\\})* \\] then reject;",
            "protocol bgp peer_[0-9a-f_]+ \\{",
            "  local as [0-9]{1,10};",
            "  neighbor " + ADDR + "( port [0-9]{1,5})? as [0-9]{1,10};",
            "  source address " + ADDR + ";",
            "  multihop [0-9]{1,3};",
            "  password \"[\\x20-\\x21\\x23-\\x5b\\x5d-\\x7e]{1,80}\";",
            "  hold time [0-9]{1,5};", "  keepalive time [0-9]{1,5};",
            "  connect delay time 1;", "  connect retry time 2;", "  error wait time 1, 10;", "  graceful restart off;",
            "  bfd \\{ min rx interval [0-9]{1,5} ms; min tx interval [0-9]{1,5} ms; multiplier [0-9]{1,3}; \\};",
            "  bfd off;", "  debug \\{ states, events \\};",
            "  ipv[46] \\{ import none; export filter vip_export[46]; \\};"));

    static final String[] HOSTILE = {"\n", "\r\n", "}", "{", "\"", "'", ";", "#", " ", "\t", "\u2028", "é", "\u0000",
        "$(reboot)", "`id`", "../", "/", ":", ",", "=", "\\", "include \"/etc/passwd\";", "};\nprotocol kernel {", "\" ; import all; \"",
        "::", "[", "]", "0x10", "+1", "٣", "Ｔ", "-1", "99999999999", "1e3", "300ms\n"};

    @Test
    void hostileInputIsRefusedOrRendersOnlyGrammarLines() {
        Random rnd = new Random(20261202L);
        String[] fields = {"address=198.51.100.1", "asn=65000", "local-asn=65100", "port=1179", "bfd=true", "bfd-interval=100ms",
            "bfd-multiplier=3", "hold-time=3s", "source=198.51.100.11", "multihop=2", "password-file=/run/secrets/pw"};
        int accepted = 0;
        int refused = 0;
        for (int round = 0; round < 5000; round++) {
            List<BgpPeer> peers = new ArrayList<>();
            try {
                for (int n = rnd.nextInt(3); n >= 0; n--) {
                    StringBuilder flag = new StringBuilder();
                    for (String f : fields) {
                        if (rnd.nextInt(3) == 0 && !f.startsWith("address") && !f.contains("asn")) {
                            continue;
                        }
                        String v = f.replace("198.51.100.1,", "198.51.100." + (1 + n) + ",");
                        if (f.startsWith("address")) {
                            v = "address=198.51.100." + (1 + n);
                        }
                        if (rnd.nextInt(12) == 0) {
                            v = rnd.nextBoolean() ? v + hostile(rnd) : v.substring(0, v.indexOf('=') + 1) + hostile(rnd);
                        }
                        flag.append(flag.length() == 0 ? "" : ",").append(v);
                    }
                    BgpPeer peer = BgpPeerFlag.parse(flag.toString()).peer();
                    if (rnd.nextInt(4) == 0) {
                        peer = peer.withPassword(new BgpPassword(rnd.nextInt(3) == 0 ? hostile(rnd) : "pw" + rnd.nextInt(100)));
                    }
                    peers.add(peer);
                }
                List<BgpVip> vips = new ArrayList<>();
                for (int v = rnd.nextInt(4); v > 0; v--) {
                    String text = rnd.nextInt(10) == 0 ? hostile(rnd) : rnd.nextBoolean() ? "198.51.100." + (200 + v) : "2001:db8::" + v;
                    String community = rnd.nextInt(10) == 0 ? hostile(rnd) : "64512:" + rnd.nextInt(70000);
                    vips.add(new BgpVip(IpAddress.parse(text), List.of(BgpCommunity.parse(community)), rnd.nextBoolean() ? null : (long) rnd.nextInt(1000)));
                }
                BirdPlan plan = new BirdPlan(IpAddress.parse("198.51.100.11"), peers, vips, List.of(Cidr.parse("198.51.100.0/24")));
                for (String line : BirdConfig.render(plan).split("\n", -1)) {
                    assertThat(GRAMMAR.matcher(line).matches()).as("line %s", line).isTrue();
                }
                accepted++;
            } catch (InvalidInputException e) {
                assertThat(e.getMessage()).doesNotContain("\n");
                refused++;
            }
        }
        assertThat(accepted).isGreaterThan(500);
        assertThat(refused).isGreaterThan(500);
    }

    static String hostile(Random rnd) {
        StringBuilder b = new StringBuilder();
        for (int i = 1 + rnd.nextInt(3); i > 0; i--) {
            b.append(HOSTILE[rnd.nextInt(HOSTILE.length)]);
        }
        return b.toString();
    }
}
