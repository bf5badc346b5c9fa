package io.vipkeeper.lab;

import io.vipkeeper.platform.Flags;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code connections} (a child of the lab, run in vk-client): {@code --connections N} long-lived TCP connections to
 * an echo service, each sending a short numbered line every {@code --interval-ms} and checking that exactly that line
 * comes back. Prints {@code READY} once all are open, and at the end one line per connection:
 * {@code CONN ID alive|reset|hung|error LONGEST_STALL_MS ECHOES LAST_ECHO_US} ({@code alive}: echoes still came in the last
 * second; {@code hung}: no error, but no echo for longer), each followed by its stalls, {@code GAP ID FROM_US MS}: every gap
 * between two echoes (or from the last echo to the end) of at least {@link AnswerGaps#GAP_MS} (at most {@link AnswerGaps#MAX_GAPS} per
 * connection; times as epoch microseconds, so the lab can tell a stall at the failover from one elsewhere), then
 * {@code END}. Bounded by {@code --duration-s}, or with {@code --until-input-closes} until its standard input closes (the lab is done with it).
 */
@Command(name = "connections", hidden = true, mixinStandardHelpOptions = true,
        description = "Long-lived TCP connections to an echo port, each checked every few ms (started by the lab).")
public final class LabConnectionsCommand implements Callable<Integer> {

    @Mixin
    EchoClientOptions target;

    @Option(names = "--connections", defaultValue = "50", converter = Count.class)
    int connections;

    static final class Count extends Flags.IntRange {
        Count() {
            super(1, 1000, "a number of connections");
        }
    }

    /**
     * One connection: its channel, what is still to be sent, the partial line read so far, and its record. Only the
     * client's one thread touches it.
     */
    static final class Conn {
        final int id;
        final SocketChannel channel;
        final ByteBuffer out = ByteBuffer.allocate(OUT_LIMIT);
        final StringBuilder partial = new StringBuilder();
        long nextSeq = 1;
        long expected = 1;
        /** The echoes' times, from the start of sending. */
        AnswerGaps echoes;
        String failure;
        boolean reset;

        Conn(int id, SocketChannel channel) {
            this.id = id;
            this.channel = channel;
            out.flip(); // empty, ready to be drained
        }

        boolean failed() {
            return failure != null;
        }
    }

    /** Longer than any line sent ("ID SEQ"): what comes back beyond it is not an echo. */
    static final int MAX_LINE = 64;

    /** Lines not yet sent while a connection stalls: beyond this it stops queueing (it is hung; the echoes tell). */
    static final int OUT_LIMIT = 64 * 1024;

    /**
     * One thread for every connection: it sends each line on time, and stamps an echo when the one {@code select}
     * returns, so the stall it reports is close to the one on the wire rather than how late one of a hundred threads
     * was scheduled on a busy machine (a reader and a writer thread per connection read echoes up to ~40 ms late
     * here; this one is within 13 ms of the wire in most rounds: docs/benchmarks.md).
     */
    @Override
    public Integer call() throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(target.durationS);
        List<Conn> conns = new ArrayList<>();
        try (Selector selector = Selector.open()) {
            for (int i = 1; i <= connections; i++) {
                SocketChannel ch = SocketChannel.open();
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ch.socket().connect(new InetSocketAddress(target.host, target.port), 3000);
                ch.configureBlocking(false);
                Conn c = new Conn(i, ch);
                ch.register(selector, SelectionKey.OP_READ, c);
                conns.add(c);
            }
            System.out.println("READY");
            System.out.flush();
            end = run(selector, conns, end);
        } finally {
            for (Conn c : conns) {
                c.channel.close();
            }
        }
        report(conns, end);
        return 0;
    }

    /**
     * Until {@code end} (or the input closed), returning when it ended: each connection's lines go out every
     * {@code --interval-ms}, the connections spread evenly over the interval (not all in one burst); between sends,
     * whatever is readable is read.
     */
    private long run(Selector selector, List<Conn> conns, long end) throws IOException {
        long start = System.nanoTime();
        conns.forEach(c -> c.echoes = new AnswerGaps(start));
        SendPacer pacer = target.pacer(conns.size(), end);
        ByteBuffer in = ByteBuffer.allocate(16 * 1024);
        while (pacer.running()) {
            pacer.sendThenSelect(i -> {
                Conn c = conns.get(i);
                if (!c.failed()) {
                    queue(c);
                    send(c, selector);
                }
            }, selector);
            long at = System.nanoTime();
            for (SelectionKey k : selector.selectedKeys()) {
                Conn c = (Conn) k.attachment();
                if (k.isValid() && k.isReadable()) {
                    receive(c, in, at);
                }
                if (k.isValid() && k.isWritable() && !c.failed()) {
                    send(c, selector);
                }
                if (c.failed()) {
                    k.cancel();
                }
            }
            selector.selectedKeys().clear();
        }
        return pacer.end();
    }

    private static void queue(Conn c) {
        byte[] line = (line(c.id, c.nextSeq) + "\n").getBytes(StandardCharsets.US_ASCII);
        c.out.compact();
        if (c.out.remaining() >= line.length) {
            c.out.put(line);
            c.nextSeq++;
        }
        c.out.flip();
    }

    /** The line a connection sends as its {@code seq}th, and expects back, without the newline. */
    private static String line(int id, long seq) {
        return id + " " + seq;
    }

    /** Writes what is queued; what the socket does not take now goes when it is writable again. */
    private static void send(Conn c, Selector selector) {
        try {
            c.channel.write(c.out);
            c.channel.keyFor(selector).interestOps(c.out.hasRemaining() ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
        } catch (IOException e) {
            fail(c, e);
        }
    }

    /** Reads what arrived, checks every whole line is the next one sent, and records the gap since the previous echo. */
    private static void receive(Conn c, ByteBuffer in, long at) {
        try {
            in.clear();
            int n = c.channel.read(in);
            if (n < 0) {
                c.failure = "closed by the peer";
                return;
            }
            for (int i = 0; i < n; i++) {
                char ch = (char) in.get(i);
                if (ch != '\n') {
                    if (c.partial.length() > MAX_LINE) {
                        c.failure = "a line longer than " + MAX_LINE + " characters came back";
                        return;
                    }
                    c.partial.append(ch);
                    continue;
                }
                String want = line(c.id, c.expected);
                if (!c.partial.toString().equals(want)) {
                    c.failure = "expected \"" + want + "\", got \"" + c.partial + "\"";
                    return;
                }
                c.partial.setLength(0);
                c.expected++;
                c.echoes.answer(at);
            }
        } catch (IOException e) {
            fail(c, e);
        }
    }

    private static void report(List<Conn> conns, long end) {
        long epochOffsetUs = AnswerGaps.epochOffsetUs();
        for (Conn c : conns) {
            String state = c.reset ? "reset" : c.failure != null ? "error" : c.echoes.answeredLately(end) ? "alive" : "hung";
            System.out.printf("CONN %d %s %d %d %d%n", c.id, state, c.echoes.longestMs(end), c.echoes.answers(),
                    epochOffsetUs + c.echoes.lastNanos() / 1000);
            c.echoes.lines(c.id, epochOffsetUs, end).forEach(System.out::println);
        }
        System.out.println("END");
        System.out.flush();
    }

    private static void fail(Conn c, IOException e) {
        if (e instanceof SocketException && String.valueOf(e.getMessage()).toLowerCase().contains("reset")) {
            c.reset = true;
        }
        if (c.failure == null) {
            c.failure = String.valueOf(e.getMessage());
        }
    }
}
