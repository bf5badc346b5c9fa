package io.vipkeeper.core.alloc;

import java.util.Locale;

/** The outcome of asking for addresses. */
public sealed interface AllocationResult {

    /** The Service holds {@code allocation}; {@code changed} when it differs from what it held before. */
    record Success(Allocation allocation, boolean changed) implements AllocationResult {
    }

    /** Nothing was assigned (and nothing the Service held before was touched). */
    record Failure(Reason reason, String message) implements AllocationResult {
    }

    enum Reason {
        POOL_EXHAUSTED("pool exhausted"),
        ADDRESS_TAKEN("requested address taken"),
        ADDRESS_INVALID("address invalid"),
        NO_POOL("no pool for namespace");

        private final String text;

        Reason(String text) {
            this.text = text;
        }

        /** Words for events; the enum name in lower case is the metric label. */
        public String text() {
            return text;
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
