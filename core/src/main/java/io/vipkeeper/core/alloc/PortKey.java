package io.vipkeeper.core.alloc;

import io.vipkeeper.core.InvalidInputException;

/** A Service port as far as IP sharing cares: protocol and port number. */
public record PortKey(Protocol protocol, int port) implements Comparable<PortKey> {

    public enum Protocol { TCP, UDP, SCTP }

    public PortKey {
        if (port < 1 || port > 65535) {
            throw new InvalidInputException("port " + port + " is out of range 1-65535");
        }
    }

    public static Protocol protocol(String text) {
        if (text == null || text.isEmpty()) {
            return Protocol.TCP; // the API's default
        }
        for (Protocol p : Protocol.values()) {
            if (p.name().equals(text)) {
                return p;
            }
        }
        throw new InvalidInputException("unknown protocol " + InvalidInputException.quote(text) + " (TCP, UDP or SCTP)");
    }

    @Override
    public int compareTo(PortKey o) {
        int c = protocol.compareTo(o.protocol);
        return c != 0 ? c : Integer.compare(port, o.port);
    }

    @Override
    public String toString() {
        return port + "/" + protocol;
    }
}
