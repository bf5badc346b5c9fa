package io.vipkeeper.lab;

import io.vipkeeper.platform.Flags;
import picocli.CommandLine.Option;

/** The flags the lab's echo clients share ({@code connections}, {@code udp-flows}): where to, how often, how long. */
final class EchoClientOptions {

    @Option(names = "--host", required = true, converter = Flags.Host.class)
    String host;

    @Option(names = "--port", defaultValue = "9000", converter = Flags.Port.class)
    int port;

    @Option(names = "--interval-ms", defaultValue = "20", converter = LabProbeCommand.Positive.class)
    int intervalMs;

    @Option(names = "--duration-s", defaultValue = "20", converter = LabProbeCommand.Seconds.class)
    int durationS;
}
