package io.vipkeeper.lab.lan;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The probe ({@code lab probe}) running in vk-client (or vk-client2 behind the BGP router), its answers collected as they come. Bounded by its own
 * count and duration, and it stops when this object is closed (its stdin closes).
 */
public final class ProbeStream implements AutoCloseable {

    /** One answer: ok or not, when it was sent and done (epoch µs), which pod answered and through which address. */
    public record Answer(boolean ok, long sentMicros, long doneMicros, String pod, String from) {

        static Answer parse(String line) {
            String[] f = line.split(" ");
            if (f.length < 3 || !(f[0].equals("OK") || f[0].equals("ERR"))) {
                return null;
            }
            boolean ok = f[0].equals("OK");
            String pod = ok && f.length > 3 ? f[3] : null;
            String from = ok && f.length > 5 && f[4].equals("from") ? f[5] : null;
            return new Answer(ok, Long.parseLong(f[1]), Long.parseLong(f[2]), pod, ok ? from : (f.length > 3 ? f[3] : "error"));
        }

        /** A failed answer told against an action at {@code actionMicros} (epoch µs): when sent, how it failed, how long it took. */
        public String failureFrom(long actionMicros) {
            return String.format(Locale.ROOT, "sent at %+.2f s, %s after %d ms", (sentMicros - actionMicros) / 1e6, from,
                    (doneMicros - sentMicros) / 1000);
        }
    }

    private final Process process;
    private final List<Answer> answers = new ArrayList<>();
    private final Thread reader;

    public ProbeStream(String vip, int port, int intervalMs, int timeoutMs, int count, int durationS) throws IOException {
        this(AddressPlan.CLIENT_NS, vip, port, intervalMs, timeoutMs, count, durationS);
    }

    /** From another client namespace than vk-client (BGP mode: {@link AddressPlan#CLIENT2_NS}, behind the router). */
    public ProbeStream(String clientNs, String vip, int port, int intervalMs, int timeoutMs, int count, int durationS) throws IOException {
        List<String> cmd = ChildJvm.command(clientNs, null, List.of(), "64m", "probe", List.of("--host", vip, "--port",
                Integer.toString(port), "--interval-ms", Integer.toString(intervalMs), "--timeout-ms", Integer.toString(timeoutMs),
                "--count", Integer.toString(count), "--duration-s", Integer.toString(durationS), "--until-stdin-closes"));
        process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    Answer a = Answer.parse(line);
                    if (a != null) {
                        synchronized (answers) {
                            answers.add(a);
                            answers.notifyAll();
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // the probe ended
            }
            synchronized (answers) {
                answers.notifyAll();
            }
        }, "probe-reader");
        reader.setDaemon(true);
        reader.start();
    }

    public List<Answer> answers() {
        synchronized (answers) {
            return List.copyOf(answers);
        }
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** Waits for an answer matching {@code p} (looking at every answer so far); null after {@code timeoutMs}. */
    public Answer await(Predicate<Answer> p, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        int seen = 0;
        synchronized (answers) {
            while (true) {
                for (; seen < answers.size(); seen++) {
                    if (p.test(answers.get(seen))) {
                        return answers.get(seen);
                    }
                }
                long left = deadline - System.currentTimeMillis();
                if (left <= 0 || (!process.isAlive() && !reader.isAlive())) {
                    return null;
                }
                answers.wait(Math.min(left, 100));
            }
        }
    }

    /** Waits until the probe has ended by itself (its count or duration). */
    public void awaitEnd(long timeoutMs) throws InterruptedException {
        process.waitFor(timeoutMs, TimeUnit.MILLISECONDS);
        reader.join(2000);
    }

    public static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close(); // the probe halts when its stdin closes
            if (!process.waitFor(3, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            reader.join(2000); // every answer printed is in answers() once this returns
        } catch (IOException | InterruptedException e) {
            process.destroyForcibly();
        }
    }
}
