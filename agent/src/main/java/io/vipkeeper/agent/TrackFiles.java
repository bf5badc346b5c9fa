package io.vipkeeper.agent;

import io.vipkeeper.core.plan.AgentPlan;
import io.vipkeeper.core.plan.TrackFile;
import io.vipkeeper.platform.AtomicFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The track files of externalTrafficPolicy Local VIPs (see {@link TrackFile}): each is rewritten, atomically, only
 * when its content changes; keepalived notices the change itself, no reload.
 */
final class TrackFiles implements Applier {

    private final Map<String, String> written = new HashMap<>();

    @Override
    public Kind kind() {
        return Kind.TRACK_FILES;
    }

    @Override
    public ApplyResult apply(AgentPlan plan) throws IOException {
        boolean changed = false;
        for (TrackFile f : plan.trackFiles()) {
            if (!f.content().equals(written.get(f.path()))) {
                AtomicFile.write(Path.of(f.path()), f.content());
                written.put(f.path(), f.content());
                changed = true;
            }
        }
        return changed ? ApplyResult.APPLIED : ApplyResult.UNCHANGED;
    }
}
