package io.vipkeeper.platform.process;

/** Pauses for loops that retry or poll: an interrupt ends the pause early and stays set for the caller to see. */
public final class Sleep {

    private Sleep() {
    }

    public static void millis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
