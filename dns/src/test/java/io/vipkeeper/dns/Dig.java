package io.vipkeeper.dns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Runs the real {@code dig} against a server on loopback. */
final class Dig {

    record Reply(String status, List<String> answer, List<String> authority, boolean aa, String raw) {
        /** Answer records as "name type value" (TTL left out). */
        List<String> records() {
            List<String> out = new ArrayList<>();
            for (String line : answer) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 5) {
                    out.add(f[0] + " " + f[3] + " " + f[4]);
                }
            }
            return out;
        }

        List<String> values(String type) {
            List<String> out = new ArrayList<>();
            for (String line : answer) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 5 && f[3].equals(type)) {
                    out.add(f[4]);
                }
            }
            out.sort(null);
            return out;
        }

        int ttlOfFirst() {
            return Integer.parseInt(answer.get(0).trim().split("\\s+")[1]);
        }
    }

    private final int port;

    Dig(int port) {
        this.port = port;
    }

    Reply query(String name, String type, String... extra) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("dig", "@127.0.0.1", "-p", Integer.toString(port), "+time=2", "+tries=1",
                "+norecurse", "+nocmd", "+nostats", "+noquestion", "+comments", "+answer", "+authority", "+noadditional"));
        cmd.addAll(List.of(extra));
        cmd.add(name);
        cmd.add(type);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("dig hung");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String status = out.contains("status: ") ? out.replaceAll("(?s).*status: ([A-Z]+).*", "$1") : "NO-REPLY";
        boolean aa = out.matches("(?s).*flags:[^;]* aa[ ;].*");
        List<String> answer = new ArrayList<>();
        List<String> authority = new ArrayList<>();
        List<String> section = null;
        for (String line : out.split("\n")) {
            if (line.startsWith(";; ANSWER SECTION")) {
                section = answer;
            } else if (line.startsWith(";; AUTHORITY SECTION")) {
                section = authority;
            } else if (line.startsWith(";")) {
                section = line.startsWith(";; ") && line.endsWith("SECTION:") ? null : section;
            } else if (!line.isBlank() && section != null) {
                section.add(line);
            }
        }
        return new Reply(status, answer, authority, aa, out);
    }

    /** Queries until {@code done} holds or {@code timeoutMillis} passes (bounded); returns the last reply and the time taken. */
    record Waited(Reply reply, long millis, boolean ok) {
    }

    Waited until(String name, String type, Predicate<Reply> done, long timeoutMillis) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Reply last = null;
        while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(timeoutMillis)) {
            last = query(name, type);
            if (done.test(last)) {
                return new Waited(last, (System.nanoTime() - start) / 1_000_000, true);
            }
            Thread.sleep(20);
        }
        return new Waited(last, (System.nanoTime() - start) / 1_000_000, false);
    }
}
