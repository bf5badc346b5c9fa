package io.vipkeeper.lab.lan;

import io.vipkeeper.core.net.IpAddress;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Samples which nodes hold a VIP ({@code ip -o -4 addr show dev eth0} in each node's network namespace, one after
 * the other, then a pause of one period) from a small shell loop in its own process, so that it can run with
 * real-time scheduling ({@code chrt --fifo}) above real-time hogs without making this JVM real-time. The loop writes
 * one line per sample ("holders failed-reads") to a file read at the end. It enters the namespace with
 * {@code nsenter --net}, not {@code ip -n}: ip also sets up a mount namespace for /sys, which waits for kernel threads
 * the real-time hogs starve (2 samples in 8 s instead of 44 on the 2-core machine). Bounded: the loop stops by its
 * own clock and count, and is killed when it overstays.
 */
final class HolderSampler {

    /** One line per sample: how many nodes hold the VIP, how many nodes could not be read. */
    private static final String LOOP = """
            vip=$1; period=$2; seconds=$3; max=$4; shift 4
            end=$(( $(date +%s) + seconds )); n=0
            while [ "$(date +%s)" -lt "$end" ] && [ "$n" -lt "$max" ]; do
              held=0; failed=0
              for ns in "$@"; do
                if out=$(nsenter --net="/run/netns/$ns" ip -o -4 addr show dev eth0 2>/dev/null); then
                  case "$out" in *" inet $vip/"*) held=$((held + 1));; esac
                else
                  failed=$((failed + 1))
                fi
              done
              echo "$held $failed"
              n=$((n + 1))
              sleep "$period"
            done
            """;

    /** Samples with every node read ({@code samples}), of them with two or more holders and with none; samples with a failed read. */
    record Counts(int samples, int twoOrMore, int none, int failed) {
    }

    private HolderSampler() {
    }

    /**
     * Samples the holders of {@code vip} among {@code namespaces} for {@code duration}, pausing {@code periodMs}
     * after each sample; {@code fifoPriority} above 0 runs the loop (and the commands it starts) SCHED_FIFO at it.
     */
    static Counts sample(List<String> namespaces, String vip, Duration duration, long periodMs, int fifoPriority)
            throws IOException, InterruptedException {
        String address = IpAddress.parse(vip).toString(); // a literal, never a pattern or a word to the shell
        long seconds = Math.max(1, duration.toSeconds());
        List<String> cmd = new ArrayList<>();
        if (fifoPriority > 0) {
            cmd.addAll(List.of("chrt", "--fifo", Integer.toString(fifoPriority)));
        }
        cmd.addAll(List.of("sh", "-c", LOOP, "sampler", address, String.format("%d.%03d", periodMs / 1000, periodMs % 1000),
                Long.toString(seconds), Long.toString(seconds * 1000 / periodMs + 10)));
        cmd.addAll(namespaces);
        Path out = Files.createTempFile("vk-soak-samples", ".txt");
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .redirectInput(new File("/dev/null")).start();
            try {
                if (!p.waitFor(seconds + 60, TimeUnit.SECONDS)) {
                    throw new IOException("the holder sampler did not stop within " + (seconds + 60) + " s");
                }
            } finally {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
            return count(Files.readAllLines(out));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    static Counts count(List<String> lines) {
        int samples = 0;
        int two = 0;
        int none = 0;
        int failed = 0;
        for (String line : lines) {
            String[] f = line.strip().split(" ");
            if (f.length != 2) {
                continue;
            }
            int held = Integer.parseInt(f[0]);
            if (Integer.parseInt(f[1]) > 0) {
                failed++;
                continue;
            }
            samples++;
            if (held > 1) {
                two++;
            } else if (held == 0) {
                none++;
            }
        }
        return new Counts(samples, two, none, failed);
    }
}
