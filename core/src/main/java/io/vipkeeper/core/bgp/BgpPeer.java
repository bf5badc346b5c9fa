package io.vipkeeper.core.bgp;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.names.LabelSelector;
import io.vipkeeper.core.net.IpAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A router this node announces its BGP VIPs to. Every field is a parsed value; the BIRD protocol name is derived
 * from the address and port ({@link #name()}), never taken from input.
 *
 * @param password     TCP-MD5, or null
 * @param holdTime     whole seconds, 3..65535 (RFC 4271's minimum is 3); keepalives are sent every third of it
 * @param source       the local address of the session, or null (BIRD picks it)
 * @param multihop     the TTL for a peer that is not on a connected network (eBGP multihop), 0 for a direct peer
 * @param nodeSelector the nodes that peer with it, or null for every node
 */
public record BgpPeer(IpAddress address, Asn peerAsn, Asn localAsn, int port, BgpPassword password, Bfd bfd,
                      Duration holdTime, IpAddress source, int multihop, LabelSelector nodeSelector) {

    public static final int DEFAULT_PORT = 179;
    public static final Duration DEFAULT_HOLD_TIME = Duration.ofSeconds(3);

    public BgpPeer {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(peerAsn, "peerAsn");
        Objects.requireNonNull(localAsn, "localAsn");
        Objects.requireNonNull(bfd, "bfd");
        if (address.isZero() || address.isMax()) {
            throw new InvalidInputException("BGP peer address " + address + " is not a host address");
        }
        if (port < 1 || port > 65535) {
            throw new InvalidInputException("BGP peer " + address + ": port " + port + " is outside 1..65535");
        }
        if (holdTime == null || holdTime.toNanos() % 1_000_000_000L != 0 || holdTime.getSeconds() < 3 || holdTime.getSeconds() > 65535) {
            throw new InvalidInputException("BGP peer " + address + ": hold time " + holdTime + " is not whole seconds from 3 to 65535");
        }
        if (source != null && source.family() != address.family()) {
            throw new InvalidInputException("BGP peer " + address + ": source address " + source + " is not " + address.family());
        }
        if (multihop < 0 || multihop > 255) {
            throw new InvalidInputException("BGP peer " + address + ": multihop TTL " + multihop + " is outside 1..255 (0: direct)");
        }
        if (multihop > 0 && bfd instanceof Bfd.On && source == null) {
            // BIRD refuses it ("Multihop BGP with BFD requires specified local address"): say so here, not at bird -p
            throw new InvalidInputException("BGP peer " + address + ": multihop with BFD needs a source address (source=IP), or bfd=false");
        }
        if (nodeSelector != null && nodeSelector.isEmpty()) {
            nodeSelector = null;
        }
    }

    /** A direct peer on port 179, BFD at 100 ms x 3, hold time 3 s, no password, every node. */
    public static BgpPeer of(IpAddress address, Asn peerAsn, Asn localAsn) {
        return new BgpPeer(address, peerAsn, localAsn, DEFAULT_PORT, null, Bfd.DEFAULT, DEFAULT_HOLD_TIME, null, 0, null);
    }

    /** The BIRD protocol name: {@code peer_198_51_100_1}, {@code peer_2001_db8__1_1179} (port when not 179). */
    public String name() {
        String a = address.toString().replace('.', '_').replace(':', '_');
        return "peer_" + a + (port == DEFAULT_PORT ? "" : "_" + port);
    }

    /** Seconds between keepalives: a third of the hold time. */
    public long keepaliveSeconds() {
        return Math.max(1, holdTime.getSeconds() / 3);
    }

    public boolean appliesTo(Map<String, String> nodeLabels) {
        return nodeSelector == null || nodeSelector.matches(nodeLabels);
    }

    public Optional<BgpPassword> passwordValue() {
        return Optional.ofNullable(password);
    }

    public Optional<IpAddress> sourceAddress() {
        return Optional.ofNullable(source);
    }

    public BgpPeer withPassword(BgpPassword p) {
        return new BgpPeer(address, peerAsn, localAsn, port, p, bfd, holdTime, source, multihop, nodeSelector);
    }

    public BgpPeer withNodeSelector(LabelSelector s) {
        return new BgpPeer(address, peerAsn, localAsn, port, password, bfd, holdTime, source, multihop, s);
    }

    /** Without the password (records print every component; this one must not leak through a log line). */
    @Override
    public String toString() {
        return "BgpPeer[" + address + (port == DEFAULT_PORT ? "" : " port " + port) + " as " + peerAsn + " local as " + localAsn
                + ", bfd " + (bfd instanceof Bfd.On on ? on.interval().toMillis() + "ms x" + on.multiplier() : "off")
                + ", hold " + holdTime.getSeconds() + "s" + (source == null ? "" : ", source " + source)
                + (multihop == 0 ? "" : ", multihop " + multihop) + (password == null ? "" : ", password") + "]";
    }
}
