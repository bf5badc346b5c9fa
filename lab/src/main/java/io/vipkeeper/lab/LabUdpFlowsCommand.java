package io.vipkeeper.lab;

import io.vipkeeper.platform.Flags;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code udp-flows} (a child of the lab, run in vk-client): {@code --flows N} UDP flows to the backends' echo port, each
 * from a client port of its own, a numbered datagram every {@code --interval-ms}. The echo names the pod that answered
 * and the source it saw ({@link LabEcho}), so a flow tells whether it kept its pod and its source NAT through a
 * failover. Prints {@code READY} once every flow has had an answer, and at the end one line per flow:
 * {@code FLOW ID answering|silent ANSWERS LONGEST_GAP_MS LAST_ANSWER_US PODS SOURCES} ({@code answering}: an answer
 * came in the last second; pods and sources comma-separated in the order seen, {@code -} for none), each followed by
 * its gaps, {@code GAP ID FROM_US MS}, as {@code connections} reports them ({@link AnswerGaps}), then {@code END}.
 * Bounded by {@code --duration-s}, or with {@code --until-input-closes} until its standard input closes (the lab is done with it).
 */
@Command(name = "udp-flows", hidden = true, mixinStandardHelpOptions = true,
        description = "UDP flows to an echo port, each checked every few ms (started by the lab).")
public final class LabUdpFlowsCommand implements Callable<Integer> {

    @Mixin
    EchoClientOptions target;

    @Option(names = "--flows", defaultValue = "20", converter = Count.class)
    int flows;

    static final class Count extends Flags.IntRange {
        Count() {
            super(1, 1000, "a number of flows");
        }
    }

    /** One flow: its channel and what its answers said. Only the client's one thread touches it. */
    static final class Flow {
        final int id;
        final DatagramChannel channel;
        long nextSeq = 1;
        /** The answers' times, from the start of sending. */
        AnswerGaps answers;
        final Set<String> pods = new LinkedHashSet<>();
        final Set<String> sources = new LinkedHashSet<>();

        Flow(int id, DatagramChannel channel) {
            this.id = id;
            this.channel = channel;
        }
    }

    /** Datagrams read from one flow before the others get their turn. */
    static final int READS_PER_WAKEUP = 64;

    @Override
    public Integer call() throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(target.durationS);
        List<Flow> all = new ArrayList<>();
        try (Selector selector = Selector.open()) {
            for (int i = 1; i <= flows; i++) {
                DatagramChannel ch = DatagramChannel.open();
                ch.bind(new InetSocketAddress(0));
                ch.connect(new InetSocketAddress(target.host, target.port));
                ch.configureBlocking(false);
                Flow f = new Flow(i, ch);
                ch.register(selector, SelectionKey.OP_READ, f);
                all.add(f);
            }
            end = run(selector, all, end);
        } finally {
            for (Flow f : all) {
                f.channel.close();
            }
        }
        report(all, end);
        return 0;
    }

    /**
     * Until {@code end} (or the input closed), returning when it ended: each flow sends every {@code --interval-ms}, the
     * flows spread over the interval; answers are read between sends.
     */
    private long run(Selector selector, List<Flow> all, long end) throws IOException {
        long start = System.nanoTime();
        all.forEach(f -> f.answers = new AnswerGaps(start));
        SendPacer pacer = target.pacer(all.size(), end);
        ByteBuffer in = ByteBuffer.allocate(LabEcho.MAX_DATAGRAM);
        boolean ready = false;
        while (pacer.running()) {
            pacer.sendThenSelect(i -> send(all.get(i)), selector);
            long at = System.nanoTime();
            for (SelectionKey k : selector.selectedKeys()) {
                receive((Flow) k.attachment(), in, at);
            }
            selector.selectedKeys().clear();
            if (!ready && all.stream().allMatch(f -> f.answers.answers() > 0)) {
                ready = true;
                System.out.println("READY");
                System.out.flush();
            }
        }
        return pacer.end();
    }

    private static void send(Flow f) {
        try {
            f.channel.write(ByteBuffer.wrap((f.id + " " + f.nextSeq++).getBytes(StandardCharsets.US_ASCII)));
        } catch (IOException e) {
            // an ICMP error from an earlier datagram (no route, port unreachable): this one is lost, the next is sent
        }
    }

    /** Reads the waiting answers (at most {@link #READS_PER_WAKEUP}): "ID SEQ POD SOURCE"; anything else is not counted. */
    private static void receive(Flow f, ByteBuffer in, long at) {
        for (int k = 0; k < READS_PER_WAKEUP; k++) {
            in.clear();
            int n;
            try {
                n = f.channel.read(in);
            } catch (IOException e) {
                continue; // an ICMP error queued on the socket; the datagrams behind it are still to be read
            }
            if (n <= 0) {
                return;
            }
            String[] w = new String(in.array(), 0, n, StandardCharsets.US_ASCII).split(" ");
            if (w.length != 4 || !w[0].equals(Integer.toString(f.id))) {
                continue;
            }
            f.pods.add(w[2]);
            f.sources.add(w[3]);
            f.answers.answer(at);
        }
    }

    private static void report(List<Flow> all, long end) {
        long epochOffsetUs = AnswerGaps.epochOffsetUs();
        for (Flow f : all) {
            System.out.printf("FLOW %d %s %d %d %d %s %s%n", f.id, f.answers.answeredLately(end) ? "answering" : "silent",
                    f.answers.answers(), f.answers.longestMs(end), epochOffsetUs + f.answers.lastNanos() / 1000, joined(f.pods),
                    joined(f.sources));
            f.answers.lines(f.id, epochOffsetUs, end).forEach(System.out::println);
        }
        System.out.println("END");
        System.out.flush();
    }

    private static String joined(Set<String> s) {
        return s.isEmpty() ? "-" : String.join(",", s);
    }
}
