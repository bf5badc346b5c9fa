package io.vipkeeper.agent;

import io.vipkeeper.platform.process.Exec;
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The VRRP state of each instance, as keepalived reports it on its notify FIFO
 * ({@code INSTANCE "vips" MASTER 100}). The reader reopens the FIFO whenever keepalived restarts.
 */
final class VrrpStates implements AutoCloseable {

    enum State { INIT, BACKUP, MASTER, FAULT, STOP }

    private static final Logger LOG = LoggerFactory.getLogger(VrrpStates.class);
    private static final Pattern LINE = Pattern.compile("INSTANCE \"([A-Za-z0-9_]{1,80})\" (MASTER|BACKUP|FAULT|STOP|INIT)( [0-9]{1,3})?");

    private final Path fifo;
    private final BiConsumer<String, State> onChange;
    private final Map<String, State> states = new ConcurrentHashMap<>();
    private volatile boolean running = true;
    private Thread reader;

    VrrpStates(Path fifo, BiConsumer<String, State> onChange) {
        this.fifo = fifo;
        this.onChange = onChange;
    }

    /** Creates the FIFO (keepalived writes to it) and starts reading. */
    void start() throws IOException {
        if (!Files.exists(fifo)) {
            Exec.Result r = Exec.run(List.of("mkfifo", "-m", "0600", fifo.toString()), Duration.ofSeconds(5));
            if (!r.ok()) {
                throw new IOException("mkfifo " + fifo + ": " + r.message());
            }
        }
        reader = new Thread(this::read, "vrrp-notify");
        reader.setDaemon(true);
        reader.start();
    }

    Map<String, State> snapshot() {
        return Map.copyOf(states);
    }

    State of(String instance) {
        return states.getOrDefault(instance, State.INIT);
    }

    /** Records an instance's state as keepalived reported it; tells {@code onChange} when it changed. */
    void update(String instance, State s) {
        State before = states.put(instance, s);
        if (before != s) {
            LOG.info("VRRP instance {}: {} -> {}", instance, before == null ? State.INIT : before, s);
            onChange.accept(instance, s);
        }
    }

    /** Forgets instances that no longer exist (after a reload removed them). */
    void retain(Set<String> instances) {
        states.keySet().retainAll(instances);
    }

    private void read() {
        while (running) {
            // opening blocks until keepalived opens its end; EOF means keepalived closed it (restart or stop)
            try (BufferedReader r = new BufferedReader(new InputStreamReader(new FileInputStream(fifo.toFile()), StandardCharsets.UTF_8))) {
                String line;
                while (running && (line = r.readLine()) != null) {
                    Matcher m = LINE.matcher(line.strip());
                    if (!m.matches()) {
                        continue; // GROUP lines and anything else keepalived may add
                    }
                    update(m.group(1), State.valueOf(m.group(2)));
                }
            } catch (IOException e) {
                if (running) {
                    LOG.warn("reading {}: {}", fifo, e.getMessage());
                    try {
                        Thread.sleep(500);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }
    }

    /** Keepalived stopped: every instance is down (it released its addresses). */
    void allStopped() {
        for (String i : states.keySet()) {
            if (states.put(i, State.STOP) != State.STOP) {
                onChange.accept(i, State.STOP);
            }
        }
    }

    @Override
    public void close() {
        running = false;
        if (reader == null) {
            return; // never started: no reader to wake, and opening a FIFO that was never made would create a file
        }
        // a reader blocked in open() wakes when a writer opens the FIFO; done on a side thread because that
        // open blocks in turn when no reader is left
        Thread waker = new Thread(() -> {
            try (FileOutputStream unused = new FileOutputStream(fifo.toFile())) {
                // nothing to write
            } catch (IOException e) {
                // the FIFO is gone; the reader ends on its own
            }
        }, "vrrp-notify-close");
        waker.setDaemon(true);
        waker.start();
        reader.interrupt();
        try {
            reader.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
