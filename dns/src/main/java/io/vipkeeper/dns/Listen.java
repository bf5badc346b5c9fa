package io.vipkeeper.dns;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.net.IpAddress;
import java.net.InetSocketAddress;

/** {@code HOST:PORT} or {@code [V6]:PORT} with a literal IP (no name lookup). */
final class Listen {

    private Listen() {
    }

    static InetSocketAddress parse(String text) {
        int colon = text == null ? -1 : text.lastIndexOf(':');
        if (colon <= 0) {
            throw new InvalidInputException("expected IP:PORT, got " + InvalidInputException.quote(text));
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        IpAddress ip = IpAddress.tryParse(host);
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (ip == null || port < 0 || port > 65535) {
            throw new InvalidInputException("expected IP:PORT, got " + InvalidInputException.quote(text));
        }
        return new InetSocketAddress(DnsServer.inet(ip), port);
    }
}
