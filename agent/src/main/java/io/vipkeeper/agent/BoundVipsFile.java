package io.vipkeeper.agent;

import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.platform.AtomicFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A file in the run directory listing the VIPs this node may have put on an interface: keepalived's on the VRRP
 * interface ({@link #KEEPALIVED}), the BGP VIPs the agent binds on {@code lo} ({@link #BGP_ON_LO}). An agent killed
 * with its children (a container kill) leaves them there, and the agent started again removes them before it holds
 * anything. The VIP ConfigMap alone does not say which: a Service deleted a moment before the kill is no longer in
 * it, and its address, given to the next Service, was then held by two nodes (the chaos test).
 */
final class BoundVipsFile {

    private static final Logger LOG = LoggerFactory.getLogger(BoundVipsFile.class);
    /** The VIPs in keepalived's configuration in force and the next one's, written before each reload. */
    static final String KEEPALIVED = "vips-on-interface";
    /** The BGP VIPs bound on lo, written before each is bound and after each is unbound. */
    static final String BGP_ON_LO = "bgp-vips-on-lo";

    private final Path file;

    BoundVipsFile(Path runDir, String name) {
        this.file = runDir.resolve(name);
    }

    /** Lists {@code vips}; a file that cannot be written is logged, and the agent goes on. */
    void write(Collection<IpAddress> vips) {
        Set<IpAddress> sorted = new TreeSet<>(vips);
        String text = sorted.stream().map(IpAddress::toString).collect(Collectors.joining("\n", "", sorted.isEmpty() ? "" : "\n"));
        try {
            AtomicFile.write(file, text);
        } catch (IOException e) {
            LOG.warn("cannot write {} ({}): VIPs a killed agent leaves behind may stay there", file, e.getMessage());
        }
    }

    /** The VIPs listed (lines that are no address are skipped), in a set of the caller's own: what an earlier run left. */
    Set<IpAddress> read() {
        Set<IpAddress> out = new TreeSet<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                IpAddress a = IpAddress.tryParse(line.strip());
                if (a != null) {
                    out.add(a);
                }
            }
        } catch (NoSuchFileException e) {
            // a first start
        } catch (IOException e) {
            LOG.warn("cannot read {} ({}): VIPs an earlier run left behind may stay there", file, e.getMessage());
        }
        return out;
    }
}
