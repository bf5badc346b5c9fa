package io.vipkeeper.core.names;

import io.vipkeeper.core.InvalidInputException;
import java.util.regex.Pattern;

/** The Kubernetes name rules vipkeeper relies on; the in-memory API enforces none of them, so we do. */
public final class KubeNames {

    private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern DNS1123_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern DNS1035_LABEL = Pattern.compile("[a-z]([-a-z0-9]{0,61}[a-z0-9])?");
    // annotation-value-like tokens we accept for pool names and sharing keys
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");

    private KubeNames() {
    }

    public static boolean isNamespace(String s) {
        return s != null && DNS1123_LABEL.matcher(s).matches();
    }

    public static boolean isServiceName(String s) {
        return s != null && DNS1035_LABEL.matcher(s).matches();
    }

    /** A DNS subdomain (RFC 1123): what most kinds allow as a name (ConfigMaps, Nodes), at most 253 characters. */
    public static boolean isSubdomain(String s) {
        return s != null && s.length() <= 253 && DNS1123_SUBDOMAIN.matcher(s).matches();
    }

    public static boolean isToken(String s) {
        return s != null && TOKEN.matcher(s).matches();
    }

    public static String requireNamespace(String s) {
        if (!isNamespace(s)) {
            throw new InvalidInputException("not a valid namespace name: " + InvalidInputException.quote(s)
                    + " (lower-case letters, digits and '-', at most 63)");
        }
        return s;
    }

    public static String requireServiceName(String s) {
        if (!isServiceName(s)) {
            throw new InvalidInputException("not a valid Service name: " + InvalidInputException.quote(s)
                    + " (a lower-case letter, then letters, digits and '-', at most 63)");
        }
        return s;
    }

    /** A {@code kind}'s name that must be a DNS subdomain. */
    public static String requireSubdomain(String s, String kind) {
        if (!isSubdomain(s)) {
            throw new InvalidInputException("not a valid " + kind + " name: " + InvalidInputException.quote(s)
                    + " (lower-case letters, digits, '-' and '.', at most 253)");
        }
        return s;
    }

    public static String requirePoolName(String s) {
        if (!isToken(s)) {
            throw new InvalidInputException("not a valid pool name: " + InvalidInputException.quote(s)
                    + " (letters, digits, '-', '_' and '.', at most 63)");
        }
        return s;
    }
}
