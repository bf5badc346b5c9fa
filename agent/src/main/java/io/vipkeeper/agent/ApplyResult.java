package io.vipkeeper.agent;

import java.util.Objects;

/** What one {@link Applier} did with a plan; {@code error} (the tool's message) only when it was rejected. */
record ApplyResult(Outcome outcome, String error) {

    enum Outcome {
        /** the same as what is in force: nothing done */
        UNCHANGED,
        /** the daemon was started with it */
        STARTED,
        /** applied to what was running (a reload, a transaction, a rewritten file) */
        APPLIED,
        /** the tool refused it: what was in force stays */
        REJECTED
    }

    static final ApplyResult UNCHANGED = new ApplyResult(Outcome.UNCHANGED, null);
    static final ApplyResult STARTED = new ApplyResult(Outcome.STARTED, null);
    static final ApplyResult APPLIED = new ApplyResult(Outcome.APPLIED, null);

    ApplyResult {
        Objects.requireNonNull(outcome, "outcome");
    }

    static ApplyResult rejected(String error) {
        return new ApplyResult(Outcome.REJECTED, error == null || error.isBlank() ? "(no message)" : error);
    }

    boolean rejected() {
        return outcome == Outcome.REJECTED;
    }

    /** Whether something new is in force now. */
    boolean changed() {
        return outcome == Outcome.STARTED || outcome == Outcome.APPLIED;
    }
}
