package io.vipkeeper.lab;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The probe's client ports: taken in turn over a range (from a random start), skipping ports in use, so that a port
 * comes back only after the whole range was used, as the kernel does on connect.
 */
final class ClientPorts {

    private static final Path KERNEL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    /** Ports tried for one socket before giving up (each in use). */
    static final int ATTEMPTS = 1000;

    private final int first;
    private final int count;
    private final AtomicInteger next;

    ClientPorts(int first, int last) {
        if (first < 1 || last > 65535 || first > last) {
            throw new IllegalArgumentException("not a port range: " + first + "-" + last);
        }
        this.first = first;
        this.count = last - first + 1;
        this.next = new AtomicInteger(ThreadLocalRandom.current().nextInt(count));
    }

    /** The kernel's ephemeral range of this network namespace (32768-60999 when it cannot be read). */
    static ClientPorts fromKernelRange() {
        try {
            return read(KERNEL_RANGE);
        } catch (IOException | RuntimeException e) {
            return new ClientPorts(32768, 60999);
        }
    }

    /**
     * The range in {@code file} ("first last"), in one read: a sysctl file answers nothing to a read at a later offset,
     * so Files.readString, which reads a file of size 0 byte by byte first, saw "3" and the default range was used.
     */
    static ClientPorts read(Path file) throws IOException {
        String[] f = Files.readAllLines(file).get(0).trim().split("\\s+");
        return new ClientPorts(Integer.parseInt(f[0]), Integer.parseInt(f[1]));
    }

    /** The next port in turn. */
    int next() {
        return first + Math.floorMod(next.getAndIncrement(), count);
    }

    /** Binds {@code s} to the next free port in turn; returns it. */
    int bind(Socket s) throws IOException {
        for (int i = 0; i < ATTEMPTS; i++) {
            int p = next();
            try {
                s.bind(new InetSocketAddress(p));
                return p;
            } catch (BindException inUse) {
                // taken: the next one
            }
        }
        throw new BindException("no free client port after " + ATTEMPTS + " tries");
    }
}
