package io.vipkeeper.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The echo clients' pace ends at its end, or earlier when the lab closes the client's input. */
class SendPacerTest {

    @Test
    void theSendingEndsWhenTheInputClosesAndTheEndIsThen() throws Exception {
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        PipedOutputStream lab = new PipedOutputStream();
        SendPacer pacer = new SendPacer(2, 20, end).endWhenClosed(new PipedInputStream(lab));
        lab.write('x'); // what comes on the input is no end
        lab.flush();
        Thread.sleep(100);
        assertThat(pacer.running()).isTrue();
        assertThat(pacer.end()).isEqualTo(end);
        long closed = System.nanoTime();
        lab.close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (pacer.running() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(pacer.running()).as("ended within 5 s of the input closing").isFalse();
        assertThat(pacer.end()).isBetween(closed, System.nanoTime());
    }

    @Test
    void withoutAnInputToWatchItRunsToItsEnd() throws Exception {
        SendPacer pacer = new SendPacer(1, 20, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50));
        assertThat(pacer.running()).isTrue();
        Thread.sleep(60);
        assertThat(pacer.running()).isFalse();
    }
}
