package io.vipkeeper.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * conntrackd has no check flag that leaves the host alone ({@code -t}, {@code -c} and friends talk to a running
 * daemon and change the kernel table), so a rendered configuration is checked by starting it: in a test-made network
 * namespace, with its lock file and socket moved to a temp dir and its addresses on the interface it names, it must
 * answer {@code -s} within 5 s. The daemon is stopped again in any case.
 */
final class ConntrackdCheck {

    private static final Pattern IFACE = Pattern.compile("(?m)^\\t\\tInterface (\\S+)$");
    private static final Pattern SELF = Pattern.compile("(?m)^\\t\\t(IPv4_address|IPv6_address|IPv4_interface) (\\S+)$");

    private ConntrackdCheck() {
    }

    static NetnsTools.Result starts(NetnsTools ns, String conf) throws IOException {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "vkct-");
        try {
            Matcher i = IFACE.matcher(conf);
            String iface = i.find() ? i.group(1) : "eth0";
            if (!List.of("eth0", "eth1").contains(iface)) {
                ns.inNs("ip", "link", "add", iface, "type", "veth", "peer", "name", "vkcp" + Integer.toHexString(iface.hashCode() & 0xfff));
                ns.inNs("ip", "link", "set", iface, "up");
            }
            Matcher m = SELF.matcher(conf);
            while (m.find()) {
                String a = m.group(2);
                if (a.startsWith("225.")) {
                    continue; // the multicast group
                }
                ns.inNs("ip", "addr", "add", a + (a.contains(":") ? "/64" : "/24"), "dev", iface, a.contains(":") ? "nodad" : "noprefixroute");
            }
            Path ctl = dir.resolve("c.ctl");
            String moved = conf.replaceAll("(?m)^\\tLockFile \\S+$", "\tLockFile " + dir.resolve("c.lock"))
                    .replaceAll("(?m)^\\t\\tPath \\S+$", "\t\tPath " + ctl);
            Path file = dir.resolve("conntrackd.conf");
            Files.writeString(file, moved);
            Path log = dir.resolve("out.log");
            Process p = new ProcessBuilder("ip", "netns", "exec", ns.ns, "conntrackd", "-C", file.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (System.nanoTime() < deadline && p.isAlive()) {
                    if (Files.exists(ctl) && ns.inNs("conntrackd", "-C", file.toString(), "-s").code() == 0) {
                        return new NetnsTools.Result(0, Files.readString(log));
                    }
                    Thread.sleep(50);
                }
                return new NetnsTools.Result(1, "conntrackd did not answer -s within 5 s:\n" + Files.readString(log));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new NetnsTools.Result(1, "interrupted");
            } finally {
                p.destroy();
                try {
                    if (!p.waitFor(5, TimeUnit.SECONDS)) {
                        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    p.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
            }
        } finally {
            try (var s = Files.list(dir)) {
                s.forEach(f -> f.toFile().delete());
            }
            Files.deleteIfExists(dir);
        }
    }
}
