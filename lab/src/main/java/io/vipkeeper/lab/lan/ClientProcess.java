package io.vipkeeper.lab.lan;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A lab child command running in vk-client whose standard output is a report: {@code READY} when its traffic is
 * under way, lines of results, {@code END}. It runs for its duration or until {@link #finish} closes its input (and
 * ends when this JVM does, which closes that input too). Each other line goes, split into words, to the owner's handler, called
 * holding this object's lock; the owner reads what its handler collected holding it too.
 */
final class ClientProcess implements AutoCloseable {

    private final Process process;
    private boolean ready;
    private boolean ended;

    ClientProcess(String sub, String heap, List<String> args, Consumer<String[]> onLine) throws IOException {
        List<String> withEnd = new ArrayList<>(args);
        withEnd.add("--until-input-closes");
        process = new ProcessBuilder(ChildJvm.command(AddressPlan.CLIENT_NS, null, List.of(), heap, sub, withEnd))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (this) {
                        if (line.equals("READY")) {
                            ready = true;
                        } else if (line.equals("END")) {
                            ended = true;
                        } else {
                            onLine.accept(line.split(" "));
                        }
                        notifyAll();
                    }
                }
            } catch (IOException | RuntimeException e) {
                // the client ended
            }
            synchronized (this) {
                ended = true;
                notifyAll();
            }
        }, sub + "-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Whether the child said READY within {@code timeoutMs}. */
    synchronized boolean awaitReady(long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!ready && !ended && System.nanoTime() < deadline) {
            wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
        return ready;
    }

    /** Whether the child's report ended within {@code timeoutMs}. */
    synchronized boolean awaitEnd(long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!ended && System.nanoTime() < deadline) {
            wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
        return ended;
    }

    /** Ends the child's traffic now: it reports and ends ({@link #awaitEnd}). */
    void finish() {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // gone already: its report ended with it
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
