package io.vipkeeper.platform;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import io.vipkeeper.core.InvalidInputException;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** {@code --log-format} and {@code --log-level}, shared by every long-running command (a picocli mixin). */
public final class LoggingOptions {

    public enum Format { text, json }

    /** fabric8's informer list/watch loop. */
    static final String REFLECTOR = "io.fabric8.kubernetes.client.informers.impl.cache.Reflector";
    /** netty's acceptor (the lab API server's, through fabric8's MockWebServer and Vert.x). */
    static final String NETTY_ACCEPTOR = "io.netty.bootstrap.ServerBootstrap";

    @Option(names = "--log-format", defaultValue = "text", description = "text (default) or json (one JSON object per line).")
    Format format = Format.text;

    @Option(names = "--log-level", defaultValue = "info", converter = LevelName.class, paramLabel = "LEVEL",
            description = "error, warn, info (default), debug or trace.")
    String level = "info";

    /** A logback level name, refused while parsing (before anything runs) when it is none. */
    static final class LevelName implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            if (parse(value) == null) {
                throw new CommandLine.TypeConversionException("unknown level " + InvalidInputException.quote(value)
                        + " (error, warn, info, debug or trace)");
            }
            return value;
        }
    }

    private static Level parse(String level) {
        return level != null && level.matches("(?i)error|warn|info|debug|trace|off|all") ? Level.toLevel(level) : null;
    }

    /** Configures logback from these options; call once at the start of a command. */
    public void apply() {
        configure(format, level);
    }

    public static void configure(Format format, String level) {
        Level parsed = parse(level);
        if (parsed == null) {
            throw new InvalidInputException("--log-level: unknown level " + InvalidInputException.quote(level)
                    + " (error, warn, info, debug or trace)");
        }
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.reset();
        Encoder<ILoggingEvent> encoder;
        if (format == Format.json) {
            JsonEncoder json = new JsonEncoder();
            json.setWithArguments(false);
            json.setWithFormattedMessage(true);
            json.setWithMessage(false);
            json.setWithContext(false);
            json.setWithMDC(false);
            json.setWithSequenceNumber(false);
            json.setWithNanoseconds(false);
            encoder = json;
        } else {
            PatternLayoutEncoder pattern = new PatternLayoutEncoder();
            pattern.setPattern("%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n");
            encoder = pattern;
        }
        encoder.setContext(ctx);
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(ctx);
        console.setName("console");
        console.setTarget("System.err");
        console.setEncoder(encoder);
        console.start();
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.addAppender(console);
        root.setLevel(parsed);
        // the client libraries are chatty at info; their warnings still show
        ctx.getLogger("io.fabric8").setLevel(parsed.isGreaterOrEqual(Level.INFO) ? Level.WARN : parsed);
        // a failed list or watch: fabric8 logs it with a stack trace on every retry; Informers logs one line instead
        ctx.getLogger(REFLECTOR).setLevel(parsed.isGreaterOrEqual(Level.INFO) ? Level.ERROR : parsed);
        ctx.getLogger("io.vertx").setLevel(Level.WARN);
        ctx.getLogger("io.netty").setLevel(Level.WARN);
        // the lab's API server stopping (chaos: api-down) closes while netty's acceptor still takes connections: each
        // is dropped, as a stopping API server drops it, and netty logged a stack trace for every one
        ctx.getLogger(NETTY_ACCEPTOR).setLevel(Level.ERROR);
    }
}
