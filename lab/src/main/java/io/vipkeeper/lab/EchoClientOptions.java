package io.vipkeeper.lab;

import io.vipkeeper.platform.Flags;
import picocli.CommandLine.Option;

/** The flags the lab's echo clients share ({@code connections}, {@code udp-flows}): where to, how often, how long, and their pace. */
final class EchoClientOptions {

    @Option(names = "--host", required = true, converter = Flags.Host.class)
    String host;

    @Option(names = "--port", defaultValue = "9000", converter = Flags.Port.class)
    int port;

    @Option(names = "--interval-ms", defaultValue = "20", converter = LabProbeCommand.Positive.class)
    int intervalMs;

    @Option(names = "--duration-s", defaultValue = "20", converter = LabProbeCommand.Seconds.class)
    int durationS;

    /** Ends early once standard input closes: for a lab that owns the client's input (not a test in Surefire's JVM). */
    @Option(names = "--until-input-closes")
    boolean untilInputCloses;

    /** The pace of {@code senders} until {@code endNanos}, or until the input closes with {@code --until-input-closes}. */
    SendPacer pacer(int senders, long endNanos) {
        SendPacer p = new SendPacer(senders, intervalMs, endNanos);
        return untilInputCloses ? p.endWhenClosed(System.in) : p;
    }
}
