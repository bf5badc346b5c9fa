package io.vipkeeper.core.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SpecialAddressTest {

    @ParameterizedTest
    @CsvSource({
        "0.0.0.0, UNSPECIFIED", "0.1.2.3, THIS_NETWORK", "127.0.0.1, LOOPBACK", "127.255.255.254, LOOPBACK",
        "169.254.1.1, LINK_LOCAL", "224.0.0.18, MULTICAST", "239.255.255.255, MULTICAST", "240.0.0.1, RESERVED",
        "255.255.255.255, BROADCAST", "::, UNSPECIFIED", "::1, LOOPBACK", "fe80::1, LINK_LOCAL", "febf::1, LINK_LOCAL",
        "ff02::12, MULTICAST", "::ffff:198.51.100.1, IPV4_MAPPED", "::ffff:127.0.0.1, IPV4_MAPPED",
    })
    void namesWhatNoServiceMayHold(String address, SpecialAddress kind) {
        assertThat(SpecialAddress.of(IpAddress.parse(address))).contains(kind);
        assertThat(SpecialAddress.refusal(IpAddress.parse(address))).get().asString().startsWith(address.replace("::ffff:198.51.100.1", "::ffff:c633:6401").replace("::ffff:127.0.0.1", "::ffff:7f00:1") + " is ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"192.0.2.1", "198.51.100.200", "203.0.113.255", "1.0.0.0", "223.255.255.255", "10.0.0.1",
        "2001:db8::1", "fec0::1", "fc00::1", "64:ff9b::1", "2001:db8::ffff:0:1"})
    void leavesOrdinaryAddressesAlone(String address) {
        assertThat(SpecialAddress.of(IpAddress.parse(address))).isEmpty();
    }

    @Test
    void refusesTheAddressesOfNodes() {
        Map<IpAddress, String> nodes = Map.of(IpAddress.parse("198.51.100.11"), "vk-node1");
        assertThat(SpecialAddress.refusal(IpAddress.parse("198.51.100.11"), nodes)).contains("198.51.100.11 is the address of Node vk-node1");
        assertThat(SpecialAddress.refusal(IpAddress.parse("198.51.100.12"), nodes)).isEmpty();
        assertThat(SpecialAddress.refusal(IpAddress.parse("127.0.0.1"), nodes)).contains("127.0.0.1 is a loopback address");
    }
}
