package io.vipkeeper.platform;

/** A command cannot start for a reason the operator can fix (a port in use, a file missing): one line, exit 1. */
public final class StartupException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
