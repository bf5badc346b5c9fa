package io.vipkeeper.core.agent;

import io.vipkeeper.core.InvalidInputException;
import java.util.regex.Pattern;

/** Validation shared by the agent's records: every string they hold is safe to print into a configuration. */
public final class AgentChecks {

    // RFC 1123 subdomain: what Kubernetes allows for Node names
    private static final Pattern DNS1123_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private AgentChecks() {
    }

    public static int port(int port, String what) {
        if (port < 1 || port > 65535) {
            throw new InvalidInputException(what + " " + port + " is out of range 1-65535");
        }
        return port;
    }

    /** A port name, or "" for the single unnamed port of a Service. */
    public static String portName(String name) {
        if (name == null || name.isEmpty()) {
            return "";
        }
        return new TargetPort.Named(name).name();
    }

    public static boolean isNodeName(String s) {
        return s != null && s.length() <= 253 && DNS1123_SUBDOMAIN.matcher(s).matches();
    }

    public static String nodeName(String s) {
        if (!isNodeName(s)) {
            throw new InvalidInputException("not a valid node name: " + InvalidInputException.quote(s)
                    + " (a DNS subdomain: lower-case letters, digits, '-' and '.', at most 253)");
        }
        return s;
    }
}
