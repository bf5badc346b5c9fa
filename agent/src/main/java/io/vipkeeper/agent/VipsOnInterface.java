package io.vipkeeper.agent;

import io.vipkeeper.core.net.IpAddress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The VIPs this node's keepalived may have put on the interface, listed in the run directory. keepalived killed with
 * the agent (a container kill) leaves its VIPs there, and the agent started again removes them before it holds
 * anything. The VIP ConfigMap alone does not say which: a Service deleted a moment before the kill is no longer in it,
 * and its address, given to the next Service, was then held by two nodes (the chaos test).
 */
final class VipsOnInterface {

    private static final Logger LOG = LoggerFactory.getLogger(VipsOnInterface.class);
    static final String FILE = "vips-on-interface";

    private final Path file;
    private Set<IpAddress> inForce = Set.of();

    VipsOnInterface(Path runDir) {
        this.file = runDir.resolve(FILE);
    }

    /**
     * Before keepalived takes a configuration with {@code next}: the file lists those and the VIPs of the configuration
     * in force (during the reload either may be on the interface). A file that cannot be written is logged: the
     * configuration is applied all the same.
     */
    void beforeApply(Collection<IpAddress> next) {
        Set<IpAddress> all = new TreeSet<>(inForce);
        all.addAll(next);
        String text = all.stream().map(IpAddress::toString).collect(Collectors.joining("\n", "", all.isEmpty() ? "" : "\n"));
        Path tmp = file.resolveSibling(FILE + ".new");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.warn("cannot write {} ({}): VIPs a killed agent leaves on the interface may stay there", file, e.getMessage());
        }
    }

    /** keepalived took the configuration with {@code vips}. */
    void applied(Collection<IpAddress> vips) {
        inForce = Set.copyOf(vips);
    }

    /** The VIPs the file lists (lines that are no address are skipped): what an agent killed earlier may have left. */
    static Set<IpAddress> read(Path runDir) {
        Path f = runDir.resolve(FILE);
        Set<IpAddress> out = new TreeSet<>();
        try {
            for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                IpAddress a = IpAddress.tryParse(line.strip());
                if (a != null) {
                    out.add(a);
                }
            }
        } catch (NoSuchFileException e) {
            // a first start
        } catch (IOException e) {
            LOG.warn("cannot read {} ({}): VIPs an earlier run left on the interface may stay there", f, e.getMessage());
        }
        return out;
    }
}
