package io.vipkeeper.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The echo clients' pace ends at its end, or earlier when the lab closes the client's input. */
class SendPacerTest {

    /** Polls {@code c} every few ms for up to 5 s; whether it came true. */
    static boolean within5s(BooleanSupplier c) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!c.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return c.getAsBoolean();
    }

    @Test
    void theSendingEndsWhenTheInputClosesAndTheEndIsThen() throws Exception {
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        PipedOutputStream lab = new PipedOutputStream();
        PipedInputStream input = new PipedInputStream(lab);
        SendPacer pacer = new SendPacer(2, 20, end).endWhenClosed(input);
        lab.write('x'); // what comes on the input is no end
        lab.flush();
        assertThat(within5s(() -> availableOf(input) == 0)).as("the watcher read what came").isTrue();
        assertThat(pacer.running()).isTrue();
        assertThat(pacer.end()).isEqualTo(end);
        long closed = System.nanoTime();
        lab.close();
        assertThat(within5s(() -> !pacer.running())).as("ended within 5 s of the input closing").isTrue();
        assertThat(pacer.end()).isBetween(closed, System.nanoTime());
    }

    @Test
    void withoutAnInputToWatchItRunsToItsEnd() throws Exception {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        SendPacer pacer = new SendPacer(1, 20, end);
        assertThat(pacer.running()).isTrue();
        assertThat(within5s(() -> !pacer.running())).as("ended").isTrue();
        assertThat(System.nanoTime()).as("not before its end").isGreaterThanOrEqualTo(end);
        assertThat(pacer.end()).isEqualTo(end);
    }

    private static int availableOf(PipedInputStream in) {
        try {
            return in.available();
        } catch (IOException e) {
            return -1;
        }
    }
}
