package io.vipkeeper.platform;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LoggingOptionsTest {

    private final LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();

    @AfterEach
    void restore() throws Exception {
        ctx.reset();
        new ch.qos.logback.classic.util.ContextInitializer(ctx).autoConfig();
    }

    @Test
    void informerRetriesAreNotLoggedWithAStackTraceAtInfo() {
        LoggingOptions.configure(LoggingOptions.Format.text, "info");

        assertThat(ctx.getLogger(LoggingOptions.REFLECTOR).getEffectiveLevel()).isEqualTo(Level.ERROR);
        assertThat(ctx.getLogger("io.fabric8.kubernetes.client.dsl.internal.WatchConnectionManager").getEffectiveLevel())
                .isEqualTo(Level.WARN);
        assertThat(ctx.getLogger(Informers.class).getEffectiveLevel()).isEqualTo(Level.INFO);
    }

    @Test
    void theLabApiServersDroppedConnectionsWhileStoppingAreNotLoggedWithAStackTrace() {
        LoggingOptions.configure(LoggingOptions.Format.text, "info");

        assertThat(ctx.getLogger(LoggingOptions.NETTY_ACCEPTOR).getEffectiveLevel()).isEqualTo(Level.ERROR);
        assertThat(ctx.getLogger("io.netty.channel.DefaultChannelPipeline").getEffectiveLevel()).isEqualTo(Level.WARN);
    }

    @Test
    void debugShowsThemAgain() {
        LoggingOptions.configure(LoggingOptions.Format.text, "debug");

        assertThat(ctx.getLogger(LoggingOptions.REFLECTOR).getEffectiveLevel()).isEqualTo(Level.DEBUG);
    }
}
