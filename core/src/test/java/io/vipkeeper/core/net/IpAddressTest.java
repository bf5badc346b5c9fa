package io.vipkeeper.core.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vipkeeper.core.InvalidInputException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class IpAddressTest {

    @ParameterizedTest
    @CsvSource({
        "192.0.2.1, 192.0.2.1",
        "0.0.0.0, 0.0.0.0",
        "255.255.255.255, 255.255.255.255",
        "2001:db8::1, 2001:db8::1",
        "2001:DB8:0:0:0:0:0:1, 2001:db8::1",
        "::, ::",
        "::1, ::1",
        "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
        "2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
        "2001:db8:1:1:1:1:1:1, 2001:db8:1:1:1:1:1:1",
        "::ffff:192.0.2.1, ::ffff:c000:201",
        "fe80::, fe80::",
    })
    void parsesAndPrintsCanonically(String in, String out) {
        assertThat(IpAddress.parse(in).toString()).isEqualTo(out);
        assertThat(IpAddress.parse(out)).isEqualTo(IpAddress.parse(in));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", " 1.2.3.4", "1..2.3",
        "a.b.c.d", "1.2.3.-4", "localhost", ":::", "1:2:3:4:5:6:7:8:9", "2001:db8::1::2", "2001:db8:::1", "12345::",
        "2001:db8::g", ":1::", "1::2:", "1.2.3.4/24", "fe80::1%eth0", "::ffff:1.2.3", "1:2:3:4:5:6:7::8:9",
        "1:2:3:4:5:6:7:8::", "192.0.2.1\n", "1.2.3.4;rm -rf /"})
    void refusesWhatIsNotAnAddress(String in) {
        assertThat(IpAddress.tryParse(in)).isNull();
        assertThatThrownBy(() -> IpAddress.parse(in)).isInstanceOf(InvalidInputException.class).hasMessageContaining("not an IP address");
    }

    @Test
    void arithmeticCrossesWordBoundaries() {
        IpAddress a = IpAddress.parse("2001:db8::ffff:ffff:ffff:ffff");
        assertThat(a.next().toString()).isEqualTo("2001:db8:0:1::");
        assertThat(a.next().previous()).isEqualTo(a);
        assertThat(IpAddress.parse("192.0.2.255").next().toString()).isEqualTo("192.0.3.0");
        assertThat(IpAddress.parse("255.255.255.255").isMax()).isTrue();
        assertThatThrownBy(() -> IpAddress.parse("255.255.255.255").next()).isInstanceOf(ArithmeticException.class);
    }

    @Test
    void ordersByFamilyThenValue() {
        assertThat(IpAddress.parse("192.0.2.1")).isLessThan(IpAddress.parse("192.0.2.2"));
        assertThat(IpAddress.parse("255.0.0.0")).isLessThan(IpAddress.parse("::"));
        assertThat(IpAddress.parse("8000::")).isGreaterThan(IpAddress.parse("7fff::"));
    }

    @Test
    void cidrMasksAndRefusesHostBits() {
        assertThat(Cidr.parse("10.210.38.100/26", true).toString()).isEqualTo("10.210.38.64/26");
        assertThatThrownBy(() -> Cidr.parse("192.0.2.5/24")).hasMessageContaining("did you mean 192.0.2.0/24");
        assertThat(Cidr.parse("2001:db8::/64").last().toString()).isEqualTo("2001:db8::ffff:ffff:ffff:ffff");
        assertThat(Cidr.parse("2001:db8::/32").last().toString()).isEqualTo("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
        assertThat(Cidr.parse("192.0.2.7/32").last().toString()).isEqualTo("192.0.2.7");
        assertThat(Cidr.parse("0.0.0.0/0").last().toString()).isEqualTo("255.255.255.255");
        assertThat(Cidr.parse("::/0").last().isMax()).isTrue();
        assertThatThrownBy(() -> Cidr.parse("192.0.2.0/33")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> Cidr.parse("192.0.2.0/")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> Cidr.parse("192.0.2.0/024")).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void rangesParseAndRefuseMixedOrReversed() {
        assertThat(IpRange.parse("192.0.2.10-192.0.2.20").size().intValue()).isEqualTo(11);
        assertThat(IpRange.parse("2001:db8::/120").size().intValue()).isEqualTo(256);
        assertThatThrownBy(() -> IpRange.parse("192.0.2.20-192.0.2.10")).hasMessageContaining("ends before it starts");
        assertThatThrownBy(() -> IpRange.parse("192.0.2.1-2001:db8::1")).hasMessageContaining("mixes");
    }
}
