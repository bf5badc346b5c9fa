package io.vipkeeper.core.dns;

import java.util.Map;

/** An in-memory copy of the etcd entries under a prefix, fed from one listing and then a watch. */
public interface EtcdMirror {

    /** Applies one etcd event: a put ({@code value} not null) or a delete. Returns whether what the copy holds changed. */
    boolean apply(String key, String value);

    /** Replaces everything with {@code entries} (a fresh listing after the watch was lost). */
    void reset(Map<String, String> entries);
}
