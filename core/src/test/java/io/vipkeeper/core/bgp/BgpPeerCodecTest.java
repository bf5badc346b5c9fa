package io.vipkeeper.core.bgp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.net.IpAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BgpPeerCodecTest {

    static Map<String, Object> spec(Object... kv) {
        Map<String, Object> m = new HashMap<>(Map.of("address", "198.51.100.1", "asn", 65000, "localASN", 4200000000L));
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void aFullSpecParses() {
        BgpPeer p = BgpPeerCodec.fromTree("tor-a", spec("port", 1179, "holdTime", "9s", "sourceAddress", "198.51.100.11", "multihop", 2,
                "bfd", Map.of("interval", "300ms", "multiplier", 5), "nodeSelector", Map.of("matchLabels", Map.of("rack", "r1"))));
        assertThat(p.address()).isEqualTo(IpAddress.parse("198.51.100.1"));
        assertThat(p.localAsn().value()).isEqualTo(4200000000L);
        assertThat(p.bfd()).isEqualTo(new Bfd.On(Duration.ofMillis(300), 5));
        assertThat(p.appliesTo(Map.of("rack", "r1"))).isTrue();
        assertThat(p.appliesTo(Map.of("rack", "r2"))).isFalse();
        assertThat(BgpPeerCodec.fromTree("x", spec("bfd", Map.of("enabled", false))).bfd()).isEqualTo(Bfd.OFF);
    }

    /** What the issue names: ASN out of range, an address with a newline, and more; each names the object and field. */
    @Test
    void hostileSpecsAreRefusedNamingTheField() {
        assertThatThrownBy(() -> BgpPeerCodec.fromTree("evil", spec("asn", 4294967296L))).isInstanceOf(InvalidInputException.class)
                .hasMessage("BgpPeer evil: spec.asn: 4294967296 is outside 1..4294967295");
        assertThatThrownBy(() -> BgpPeerCodec.fromTree("evil", spec("address", "198.51.100.1\n}; protocol kernel {")))
                .hasMessageStartingWith("BgpPeer evil: spec.address: ").hasMessageNotContaining("\n");
        assertThatThrownBy(() -> BgpPeerCodec.fromTree("evil", spec("password", "a\"b"))).hasMessageContaining("spec.\"password\": unknown field");
        assertThatThrownBy(() -> BgpPeerCodec.fromTree("evil", spec("asn", "65000"))).hasMessageContaining("spec.asn: not a whole number");
        assertThatThrownBy(() -> BgpPeerCodec.fromTree("evil", spec("bfd", Map.of("interval", "1ms")))).hasMessageContaining("spec.bfd: BFD interval");
        assertThatThrownBy(() -> BgpPeerCodec.fromTree("evil", spec("nodeSelector", Map.of("matchLabels", Map.of("a b", "c")))))
                .hasMessageContaining("spec.nodeSelector");
        assertThatThrownBy(() -> BgpPeerCodec.fromTree("evil\n", List.of())).hasMessageStartingWith("BgpPeer \"evil\\u000a\": spec is not an object");
    }
}
